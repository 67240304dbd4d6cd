//! Gatherings not built yet: empty states that say what is coming.
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn ComingSoon(title: &'static str, icon: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Hearth") />
        <section class="card empty-state">
            <p class="big-icon" aria-hidden="true">{icon}</p>
            <h1>{title}</h1>
            <p>{what}</p>
            <p class="hint">"Coming soon: nothing to do here yet."</p>
        </section>
    }
}

#[component]
pub fn LunchesPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Lunches"
            icon="🥪"
            what="Say when you are free and what you can't eat; Hearth proposes small lunches with people you have not met lately."
        />
    }
}

use crate::platform;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    platform::set_not_found_status();
    view! {
        <Title text="Not found · Hearth" />
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><A href="/">"Go to the home page"</A></p>
        </section>
    }
}

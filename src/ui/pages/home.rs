//! The home page: what Hearth is, and where to go.
use crate::core::api::auth::whoami;
use crate::ui::components::layout::sections;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <section class="hero">
            <h1>"Small gatherings, warmly kept"</h1>
            <p class="lead">"Small groups, one place: draw names, meet online, share a lunch."</p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || {
                    me.get()
                        .map(|r| match r.ok().flatten() {
                            Some(me) => view! { <p class="welcome">{format!("Welcome back, {}.", me.display_name)}</p> }.into_any(),
                            None => {
                                view! {
                                    <p class="actions">
                                        <A href="/signup" attr:class="button primary">"Sign up"</A>
                                        <A href="/login" attr:class="button">"Log in"</A>
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
        <ul class="tiles">
            {sections()
                .iter()
                .map(|s| view! {
                    <li>
                        <A href=s.href>
                            <span class="icon" aria-hidden="true">{s.icon}</span>
                            <strong>{s.title}</strong>
                            <span>{s.blurb}</span>
                        </A>
                    </li>
                })
                .collect_view()}
        </ul>
    }
}

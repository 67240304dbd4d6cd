//! The home page: what Hearth is, and where to go.
use crate::api::auth::whoami;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <section class="hero">
            <h1>"Small gatherings, warmly kept"</h1>
            <p class="lead">"Secret Santa exchanges, virtual events with RSVPs and lunch matching, in one place."</p>
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
            <li>
                <A href="/santa">
                    <span class="icon" aria-hidden="true">"🎁"</span>
                    <strong>"Secret Santa"</strong>
                    <span>"Draw names, give an emoji gift, open it at the reveal."</span>
                </A>
            </li>
            <li>
                <A href="/events">
                    <span class="icon" aria-hidden="true">"📅"</span>
                    <strong>"Events"</strong>
                    <span>"Virtual events with invitations and RSVPs."</span>
                </A>
            </li>
            <li>
                <A href="/lunches">
                    <span class="icon" aria-hidden="true">"🥪"</span>
                    <strong>"Lunches"</strong>
                    <span>"Meet new people over lunch."</span>
                </A>
            </li>
        </ul>
    }
}

//! "Me": who is signed in, and logging out.
use crate::core::api::auth::{whoami, LogOut};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn MePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    let logout = ServerAction::<LogOut>::new();
    let q = use_query_map();
    let just_reset = move || q.read().get("reset").is_some();
    view! {
        <Title text="Me · Hearth" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                me.get()
                    .map(|r| match r {
                        Ok(Some(me)) => {
                            view! {
                                <section class="card">
                                    <h1>{format!("Hi, {}", me.display_name)}</h1>
                                    {just_reset().then(|| view! { <p role="status" class="notice">"Your new password is saved."</p> })}
                                    {(!me.has_password).then(|| view! {
                                        <p class="notice">
                                            "Your account has no password: you sign in with links we email you. "
                                            <A href="/forgot">"Choose a password"</A>
                                        </p>
                                    })}
                                    <dl class="facts">
                                        <dt>"Email"</dt>
                                        <dd>
                                            {me.email.clone()}
                                            {if me.verified { " ✓ confirmed" } else { " (not confirmed yet: check your inbox)" }}
                                        </dd>
                                        <dt>"Time zone"</dt>
                                        <dd>{me.time_zone.clone()}</dd>
                                    </dl>
                                    <ActionForm action=logout>
                                        <button type="submit" class="button">"Log out"</button>
                                    </ActionForm>
                                </section>
                                <super::LinkedProvidersCard />
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! {
                                <section class="card narrow">
                                    <h1>"You are not logged in"</h1>
                                    <p>"Log in to see your gatherings, or create an account."</p>
                                    <p class="actions">
                                        <A href="/login?next=/me" attr:class="button primary">"Log in"</A>
                                        <A href="/signup" attr:class="button">"Sign up"</A>
                                    </p>
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

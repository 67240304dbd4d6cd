//! Identity providers in the interface: the "Continue with …" buttons (plain links), the
//! one-time name step of a provider sign-up, the problem page every refusal ends on, and
//! the providers linked to an account (on /me).
use crate::core::api::oidc::*;
use crate::core::domain::links::query_value;
use crate::core::domain::oidc::Problem;
use crate::ui::components::form::{action_error, typed, Field, FormError, Submit, TimeZoneField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// "Continue with {provider}" for each configured provider (nothing when there is none).
/// Plain links: they work without JavaScript.
#[component]
pub fn ProviderButtons(#[prop(into)] next: Signal<String>) -> impl IntoView {
    let providers = Resource::new(|| (), |_| oidc_providers());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                providers.get().and_then(|r| r.ok()).filter(|list| !list.is_empty()).map(|list| {
                    let n = next.get();
                    view! {
                        <div class="providers">
                            {list
                                .into_iter()
                                .map(|p| {
                                    let href = if n.is_empty() {
                                        format!("/auth/oidc/{}/start", p.id)
                                    } else {
                                        format!("/auth/oidc/{}/start?next={}", p.id, query_value(&n))
                                    };
                                    view! { <a class="button wide" href=href rel="external">{format!("Continue with {}", p.name)}</a> }
                                })
                                .collect_view()}
                            <p class="hint or">"or"</p>
                        </div>
                    }
                })
            }}
        </Suspense>
    }
}

/// `/auth/finish?token=…`: the name and time zone, asked once, then the account exists.
#[component]
pub fn ProviderFinishPage() -> impl IntoView {
    let q = use_query_map();
    let token = move || q.read().get("token").unwrap_or_default();
    let signup = Resource::new(token, oidc_signup);
    let finish = ServerAction::<FinishOidcSignup>::new();
    let error = action_error(finish);
    // After a failed post without JavaScript, what was typed comes back.
    let typed_name = typed("display_name");
    let typed_tz = typed("time_zone").get_untracked();
    let tz_typed = !typed_tz.is_empty();
    let tz = if tz_typed { typed_tz } else { "UTC".to_string() };
    let tz = StoredValue::new(tz);
    let tz_invalid = error.get_untracked().is_some_and(|e| e.field() == Some("time_zone"));
    view! {
        <Title text="Welcome · Hearth" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                signup.get().map(|r| match r {
                    Ok(s) => view! {
                        <section class="card narrow">
                            <h1>"Welcome to Hearth"</h1>
                            <p>{format!("{} confirmed your address {}. One more step: how should people see you?", s.provider_name, s.email)}</p>
                            <ActionForm action=finish>
                                <FormError error />
                                <input type="hidden" name="token" value=token() />
                                <Field label="Your name" name="display_name" autocomplete="name" value=Signal::derive(move || {
                                    let t = typed_name.get();
                                    if t.is_empty() { s.suggested_name.clone() } else { t }
                                }) hint="Shown to the people in your gatherings." error />
                                <TimeZoneField value=tz.get_value() typed=tz_typed invalid=tz_invalid />
                                <Submit label="Create my account" busy_label="Creating your account…" />
                            </ActionForm>
                        </section>
                    }
                    .into_any(),
                    Err(_) => view! { <ProblemCard problem=Problem::Expired /> }.into_any(),
                })
            }}
        </Suspense>
    }
}

/// `/auth/problem?code=…`: what happened, and the other ways in.
#[component]
pub fn ProviderProblemPage() -> impl IntoView {
    let q = use_query_map();
    let problem = q.read_untracked().get("code").and_then(|c| Problem::parse(&c)).unwrap_or(Problem::Expired);
    view! {
        <Title text="Sign-in problem · Hearth" />
        <ProblemCard problem />
    }
}

#[component]
fn ProblemCard(problem: Problem) -> impl IntoView {
    if problem == Problem::LinkedElsewhere {
        return view! {
            <section class="card narrow">
                <h1>"We couldn't link that account"</h1>
                <p role="alert">{problem.message()}</p>
                <p class="actions"><a class="button primary" href="/me">"Back to your account"</a></p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card narrow">
            <h1>"We couldn't sign you in"</h1>
            <p role="alert">{problem.message()}</p>
            <p class="actions">
                <a class="button primary" href="/login">"Log in"</a>
                <a class="button" href="/signup">"Sign up with email"</a>
            </p>
            <p class="hint">"On the log-in page you can also get a sign-in link by email."</p>
        </section>
    }
    .into_any()
}

/// On /me: linked providers (unlink), and the others to link.
#[component]
pub fn LinkedProvidersCard() -> impl IntoView {
    let mine = Resource::new(|| (), |_| linked_providers());
    let unlink = ServerAction::<UnlinkProvider>::new();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                mine.get().and_then(|r| r.ok()).filter(|m| !(m.linked.is_empty() && m.available.is_empty())).map(|m| view! {
                    <section class="card">
                        <h2>"Ways to sign in"</h2>
                        <FormError error=action_error(unlink) />
                        <ul class="members">
                            {m.linked.into_iter().map(|(id, name, email)| view! {
                                <li>
                                    <span>{format!("{name} ({email})")}</span>
                                    <ActionForm action=unlink>
                                        <input type="hidden" name="provider" value=id />
                                        <button type="submit" class="button small">{format!("Unlink {name}")}</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                        {m.available.into_iter().map(|p| view! {
                            <p><a class="button" href=format!("/auth/oidc/{}/start?link={}", p.id, m.link_token) rel="external">{format!("Link {}", p.name)}</a></p>
                        }).collect_view()}
                        <p class="hint">"Links we email you always work too, whatever you link or unlink."</p>
                    </section>
                })
            }}
        </Suspense>
    }
}

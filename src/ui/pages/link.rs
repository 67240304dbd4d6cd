//! The page behind every emailed link. Opening it (GET) changes nothing; the button (POST)
//! uses the link, signs in and lands on the page the mail was about.
use crate::core::api::auth::{get_link, ContinueLink, LinkView};
use crate::core::domain::links::{query_value, LinkPurpose, LinkState};
use crate::core::error::AppError;
use crate::ui::components::form::{Field, FormError};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn LinkPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, get_link);
    view! {
        <Title text="Continue · Hearth" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Checking your link…"</p> }>
            {move || {
                link.get()
                    .map(|r| match r {
                        Ok(view) if view.state == LinkState::Valid && view.purpose != LinkPurpose::ResetPassword => {
                            view! { <ContinueCard token=token() link=view /> }.into_any()
                        }
                        Ok(view) => view! { <SpentLink target=view.target /> }.into_any(),
                        Err(AppError::NotFound) => view! { <SpentLink target="/".to_string() /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn ContinueCard(token: String, link: LinkView) -> impl IntoView {
    let action = ServerAction::<ContinueLink>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let heading = match link.purpose {
        LinkPurpose::VerifyEmail => "Confirm your email",
        _ => "Sign in to Hearth",
    };
    view! {
        <section class="card narrow">
            <h1>{heading}</h1>
            <ActionForm action=action>
                <FormError error />
                <input type="hidden" name="token" value=token />
                {link.ask_password.then(|| view! {
                    <p>"This page was opened away from where the account was created. If you signed up, type the password you chose, to keep it."</p>
                    <Field
                        label="Password chosen at sign-up (optional)"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        required=false
                        hint="Left empty, your address is confirmed and the account has no password until you choose one (Forgot your password?)."
                        error
                    />
                })}
                <button type="submit" class="button primary wide" disabled=move || action.pending().get()>
                    {format!("Continue as {}", link.display_name)}
                </button>
            </ActionForm>
            <p class="hint">"Not you? Just close this page."</p>
        </section>
    }
}

#[component]
fn SpentLink(target: String) -> impl IntoView {
    let login = format!("/login?next={}", query_value(&target));
    view! {
        <section class="card narrow">
            <h1>"This link can't be used"</h1>
            <p>"It has expired or was already used. Log in and we will take you to the right page."</p>
            <p class="actions">
                <A href=login attr:class="button primary">"Log in"</A>
            </p>
        </section>
    }
}

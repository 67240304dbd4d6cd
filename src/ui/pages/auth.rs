//! Sign up, log in (password or emailed link), forgotten password, new password,
//! "check your inbox". Every form posts without JavaScript too.
use crate::core::api::auth::{LogIn, RequestPasswordReset, RequestSignInLink, ResetPassword, SignUp};
use crate::core::domain::links::query_value;
use crate::core::error::AppError;
use crate::ui::components::form::{typed, Field, FormError, Submit, TimeZoneField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

fn query(name: &'static str) -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || q.read().get(name).unwrap_or_default())
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let next = query("next");
    let email = query("email");
    let typed_tz = typed("time_zone").get_untracked();
    let tz_typed = !typed_tz.is_empty();
    let tz = if tz_typed { typed_tz } else { "UTC".to_string() };
    let tz_invalid = error.get_untracked().is_some_and(|e| e.field() == Some("time_zone"));
    view! {
        <Title text="Sign up · Hearth" />
        <section class="card narrow">
            <h1>"Join Hearth"</h1>
            <p class="lead">"One account for every gathering: exchanges, events and lunches."</p>
            <super::ProviderButtons next />
            <ActionForm action=action>
                <FormError error />
                <Field label="Email" name="email" kind="email" autocomplete="email" value=email error />
                <Field label="Your name" name="display_name" autocomplete="name" hint="Shown to the people in your gatherings." error />
                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint="At least 8 characters." error />
                <TimeZoneField value=tz typed=tz_typed invalid=tz_invalid />
                <input type="hidden" name="next" value=next />
                <Submit label="Create my account" busy_label="Creating your account…" />
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<LogIn>::new();
    let link = ServerAction::<RequestSignInLink>::new();
    let login_error = Signal::derive(move || login.value().get().and_then(|r| r.err()));
    let link_error = Signal::derive(move || link.value().get().and_then(|r| r.err()));
    let next = query("next");
    let signup_href = move || {
        let n = next.get();
        if n.is_empty() {
            "/signup".to_string()
        } else {
            format!("/signup?next={}", query_value(&n))
        }
    };
    view! {
        <Title text="Log in · Hearth" />
        <section class="card narrow">
            <h1>"Log in"</h1>
            <super::ProviderButtons next />
            <ActionForm action=login>
                <FormError error=login_error />
                <Field label="Email" name="email" kind="email" autocomplete="email" error=login_error />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=login_error />
                <input type="hidden" name="next" value=next />
                <Submit label="Log in" busy_label="Logging in…" />
            </ActionForm>
            <p>
                <A href="/forgot">"Forgot your password?"</A>
            </p>
        </section>
        <section class="card narrow">
            <h2>"Or get a sign-in link by email"</h2>
            <ActionForm action=link>
                <FormError error=link_error />
                <Field label="Email" name="email" kind="email" autocomplete="email" error=link_error scope="link" />
                <input type="hidden" name="next" value=next />
                <Submit label="Email me a link" busy_label="Sending…" />
            </ActionForm>
            <p>"New here? " <a href=signup_href>"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Forgot password · Hearth" />
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <p>"Tell us your email address and we will send you a link to choose a new one."</p>
            <ActionForm action=action>
                <FormError error />
                <Field label="Email" name="email" kind="email" autocomplete="email" error />
                <Submit label="Send me a reset link" busy_label="Sending…" />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    view! {
        <Title text="New password · Hearth" />
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <ActionForm action=action>
                <FormError error />
                <input type="hidden" name="token" value=token />
                <Field label="New password" name="password" kind="password" autocomplete="new-password" hint="At least 8 characters." error />
                <Submit label="Save my new password" busy_label="Saving…" />
            </ActionForm>
            {move || {
                error
                    .get()
                    .is_some_and(|e| matches!(e, AppError::Conflict(_) | AppError::NotFound))
                    .then(|| view! { <p><A href="/forgot">"Ask for a new link"</A></p> })
            }}
        </section>
    }
}

#[component]
pub fn CheckInboxPage() -> impl IntoView {
    let kind = query("kind");
    let to = query("to");
    let message = move || match kind.get().as_str() {
        "verify" => format!("We sent a link to {} to confirm your address. Open it to finish signing up.", to.get()),
        "reset" => format!("If an account exists for {}, we sent it a link to choose a new password.", to.get()),
        _ => format!("If an account exists for {}, we sent it a sign-in link.", to.get()),
    };
    view! {
        <Title text="Check your inbox · Hearth" />
        <section class="card narrow">
            <h1>"Check your inbox"</h1>
            <p role="status">{message}</p>
            <p class="hint">"Nothing there? Look in your spam folder, or try again in a few minutes."</p>
        </section>
    }
}

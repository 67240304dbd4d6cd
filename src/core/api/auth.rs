//! Accounts: sign-up, login, logout, emailed links, password reset, who am I.
use crate::core::domain::links::{LinkPurpose, LinkState};
use crate::core::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in person, as the pages show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub display_name: String,
    pub email: String,
    pub time_zone: String,
    pub verified: bool,
    /// False when the account signs in by emailed links only (its password was dropped).
    pub has_password: bool,
}

/// An emailed link as its page shows it before the button is pressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub display_name: String,
    pub purpose: LinkPurpose,
    pub state: LinkState,
    pub target: String,
    /// Opened away from the browser that signed up: the page asks for the password chosen
    /// at sign-up (without it, the address is confirmed and the password dropped).
    pub ask_password: bool,
}

#[cfg(feature = "ssr")]
fn check_inbox_path(kind: &str, email: &str) -> String {
    let to: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    format!("/check-inbox?kind={kind}&to={to}")
}

/// Public. Creates an account and mails the verification link.
#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    time_zone: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    let input = accounts::SignUp { email, display_name, password, time_zone, next };
    let nonce = crate::core::crypto::new_token();
    let email = accounts::sign_up(&state, input, &context::client_ip(), &nonce).await?;
    context::set_signup_cookie(&state, &nonce);
    leptos_axum::redirect(&check_inbox_path("verify", email.as_str()));
    Ok(())
}

/// Public. Password login; lands on `next`.
#[server(prefix = "/api", endpoint = "log_in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    let user = accounts::log_in(&state, &email, &password, &context::client_ip()).await?;
    let token = accounts::start_session(&state, user.id).await?;
    context::set_session_cookie(&state, &token);
    leptos_axum::redirect(&crate::core::domain::links::next_or_home(next.as_deref()));
    Ok(())
}

/// Ends the current session.
#[server(prefix = "/api", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    if let Some(token) = context::cookie(context::SESSION_COOKIE) {
        accounts::end_session(&state, &token).await?;
    }
    context::clear_session_cookie(&state);
    leptos_axum::redirect("/");
    Ok(())
}

/// Public. Mails a sign-in link if the address has an account; the answer never says.
#[server(prefix = "/api", endpoint = "request_sign_in_link")]
pub async fn request_sign_in_link(email: String, next: Option<String>) -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    accounts::request_link(&state, &email, LinkPurpose::SignIn, next.as_deref(), &context::client_ip()).await?;
    leptos_axum::redirect(&check_inbox_path("link", email.trim()));
    Ok(())
}

/// Public. Mails a password-reset link if the address has an account; the answer never says.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    accounts::request_link(&state, &email, LinkPurpose::ResetPassword, None, &context::client_ip()).await?;
    leptos_axum::redirect(&check_inbox_path("reset", email.trim()));
    Ok(())
}

/// Public (the token is the credential). Sets a new password and signs in.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    let user_id = accounts::reset_password(&state, &token, &password, &context::client_ip()).await?;
    let session = accounts::start_session(&state, user_id).await?;
    context::set_session_cookie(&state, &session);
    leptos_axum::redirect("/me?reset=1");
    Ok(())
}

/// Public (the token is the credential). What an emailed link is, without using it.
#[server(prefix = "/api", endpoint = "get_link")]
pub async fn get_link(token: String) -> Result<LinkView, AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    let info = accounts::peek_link(&state, &token).await?;
    let signup = context::cookie(context::SIGNUP_COOKIE);
    let ask_password = accounts::link_asks_password(&state, &token, &info, signup.as_deref()).await?;
    Ok(LinkView {
        display_name: info.display_name,
        purpose: info.purpose,
        state: info.state,
        target: info.target,
        ask_password,
    })
}

/// Public (the token is the credential). The "Continue as …" button: uses the link once,
/// signs in and lands on the page the link is about. `password`: the one chosen at sign-up,
/// when the page asked for it.
#[server(prefix = "/api", endpoint = "continue_link")]
pub async fn continue_link(token: String, password: Option<String>) -> Result<(), AppError> {
    use crate::core::server::{accounts, context};
    let state = context::app_state()?;
    let signup = context::cookie(context::SIGNUP_COOKIE);
    let (user_id, target) =
        accounts::continue_link(&state, &token, password.as_deref(), signup.as_deref(), &context::client_ip()).await?;
    let session = accounts::start_session(&state, user_id).await?;
    context::set_session_cookie(&state, &session);
    leptos_axum::redirect(&target);
    Ok(())
}

/// Public. The signed-in person, or `None`.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    let Some(u) = context::maybe_user(&state).await? else { return Ok(None) };
    let hash = crate::core::db::users::password_hash(&state.db.pool, u.id).await?;
    Ok(Some(Me {
        has_password: hash.is_some_and(|h| h != crate::core::db::users::NO_PASSWORD),
        display_name: u.display_name,
        email: u.email,
        time_zone: u.time_zone,
        verified: u.verified,
    }))
}

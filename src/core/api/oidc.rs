//! Sign-in with identity providers: the buttons, the one-time name step of a provider
//! sign-up, and the providers linked to an account (the flow itself is
//! `server::oidc`: plain HTTP redirects).
use crate::core::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A provider offered as "Continue with {name}".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    pub id: String,
    pub name: String,
}

/// The providers configured (none: no buttons).
#[server(prefix = "/api", endpoint = "oidc_providers")]
pub async fn oidc_providers() -> Result<Vec<ProviderButton>, AppError> {
    let state = crate::core::server::context::app_state()?;
    Ok(state.settings.auth.oidc.iter().map(|p| ProviderButton { id: p.id.clone(), name: p.name.clone() }).collect())
}

/// What the name step shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSignup {
    pub provider_name: String,
    pub email: String,
    pub suggested_name: String,
}

#[server(prefix = "/api", endpoint = "oidc_signup")]
pub async fn oidc_signup(token: String) -> Result<ProviderSignup, AppError> {
    let state = crate::core::server::context::app_state()?;
    let (provider_name, email, suggested_name) = crate::core::server::oidc::waiting_signup(&state, &token).await?;
    Ok(ProviderSignup { provider_name, email, suggested_name })
}

/// Creates the account (verified) and signs in; lands where the person was going.
#[server(prefix = "/api", endpoint = "finish_oidc_signup")]
pub async fn finish_oidc_signup(token: String, display_name: String, time_zone: String) -> Result<(), AppError> {
    use crate::core::server::{accounts, context, oidc};
    let state = context::app_state()?;
    let browser = context::cookie(oidc::BROWSER_COOKIE);
    let (user_id, next) = oidc::finish_signup(&state, &token, &display_name, &time_zone, browser.as_deref()).await?;
    let session = accounts::start_session(&state, user_id).await?;
    context::set_session_cookie(&state, &session);
    leptos_axum::redirect(&next);
    Ok(())
}

/// The providers linked to the viewer's account, and those they could link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyProviders {
    /// (id, name, address the provider gave)
    pub linked: Vec<(String, String, String)>,
    pub available: Vec<ProviderButton>,
    /// The `link` parameter of this session's "Link {provider}" addresses.
    pub link_token: String,
}

#[server(prefix = "/api", endpoint = "linked_providers")]
pub async fn linked_providers() -> Result<MyProviders, AppError> {
    use crate::core::server::{context, oidc};
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    let linked = oidc::linked(&state, &user).await?;
    let available = state
        .settings
        .auth
        .oidc
        .iter()
        .filter(|p| !linked.iter().any(|(id, _, _)| *id == p.id))
        .map(|p| ProviderButton { id: p.id.clone(), name: p.name.clone() })
        .collect();
    let link_token = context::cookie(context::SESSION_COOKIE).map(|s| oidc::link_token(&s)).unwrap_or_default();
    Ok(MyProviders { linked, available, link_token })
}

/// Unlinks a provider (the account's address still signs in with emailed links).
#[server(prefix = "/api", endpoint = "unlink_provider")]
pub async fn unlink_provider(provider: String) -> Result<(), AppError> {
    use crate::core::server::{context, oidc};
    let state = context::app_state()?;
    let user = context::current_user(&state).await?;
    oidc::unlink(&state, &user, &provider).await
}

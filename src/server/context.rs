//! Request context for server functions: the state, the signed-in user, the caller's IP,
//! and the session cookie.
use super::crypto::token_hash;
use super::state::AppState;
use crate::api::error::AppError;
use crate::db::{self, users::User};
use axum::extract::ConnectInfo;
use http::header::{COOKIE, SET_COOKIE};
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "hearth_session";

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The value of a cookie in `headers`.
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The value of a cookie in the current request.
pub fn cookie(name: &str) -> Option<String> {
    cookie_in(&parts()?.headers, name)
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For` (read right to left).
pub fn client_addr_in(parts: &Parts, trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    Some(forwarded.into_iter().rev().find(|ip| !is_trusted(ip)).unwrap_or(peer))
}

fn client_addr() -> Option<IpAddr> {
    let state = use_context::<AppState>()?;
    client_addr_in(&parts()?, &state.trusted_proxies)
}

/// The caller's IP address, as a rate-limit bucket name.
pub fn client_ip() -> String {
    client_addr().map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
}

/// Whether the request comes from this machine (and not through a proxy from elsewhere).
pub fn client_is_loopback() -> bool {
    client_addr().is_some_and(|ip| ip.is_loopback())
}

/// The signed-in user, if any.
pub async fn maybe_user(state: &AppState) -> Result<Option<User>, AppError> {
    match parts() {
        Some(p) => user_from_headers(state, &p.headers).await,
        None => Ok(None),
    }
}

/// The user whose session cookie is in `headers` (for plain axum handlers).
pub async fn user_from_headers(state: &AppState, headers: &http::HeaderMap) -> Result<Option<User>, AppError> {
    let Some(token) = cookie_in(headers, SESSION_COOKIE) else { return Ok(None) };
    let Some(user_id) = db::sessions::user_of(&state.db.pool, &token_hash(&token), db::now()).await? else {
        return Ok(None);
    };
    Ok(db::users::by_id(&state.db.pool, user_id).await?)
}

/// The signed-in user, or `Unauthorized`.
pub async fn current_user(state: &AppState) -> Result<User, AppError> {
    maybe_user(state).await?.ok_or(AppError::Unauthorized)
}

fn append_cookie(value: String) {
    if let (Some(res), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&value)) {
        res.append_header(SET_COOKIE, v);
    }
}

/// Sets the session cookie: HttpOnly, SameSite=Lax (deep links from mail arrive signed in),
/// Secure when the site is served over https.
pub fn set_session_cookie(state: &AppState, token: &str) {
    let max_age = state.settings.auth.session_days * 24 * 3600;
    let secure = if state.settings.secure_cookies() { "; Secure" } else { "" };
    append_cookie(format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"));
}

pub fn clear_session_cookie(state: &AppState) {
    let secure = if state.settings.secure_cookies() { "; Secure" } else { "" };
    append_cookie(format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"));
}

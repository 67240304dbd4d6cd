//! Request context for server functions: the state, the signed-in user, the caller's IP,
//! and the session cookie.
use crate::core::crypto::token_hash;
use crate::core::db::{self, users::User};
use crate::core::error::AppError;
use crate::core::state::AppState;
use axum::extract::ConnectInfo;
use http::header::{COOKIE, SET_COOKIE};
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "hearth_session";
/// Set at sign-up: tells the verification link that it is opened where the person signed up.
pub const SIGNUP_COOKIE: &str = "hearth_signup";

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
/// untrusted address in `X-Forwarded-For` (read right to left, the proxies' own entries
/// skipped). `None` when that cannot be known: a trusted proxy that names no client, or an
/// entry that is not an address (a client can put anything at the left of the header).
pub fn client_addr_in(parts: &Parts, trusted: &[ipnet::IpNet]) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.into_iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return None,
        }
    }
    None
}

fn client_addr() -> Option<IpAddr> {
    let state = use_context::<AppState>()?;
    client_addr_in(&parts()?, &state.trusted_proxies)
}

/// The caller's IP address, as a rate-limit bucket name ("unknown" when it cannot be told).
pub fn client_ip() -> String {
    client_addr().map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
}

/// Whether the request comes from this machine (not relayed by a proxy for a client
/// elsewhere, nor for one it cannot name).
pub fn client_is_loopback() -> bool {
    client_addr().is_some_and(|ip| ip.is_loopback())
}

/// The signed-in user of one request, looked up once however many resources and server
/// functions of the page ask (provided per request by the router).
#[derive(Clone, Default)]
pub struct RequestUser(std::sync::Arc<tokio::sync::OnceCell<Option<User>>>);

/// The signed-in user, if any.
pub async fn maybe_user(state: &AppState) -> Result<Option<User>, AppError> {
    let Some(p) = parts() else { return Ok(None) };
    match use_context::<RequestUser>() {
        Some(cache) => Ok(cache.0.get_or_try_init(|| user_from_headers(state, &p.headers)).await?.clone()),
        None => user_from_headers(state, &p.headers).await,
    }
}

/// The user whose session cookie is in `headers` (for plain axum handlers).
pub async fn user_from_headers(state: &AppState, headers: &http::HeaderMap) -> Result<Option<User>, AppError> {
    let Some(token) = cookie_in(headers, SESSION_COOKIE) else { return Ok(None) };
    let Some(user_id) = db::sessions::user_of(&state.db.pool, &token_hash(&token), db::now()).await? else {
        return Ok(None);
    };
    // Only a verified address is an identity (no session should exist otherwise).
    Ok(db::users::by_id(&state.db.pool, user_id).await?.filter(|u| u.verified))
}

/// The signed-in user, or `Unauthorized`.
pub async fn current_user(state: &AppState) -> Result<User, AppError> {
    maybe_user(state).await?.ok_or(AppError::Unauthorized)
}

/// The signed-in admin; anyone else (signed out, a member, a banned admin) is told the
/// page does not exist (404), so admin pages and functions are not even confirmed.
pub async fn current_admin(state: &AppState) -> Result<User, AppError> {
    match maybe_user(state).await? {
        Some(u) if u.is_admin() => Ok(u),
        _ => Err(AppError::NotFound),
    }
}

fn append_cookie(value: String) {
    if let (Some(res), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&value)) {
        res.append_header(SET_COOKIE, v);
    }
}

/// Sets cookie `name` on the response: HttpOnly, SameSite=Lax (deep links from mail arrive
/// signed in), Secure when the site is served over https; `max_age` 0 clears it.
fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) {
    append_cookie(cookie_line(state, name, value, max_age));
}

/// A `Set-Cookie` value as `set_cookie` writes it, for handlers outside Leptos.
pub fn cookie_line(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.settings.secure_cookies() { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Sets the session cookie for the configured session length.
pub fn set_session_cookie(state: &AppState, token: &str) {
    set_cookie(state, SESSION_COOKIE, token, state.settings.auth.session_days * 24 * 3600);
}

/// The sign-up browser's nonce, for as long as a verification link lives (48 hours).
pub fn set_signup_cookie(state: &AppState, nonce: &str) {
    set_cookie(state, SIGNUP_COOKIE, nonce, 172_800);
}

pub fn clear_session_cookie(state: &AppState) {
    set_cookie(state, SESSION_COOKIE, "", 0);
}

/// The flash cookie: what a form posted without JavaScript answered, for the page the
/// browser is sent back to (HttpOnly, two minutes, read once).
pub const FLASH_COOKIE: &str = "hearth_flash";

/// Keeps `value` (under 3 KB) for the next page this browser loads.
pub fn set_flash(state: &AppState, value: &str) {
    use base64::Engine;
    set_cookie(state, FLASH_COOKIE, &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value), 120);
}

/// The flash value of this request, if any, and clears it in the response.
pub fn take_flash(state: &AppState) -> Option<String> {
    use base64::Engine;
    let encoded = cookie(FLASH_COOKIE)?;
    set_cookie(state, FLASH_COOKIE, "", 0);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded).ok()?;
    String::from_utf8(bytes).ok()
}

/// How the reader writes numbers and money (from the browser's `Accept-Language`).
pub fn locale() -> crate::core::domain::money::Locale {
    let header = parts()
        .and_then(|p| p.headers.get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_string));
    crate::core::domain::money::Locale::from_accept_language(header.as_deref().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut b = http::Request::builder();
        if let Some(f) = forwarded {
            b = b.header("x-forwarded-for", f);
        }
        let (mut p, _) = b.body(()).unwrap().into_parts();
        p.extensions.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        p
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_addresses_count_only_through_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["127.0.0.0/8".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        // Not from a proxy: the header is the client's own words and is ignored.
        assert_eq!(client_addr_in(&parts("203.0.113.9:1", Some("127.0.0.1")), &trusted), ip("203.0.113.9"));
        // Through proxies: the nearest address that is not one of ours.
        let p = parts("127.0.0.1:1", Some("198.51.100.1, 203.0.113.5, 10.1.2.3"));
        assert_eq!(client_addr_in(&p, &trusted), ip("203.0.113.5"));
        // A client that writes junk (or a loopback address) at the left gains nothing.
        assert_eq!(client_addr_in(&parts("127.0.0.1:1", Some("junk, 203.0.113.5")), &trusted), ip("203.0.113.5"));
        assert_eq!(client_addr_in(&parts("127.0.0.1:1", Some("203.0.113.5, junk")), &trusted), None);
        assert_eq!(client_addr_in(&parts("127.0.0.1:1", Some("127.0.0.1, 203.0.113.5")), &trusted), ip("203.0.113.5"));
        // A trusted proxy that names no client: unknown, never "this machine".
        assert_eq!(client_addr_in(&parts("127.0.0.1:1", None), &trusted), None);
        // Without trusted proxies the peer is the client.
        assert_eq!(client_addr_in(&parts("127.0.0.1:1", Some("203.0.113.5")), &[]), ip("127.0.0.1"));
    }
}

//! Sign-in with OpenID Connect providers (`auth.oidc`): the authorization code flow with
//! PKCE, `state` and `nonce` kept server-side and bound to the browser that started it,
//! the ID token checked by `openidconnect` (signature, issuer, audience, expiry, nonce).
//!
//! An identity is (provider, subject), never an email. Its first use with an address the
//! provider verified and nobody holds asks for a name and time zone once, then creates a
//! verified account (joining what waited for that address, as any verification does). An
//! address an account holds is never merged silently: the person signs in the usual way
//! and links the provider from their account page. Every refusal ends on
//! `/auth/problem?code=…` and changes nothing.
use super::accounts::{address_proven, notify_changed, start_session};
use super::context::{cookie_in, cookie_line, user_from_headers, SESSION_COOKIE};
use crate::core::config::OidcProvider;
use crate::core::crypto::{self, token_hash};
use crate::core::db::{self, users::User, DbError};
use crate::core::domain::account::DisplayName;
use crate::core::domain::links::{next_or_home, query_value};
use crate::core::domain::oidc::Problem;
use crate::core::domain::time::parse_time_zone;
use crate::core::error::AppError;
use crate::core::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

/// Ties a flow to the browser that started it (HttpOnly, SameSite=Lax: the provider's
/// redirect back is a top-level navigation, which carries it).
pub const BROWSER_COOKIE: &str = "hearth_oidc";
/// A flow (and a waiting sign-up) must finish within this long.
const FLOW_SECS: i64 = 3600;

pub fn provider<'a>(state: &'a AppState, id: &str) -> Option<&'a OidcProvider> {
    state.settings.auth.oidc.iter().find(|p| p.id == id)
}

fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn problem(p: Problem) -> Response {
    redirect(&format!("/auth/problem?code={}", p.code()), &[])
}

fn make_client(
    state: &AppState,
    p: &OidcProvider,
    meta: openidconnect::core::CoreProviderMetadata,
) -> anyhow::Result<CoreClientWithRedirect> {
    use openidconnect::core::CoreClientAuthMethod;
    let secret = p.client_secret().map(ClientSecret::new);
    let redirect = RedirectUrl::new(format!("{}/auth/oidc/{}/callback", state.settings.base_url(), p.id))?;
    // HTTP Basic unless the provider takes the secret only in the request body.
    let methods = meta.token_endpoint_auth_methods_supported().cloned().unwrap_or_default();
    let body_only = methods.contains(&CoreClientAuthMethod::ClientSecretPost)
        && !methods.contains(&CoreClientAuthMethod::ClientSecretBasic);
    let client =
        CoreClient::from_provider_metadata(meta, ClientId::new(p.client_id.clone()), secret).set_redirect_uri(redirect);
    Ok(if body_only { client.set_auth_type(openidconnect::AuthType::RequestBody) } else { client })
}

/// The `link` parameter of a signed-in person's "Link {provider}" address: derived from
/// their session, so another site cannot start a link in their name.
pub fn link_token(session: &str) -> String {
    token_hash(&format!("oidc-link:{session}"))[..32].to_string()
}

/// Sign-ins a client address may start per hour.
const STARTS_PER_IP_PER_HOUR: i64 = 120;

type CoreClientWithRedirect = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

#[derive(serde::Deserialize)]
pub struct StartQuery {
    next: Option<String>,
    /// A signed-in person links this provider to their account (`link_token`).
    link: Option<String>,
}

/// `GET /auth/oidc/{id}/start?next=…[&link=…]`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<StartQuery>,
    parts: axum::http::request::Parts,
) -> Response {
    let headers = &parts.headers;
    let Some(p) = provider(&state, &id) else { return (StatusCode::NOT_FOUND, "Not found.").into_response() };
    let ip = super::context::client_addr_in(&parts, &state.trusted_proxies).map(|a| a.to_string()).unwrap_or_default();
    let too_many = "Too many sign-ins were started from here; please try again later.";
    if let Err(e) =
        super::accounts::limit(&state, &format!("oidc-start:{ip}"), 3600, STARTS_PER_IP_PER_HOUR, too_many).await
    {
        return (StatusCode::TOO_MANY_REQUESTS, e.to_string()).into_response();
    }
    let link_user_id = match q.link.as_deref() {
        None => None,
        Some(token) => {
            let session = cookie_in(headers, SESSION_COOKIE);
            match user_from_headers(&state, headers).await {
                Ok(Some(u)) if session.as_deref().map(link_token).as_deref() == Some(token) => Some(u.id),
                Ok(Some(_)) => return problem(Problem::Expired),
                _ => return problem(Problem::NotSignedIn),
            }
        }
    };
    let meta = match state.oidc.metadata(p, false).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(provider = %id, error = %e, "OpenID provider discovery failed");
            return problem(Problem::Unreachable);
        }
    };
    let client = match make_client(&state, p, meta) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(provider = %id, error = %e, "OpenID client setup failed");
            return problem(Problem::Unreachable);
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in p.scopes().into_iter().filter(|s| s != "openid") {
        request = request.add_scope(Scope::new(scope));
    }
    let (url, csrf, nonce) = request.set_pkce_challenge(challenge).url();
    let browser = crypto::new_token();
    let login = db::oidc::Login {
        provider: id.clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next_path: next_or_home(q.next.as_deref()),
        browser_hash: token_hash(&browser),
        link_user_id,
        created_at: db::now(),
    };
    if let Err(e) = db::oidc::insert_login(&state.db.pool, &token_hash(csrf.secret()), &login).await {
        tracing::error!(error = ?e, "storing an OpenID request");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    redirect(url.as_str(), &[cookie_line(&state, BROWSER_COOKIE, &browser, FLOW_SECS)])
}

#[derive(serde::Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// What the provider vouched for.
struct Identity {
    subject: String,
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
}

/// `GET /auth/oidc/{id}/callback?code=…&state=…`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(p) = provider(&state, &id) else { return (StatusCode::NOT_FOUND, "Not found.").into_response() };
    let now = db::now();
    // The request: used once, by the browser that made it, recently, for this provider.
    let Some(state_param) = q.state.as_deref() else { return problem(Problem::Expired) };
    let login = match db::oidc::take_login(&state.db.pool, &token_hash(state_param)).await {
        Ok(Some(l)) => l,
        Ok(None) => return problem(Problem::Expired),
        Err(e) => {
            tracing::error!(error = ?e, "reading an OpenID request");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let browser = cookie_in(&headers, BROWSER_COOKIE).map(|b| token_hash(&b));
    if login.provider != id
        || login.created_at < now - FLOW_SECS
        || browser.as_deref() != Some(login.browser_hash.as_str())
    {
        return problem(Problem::Expired);
    }
    if q.error.is_some() {
        return problem(Problem::Cancelled);
    }
    let Some(code) = q.code else { return problem(Problem::Cancelled) };
    // A link finishes only for the person still signed in who started it.
    if let Some(uid) = login.link_user_id {
        if !matches!(user_from_headers(&state, &headers).await, Ok(Some(u)) if u.id == uid) {
            return problem(Problem::NotSignedIn);
        }
    }
    let identity = match verify(&state, p, code, &login).await {
        Ok(i) => i,
        Err(p) => return p,
    };
    match conclude(&state, p, identity, &login, now).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = ?e, "finishing an OpenID sign-in");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Exchanges the code (with the PKCE verifier) and checks the ID token.
async fn verify(
    state: &AppState,
    p: &OidcProvider,
    code: String,
    login: &db::oidc::Login,
) -> Result<Identity, Response> {
    let meta = state.oidc.metadata(p, false).await.map_err(|e| {
        tracing::warn!(provider = %p.id, error = %e, "OpenID provider discovery failed");
        problem(Problem::Unreachable)
    })?;
    let client = make_client(state, p, meta).map_err(|_| problem(Problem::Unreachable))?;
    let exchange = client.exchange_code(AuthorizationCode::new(code)).map_err(|_| problem(Problem::Unreachable))?;
    let token = exchange
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
        .request_async(state.oidc.http())
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.id, error = %e, "OpenID code exchange failed");
            match e {
                // The provider refused the code (used, expired, another verifier).
                openidconnect::RequestTokenError::ServerResponse(_) => problem(Problem::Expired),
                _ => problem(Problem::Unreachable),
            }
        })?;
    let Some(id_token) = token.id_token() else { return Err(problem(Problem::BadToken)) };
    let nonce = Nonce::new(login.nonce.clone());
    let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
        Ok(c) => c.clone(),
        Err(first) => {
            // The provider may have rotated its keys: read them again, check once more.
            let again = match state.oidc.metadata(p, true).await.map(|m| make_client(state, p, m)) {
                Ok(Ok(fresh)) => {
                    id_token.claims(&fresh.id_token_verifier(), &nonce).cloned().map_err(|e| e.to_string())
                }
                _ => Err(first.to_string()),
            };
            again.map_err(|e| {
                tracing::warn!(provider = %p.id, error = %e, "ID token refused");
                problem(Problem::BadToken)
            })?
        }
    };
    let mut who = Identity {
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_lowercase()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()),
    };
    // Many providers give the address only at their userinfo endpoint (checked to be about
    // the same subject).
    if who.email.is_none() {
        if let Ok(request) = client.user_info(token.access_token().clone(), Some(claims.subject().clone())) {
            let info: openidconnect::core::CoreUserInfoClaims =
                request.request_async(state.oidc.http()).await.map_err(|e| {
                    tracing::warn!(provider = %p.id, error = %e, "OpenID userinfo failed");
                    problem(Problem::Unreachable)
                })?;
            who.email = info.email().map(|e| e.as_str().to_lowercase());
            who.email_verified = info.email_verified().unwrap_or(false);
            if who.name.is_none() {
                who.name = info.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
            }
        }
    }
    Ok(who)
}

/// Signs in, links, or asks for a name before creating the account.
async fn conclude(
    state: &AppState,
    p: &OidcProvider,
    who: Identity,
    login: &db::oidc::Login,
    now: i64,
) -> Result<Response, AppError> {
    let pool = &state.db.pool;
    let holder = db::oidc::user_of(pool, &p.id, &who.subject).await?;
    if let Some(uid) = login.link_user_id {
        return Ok(match holder {
            Some(other) if other != uid => problem(Problem::LinkedElsewhere),
            Some(_) => redirect("/me", &[]),
            None => match db::oidc::link(pool, &p.id, &who.subject, uid, who.email.as_deref().unwrap_or(""), now).await
            {
                Ok(()) => {
                    tracing::info!(user_id = uid, provider = %p.id, "provider linked");
                    redirect("/me", &[])
                }
                Err(DbError::Conflict) => problem(Problem::LinkedElsewhere),
                Err(DbError::Sqlx(e)) => return Err(e.into()),
            },
        });
    }
    if let Some(uid) = holder {
        let token = start_session(state, uid).await?;
        tracing::info!(user_id = uid, provider = %p.id, "signed in with a provider");
        let session = cookie_line(state, SESSION_COOKIE, &token, state.settings.auth.session_days * 24 * 3600);
        return Ok(redirect(&login.next_path, &[session]));
    }
    let (Some(email), true) = (who.email.clone(), who.email_verified) else {
        return Ok(problem(Problem::UnverifiedEmail));
    };
    let Ok(address) = crate::core::domain::email::EmailAddress::parse(&email) else {
        return Ok(problem(Problem::UnverifiedEmail));
    };
    if db::users::by_email(pool, address.as_str()).await?.is_some() {
        return Ok(problem(Problem::EmailTaken));
    }
    let token = crypto::new_token();
    let signup = db::oidc::Signup {
        provider: p.id.clone(),
        subject: who.subject,
        email: address.as_str().to_string(),
        suggested_name: who.name.unwrap_or_default().chars().take(60).collect(),
        next_path: login.next_path.clone(),
        browser_hash: login.browser_hash.clone(),
        created_at: now,
    };
    db::oidc::insert_signup(pool, &token_hash(&token), &signup).await?;
    Ok(redirect(&format!("/auth/finish?token={}", query_value(&token)), &[]))
}

/// A provider sign-up waiting for its name: (provider name, email, suggested name).
pub async fn waiting_signup(state: &AppState, token: &str) -> Result<(String, String, String), AppError> {
    let signup = db::oidc::signup(&state.db.pool, &token_hash(token)).await?;
    let Some(s) = signup.filter(|s| s.created_at >= db::now() - FLOW_SECS) else { return Err(AppError::NotFound) };
    let name = provider(state, &s.provider).map(|p| p.name.clone()).unwrap_or(s.provider);
    Ok((name, s.email, s.suggested_name))
}

/// Creates the account of a waiting provider sign-up (once, in the browser that started
/// it): verified, the identity linked, what waited for the address joined. Returns the
/// new user's id and where to go next.
pub async fn finish_signup(
    state: &AppState,
    token: &str,
    display_name: &str,
    time_zone: &str,
    browser: Option<&str>,
) -> Result<(i64, String), AppError> {
    let name = DisplayName::parse(display_name).map_err(|e| AppError::invalid("display_name", e))?;
    let tz = parse_time_zone(time_zone).map_err(|e| AppError::invalid("time_zone", e))?;
    let now = db::now();
    let gone = || AppError::Conflict(Problem::Expired.message().into());
    let mut tx = state.db.begin_write().await?;
    let Some(s) = db::oidc::take_signup(&mut *tx, &token_hash(token)).await? else { return Err(gone()) };
    if s.created_at < now - FLOW_SECS || browser.map(token_hash).as_deref() != Some(s.browser_hash.as_str()) {
        return Err(gone());
    }
    let new = db::users::NewUser {
        email: &s.email,
        display_name: name.as_str(),
        password_hash: db::users::NO_PASSWORD,
        time_zone: tz.name(),
    };
    let user_id = match db::users::insert(&mut *tx, &new, now).await {
        Ok(id) => id,
        Err(DbError::Conflict) => return Err(AppError::Conflict(Problem::EmailTaken.message().into())),
        Err(DbError::Sqlx(e)) => return Err(e.into()),
    };
    match db::oidc::link(&mut *tx, &s.provider, &s.subject, user_id, &s.email, now).await {
        Ok(()) => {}
        Err(DbError::Conflict) => return Err(AppError::Conflict(Problem::LinkedElsewhere.message().into())),
        Err(DbError::Sqlx(e)) => return Err(e.into()),
    }
    let changed = address_proven(state, &mut tx, user_id, now).await?;
    tx.commit().await?;
    notify_changed(state, changed);
    tracing::info!(user_id, provider = %s.provider, "account created with a provider");
    Ok((user_id, s.next_path))
}

/// The providers linked to the user's account: (provider id, name, address given).
pub async fn linked(state: &AppState, user: &User) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(db::oidc::identities_of(&state.db.pool, user.id)
        .await?
        .into_iter()
        .map(|(id, email)| {
            let name = provider(state, &id).map(|p| p.name.clone()).unwrap_or_else(|| id.clone());
            (id, name, email)
        })
        .collect())
}

/// Unlinks a provider. Always possible: the account's verified address still signs in
/// with emailed links (and a password, if it has one).
pub async fn unlink(state: &AppState, user: &User, provider_id: &str) -> Result<(), AppError> {
    if !db::oidc::unlink(&state.db.pool, user.id, provider_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

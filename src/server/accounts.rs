//! Account services: sign-up, login, emailed links, password reset, sessions.
//! Every write and the mail it causes commit in one transaction (the outbox).
use super::crypto::{self, token_hash};
use super::state::AppState;
use crate::api::error::AppError;
use crate::db::{self, links::NewLink, users::NewUser, users::User, DbError};
use crate::domain::account::{DisplayName, NewPassword};
use crate::domain::email::EmailAddress;
use crate::domain::links::{next_or_home, LinkPurpose, LinkState};
use crate::domain::outbox::OutboxMessage;
use crate::domain::time::parse_time_zone;

const LOGIN_WINDOW_SECS: i64 = 15 * 60;
const LINK_WINDOW_SECS: i64 = 3600;

pub struct SignUp {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub time_zone: String,
    pub next: Option<String>,
}

fn parse_email(s: &str) -> Result<EmailAddress, AppError> {
    EmailAddress::parse(s).map_err(|e| AppError::invalid("email", e))
}

/// Counts a hit and fails with `message` once `limit` is passed.
async fn limit(state: &AppState, bucket: &str, window: i64, limit: i64, message: &str) -> Result<(), AppError> {
    let hits = db::rate_limits::hit(&state.db.pool, bucket, window, db::now()).await?;
    if hits > limit {
        tracing::warn!(bucket, hits, "rate limit reached");
        return Err(AppError::TooManyRequests(message.into()));
    }
    Ok(())
}

async fn limit_links(state: &AppState, email: &EmailAddress, ip: &str) -> Result<(), AppError> {
    let a = &state.settings.auth;
    let msg = "You have asked for too many emails. Please wait an hour and try again.";
    limit(state, &format!("links:ip:{ip}"), LINK_WINDOW_SECS, a.links_per_ip, msg).await?;
    limit(state, &format!("links:addr:{email}"), LINK_WINDOW_SECS, a.links_per_address, msg).await
}

/// Creates a single-use link token for `user_id` inside `tx`; returns the plaintext,
/// which only the outbox payload carries.
pub async fn new_link(
    tx: &mut db::Tx,
    user_id: i64,
    purpose: LinkPurpose,
    target: &str,
    lifetime_secs: i64,
) -> Result<String, AppError> {
    let token = crypto::new_token();
    let now = db::now();
    let link = NewLink { token_hash: &token_hash(&token), user_id, purpose, target, expires_at: now + lifetime_secs };
    db::links::insert(&mut **tx, &link, now).await?;
    Ok(token)
}

/// Creates a link token for `user_id` and the outbox row that mails it, inside `tx`.
async fn issue_link(
    tx: &mut db::Tx,
    user_id: i64,
    email: &str,
    purpose: LinkPurpose,
    target: &str,
) -> Result<(), AppError> {
    let token = new_link(tx, user_id, purpose, target, purpose.lifetime_secs()).await?;
    let msg = match purpose {
        LinkPurpose::VerifyEmail => OutboxMessage::VerifyEmail { user_id, token },
        LinkPurpose::SignIn => OutboxMessage::SignInLink { user_id, token },
        LinkPurpose::ResetPassword => OutboxMessage::PasswordReset { user_id, token },
    };
    db::outbox::enqueue(&mut **tx, email, &msg, db::now()).await?;
    Ok(())
}

/// Validates, creates the account and mails the verification link. Does not sign in:
/// the link does.
pub async fn sign_up(state: &AppState, input: SignUp, ip: &str) -> Result<EmailAddress, AppError> {
    let email = parse_email(&input.email)?;
    let name = DisplayName::parse(&input.display_name).map_err(|e| AppError::invalid("display_name", e))?;
    let password = NewPassword::parse(&input.password).map_err(|e| AppError::invalid("password", e))?;
    let tz = parse_time_zone(&input.time_zone).map_err(|e| AppError::invalid("time_zone", e))?;
    limit_links(state, &email, ip).await?;
    let hash = crypto::hash_password(password.expose().to_string()).await?;
    let mut tx = state.db.begin_write().await?;
    let new =
        NewUser { email: email.as_str(), display_name: name.as_str(), password_hash: &hash, time_zone: tz.name() };
    let user_id = match db::users::insert(&mut *tx, &new, db::now()).await {
        Ok(id) => id,
        Err(DbError::Conflict) => {
            return Err(AppError::Conflict(
                "An account with this email already exists. Log in, or reset your password if you forgot it.".into(),
            ))
        }
        Err(DbError::Sqlx(e)) => return Err(e.into()),
    };
    let target = next_or_home(input.next.as_deref());
    issue_link(&mut tx, user_id, email.as_str(), LinkPurpose::VerifyEmail, &target).await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    tracing::info!(user_id, "account created");
    Ok(email)
}

/// Checks a password login. Rate-limited per address and per IP, whatever the outcome.
pub async fn log_in(state: &AppState, email: &str, password: &str, ip: &str) -> Result<User, AppError> {
    let email = parse_email(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Please enter your password."));
    }
    let a = &state.settings.auth;
    let msg = "Too many login attempts. Please wait 15 minutes and try again, or use an emailed sign-in link.";
    limit(state, &format!("login:ip:{ip}"), LOGIN_WINDOW_SECS, a.login_per_ip, msg).await?;
    limit(state, &format!("login:addr:{email}"), LOGIN_WINDOW_SECS, a.login_per_address, msg).await?;
    let found = db::users::credentials(&state.db.pool, email.as_str()).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| crypto::dummy_hash().to_string());
    let ok = crypto::verify_password(password.to_string(), hash).await;
    match found {
        Some((user, _)) if ok => Ok(user),
        _ => Err(AppError::invalid(
            "password",
            "That email and password don't match. Check them, or get a sign-in link by email.",
        )),
    }
}

/// Starts a session and returns the cookie value.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<String, AppError> {
    let token = crypto::new_token();
    let now = db::now();
    let expires = now + state.settings.auth.session_days * 24 * 3600;
    db::sessions::insert(&state.db.pool, &token_hash(&token), user_id, now, expires).await?;
    Ok(token)
}

pub async fn end_session(state: &AppState, token: &str) -> Result<(), AppError> {
    Ok(db::sessions::delete(&state.db.pool, &token_hash(token)).await?)
}

/// Mails a sign-in or reset link if the address has an account. Answers the same either
/// way, so it never reveals whether an address is registered.
pub async fn request_link(
    state: &AppState,
    email: &str,
    purpose: LinkPurpose,
    next: Option<&str>,
    ip: &str,
) -> Result<(), AppError> {
    let email = parse_email(email)?;
    limit_links(state, &email, ip).await?;
    let mut tx = state.db.begin_write().await?;
    if let Some(user) = db::users::by_email(&mut *tx, email.as_str()).await? {
        let target = match purpose {
            LinkPurpose::ResetPassword => "/me".to_string(),
            _ => next_or_home(next),
        };
        issue_link(&mut tx, user.id, &user.email, purpose, &target).await?;
    }
    tx.commit().await?;
    state.worker_wake.notify_one();
    Ok(())
}

/// What the page of an emailed link shows before its button is pressed.
pub async fn peek_link(state: &AppState, token: &str) -> Result<db::links::LinkInfo, AppError> {
    if !crypto::looks_like_token(token) {
        return Err(AppError::NotFound);
    }
    db::links::peek(&state.db.pool, &token_hash(token), db::now()).await?.ok_or(AppError::NotFound)
}

const LINK_SPENT: &str = "This link has expired or was already used. Log in, or ask for a new link.";

/// Consumes a verification or sign-in link (the POST behind "Continue as …"): marks the
/// address verified when that is its purpose, and returns the user and the target page.
pub async fn continue_link(state: &AppState, token: &str) -> Result<(i64, String), AppError> {
    let info = peek_link(state, token).await?;
    if info.state != LinkState::Valid || info.purpose == LinkPurpose::ResetPassword {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    }
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some((user_id, target)) = db::links::consume(&mut *tx, &token_hash(token), info.purpose, now).await? else {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    };
    let mut joined = Vec::new();
    if info.purpose == LinkPurpose::VerifyEmail {
        db::users::mark_verified(&mut *tx, user_id, now).await?;
        joined = join_invited_exchanges(&mut tx, user_id, now).await?;
    }
    tx.commit().await?;
    for id in joined {
        super::live::notify(state, id);
    }
    Ok((user_id, next_or_home(Some(&target))))
}

/// Sets a new password from a reset link; ends every other session of the account.
pub async fn reset_password(state: &AppState, token: &str, password: &str) -> Result<i64, AppError> {
    let password = NewPassword::parse(password).map_err(|e| AppError::invalid("password", e))?;
    if !crypto::looks_like_token(token) {
        return Err(AppError::NotFound);
    }
    let hash = crypto::hash_password(password.expose().to_string()).await?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some((user_id, _)) = db::links::consume(&mut *tx, &token_hash(token), LinkPurpose::ResetPassword, now).await?
    else {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    };
    db::users::set_password_hash(&mut *tx, user_id, &hash).await?;
    // The link proved the address: it counts as verified.
    db::users::mark_verified(&mut *tx, user_id, now).await?;
    let joined = join_invited_exchanges(&mut tx, user_id, now).await?;
    db::sessions::delete_for_user(&mut *tx, user_id).await?;
    tx.commit().await?;
    for id in joined {
        super::live::notify(state, id);
    }
    Ok(user_id)
}

/// Once an address is proven, its owner joins every exchange that invited it.
async fn join_invited_exchanges(tx: &mut db::Tx, user_id: i64, now: i64) -> Result<Vec<i64>, AppError> {
    let Some(user) = db::users::by_id(&mut **tx, user_id).await? else { return Ok(Vec::new()) };
    let joined = db::santa::accept_invites(tx, &user.email, user_id, now).await?;
    if !joined.is_empty() {
        tracing::info!(user_id, exchanges = ?joined, "joined invited exchanges");
    }
    Ok(joined)
}

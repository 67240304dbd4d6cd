//! Account services: sign-up, login, emailed links, password reset, sessions.
//! Every write and the mail it causes commit in one transaction (the outbox).
use crate::core::crypto::{self, token_hash};
use crate::core::db::{self, links::NewLink, links::PendingCredentials, users::NewUser, users::User, DbError};
use crate::core::domain::account::{DisplayName, NewPassword};
use crate::core::domain::email::EmailAddress;
use crate::core::domain::links::{next_or_home, LinkPurpose, LinkState};
use crate::core::domain::outbox::AccountMail;
use crate::core::domain::time::parse_time_zone;
use crate::core::error::AppError;
use crate::core::registry::{Topic, VerifiedAddress};
use crate::core::state::AppState;

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

/// Counts a hit on a sliding-window bucket and fails with `message` once `limit` is passed
/// (refused hits count too: hammering a limit keeps it shut).
pub async fn limit(state: &AppState, bucket: &str, window: i64, limit: i64, message: &str) -> Result<(), AppError> {
    let hits = db::rate_limits::hit_n(&state.db.pool, bucket, window, 1, db::now()).await?;
    if hits > limit {
        tracing::warn!(bucket, hits, "rate limit reached");
        return Err(AppError::TooManyRequests(message.into()));
    }
    Ok(())
}

/// Spends `n` from a sliding-window budget only when all `n` fit: a refused request (say,
/// an invitation to too many addresses) uses up nothing.
pub async fn spend_n(
    state: &AppState,
    bucket: &str,
    window: i64,
    n: i64,
    limit: i64,
    message: &str,
) -> Result<(), AppError> {
    if !db::rate_limits::spend_n(&state.db.pool, bucket, window, n, limit, db::now()).await? {
        tracing::warn!(bucket, n, "budget reached");
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
    new_link_with(tx, user_id, purpose, target, lifetime_secs, Trail::default()).await
}

/// What a sign-up leaves on its verification link (see `db::links::SignUpTrail`).
#[derive(Clone, Copy, Default)]
struct Trail<'a> {
    pending: Option<&'a PendingCredentials>,
    signup_nonce_hash: Option<&'a str>,
}

async fn new_link_with(
    tx: &mut db::Tx,
    user_id: i64,
    purpose: LinkPurpose,
    target: &str,
    lifetime_secs: i64,
    trail: Trail<'_>,
) -> Result<String, AppError> {
    let token = crypto::new_token();
    let now = db::now();
    let link = NewLink { token_hash: &token_hash(&token), user_id, purpose, target, expires_at: now + lifetime_secs };
    db::links::insert_with(&mut **tx, &link, trail.pending, trail.signup_nonce_hash, now).await?;
    Ok(token)
}

/// Creates a link token for `user_id` and the outbox row that mails it, inside `tx`.
async fn issue_link(
    tx: &mut db::Tx,
    user_id: i64,
    email: &str,
    purpose: LinkPurpose,
    target: &str,
    trail: Trail<'_>,
) -> Result<(), AppError> {
    let token = new_link_with(tx, user_id, purpose, target, purpose.lifetime_secs(), trail).await?;
    let msg = match purpose {
        LinkPurpose::VerifyEmail => AccountMail::VerifyEmail { user_id, token },
        LinkPurpose::SignIn => AccountMail::SignInLink { user_id, token },
        LinkPurpose::ResetPassword => AccountMail::PasswordReset { user_id, token },
    };
    db::outbox::enqueue(&mut **tx, email, &msg, db::now()).await?;
    Ok(())
}

/// Validates and mails a verification link. Answers the same whether or not the address
/// is taken, so sign-up never tells who has an account:
/// - a new address: the account is created, unverified, and the link mailed;
/// - an unverified account's address: a new link is mailed that carries these new
///   credentials; they replace the old ones only if this link is the one used (so the
///   account goes to whoever proves the address, with the password they chose);
/// - a verified account's address: nothing changes and the owner is told by mail that
///   someone tried to sign up with it.
///
/// Does not sign in: the link does.
///
/// `signup_nonce` is the random value of a cookie this browser keeps: the credentials typed
/// here are applied without asking again only when the link is opened where that cookie is.
pub async fn sign_up(state: &AppState, input: SignUp, ip: &str, signup_nonce: &str) -> Result<EmailAddress, AppError> {
    let email = parse_email(&input.email)?;
    let name = DisplayName::parse(&input.display_name).map_err(|e| AppError::invalid("display_name", e))?;
    let password = NewPassword::parse(&input.password).map_err(|e| AppError::invalid("password", e))?;
    let tz = parse_time_zone(&input.time_zone).map_err(|e| AppError::invalid("time_zone", e))?;
    limit_links(state, &email, ip).await?;
    // Hashed in every case, so the answer takes as long whether or not the address is taken.
    let hash = crypto::hash_password(&state.hashing, password.expose().to_string()).await?;
    let target = next_or_home(input.next.as_deref());
    let now = db::now();
    let nonce_hash = token_hash(signup_nonce);
    let mut tx = state.db.begin_write().await?;
    match db::users::by_email(&mut *tx, email.as_str()).await? {
        None => {
            let new = NewUser {
                email: email.as_str(),
                display_name: name.as_str(),
                password_hash: &hash,
                time_zone: tz.name(),
            };
            let user_id = match db::users::insert(&mut *tx, &new, now).await {
                Ok(id) => id,
                // Another sign-up for the same address won the race: answer as for it.
                Err(DbError::Conflict) => return Ok(email),
                Err(DbError::Sqlx(e)) => return Err(e.into()),
            };
            let trail = Trail { pending: None, signup_nonce_hash: Some(&nonce_hash) };
            issue_link(&mut tx, user_id, email.as_str(), LinkPurpose::VerifyEmail, &target, trail).await?;
            tracing::info!(user_id, "account created");
        }
        Some(user) if user.verified => {
            let msg = AccountMail::SignUpAttempt { user_id: user.id, attempt: crypto::new_token()[..16].to_string() };
            db::outbox::enqueue(&mut *tx, &user.email, &msg, now).await?;
            tracing::info!(user_id = user.id, "sign-up attempted with a verified address");
        }
        Some(user) => {
            // Only the newest sign-up's link stays usable.
            db::links::void_for_user(&mut *tx, user.id, now).await?;
            let pending = PendingCredentials {
                display_name: name.as_str().to_string(),
                password_hash: hash,
                time_zone: tz.name().to_string(),
            };
            let trail = Trail { pending: Some(&pending), signup_nonce_hash: Some(&nonce_hash) };
            issue_link(&mut tx, user.id, &user.email, LinkPurpose::VerifyEmail, &target, trail).await?;
            tracing::info!(user_id = user.id, "sign-up repeated for an unverified address: new link mailed");
        }
    }
    tx.commit().await?;
    state.worker_wake.notify_one();
    Ok(email)
}

const LOGIN_FAILURES_FORGOTTEN_SECS: i64 = 24 * 3600;

/// Checks a password login. Per IP: a sliding-window limit. Per address: a slow-down after
/// repeated failures, never a lock-out (an emailed sign-in link always works). An account
/// whose address is not verified cannot log in with a password.
pub async fn log_in(state: &AppState, email: &str, password: &str, ip: &str) -> Result<User, AppError> {
    let email = parse_email(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Please enter your password."));
    }
    let a = &state.settings.auth;
    let msg = "Too many login attempts from your network. Please wait 15 minutes, or use an emailed sign-in link.";
    limit(state, &format!("login:ip:{ip}"), LOGIN_WINDOW_SECS, a.login_per_ip, msg).await?;
    let now = db::now();
    let seen = db::rate_limits::login_failures(&state.db.pool, email.as_str()).await?;
    if let Some((failures, last)) = seen.filter(|(_, last)| *last >= now - LOGIN_FAILURES_FORGOTTEN_SECS) {
        let wait = crate::core::domain::account::login_wait_secs(failures, a.login_per_address, last, now);
        if wait > 0 {
            return Err(AppError::TooManyRequests(format!(
                "Too many failed attempts for this address. Try again in {}, or get a sign-in link by email below.",
                crate::core::domain::time::describe_secs(wait)
            )));
        }
    }
    // The attempt is counted before the password is checked (a success clears it): of
    // concurrent attempts for one address only one goes on.
    let pool = &state.db.pool;
    if !db::rate_limits::claim_login_attempt(pool, email.as_str(), seen, LOGIN_FAILURES_FORGOTTEN_SECS, now).await? {
        return Err(AppError::TooManyRequests(
            "Another attempt for this address is under way. Try again in a second.".into(),
        ));
    }
    let found = db::users::credentials(pool, email.as_str()).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let ok = crypto::verify_password(&state.hashing, password.to_string(), hash).await;
    match found {
        Some((user, _)) if ok => {
            db::rate_limits::clear_login_failures(pool, email.as_str()).await?;
            if !user.verified {
                return Err(AppError::Conflict(UNVERIFIED.into()));
            }
            Ok(user)
        }
        _ => Err(AppError::invalid(
            "password",
            "That email and password don't match. Check them, or get a sign-in link by email.",
        )),
    }
}

/// What an unverified account is told when it tries its password.
pub const UNVERIFIED: &str = "Please confirm your email address first: open the link we mailed you. \
     No mail? Ask for a sign-in link below; it confirms your address too.";

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
        // A sign-in link for an unconfirmed address confirms it (it proves the address).
        let purpose = match purpose {
            LinkPurpose::SignIn if !user.verified => LinkPurpose::VerifyEmail,
            other => other,
        };
        issue_link(&mut tx, user.id, &user.email, purpose, &target, Trail::default()).await?;
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

/// Which credentials the opener of a verification link is known to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    /// Opened in the browser that signed up (its cookie nonce matches), or the password of
    /// the sign-up that sent this link was typed: that sign-up's credentials apply.
    ThisSignUp,
    /// The account's current password was typed: it stays, a later sign-up's does not apply.
    CurrentPassword,
    /// Nothing known: whoever holds the mailbox gets in, with no password and no name a
    /// stranger may have chosen.
    Nothing,
}

/// Decides `Trust` for a link of an account that is not verified yet. Someone else may have
/// signed up with the opener's address, so the mailbox alone does not vouch for the
/// credentials. Typed passwords are rate-limited per IP and per link before any hashing.
async fn sign_up_trust(
    state: &AppState,
    token_hash: &str,
    info: &db::links::LinkInfo,
    trail: &db::links::SignUpTrail,
    signup_nonce: Option<&str>,
    password: Option<&str>,
    ip: &str,
) -> Result<Trust, AppError> {
    if let (Some(stored), Some(nonce)) = (&trail.signup_nonce_hash, signup_nonce) {
        if *stored == crate::core::crypto::token_hash(nonce) {
            return Ok(Trust::ThisSignUp);
        }
    }
    let Some(password) = password.filter(|p| !p.is_empty()) else { return Ok(Trust::Nothing) };
    let msg = "Too many attempts. Please wait an hour, or continue without the password.";
    limit(state, &format!("confirm:ip:{ip}"), LINK_WINDOW_SECS, state.settings.auth.resets_per_ip, msg).await?;
    limit(state, &format!("confirm:link:{}", &token_hash[..16]), LINK_WINDOW_SECS, RESETS_PER_LINK, msg).await?;
    if let Some(p) = &trail.pending {
        if crypto::verify_password(&state.hashing, password.to_string(), Some(p.password_hash.clone())).await {
            return Ok(Trust::ThisSignUp);
        }
    }
    let current = db::users::password_hash(&state.db.pool, info.user_id).await?;
    if crypto::verify_password(&state.hashing, password.to_string(), current).await {
        return Ok(if trail.pending.is_some() { Trust::CurrentPassword } else { Trust::ThisSignUp });
    }
    Err(AppError::invalid(
        "password",
        "That is not the password chosen when signing up. Try again, or leave it empty and choose a new one later.",
    ))
}

/// Whether the page of this link should ask for the sign-up password: the account is not
/// verified yet and the link is opened away from the browser that signed up.
pub async fn link_asks_password(
    state: &AppState,
    token: &str,
    info: &db::links::LinkInfo,
    signup_nonce: Option<&str>,
) -> Result<bool, AppError> {
    if info.verified {
        return Ok(false);
    }
    let hash = token_hash(token);
    let trail = db::links::sign_up_trail(&state.db.pool, &hash).await?;
    Ok(sign_up_trust(state, &hash, info, &trail, signup_nonce, None, "").await? == Trust::Nothing)
}

/// Consumes a verification or sign-in link (the POST behind "Continue as …"). Either kind
/// proves the address. For an account not verified yet, the credentials typed at sign-up
/// are kept (a repeated sign-up's replace the old ones) only when they can be trusted
/// (`sign_up_trusted`); otherwise the address is verified and the password dropped, so a
/// stranger who signed up with this address keeps no way in. Returns the user and target.
pub async fn continue_link(
    state: &AppState,
    token: &str,
    password: Option<&str>,
    signup_nonce: Option<&str>,
    ip: &str,
) -> Result<(i64, String), AppError> {
    let info = peek_link(state, token).await?;
    if info.state != LinkState::Valid || info.purpose == LinkPurpose::ResetPassword {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    }
    let hash = token_hash(token);
    let trail = db::links::sign_up_trail(&state.db.pool, &hash).await?;
    let trust = match info.verified {
        true => Trust::ThisSignUp,
        false => sign_up_trust(state, &hash, &info, &trail, signup_nonce, password, ip).await?,
    };
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some((user_id, target)) = db::links::consume(&mut *tx, &hash, info.purpose, now).await? else {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    };
    let user = db::users::by_id(&mut *tx, user_id).await?;
    if let Some(user) = user.filter(|u| !u.verified) {
        match (&trail.pending, trust) {
            (Some(p), Trust::ThisSignUp) => {
                db::users::replace_unverified_credentials(
                    &mut *tx,
                    user_id,
                    &p.display_name,
                    &p.password_hash,
                    &p.time_zone,
                )
                .await?;
            }
            (_, Trust::ThisSignUp | Trust::CurrentPassword) => {}
            (_, Trust::Nothing) => {
                // Neither the password nor the name may be a stranger's.
                let name = user.email.split('@').next().filter(|n| !n.is_empty()).unwrap_or("Hearth member");
                db::users::clear_password(&mut *tx, user_id).await?;
                db::users::set_display_name(&mut *tx, user_id, name).await?;
                tracing::info!(user_id, "address proven away from the sign-up: password and name dropped");
            }
        }
        db::links::void_for_user(&mut *tx, user_id, now).await?;
    }
    let changed = address_proven(state, &mut tx, user_id, now).await?;
    tx.commit().await?;
    notify_changed(state, changed);
    Ok((user_id, next_or_home(Some(&target))))
}

/// Sets a new password from a reset link; ends every other session of the account. The
/// link is checked and the attempt rate-limited (per IP and per link) before any hashing.
pub async fn reset_password(state: &AppState, token: &str, password: &str, ip: &str) -> Result<i64, AppError> {
    if !crypto::looks_like_token(token) {
        return Err(AppError::NotFound);
    }
    let hash = token_hash(token);
    let msg = "Too many attempts. Please wait an hour, or ask for a new link.";
    limit(state, &format!("reset:ip:{ip}"), LINK_WINDOW_SECS, state.settings.auth.resets_per_ip, msg).await?;
    limit(state, &format!("reset:link:{}", &hash[..16]), LINK_WINDOW_SECS, RESETS_PER_LINK, msg).await?;
    let info = db::links::peek(&state.db.pool, &hash, db::now()).await?.ok_or(AppError::NotFound)?;
    if info.purpose != LinkPurpose::ResetPassword {
        return Err(AppError::NotFound);
    }
    if info.state != LinkState::Valid {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    }
    let password = NewPassword::parse(password).map_err(|e| AppError::invalid("password", e))?;
    let new_hash = crypto::hash_password(&state.hashing, password.expose().to_string()).await?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some((user_id, _)) = db::links::consume(&mut *tx, &hash, LinkPurpose::ResetPassword, now).await? else {
        return Err(AppError::Conflict(LINK_SPENT.into()));
    };
    db::users::set_password_hash(&mut *tx, user_id, &new_hash).await?;
    db::sessions::delete_for_user(&mut *tx, user_id).await?;
    let changed = address_proven(state, &mut tx, user_id, now).await?;
    if let Some(user) = db::users::by_id(&mut *tx, user_id).await? {
        db::rate_limits::clear_login_failures(&mut *tx, &user.email).await?;
    }
    tx.commit().await?;
    notify_changed(state, changed);
    Ok(user_id)
}

const RESETS_PER_LINK: i64 = 5;

/// "This person now holds this verified address": the one place it is recorded, whatever
/// proved it (a verification link, a sign-in link, a password reset). The first time, each
/// gathering's "address verified" hook runs in this transaction (a newcomer joins every
/// gathering that invited them). Returns the live topics that changed.
pub async fn address_proven(state: &AppState, tx: &mut db::Tx, user_id: i64, now: i64) -> Result<Vec<Topic>, AppError> {
    if !db::users::mark_verified(&mut **tx, user_id, now).await? {
        return Ok(Vec::new());
    }
    // Whoever held the account before the address was proven holds nothing now (the
    // caller starts the prover's session after this).
    db::sessions::delete_for_user(&mut **tx, user_id).await?;
    let Some(user) = db::users::by_id(&mut **tx, user_id).await? else { return Ok(Vec::new()) };
    let who = VerifiedAddress { user_id, email: user.email, now };
    let mut changed = Vec::new();
    for hook in state.gatherings.iter().filter_map(|g| g.on_address_verified) {
        changed.extend(hook(tx, &who).await?);
    }
    Ok(changed)
}

pub fn notify_changed(state: &AppState, changed: Vec<Topic>) {
    for topic in changed {
        super::live::notify(state, topic);
    }
}

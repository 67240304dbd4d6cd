//! Single-use, expiring tokens behind emailed deep links. Only their hash is stored.
use crate::core::domain::links::{link_state, LinkPurpose, LinkState};
use sqlx::{Any, Executor};

pub struct NewLink<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub purpose: LinkPurpose,
    pub target: &'a str,
    pub expires_at: i64,
}

/// Credentials typed at a sign-up for an address whose account is not verified yet; they
/// ride in that sign-up's verification link and are applied only when it is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCredentials {
    pub display_name: String,
    pub password_hash: String,
    pub time_zone: String,
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, l: &NewLink<'_>, now: i64) -> Result<(), sqlx::Error> {
    insert_with(ex, l, None, None, now).await
}

/// Inserts a link; a verification link may carry a repeated sign-up's credentials and the
/// hash of the sign-up browser's nonce.
pub async fn insert_with<'e>(
    ex: impl Executor<'e, Database = Any>,
    l: &NewLink<'_>,
    pending: Option<&PendingCredentials>,
    signup_nonce_hash: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO link_tokens (token_hash, user_id, purpose, target, created_at, expires_at,
                                  pending_display_name, pending_password_hash, pending_time_zone, signup_nonce_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(l.token_hash)
    .bind(l.user_id)
    .bind(l.purpose.as_str())
    .bind(l.target)
    .bind(now)
    .bind(l.expires_at)
    .bind(pending.map(|p| p.display_name.clone()))
    .bind(pending.map(|p| p.password_hash.clone()))
    .bind(pending.map(|p| p.time_zone.clone()))
    .bind(signup_nonce_hash)
    .execute(ex)
    .await?;
    Ok(())
}

/// What a verification link carries besides its target: a repeated sign-up's credentials,
/// and the hash of the nonce of the browser that signed up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignUpTrail {
    pub pending: Option<PendingCredentials>,
    pub signup_nonce_hash: Option<String>,
}

pub async fn sign_up_trail<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<SignUpTrail, sqlx::Error> {
    type Row = (Option<String>, Option<String>, Option<String>, Option<String>);
    let row = sqlx::query_as::<_, Row>(
        "SELECT pending_display_name, pending_password_hash, pending_time_zone, signup_nonce_hash
         FROM link_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await?;
    Ok(match row {
        Some((name, hash, zone, nonce)) => SignUpTrail {
            pending: match (name, hash, zone) {
                (Some(display_name), Some(password_hash), Some(time_zone)) => {
                    Some(PendingCredentials { display_name, password_hash, time_zone })
                }
                _ => None,
            },
            signup_nonce_hash: nonce,
        },
        None => SignUpTrail::default(),
    })
}

/// Voids every unused link of a user (their credentials changed hands).
pub async fn void_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE link_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// What a link is, without consuming it (the GET of a deep link).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    pub user_id: i64,
    pub display_name: String,
    pub purpose: LinkPurpose,
    pub target: String,
    pub state: LinkState,
    /// Whether the account's address is verified already.
    pub verified: bool,
}

pub async fn peek<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<LinkInfo>, sqlx::Error> {
    let row = sqlx::query_as::<_, (i64, String, String, String, i64, Option<i64>, Option<i64>)>(
        "SELECT l.user_id, u.display_name, l.purpose, l.target, l.expires_at, l.used_at, u.email_verified_at
         FROM link_tokens l JOIN users u ON u.id = l.user_id WHERE l.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await?;
    Ok(row.and_then(|(user_id, display_name, purpose, target, expires_at, used_at, verified_at)| {
        Some(LinkInfo {
            user_id,
            display_name,
            purpose: LinkPurpose::parse(&purpose)?,
            target,
            state: link_state(used_at.is_some(), expires_at, now),
            verified: verified_at.is_some(),
        })
    }))
}

/// Marks a valid link used, atomically: of two concurrent attempts exactly one gets the row.
/// Returns the user and target when this call consumed it.
pub async fn consume<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    purpose: LinkPurpose,
    now: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String)>(
        "UPDATE link_tokens SET used_at = $3
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
         RETURNING user_id, target",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(ex)
    .await
}

/// Deletes links that can no longer be used (expired a day ago).
pub async fn delete_stale<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM link_tokens WHERE expires_at <= $1")
        .bind(now - 24 * 3600)
        .execute(ex)
        .await?
        .rows_affected())
}

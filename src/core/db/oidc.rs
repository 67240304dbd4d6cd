//! Provider identities, authorization requests in flight, and sign-ups waiting for a name.
use super::DbError;
use sqlx::{Any, Executor};

/// An authorization request, as stored when it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub browser_hash: String,
    pub link_user_id: Option<i64>,
    pub created_at: i64,
}

pub async fn insert_login<'e>(
    ex: impl Executor<'e, Database = Any>,
    state_hash: &str,
    l: &Login,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_logins (state_hash, provider, nonce, pkce_verifier, next_path, browser_hash, link_user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(state_hash)
    .bind(&l.provider)
    .bind(&l.nonce)
    .bind(&l.pkce_verifier)
    .bind(&l.next_path)
    .bind(&l.browser_hash)
    .bind(l.link_user_id)
    .bind(l.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// Takes (deletes and returns) the request with this state: it can be used once.
pub async fn take_login<'e>(
    ex: impl Executor<'e, Database = Any>,
    state_hash: &str,
) -> Result<Option<Login>, sqlx::Error> {
    let row = sqlx::query_as::<_, (String, String, String, String, String, Option<i64>, i64)>(
        "DELETE FROM oidc_logins WHERE state_hash = $1
         RETURNING provider, nonce, pkce_verifier, next_path, browser_hash, link_user_id, created_at",
    )
    .bind(state_hash)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|(provider, nonce, pkce_verifier, next_path, browser_hash, link_user_id, created_at)| Login {
        provider,
        nonce,
        pkce_verifier,
        next_path,
        browser_hash,
        link_user_id,
        created_at,
    }))
}

/// The account holding this provider identity.
pub async fn user_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    provider: &str,
    subject: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT user_id FROM oidc_identities WHERE provider = $1 AND subject = $2")
        .bind(provider)
        .bind(subject)
        .fetch_optional(ex)
        .await
}

/// Links an identity to an account; `DbError::Conflict` when it is linked already.
pub async fn link<'e>(
    ex: impl Executor<'e, Database = Any>,
    provider: &str,
    subject: &str,
    user_id: i64,
    email: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO oidc_identities (provider, subject, user_id, email, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(provider)
    .bind(subject)
    .bind(user_id)
    .bind(email)
    .bind(now)
    .execute(ex)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// The providers linked to an account: (provider, email given then).
pub async fn identities_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT provider, email FROM oidc_identities WHERE user_id = $1 ORDER BY provider, created_at",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await
}

pub async fn unlink<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
    provider: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM oidc_identities WHERE user_id = $1 AND provider = $2")
        .bind(user_id)
        .bind(provider)
        .execute(ex)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A provider identity waiting for its name and time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signup {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub suggested_name: String,
    pub next_path: String,
    pub browser_hash: String,
    pub created_at: i64,
}

pub async fn insert_signup<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    s: &Signup,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_signups (token_hash, provider, subject, email, suggested_name, next_path, browser_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash)
    .bind(&s.provider)
    .bind(&s.subject)
    .bind(&s.email)
    .bind(&s.suggested_name)
    .bind(&s.next_path)
    .bind(&s.browser_hash)
    .bind(s.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

type SignupRow = (String, String, String, String, String, String, i64);

fn signup_of((provider, subject, email, suggested_name, next_path, browser_hash, created_at): SignupRow) -> Signup {
    Signup { provider, subject, email, suggested_name, next_path, browser_hash, created_at }
}

pub async fn signup<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<Signup>, sqlx::Error> {
    Ok(sqlx::query_as::<_, SignupRow>(
        "SELECT provider, subject, email, suggested_name, next_path, browser_hash, created_at FROM oidc_signups WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await?
    .map(signup_of))
}

/// Takes the waiting sign-up: it becomes an account once.
pub async fn take_signup<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<Signup>, sqlx::Error> {
    Ok(sqlx::query_as::<_, SignupRow>(
        "DELETE FROM oidc_signups WHERE token_hash = $1
         RETURNING provider, subject, email, suggested_name, next_path, browser_hash, created_at",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await?
    .map(signup_of))
}

/// Forgets requests and sign-ups older than `before` (the hourly cleanup).
pub async fn delete_stale<'e>(ex: impl Executor<'e, Database = Any> + Copy, before: i64) -> Result<u64, sqlx::Error> {
    let a =
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < $1").bind(before).execute(ex).await?.rows_affected();
    let b =
        sqlx::query("DELETE FROM oidc_signups WHERE created_at < $1").bind(before).execute(ex).await?.rows_affected();
    Ok(a + b)
}

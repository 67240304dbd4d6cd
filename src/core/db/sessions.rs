//! Sign-in sessions. Only the SHA-256 of the cookie value is stored.
use sqlx::{Any, Executor};

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(id_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(ex)
        .await?;
    Ok(())
}

/// The user a live session belongs to.
pub async fn user_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(id_hash)
        .bind(now)
        .fetch_optional(ex)
        .await
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(ex).await?;
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn delete_for_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(ex).await?;
    Ok(())
}

pub async fn delete_expired<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(ex).await?.rows_affected())
}

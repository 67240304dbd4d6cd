//! Fixed-window counters shared by every instance (they live in the database).
use sqlx::{Any, Executor};

/// Counts one hit on `bucket` in the window containing `now` and returns the hits so far.
pub async fn hit<'e>(
    ex: impl Executor<'e, Database = Any>,
    bucket: &str,
    window_secs: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let window_start = now - now.rem_euclid(window_secs.max(1));
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .fetch_one(ex)
    .await
}

pub async fn delete_old<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now - 2 * 24 * 3600)
        .execute(ex)
        .await?
        .rows_affected())
}

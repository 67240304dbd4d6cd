//! Timed jobs: rows with a time; claimed with a lease like the outbox, so each runs once
//! even with several instances, and one whose time passed while the server was down runs
//! at the next start.
use super::{Backend, Db};
use sqlx::{Any, Executor};

/// Schedules a job; a second job with the same key is ignored. Returns whether it was new.
pub async fn schedule<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    kind: &str,
    payload: &str,
    run_at: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("INSERT INTO timed_jobs (job_key, kind, payload, run_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job_key) DO NOTHING")
        .bind(key)
        .bind(kind)
        .bind(payload)
        .bind(run_at)
        .execute(ex)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug)]
pub struct ClaimedJob {
    pub id: i64,
    pub key: String,
    /// A kind the core or a gathering registered (one this build does not know fails).
    pub kind: String,
    pub payload: String,
    pub run_at: i64,
    pub attempts: i64,
}

pub async fn claim_due(
    db: &Db,
    worker: &str,
    limit: i64,
    lease_secs: i64,
    now: i64,
) -> Result<Vec<ClaimedJob>, sqlx::Error> {
    let lock = match db.backend {
        Backend::Sqlite => "",
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE timed_jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM timed_jobs
                      WHERE done_at IS NULL AND run_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
                      ORDER BY run_at, id LIMIT $4 {lock})
         RETURNING id, job_key, kind, payload, run_at, attempts"
    );
    let rows = sqlx::query_as::<_, (i64, String, String, String, i64, i64)>(&sql)
        .bind(worker)
        .bind(now + lease_secs)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, key, kind, payload, run_at, attempts)| ClaimedJob { id, key, kind, payload, run_at, attempts })
        .collect())
}

pub async fn mark_done<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    worker: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE timed_jobs SET done_at = $3, last_error = NULL, locked_by = NULL, locked_until = NULL
         WHERE id = $1 AND locked_by = $2",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// A failed run: due again at `retry_at`, with the error kept for operators. Timed jobs
/// are never given up.
pub async fn mark_failed<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    worker: &str,
    retry_at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE timed_jobs SET run_at = $3, last_error = $4, locked_by = NULL, locked_until = NULL WHERE id = $1 AND locked_by = $2",
    )
    .bind(id)
    .bind(worker)
    .bind(retry_at)
    .bind(error)
    .execute(ex)
    .await?;
    Ok(())
}

/// Unfinished jobs whose last run failed (for /metrics).
pub async fn failing<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM timed_jobs WHERE done_at IS NULL AND last_error IS NOT NULL")
        .fetch_one(ex)
        .await
}

/// Gives one claimed job back unstarted.
pub async fn release_one<'e>(ex: impl Executor<'e, Database = Any>, id: i64, worker: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE timed_jobs SET locked_by = NULL, locked_until = NULL, attempts = attempts - 1
         WHERE id = $1 AND locked_by = $2 AND done_at IS NULL",
    )
    .bind(id)
    .bind(worker)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn release<'e>(ex: impl Executor<'e, Database = Any>, worker: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE timed_jobs SET locked_by = NULL, locked_until = NULL, attempts = attempts - 1 WHERE locked_by = $1 AND done_at IS NULL",
    )
    .bind(worker)
    .execute(ex)
    .await?
    .rows_affected())
}

/// Seconds since the oldest due, unfinished job should have run (0 when none is late).
pub async fn lag_secs<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> Result<i64, sqlx::Error> {
    let oldest = sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MIN(run_at) FROM timed_jobs WHERE done_at IS NULL AND run_at <= $1",
    )
    .bind(now)
    .fetch_one(ex)
    .await?;
    Ok(oldest.map(|t| now - t).unwrap_or(0))
}

/// Whether a job with this key has finished (for tests and operations).
pub async fn is_done<'e>(ex: impl Executor<'e, Database = Any>, key: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query_scalar::<_, Option<i64>>("SELECT done_at FROM timed_jobs WHERE job_key = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?;
    Ok(matches!(done, Some(Some(_))))
}

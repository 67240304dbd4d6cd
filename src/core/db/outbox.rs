//! The mail outbox: rows written in the same transaction as the change that causes them,
//! claimed by workers with a lease, retried with backoff, dead-lettered after N attempts.
use super::{Backend, Db};
use crate::core::domain::outbox::{Mail, RetryDecision};
use sqlx::{Any, Executor};

/// Enqueues a message; a second message with the same idempotency key is ignored.
/// Returns whether a row was inserted.
pub async fn enqueue<'e>(
    ex: impl Executor<'e, Database = Any>,
    recipient: &str,
    msg: &impl Mail,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let key = format!("{recipient}|{}", msg.cause());
    let payload = serde_json::to_string(msg).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let done = sqlx::query(
        "INSERT INTO outbox (idempotency_key, recipient, payload, created_at, due_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&key)
    .bind(recipient)
    .bind(payload)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A claimed row.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: i64,
    pub idempotency_key: String,
    pub recipient: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims up to `limit` due rows for `worker` until `now + lease_secs`.
pub async fn claim(db: &Db, worker: &str, limit: i64, lease_secs: i64, now: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = match db.backend {
        Backend::Sqlite => "",
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE outbox SET locked_by = $1, locked_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox
                      WHERE sent_at IS NULL AND dead_at IS NULL AND due_at <= $3
                        AND (locked_until IS NULL OR locked_until <= $3)
                      ORDER BY due_at, id LIMIT $4 {lock})
         RETURNING id, idempotency_key, recipient, payload, attempts"
    );
    let rows = sqlx::query_as::<_, (i64, String, String, String, i64)>(&sql)
        .bind(worker)
        .bind(now + lease_secs)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, idempotency_key, recipient, payload, attempts)| Claimed {
            id,
            idempotency_key,
            recipient,
            payload,
            attempts,
        })
        .collect())
}

/// Records a delivery. Only the worker holding the lease may do so.
pub async fn mark_sent<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    worker: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET sent_at = $3, locked_by = NULL, locked_until = NULL, last_error = NULL WHERE id = $1 AND locked_by = $2")
        .bind(id)
        .bind(worker)
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// Records a failed attempt: due again later, or dead-lettered.
pub async fn mark_failed<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    worker: &str,
    decision: RetryDecision,
    error: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let error: String = error.chars().take(500).collect();
    let q = match decision {
        RetryDecision::RetryIn(secs) => sqlx::query(
            "UPDATE outbox SET due_at = $3, last_error = $4, locked_by = NULL, locked_until = NULL WHERE id = $1 AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(now + secs)
        .bind(error),
        RetryDecision::DeadLetter => sqlx::query(
            "UPDATE outbox SET dead_at = $3, last_error = $4, locked_by = NULL, locked_until = NULL WHERE id = $1 AND locked_by = $2",
        )
        .bind(id)
        .bind(worker)
        .bind(now)
        .bind(error),
    };
    q.execute(ex).await?;
    Ok(())
}

/// Gives one claimed, unsent message back (its attempt did not start).
pub async fn release_one<'e>(ex: impl Executor<'e, Database = Any>, id: i64, worker: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET locked_by = NULL, locked_until = NULL, attempts = attempts - 1
         WHERE id = $1 AND locked_by = $2 AND sent_at IS NULL",
    )
    .bind(id)
    .bind(worker)
    .execute(ex)
    .await?;
    Ok(())
}

/// Gives back every lease of `worker` (graceful shutdown): the rows are due again at once
/// and the interrupted attempt is not counted.
pub async fn release<'e>(ex: impl Executor<'e, Database = Any>, worker: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE outbox SET locked_by = NULL, locked_until = NULL, attempts = attempts - 1
         WHERE locked_by = $1 AND sent_at IS NULL AND dead_at IS NULL",
    )
    .bind(worker)
    .execute(ex)
    .await?
    .rows_affected())
}

/// A dead-lettered message, for the admin page.
#[derive(Clone, Debug)]
pub struct DeadMail {
    pub id: i64,
    pub recipient: String,
    pub kind: String,
    pub attempts: i64,
    pub last_error: String,
    pub dead_at: i64,
}

/// Dead-lettered messages, newest first.
pub async fn dead_letters<'e>(ex: impl Executor<'e, Database = Any>, limit: i64) -> Result<Vec<DeadMail>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, recipient, payload, attempts, last_error, dead_at FROM outbox WHERE dead_at IS NOT NULL ORDER BY dead_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, recipient, payload, attempts, last_error, dead_at)| DeadMail {
            id,
            recipient,
            kind: crate::core::domain::outbox::kind_of(&payload).unwrap_or_default().to_string(),
            attempts,
            last_error: last_error.unwrap_or_default(),
            dead_at,
        })
        .collect())
}

/// Puts a dead-lettered message back in the queue, due now with fresh attempts; true when
/// it was dead (a second press does nothing).
pub async fn retry_dead<'e>(ex: impl Executor<'e, Database = Any>, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET dead_at = NULL, attempts = 0, due_at = $2, locked_by = NULL, locked_until = NULL
         WHERE id = $1 AND dead_at IS NOT NULL AND sent_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Messages not yet sent nor dead (for /metrics).
pub async fn depth<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL")
        .fetch_one(ex)
        .await
}

/// Drops sent rows (and the link tokens in their payloads) a week after sending.
pub async fn prune_sent<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
        .bind(now - 7 * 24 * 3600)
        .execute(ex)
        .await?
        .rows_affected())
}

/// A mail kept by the dev mailbox.
#[derive(Clone, Debug)]
pub struct DevMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// JSON list of `mail::Attachment`s.
    pub attachments: String,
    pub created_at: i64,
}

/// A mail as the dev mailbox keeps it.
pub struct NewDevMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    pub idempotency_key: &'a str,
    /// JSON list of `mail::Attachment`s.
    pub attachments_json: &'a str,
}

pub async fn dev_mailbox_insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    m: &NewDevMail<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dev_mailbox (recipient, subject, text_body, html_body, idempotency_key, attachments, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.recipient)
    .bind(m.subject)
    .bind(m.text_body)
    .bind(m.html_body)
    .bind(m.idempotency_key)
    .bind(m.attachments_json)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The newest mails first.
pub async fn dev_mailbox_list<'e>(
    ex: impl Executor<'e, Database = Any>,
    limit: i64,
) -> Result<Vec<DevMail>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (i64, String, String, String, String, String, i64)>(
        "SELECT id, recipient, subject, text_body, html_body, attachments, created_at FROM dev_mailbox ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, recipient, subject, text_body, html_body, attachments, created_at)| DevMail {
            id,
            recipient,
            subject,
            text_body,
            html_body,
            attachments,
            created_at,
        })
        .collect())
}

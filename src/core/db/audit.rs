//! The admin audit log: who did what, to what, when. Written in the same transaction as
//! the action it records.
use sqlx::{Any, Executor};

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub at: i64,
}

/// Who acted: an admin's account, or the command line.
pub enum Actor<'a> {
    Admin { id: i64, email: &'a str },
    CommandLine,
}

pub async fn record<'e>(
    ex: impl Executor<'e, Database = Any>,
    actor: Actor<'_>,
    action: &str,
    subject: &str,
    detail: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let (id, label) = match actor {
        Actor::Admin { id, email } => (Some(id), email.to_string()),
        Actor::CommandLine => (None, "command line".to_string()),
    };
    sqlx::query(
        "INSERT INTO audit_log (actor_id, actor_label, action, subject, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(label)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The newest entries first.
pub async fn recent<'e>(ex: impl Executor<'e, Database = Any>, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT actor_label, action, subject, detail, created_at FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(actor, action, subject, detail, at)| AuditEntry { actor, action, subject, detail, at })
        .collect())
}

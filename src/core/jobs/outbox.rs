//! Delivers due outbox rows: claim with a lease, render, send, record.
use crate::core::db;
use crate::core::domain::outbox::{after_failure, kind_of, AccountMail, RetryDecision};
use crate::core::mail::greeting_name;
use crate::core::mail::templates::{account_parts, compose};
use crate::core::metrics::Metrics;
use crate::core::registry;
use crate::core::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due.
    Empty,
    /// This many were sent (any failures in the batch are counted in `Failed`).
    Sent(usize),
    /// Every claimed message failed.
    Failed(usize),
}

/// Claims up to `worker.batch_size` due messages with one lease and sends them over up to
/// `mail.smtp_connections` pooled SMTP connections at once (one person's mails one after
/// another, in order); each message renders on its way to a connection (no render holds
/// the others up). The lease outlives the batch: a
/// message starts only while its whole attempt (render + SMTP, cut at
/// `mail.smtp_timeout_secs`) can end a second before the lease does; the rest is given
/// back, unsent, for the next round. So another instance never takes over a message this
/// one may still be sending, and a killed instance repeats at most the messages it had on
/// the wire (each keeps its Message-ID).
pub async fn dispatch_once(state: &AppState) -> Result<Outcome, sqlx::Error> {
    use futures::StreamExt;
    let w = &state.settings.worker;
    let claimed_at = std::time::Instant::now();
    let rows = db::outbox::claim(&state.db, &state.instance, w.batch_size.max(1), w.lease_secs, db::now()).await?;
    if rows.is_empty() {
        return Ok(Outcome::Empty);
    }
    let attempt = std::time::Duration::from_secs(state.settings.mail.smtp_timeout_secs.max(1));
    let last_start = std::time::Duration::from_secs(w.lease_secs.max(0) as u64)
        .saturating_sub(attempt + std::time::Duration::from_secs(1));
    // One person's mails go one after another, in the order they were written (a new link
    // after an older one arrives after it); different people's go at once.
    // (RETURNING gives no order: the ids are the order they were written in.)
    let mut rows = rows;
    rows.sort_by_key(|r| r.id);
    let mut by_recipient: Vec<Vec<db::outbox::Claimed>> = Vec::new();
    for row in rows {
        match by_recipient.iter_mut().find(|g| g[0].recipient == row.recipient) {
            Some(group) => group.push(row),
            None => by_recipient.push(vec![row]),
        }
    }
    let results: Vec<Result<Option<bool>, sqlx::Error>> = futures::stream::iter(by_recipient)
        .map(|group| async move {
            let mut outcomes = Vec::with_capacity(group.len());
            for row in group {
                outcomes.push(attempt_one(state, &row, claimed_at.elapsed() <= last_start, attempt).await);
            }
            futures::stream::iter(outcomes)
        })
        .buffer_unordered(state.settings.mail.smtp_connections.max(1))
        .flatten()
        .collect()
        .await;
    let (mut sent, mut failed) = (0, 0);
    for r in results {
        match r? {
            Some(true) => sent += 1,
            Some(false) => failed += 1,
            None => {}
        }
    }
    Ok(match (sent, failed) {
        (0, 0) => Outcome::Empty,
        (0, n) => Outcome::Failed(n),
        (n, _) => Outcome::Sent(n),
    })
}

/// One message: sent and recorded, or (when it may no longer start) given back unsent.
async fn attempt_one(
    state: &AppState,
    row: &db::outbox::Claimed,
    may_start: bool,
    limit: std::time::Duration,
) -> Result<Option<bool>, sqlx::Error> {
    if !may_start {
        db::outbox::release_one(&state.db.pool, row.id, &state.instance).await?;
        return Ok(None);
    }
    let outcome = match tokio::time::timeout(limit, deliver(state, row)).await {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!("no answer within {} s", limit.as_secs())),
    };
    record(state, row, outcome).await.map(Some)
}

/// Records one attempt: sent, or failed with the retry policy's decision. True if sent.
async fn record(state: &AppState, row: &db::outbox::Claimed, outcome: anyhow::Result<()>) -> Result<bool, sqlx::Error> {
    let w = &state.settings.worker;
    match outcome {
        Ok(()) => {
            db::outbox::mark_sent(&state.db.pool, row.id, &state.instance, db::now()).await?;
            Metrics::inc(&state.metrics.mail_sent);
            tracing::debug!(outbox_id = row.id, "mail sent");
            Ok(true)
        }
        Err(e) => {
            let decision = after_failure(row.attempts, w.max_attempts, w.backoff_base_secs);
            tracing::warn!(outbox_id = row.id, attempts = row.attempts, ?decision, error = %e, "mail not sent");
            db::outbox::mark_failed(&state.db.pool, row.id, &state.instance, decision, &format!("{e:#}"), db::now())
                .await?;
            Metrics::inc(&state.metrics.mail_failed);
            if decision == RetryDecision::DeadLetter {
                tracing::error!(outbox_id = row.id, "mail dead-lettered");
            }
            Ok(false)
        }
    }
}

async fn deliver(state: &AppState, row: &db::outbox::Claimed) -> anyhow::Result<()> {
    let kind = kind_of(&row.payload).ok_or_else(|| anyhow::anyhow!("the payload names no kind"))?;
    let mail = if AccountMail::KINDS.contains(&kind.as_str()) {
        let msg: AccountMail = serde_json::from_str(&row.payload)?;
        let display_name = greeting_name(&state.db, Some(msg.user_id())).await?;
        compose(account_parts(&msg, state.settings.base_url()), &row.recipient, &display_name, &row.idempotency_key)?
    } else {
        // A gathering's mail renders itself (it knows what it is about).
        let renderer = registry::mail(state.gatherings, &kind)
            .ok_or_else(|| anyhow::anyhow!("no gathering renders mail of kind {kind}"))?;
        (renderer.render)(state, &row.payload, &row.recipient, &row.idempotency_key).await?
    };
    state.mailer.send(&mail).await
}

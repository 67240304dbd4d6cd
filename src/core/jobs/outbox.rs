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

/// Sends up to `batch_size` due messages, each claimed on its own just before it is sent,
/// so a lease only ever covers one message (one SMTP exchange, bounded by its timeout):
/// however slow the batch, no message's lease runs out while it is being sent, and another
/// instance never takes over a message this one is still sending.
pub async fn dispatch_once(state: &AppState) -> Result<Outcome, sqlx::Error> {
    let w = &state.settings.worker;
    let (mut sent, mut failed) = (0, 0);
    for _ in 0..w.batch_size.max(1) {
        let Some(row) = db::outbox::claim(&state.db, &state.instance, 1, w.lease_secs, db::now()).await?.pop() else {
            break;
        };
        match deliver(state, &row).await {
            Ok(()) => {
                db::outbox::mark_sent(&state.db.pool, row.id, &state.instance, db::now()).await?;
                Metrics::inc(&state.metrics.mail_sent);
                tracing::info!(outbox_id = row.id, "mail sent");
                sent += 1;
            }
            Err(e) => {
                let decision = after_failure(row.attempts, w.max_attempts, w.backoff_base_secs);
                tracing::warn!(outbox_id = row.id, attempts = row.attempts, ?decision, error = %e, "mail not sent");
                db::outbox::mark_failed(
                    &state.db.pool,
                    row.id,
                    &state.instance,
                    decision,
                    &format!("{e:#}"),
                    db::now(),
                )
                .await?;
                Metrics::inc(&state.metrics.mail_failed);
                if decision == RetryDecision::DeadLetter {
                    tracing::error!(outbox_id = row.id, "mail dead-lettered");
                }
                failed += 1;
            }
        }
    }
    Ok(match (sent, failed) {
        (0, 0) => Outcome::Empty,
        (0, n) => Outcome::Failed(n),
        (n, _) => Outcome::Sent(n),
    })
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

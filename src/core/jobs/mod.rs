//! The background worker: one tokio task that delivers the outbox and runs timed jobs.
//! It stops taking work on cancellation and gives back its leases.
pub mod outbox;
pub mod timed;

use crate::core::db;
use crate::core::state::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts the worker. It runs until `cancel` fires, then releases its leases and returns.
pub fn spawn(state: AppState, cancel: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(instance = %state.instance, "background worker started");
        let poll = Duration::from_millis(state.settings.worker.poll_interval_ms.max(10));
        if let Err(e) = timed::ensure_cleanup_scheduled(&state).await {
            tracing::error!(error = ?e, "could not schedule the cleanup job");
        }
        loop {
            if cancel.is_cancelled() {
                break;
            }
            let mut busy = false;
            match outbox::dispatch_once(&state).await {
                Ok(outbox::Outcome::Sent(n)) | Ok(outbox::Outcome::Failed(n)) if n > 0 => busy = true,
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "outbox dispatch failed"),
            }
            match timed::run_due(&state).await {
                Ok(n) if n > 0 => busy = true,
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "timed jobs failed"),
            }
            if busy {
                continue;
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = state.worker_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
        release_leases(&state).await;
        tracing::info!("background worker stopped");
    })
}

/// Gives back every lease this instance holds (graceful shutdown).
pub async fn release_leases(state: &AppState) {
    let mails = db::outbox::release(&state.db.pool, &state.instance).await;
    let jobs = db::jobs::release(&state.db.pool, &state.instance).await;
    match (mails, jobs) {
        (Ok(m), Ok(j)) => tracing::info!(mails = m, jobs = j, "leases released"),
        (m, j) => tracing::error!(?m, ?j, "releasing leases failed"),
    }
}

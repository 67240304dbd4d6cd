//! Timed jobs: claim those whose time has come (including any missed while the server was
//! down), run them, record the outcome.
use crate::core::db;
use crate::core::domain::jobs::{cleanup_key, CLEANUP, CLEANUP_EVERY_SECS};
use crate::core::domain::outbox::{after_failure, RetryDecision};
use crate::core::metrics::Metrics;
use crate::core::registry;
use crate::core::state::AppState;

/// Makes sure a cleanup is scheduled for the current hour (idempotent across instances).
pub async fn ensure_cleanup_scheduled(state: &AppState) -> Result<(), sqlx::Error> {
    let now = db::now();
    db::jobs::schedule(&state.db.pool, &cleanup_key(now), CLEANUP, "{}", now).await?;
    Ok(())
}

/// Runs every due job once; returns how many ran.
pub async fn run_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let w = &state.settings.worker;
    let jobs = db::jobs::claim_due(&state.db, &state.instance, w.batch_size, w.lease_secs, db::now()).await?;
    // Jobs run one after another and a job has no time limit of its own: one starts only in
    // the first half of the lease, the rest is given back (another instance must not take
    // over a job this one may still be running).
    let claimed_at = std::time::Instant::now();
    let half_lease = std::time::Duration::from_secs((w.lease_secs / 2).max(1) as u64);
    let mut n = 0;
    for job in jobs {
        if claimed_at.elapsed() > half_lease {
            db::jobs::release_one(&state.db.pool, job.id, &state.instance).await?;
            continue;
        }
        n += 1;
        let result = if job.kind == CLEANUP {
            cleanup(state).await
        } else if let Some(registered) = registry::job(state.gatherings, &job.kind) {
            (registered.run)(state, &job.payload).await
        } else {
            Err(anyhow::anyhow!("no gathering handles job kind {}", job.kind))
        };
        let now = db::now();
        match result {
            Ok(()) => {
                db::jobs::mark_done(&state.db.pool, job.id, &state.instance, now).await?;
                Metrics::inc(&state.metrics.jobs_run);
                tracing::info!(job = %job.key, late_secs = now - job.run_at, "timed job done");
            }
            Err(e) => {
                // A timed job is never given up: a reveal that fails must still happen. It
                // retries with backoff (capped at 6 hours) and stays visible until it succeeds:
                // an error log line per failure and the hearth_jobs_failing gauge.
                let delay = match after_failure(job.attempts, i64::MAX, w.backoff_base_secs) {
                    RetryDecision::RetryIn(secs) => secs,
                    RetryDecision::DeadLetter => 6 * 3600,
                };
                Metrics::inc(&state.metrics.jobs_failed);
                tracing::error!(job = %job.key, attempts = job.attempts, retry_in_secs = delay, error = ?e, "timed job failed");
                db::jobs::mark_failed(&state.db.pool, job.id, &state.instance, now + delay, &format!("{e:#}")).await?;
            }
        }
    }
    Ok(n)
}

/// Deletes what has expired and schedules the next cleanup.
async fn cleanup(state: &AppState) -> anyhow::Result<()> {
    let now = db::now();
    let pool = &state.db.pool;
    let sessions = db::sessions::delete_expired(pool, now).await?;
    let links = db::links::delete_stale(pool, now).await?;
    let limits = db::rate_limits::delete_old(pool, now).await?;
    let mails = db::outbox::prune_sent(pool, now).await?;
    let sign_ins = db::oidc::delete_stale(pool, now - 3600).await?;
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    let uploads = crate::core::media::sweep_temporary(&*state.media, day_ago).await?;
    let next = now + CLEANUP_EVERY_SECS;
    db::jobs::schedule(pool, &cleanup_key(next), CLEANUP, "{}", next - next.rem_euclid(CLEANUP_EVERY_SECS)).await?;
    tracing::info!(sessions, links, limits, mails, sign_ins, uploads, "cleanup done");
    Ok(())
}

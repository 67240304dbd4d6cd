//! Lunches' timed jobs: the matching (kind "lunch_matching": nightly, and again a short
//! while after availability for the coming week changes, debounced by the job key), and a
//! lunch's clock (kind "lunch_clock": its start, its end, the end of the review time).
use crate::core::db;
use crate::core::registry::{BoxFuture, JobKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

pub const MATCHING: &str = "lunch_matching";
pub const CLOCK: &str = "lunch_clock";
const DAY: i64 = 24 * 3600;
/// The nightly run, in UTC seconds after midnight (02:00).
const NIGHTLY_AT: i64 = 2 * 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    Start,
    End,
    Close,
}

#[derive(Serialize, Deserialize)]
struct ClockPayload {
    lunch_id: i64,
    clock: Clock,
}

fn encode(v: &impl Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub async fn schedule_clock(tx: &mut db::Tx, lunch_id: i64, clock: Clock, at: i64) -> Result<(), sqlx::Error> {
    let key = format!("lunch-clock:{lunch_id}:{}", encode(&clock)?.trim_matches('"'));
    db::jobs::schedule(&mut **tx, &key, CLOCK, &encode(&ClockPayload { lunch_id, clock })?, at).await?;
    Ok(())
}

/// The next nightly run after `now` (one job per night, whoever schedules it).
pub async fn ensure_nightly(tx: &mut db::Tx, now: i64) -> Result<(), sqlx::Error> {
    let today = now - now.rem_euclid(DAY);
    let next = if now < today + NIGHTLY_AT { today + NIGHTLY_AT } else { today + DAY + NIGHTLY_AT };
    db::jobs::schedule(&mut **tx, &format!("lunch-matching:night:{next}"), MATCHING, "{}", next).await?;
    Ok(())
}

/// A run soon: every change within one debounce period shares one job (its key names the
/// period's end). Also makes sure the nightly run is scheduled.
pub async fn matching_soon(tx: &mut db::Tx, state: &AppState, now: i64) -> Result<(), sqlx::Error> {
    let d = i64::try_from(state.settings.lunches.matching_debounce_secs.max(1)).unwrap_or(60);
    let at = (now / d + 1) * d;
    db::jobs::schedule(&mut **tx, &format!("lunch-matching:soon:{at}"), MATCHING, "{}", at).await?;
    ensure_nightly(tx, now).await
}

fn matching<'a>(state: &'a AppState, _payload: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
    Box::pin(async move {
        let now = db::now();
        let n = super::service::run_matching(state, now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut tx = state.db.begin_write().await?;
        ensure_nightly(&mut tx, now).await?;
        tx.commit().await?;
        tracing::info!(proposed = n, "lunch matching job");
        Ok(())
    })
}

fn clock<'a>(state: &'a AppState, payload: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
    Box::pin(async move {
        let p: ClockPayload = serde_json::from_str(payload)?;
        super::service::on_time(state, p.lunch_id, p.clock).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    })
}

pub const JOB_KINDS: &[JobKind] = &[JobKind { kind: MATCHING, run: matching }, JobKind { kind: CLOCK, run: clock }];

//! Events' timed job: the organizer's roster, an hour before the start (registered with the
//! core's timed jobs as kind "event_roster"). Its key names the start it is for: a new
//! start schedules a new job, and one left from an earlier start does nothing.
use super::mails::EventMail;
use super::store;
use crate::core::db;
use crate::core::registry::{BoxFuture, JobKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

pub const ROSTER: &str = "event_roster";

#[derive(Serialize, Deserialize)]
pub struct RosterPayload {
    pub event_id: i64,
    pub start: i64,
}

/// One roster job per event and start time.
pub fn roster_key(event_id: i64, start: i64) -> String {
    format!("event-roster:{event_id}:{start}")
}

/// Schedules the roster of a published event for its current start (idempotent).
pub async fn schedule_roster(tx: &mut db::Tx, event: &store::Event, now: i64) -> Result<(), sqlx::Error> {
    let start = event.schedule.start;
    let payload = serde_json::to_string(&RosterPayload { event_id: event.id, start })
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let at = event.schedule.roster_at(now);
    db::jobs::schedule(&mut **tx, &roster_key(event.id, start), ROSTER, &payload, at).await?;
    Ok(())
}

/// Puts the roster in the outbox, once (the mail's cause names the start it is for).
async fn send_roster(state: &AppState, p: RosterPayload) -> anyhow::Result<()> {
    let pool = &state.db.pool;
    let Some(event) = store::get(pool, p.event_id).await? else { return Ok(()) };
    if event.schedule.start != p.start || event.state != super::domain::EventState::Published {
        tracing::info!(event_id = p.event_id, "roster job for an earlier time or a cancelled event: nothing to send");
        return Ok(());
    }
    let Some(organizer) = db::users::by_id(pool, event.organizer_id).await? else { return Ok(()) };
    let msg = EventMail::EventRoster { user_id: organizer.id, event_id: event.id, start: event.schedule.start };
    db::outbox::enqueue(pool, &organizer.email, &msg, db::now()).await?;
    state.worker_wake.notify_one();
    Ok(())
}

fn roster<'a>(state: &'a AppState, payload: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
    Box::pin(async move { send_roster(state, serde_json::from_str(payload)?).await })
}

pub const JOB_KINDS: &[JobKind] = &[JobKind { kind: ROSTER, run: roster }];

//! Virtual events, one gathering in one folder: create and schedule, publish, invite, RSVP
//! with an optional capacity and waitlist, the organizer's roster an hour before, calendar
//! files, and live pages. It depends on the core; what it adds to the core is the
//! `GATHERING` value below, listed in `lib.rs`.
//!
//! Inside: pages → api → service → store → domain, with the wire types in `types` that
//! api and pages both import. Server-only files are gated here.
pub mod api;
pub mod domain;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mails;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub use registration::{topic, GATHERING};

#[cfg(feature = "ssr")]
mod registration {
    use crate::core::db;
    use crate::core::error::AppError;
    use crate::core::registry::{BoxFuture, Gathering, LiveTopic, Topic, VerifiedAddress};
    use crate::core::state::AppState;

    /// What events register with the core.
    pub static GATHERING: Gathering = Gathering {
        name: "events",
        on_address_verified: Some(bind_waiting_invites),
        jobs: super::jobs::JOB_KINDS,
        live_topics: &[LiveTopic { kind: EVENT, may_listen, token_holder: Some(rsvp_token_holder) }],
        mails: super::mails::MAIL_KINDS,
        routes: Some(super::routes::routes),
    };

    const EVENT: &str = "event";

    /// The live topic of an event (`/api/live/event/{id}`): its organizer's and invitees' pages.
    pub fn topic(event_id: i64) -> Topic {
        Topic { kind: EVENT, id: event_id }
    }

    fn may_listen<'a>(state: &'a AppState, event_id: i64, user_id: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let pool = &state.db.pool;
            let Some(event) = super::store::get(pool, event_id).await? else { return Ok(false) };
            Ok(event.organizer_id == user_id
                || (event.state != super::domain::EventState::Draft
                    && super::store::invite_of(pool, event_id, user_id).await?.is_some()))
        })
    }

    /// The invitee whose mailed RSVP link carries `token`, if it is for this event.
    fn rsvp_token_holder<'a>(
        state: &'a AppState,
        event_id: i64,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, AppError>> {
        Box::pin(async move {
            if !crate::core::crypto::looks_like_token(token) {
                return Ok(None);
            }
            let hash = crate::core::crypto::token_hash(token);
            Ok(super::store::by_rsvp_token(&state.db.pool, &hash)
                .await?
                .filter(|(e, _)| *e == event_id)
                .map(|(_, u)| u))
        })
    }

    /// A newcomer who proves an invited address becomes the invitee of every event that
    /// invited it (and answers on its page).
    fn bind_waiting_invites<'a>(
        tx: &'a mut db::Tx,
        who: &'a VerifiedAddress,
    ) -> BoxFuture<'a, Result<Vec<Topic>, AppError>> {
        Box::pin(async move {
            let events = super::store::bind_invites(tx, &who.email, who.user_id).await?;
            Ok(events.into_iter().map(topic).collect())
        })
    }
}

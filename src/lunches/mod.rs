//! Lunches, one gathering in one folder: enrollment with invitation codes (the core's
//! typable codes), a lunch profile (location, food types one cannot eat), free windows
//! (dated or weekly, in the member's zone), the matching (a pure function, run nightly and
//! soon after availability changes), the lunch lifecycle (a typed state machine), reviews
//! that feed a Bloom filter of keyed pair hashes, the anonymised feed, and the admins'
//! food types, locations and lunches.
//!
//! Inside: pages → api → service → store → domain (domain, availability, matching, bloom),
//! with the wire types in `types`.
pub mod api;
pub mod domain;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod availability;
#[cfg(feature = "ssr")]
pub mod bloom;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mails;
#[cfg(feature = "ssr")]
pub mod matching;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

/// Live topics: one lunch (its attendees), one member's lunches, the public feed.
pub const LUNCH_TOPIC: &str = "lunch";
pub const MEMBER_TOPIC: &str = "lunch_member";
pub const FEED_TOPIC: &str = "lunch_feed";

#[cfg(feature = "ssr")]
pub use registration::GATHERING;

#[cfg(feature = "ssr")]
mod registration {
    use crate::core::error::AppError;
    use crate::core::registry::{BoxFuture, Gathering, LiveTopic};
    use crate::core::state::AppState;

    /// What lunches register with the core.
    pub static GATHERING: Gathering = Gathering {
        name: "lunches",
        on_address_verified: None,
        jobs: super::jobs::JOB_KINDS,
        live_topics: &[
            LiveTopic { kind: super::LUNCH_TOPIC, may_listen: attendee, token_holder: Some(token_holder) },
            LiveTopic { kind: super::MEMBER_TOPIC, may_listen: oneself, token_holder: None },
            LiveTopic { kind: super::FEED_TOPIC, may_listen: enrolled, token_holder: None },
        ],
        mails: super::mails::MAIL_KINDS,
        routes: None,
    };

    fn attendee<'a>(state: &'a AppState, lunch_id: i64, user_id: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            Ok(super::store::attendees(&state.db.pool, lunch_id).await?.iter().any(|p| p.user_id == user_id))
        })
    }

    fn oneself<'a>(_state: &'a AppState, member: i64, user_id: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move { Ok(member == user_id) })
    }

    fn enrolled<'a>(state: &'a AppState, _id: i64, user_id: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move { Ok(super::store::member(&state.db.pool, user_id).await?.is_some()) })
    }

    /// The attendee whose mailed one-tap link carries `token`, if it is for this lunch.
    fn token_holder<'a>(
        state: &'a AppState,
        lunch_id: i64,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, AppError>> {
        Box::pin(super::service::token_holder(state, lunch_id, token))
    }
}

//! Secret Santa, one gathering in one folder: exchanges, invitations, the draw, emoji
//! gifts, notes, the reveal and the wall of shame. It depends on the core (accounts,
//! outbox, timed jobs, live topics, security); the core never names it: what Santa adds
//! to the core is the `GATHERING` value below, listed in `lib.rs`.
//!
//! Inside: pages → api → service → store → domain (draw), with the wire types in
//! `types` that api and pages both import. Server-only files are gated here.
pub mod api;
pub mod domain;
pub mod draw;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mails;
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

    /// What Secret Santa registers with the core.
    pub static GATHERING: Gathering = Gathering {
        name: "santa",
        on_address_verified: Some(accept_waiting_invites),
        jobs: super::jobs::JOB_KINDS,
        live_topics: &[LiveTopic { kind: EXCHANGE, may_listen, token_holder: None }],
        mails: super::mails::MAIL_KINDS,
        routes: None,
    };

    const EXCHANGE: &str = "exchange";

    /// The live topic of an exchange (`/api/live/exchange/{id}`): its members' open pages.
    pub fn topic(exchange_id: i64) -> Topic {
        Topic { kind: EXCHANGE, id: exchange_id }
    }

    fn may_listen<'a>(state: &'a AppState, exchange_id: i64, user_id: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move { Ok(super::store::is_member(&state.db.pool, exchange_id, user_id).await?) })
    }

    /// A newcomer who proves an invited address joins every exchange that invited it.
    fn accept_waiting_invites<'a>(
        tx: &'a mut db::Tx,
        who: &'a VerifiedAddress,
    ) -> BoxFuture<'a, Result<Vec<Topic>, AppError>> {
        Box::pin(async move {
            let joined = super::store::accept_newcomer_invites(tx, &who.email, who.user_id, who.now).await?;
            if !joined.is_empty() {
                tracing::info!(user_id = who.user_id, exchanges = ?joined, "joined invited exchanges");
            }
            Ok(joined.into_iter().map(topic).collect())
        })
    }
}

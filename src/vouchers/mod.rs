//! Vouchers and credit, one gathering in one folder: templates an admin sells, vouchers
//! bought for oneself or as a gift (paid by card through Stripe, or confirmed by an admin),
//! codes redeemed into a member's credit, expiry, cancellation and refund. Money moves
//! through the core's double-entry ledger (`core::db::ledger`), which paid events also use.
//!
//! Inside: pages → api → service → store → domain, with the wire types in `types`.
pub mod api;
pub mod domain;
pub mod pages;
pub mod types;

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
pub mod stripe;

/// What vouchers register with the core: the expiry job, three mail kinds, the webhook.
#[cfg(feature = "ssr")]
pub static GATHERING: crate::core::registry::Gathering = crate::core::registry::Gathering {
    name: "vouchers",
    on_address_verified: None,
    jobs: jobs::JOB_KINDS,
    live_topics: &[],
    mails: mails::MAIL_KINDS,
    routes: Some(routes::routes),
};

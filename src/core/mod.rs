//! The core: accounts, links, the outbox, timed jobs, live topics, mail, security and
//! configuration. It names no gathering; gatherings register with it
//! (`server::registry`).
pub mod api;
pub mod domain;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod server;

//! The core: accounts, links, the outbox, timed jobs, live topics, mail, security and
//! configuration. It names no gathering; gatherings register with it (`registry`).
//!
//! Layers, each importing only its own and those before it (checked by
//! `tests/it/architecture.rs`): `domain`, `error` (both targets) → `config`, `crypto`,
//! `metrics`, `assets` → `db` → `mail` → `state`, `registry` → `jobs` → `server` → `api`.
pub mod api;
pub mod domain;
pub mod error;

#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod media;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod mp4_metadata;
#[cfg(feature = "ssr")]
pub mod oidc_discovery;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod state;

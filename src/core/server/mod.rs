//! The server process: configuration, state, request context, security, startup. ssr only.
pub mod accounts;
pub mod assets;
pub mod config;
pub mod context;
pub mod crypto;
pub mod live;
pub mod metrics;
pub mod registry;
pub mod security;
pub mod startup;
pub mod state;
pub mod telemetry;

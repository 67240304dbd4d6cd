//! The server process above the core's base: accounts, request context, security, live
//! topics, telemetry, startup (Application, router). ssr only.
pub mod accounts;
pub mod admin;
pub mod context;
pub mod invitations;
pub mod live;
pub mod oidc;
pub mod security;
pub mod startup;
pub mod telemetry;

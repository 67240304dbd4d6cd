//! Pure domain logic: no IO, no framework. Compiled for both the server and the browser.
pub mod account;
pub mod admin;
pub mod codes;
pub mod email;
pub mod invitations;
pub mod jobs;
pub mod ledger;
pub mod links;
pub mod money;
pub mod oidc;
pub mod outbox;
pub mod text;
pub mod time;

//! Virtual events, one gathering in one folder (being built: issue 9). So far only its
//! pure rules exist (`domain`); the store, service, pages, mails and jobs follow, and the
//! folder registers with the core like `santa/` does.
pub mod domain;

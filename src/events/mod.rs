//! Virtual events, one gathering in one folder (being built: issue 9). So far its pure
//! rules (`domain`) and its calendar files (`calendar`) exist; the store, service, pages,
//! mails and jobs follow, and the folder registers with the core like `santa/` does.
pub mod domain;

#[cfg(feature = "ssr")]
pub mod calendar;

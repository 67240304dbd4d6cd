//! Hearth: small social gatherings in one installable web app.
//!
//! This file is the only place that gates whole modules by target (see ARCHITECTURE.md).
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod domain;
pub mod platform;
pub mod santa;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod server;

/// Every gathering's registration with the core: adding a gathering adds one line here.
#[cfg(feature = "ssr")]
pub static GATHERINGS: &[&server::registry::Gathering] = &[&santa::GATHERING];

/// Entry point of the WebAssembly bundle. Pages are rendered on the server only; Leptos's
/// island script calls this, then hydrates each `#[island]` of the page on its own.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
    platform::register_service_worker();
    platform::mark_hydrated_after_islands();
}

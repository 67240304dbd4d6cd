//! Hearth: small social gatherings in one installable web app.
//!
//! The core (`core/`, `ui/`, `platform.rs`) knows no gathering; each gathering is one
//! folder (`santa/`) registered below. Whole modules are gated by target here and in
//! `core/mod.rs` and each gathering's `mod.rs` (see ARCHITECTURE.md).
#![recursion_limit = "256"]

pub mod app;
pub mod core;
pub mod events;
pub mod lunches;
pub mod platform;
pub mod santa;
/// `hearth seed`: fake data in an empty database, for benchmarks (server only).
#[cfg(feature = "ssr")]
pub mod seed;
pub mod ui;
pub mod vouchers;

/// Every gathering's registration with the core: adding a gathering adds one line here.
#[cfg(feature = "ssr")]
pub static GATHERINGS: &[&core::registry::Gathering] =
    &[&santa::GATHERING, &events::GATHERING, &vouchers::GATHERING, &lunches::GATHERING];

/// Entry point of the WebAssembly bundle. Pages are rendered on the server only; Leptos's
/// island script calls this, then hydrates each `#[island]` of the page on its own.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
    platform::register_service_worker();
    platform::mark_hydrated_after_islands();
}

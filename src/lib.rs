//! Hearth: small social gatherings in one installable web app.
//!
//! This file is the only place that gates whole modules by target (see ARCHITECTURE.md).
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod domain;
pub mod platform;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WebAssembly bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

//! Structured logs with tracing. `RUST_LOG` filters; `server.log_format = "json"` for machines.
use crate::core::config::Settings;
use tracing_subscriber::{fmt, EnvFilter};

pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = if settings.server.log_format == "json" { builder.json().try_init() } else { builder.try_init() };
}

//! The Hearth server binary: configuration, telemetry, then the application.
use hearth::server::{config::Settings, startup::Application, telemetry};

// mimalloc gives freed memory back (argon2 allocates 19 MiB per hash).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    telemetry::init(&settings);
    let app = Application::build(settings).await?;
    app.run_until_stopped().await
}

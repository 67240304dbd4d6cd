//! The Hearth server binary: configuration, telemetry, then the application.
use hearth::core::config::Settings;
use hearth::core::server::{startup::Application, telemetry};

// mimalloc gives freed memory back (argon2 allocates 19 MiB per hash).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Makes mimalloc give freed memory back to the system at once (decommit, no delay), so a
/// burst of password hashes (19 MiB each) does not leave the server's memory high.
#[allow(unsafe_code)] // mimalloc's options exist only as C functions; plain integer arguments, called once
fn tune_allocator() {
    use libmimalloc_sys::mi_option_set;
    // Values of `mi_option_e` (include/mimalloc.h; the same in mimalloc v2 and v3, which the crate builds).
    const ARENA_EAGER_COMMIT: i32 = 4;
    const PURGE_DECOMMITS: i32 = 5;
    const PURGE_DELAY: i32 = 15;
    unsafe {
        mi_option_set(ARENA_EAGER_COMMIT, 0);
        mi_option_set(PURGE_DECOMMITS, 1);
        mi_option_set(PURGE_DELAY, 0);
    }
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    run()
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("admin") {
        // `hearth admin grant EMAIL`: makes the first admin (README, "Admins").
        let [_, verb, email] = args.as_slice() else {
            anyhow::bail!("usage: hearth admin grant EMAIL | hearth admin revoke EMAIL");
        };
        println!("{}", hearth::core::server::admin::from_command_line(&settings, verb, email).await?);
        return Ok(());
    }
    if let Some(verb @ ("backup" | "restore")) = args.first().map(String::as_str) {
        // `hearth backup PATH` (while the server runs) and `hearth restore PATH` (stopped).
        let [_, path] = args.as_slice() else {
            anyhow::bail!("usage: hearth backup PATH | hearth restore PATH");
        };
        let path = std::path::Path::new(path);
        if verb == "backup" {
            let db = hearth::core::db::Db::connect(&settings.database.url, 1).await?;
            hearth::core::db::backup::backup(&db, path).await?;
            println!("backed up to {} (integrity check: ok)", path.display());
        } else {
            println!("{}", hearth::core::db::backup::restore(&settings.database.url, path).await?);
        }
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("seed") {
        // `hearth seed load N | hearth seed reveal N`: fake data in an EMPTY database, for
        // benchmarks; prints one JSON document (nothing else goes to stdout).
        println!("{}", hearth::seed::from_command_line(&settings.database.url, &args[1..]).await?);
        return Ok(());
    }
    telemetry::init(&settings);
    let app = Application::build(settings, hearth::GATHERINGS).await?;
    app.run_until_stopped().await
}

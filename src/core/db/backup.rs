//! Backups of the SQLite database. `hearth backup PATH` copies it while the server runs
//! (`VACUUM INTO`: one consistent snapshot, what a read transaction sees, written as a new
//! compact file) and checks the copy; `hearth restore PATH` puts a checked copy in place
//! of the configured database while the server is stopped. A Postgres database is backed
//! up with `pg_dump` (README, "Backups").
use super::{backend_of, Backend, Db};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

const POSTGRES: &str = "this database is Postgres: back it up with pg_dump and restore it with pg_restore \
                        (see the README, \"Backups\")";

/// The file of a `sqlite://` URL.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let path = url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p));
    match path {
        Some(p) if !p.is_empty() && p != ":memory:" => Ok(PathBuf::from(p)),
        _ => bail!("database.url does not name a SQLite file"),
    }
}

/// Writes a consistent copy of the (running) SQLite database to `path`, a file that must
/// not exist yet, and checks it.
pub async fn backup(db: &Db, path: &Path) -> anyhow::Result<()> {
    if db.backend == Backend::Postgres {
        bail!(POSTGRES);
    }
    if path.exists() {
        bail!("{} already exists: choose a new file name", path.display());
    }
    let target = path.to_str().context("the backup path must be valid UTF-8")?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(&db.pool).await.context("writing the backup")?;
    check(path).await
}

/// Opens a SQLite file read-only and runs `PRAGMA integrity_check` on it.
pub async fn check(path: &Path) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    if !path.is_file() {
        bail!("{} is not a file", path.display());
    }
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    let result: Result<String, _> = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await;
    pool.close().await;
    match result {
        Ok(ok) if ok == "ok" => Ok(()),
        Ok(problem) => bail!("{} fails its integrity check: {problem}", path.display()),
        Err(e) => bail!("{} is not a readable SQLite database: {e}", path.display()),
    }
}

/// Replaces the SQLite database of `database_url` with the backup at `from` (checked
/// first). The server must be stopped. Returns what was done, for the command line.
pub async fn restore(database_url: &str, from: &Path) -> anyhow::Result<String> {
    if backend_of(database_url)? == Backend::Postgres {
        bail!(POSTGRES);
    }
    check(from).await?;
    let target = sqlite_file(database_url)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let staged = target.with_extension("restoring");
    std::fs::copy(from, &staged).with_context(|| format!("copying {} to {}", from.display(), staged.display()))?;
    // The old database's write-ahead log and index belong to it, not to the backup.
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).with_context(|| format!("removing {}", side.display()))?;
        }
    }
    std::fs::rename(&staged, &target).with_context(|| format!("moving the backup into {}", target.display()))?;
    Ok(format!("restored {} from {}; start the server again", target.display(), from.display()))
}

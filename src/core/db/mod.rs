//! Persistence: one pool, SQLite or Postgres, chosen at start from the URL (one binary).
//!
//! Functions take an executor or a transaction; the caller owns the transaction.
//! SQL is portable (`$1` placeholders, unix-second BIGINT times); the few statements that
//! differ per backend branch on [`Backend`] here or in the module that needs them.
pub mod audit;
pub mod backup;
pub mod jobs;
pub mod ledger;
pub mod links;
pub mod oidc;
pub mod outbox;
pub mod rate_limits;
pub mod sessions;
pub mod users;

use anyhow::{bail, Context};
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Transaction};
use std::time::Duration;

/// Which database the pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A write transaction (SQLite: `BEGIN IMMEDIATE`, so concurrent writers queue).
pub type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// Errors below the API boundary that callers act on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("a unique constraint was violated")]
    Conflict,
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl DbError {
    /// Maps unique-constraint violations to `Conflict`, leaving every other error as it is.
    pub fn from_sqlx(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation => Self::Conflict,
            _ => Self::Sqlx(e),
        }
    }
}

pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else {
        bail!("database.url must start with sqlite:// or postgres:// (got something else)")
    }
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let mut url = url.to_string();
        let options = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // SQLite is in-process: a ping before each use only costs a round trip to its
            // worker thread on every query. Postgres keeps it (a restarted server leaves
            // broken connections in the pool).
            .test_before_acquire(backend == Backend::Postgres);
        let options = match backend {
            Backend::Sqlite => {
                if let Some(path) = url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p)) {
                    if let Some(dir) = std::path::Path::new(path).parent() {
                        if !dir.as_os_str().is_empty() {
                            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                        }
                    }
                }
                if !url.contains('?') {
                    url.push_str("?mode=rwc");
                }
                options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA synchronous = NORMAL",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                        Ok(())
                    })
                })
            }
            Backend::Postgres => options,
        };
        let pool = options.connect(&url).await.context("connecting to the database")?;
        Ok(Self { pool, backend })
    }

    /// Runs the migrations of this backend (append-only, at every start).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.pool).await,
        }
        .context("running migrations")
    }

    /// Begins a transaction that will write.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers (for /readyz).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Current time in unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

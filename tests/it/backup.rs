//! Backups: a copy made while the server writes opens and passes its integrity check, and
//! restoring it brings its rows back; Postgres is pointed to pg_dump.
use crate::helpers::*;
use hearth::core::db::{self, backup};

async fn jobs(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM timed_jobs WHERE job_key LIKE 'backup-test:%'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_is_whole_and_restores() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    // A writer keeps committing while the backup runs.
    let state = app.state.clone();
    let writer = tokio::spawn(async move {
        for i in 0..400 {
            let mut tx = state.db.begin_write().await.unwrap();
            db::jobs::schedule(&mut *tx, &format!("backup-test:{i}"), "cleanup", "{}", i64::MAX / 2).await.unwrap();
            tx.commit().await.unwrap();
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    backup::backup(&app.state.db, &copy).await.unwrap();
    writer.await.unwrap();
    backup::check(&copy).await.unwrap();

    // The copy is a database of its own, with the rows committed before it began.
    let restored_url = format!("sqlite://{}", dir.path().join("restored/hearth.db").display());
    let said = backup::restore(&restored_url, &copy).await.unwrap();
    assert!(said.contains("restored"), "{said}");
    let restored = db::Db::connect(&restored_url, 1).await.unwrap();
    let in_copy = jobs(&restored.pool).await;
    let in_live = jobs(&app.state.db.pool).await;
    assert_eq!(in_live, 400);
    assert!(in_copy <= in_live, "{in_copy} rows in the copy");
    let tables: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'lunches'")
            .fetch_one(&restored.pool)
            .await
            .unwrap();
    assert_eq!(tables, 1, "the whole schema came along");

    // Refused with a reason: an existing file, a file that is not a database.
    let err = backup::backup(&app.state.db, &copy).await.unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some bytes that go on for a while").unwrap();
    assert!(backup::restore(&restored_url, &junk).await.is_err());
    app.shutdown().await;
}

#[tokio::test]
async fn a_postgres_database_is_backed_up_with_pg_dump() {
    let Some(pg) = postgres_db().await else { return };
    let d = connect(&pg).await;
    let err = backup::backup(&d, std::path::Path::new("/tmp/never-written.db")).await.unwrap_err().to_string();
    assert!(err.contains("pg_dump"), "{err}");
    let err = backup::restore(&pg.url, std::path::Path::new("/tmp/never-read.db")).await.unwrap_err().to_string();
    assert!(err.contains("pg_dump"), "{err}");
}

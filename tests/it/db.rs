//! Database tests, each run on SQLite and on Postgres.
use crate::helpers::{all_dbs, connect};
use hearth::core::db::{self, links::NewLink, users::NewUser, DbError};
use hearth::core::domain::jobs::CLEANUP;
use hearth::core::domain::links::{LinkPurpose, LinkState};
use hearth::core::domain::outbox::{AccountMail, RetryDecision};

async fn user(d: &db::Db, email: &str) -> i64 {
    let u = NewUser { email, display_name: "Ann", password_hash: "x", time_zone: "UTC" };
    db::users::insert(&d.pool, &u, 1).await.unwrap()
}

#[tokio::test]
async fn a_second_account_with_the_same_address_is_a_conflict() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        user(&d, "ann@example.com").await;
        let again = NewUser { email: "ann@example.com", display_name: "Other", password_hash: "y", time_zone: "UTC" };
        let err = db::users::insert(&d.pool, &again, 2).await.unwrap_err();
        assert!(matches!(err, DbError::Conflict), "{}: {err:?}", t.name);
    }
}

#[tokio::test]
async fn status_columns_reject_values_outside_their_enum() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        let id = user(&d, "ann@example.com").await;
        let bad = sqlx::query("UPDATE users SET role = 'superuser' WHERE id = $1").bind(id).execute(&d.pool).await;
        assert!(bad.is_err(), "{}", t.name);
        let bad = sqlx::query(
            "INSERT INTO link_tokens (token_hash, user_id, purpose, target, created_at, expires_at) VALUES ('h', $1, 'admin', '/', 0, 1)",
        )
        .bind(id)
        .execute(&d.pool)
        .await;
        assert!(bad.is_err(), "{}", t.name);
        let u = db::users::by_id(&d.pool, id).await.unwrap().unwrap();
        assert_eq!(u.role, hearth::core::domain::account::Role::Member, "{}", t.name);
    }
}

#[tokio::test]
async fn a_link_is_consumed_exactly_once_even_by_concurrent_attempts() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        let id = user(&d, "ann@example.com").await;
        let now = db::now();
        let l = NewLink {
            token_hash: "abc",
            user_id: id,
            purpose: LinkPurpose::SignIn,
            target: "/santa",
            expires_at: now + 60,
        };
        db::links::insert(&d.pool, &l, now).await.unwrap();
        assert_eq!(db::links::peek(&d.pool, "abc", now).await.unwrap().unwrap().state, LinkState::Valid);
        // The wrong purpose never consumes it.
        assert!(db::links::consume(&d.pool, "abc", LinkPurpose::ResetPassword, now).await.unwrap().is_none());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let d = d.clone();
                tokio::spawn(async move {
                    let mut tx = d.begin_write().await.unwrap();
                    let r = db::links::consume(&mut *tx, "abc", LinkPurpose::SignIn, now).await.unwrap();
                    tx.commit().await.unwrap();
                    r
                })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            if let Some((uid, target)) = task.await.unwrap() {
                assert_eq!((uid, target.as_str()), (id, "/santa"));
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "{}", t.name);
        assert_eq!(db::links::peek(&d.pool, "abc", now).await.unwrap().unwrap().state, LinkState::Used);
    }
}

#[tokio::test]
async fn an_expired_link_cannot_be_consumed() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        let id = user(&d, "ann@example.com").await;
        let l = NewLink { token_hash: "old", user_id: id, purpose: LinkPurpose::SignIn, target: "/", expires_at: 100 };
        db::links::insert(&d.pool, &l, 50).await.unwrap();
        assert_eq!(db::links::peek(&d.pool, "old", 200).await.unwrap().unwrap().state, LinkState::Expired);
        assert!(db::links::consume(&d.pool, "old", LinkPurpose::SignIn, 200).await.unwrap().is_none());
    }
}

fn msg(token: &str) -> AccountMail {
    AccountMail::SignInLink { user_id: 1, token: token.into() }
}

#[tokio::test]
async fn enqueueing_the_same_cause_twice_makes_one_message() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        assert!(db::outbox::enqueue(&d.pool, "a@example.com", &msg("tok-1"), 10).await.unwrap());
        assert!(!db::outbox::enqueue(&d.pool, "a@example.com", &msg("tok-1"), 11).await.unwrap());
        assert!(db::outbox::enqueue(&d.pool, "b@example.com", &msg("tok-1"), 11).await.unwrap());
        assert_eq!(db::outbox::depth(&d.pool).await.unwrap(), 2, "{}", t.name);
    }
}

#[tokio::test]
async fn two_workers_never_claim_the_same_message_and_leases_expire() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        for i in 0..30 {
            db::outbox::enqueue(&d.pool, "a@example.com", &msg(&format!("tok-{i:02}")), 10).await.unwrap();
        }
        let (a, b) = tokio::join!(db::outbox::claim(&d, "w1", 20, 60, 100), db::outbox::claim(&d, "w2", 20, 60, 100));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 30, "{}", t.name);
        let mut ids: Vec<i64> = a.iter().chain(b.iter()).map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 30, "{}: a message was claimed twice", t.name);
        // Nothing more to claim while the leases hold…
        assert!(db::outbox::claim(&d, "w3", 50, 60, 120).await.unwrap().is_empty());
        // …and everything again once they have expired (a crashed worker's rows come back).
        assert_eq!(db::outbox::claim(&d, "w3", 50, 60, 161).await.unwrap().len(), 30, "{}", t.name);
    }
}

#[tokio::test]
async fn a_failed_message_is_retried_later_then_dead_lettered() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        db::outbox::enqueue(&d.pool, "a@example.com", &msg("tok-x"), 10).await.unwrap();
        let c = db::outbox::claim(&d, "w", 10, 60, 100).await.unwrap().remove(0);
        assert_eq!(c.attempts, 1);
        db::outbox::mark_failed(&d.pool, c.id, "w", RetryDecision::RetryIn(30), "boom", 100).await.unwrap();
        assert!(db::outbox::claim(&d, "w", 10, 60, 129).await.unwrap().is_empty(), "{}", t.name);
        let c = db::outbox::claim(&d, "w", 10, 60, 130).await.unwrap().remove(0);
        assert_eq!(c.attempts, 2);
        db::outbox::mark_failed(&d.pool, c.id, "w", RetryDecision::DeadLetter, "boom", 130).await.unwrap();
        assert!(db::outbox::claim(&d, "w", 10, 60, 100_000).await.unwrap().is_empty());
        assert_eq!(db::outbox::depth(&d.pool).await.unwrap(), 0, "{}", t.name);
    }
}

#[tokio::test]
async fn released_leases_make_messages_due_again_without_counting_the_attempt() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        db::outbox::enqueue(&d.pool, "a@example.com", &msg("tok-r"), 10).await.unwrap();
        assert_eq!(db::outbox::claim(&d, "w", 10, 600, 100).await.unwrap().len(), 1);
        assert_eq!(db::outbox::release(&d.pool, "w").await.unwrap(), 1);
        let again = db::outbox::claim(&d, "w2", 10, 600, 101).await.unwrap();
        assert_eq!(again.len(), 1, "{}", t.name);
        assert_eq!(again[0].attempts, 1);
    }
}

#[tokio::test]
async fn a_timed_job_runs_once_when_two_workers_race_for_it() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        assert!(db::jobs::schedule(&d.pool, "cleanup:1", CLEANUP, "{}", 50).await.unwrap());
        assert!(!db::jobs::schedule(&d.pool, "cleanup:1", CLEANUP, "{}", 50).await.unwrap());
        db::jobs::schedule(&d.pool, "cleanup:2", CLEANUP, "{}", 500).await.unwrap();
        let (a, b) =
            tokio::join!(db::jobs::claim_due(&d, "w1", 10, 60, 100), db::jobs::claim_due(&d, "w2", 10, 60, 100));
        let (mut a, mut b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 1, "{}: only the due job, once", t.name);
        let (job, w) = match (a.pop(), b.pop()) {
            (Some(j), None) => (j, "w1"),
            (None, Some(j)) => (j, "w2"),
            other => panic!("claimed twice: {other:?}"),
        };
        assert_eq!(job.kind, CLEANUP);
        assert_eq!(db::jobs::lag_secs(&d.pool, 100).await.unwrap(), 50);
        db::jobs::mark_done(&d.pool, job.id, w, 101).await.unwrap();
        assert!(db::jobs::is_done(&d.pool, "cleanup:1").await.unwrap(), "{}", t.name);
        assert!(!db::jobs::is_done(&d.pool, "cleanup:2").await.unwrap());
    }
}

#[tokio::test]
async fn rate_limits_slide_so_a_burst_across_a_window_boundary_counts_once() {
    for t in all_dbs().await {
        let d = connect(&t).await;
        let hit = |bucket: &'static str, n: i64, at: i64| {
            let pool = d.pool.clone();
            async move { db::rate_limits::hit_n(&pool, bucket, 900, n, at).await.unwrap() }
        };
        for expected in 1..=3 {
            assert_eq!(hit("login:a", 1, 899).await, expected, "{}", t.name);
        }
        assert_eq!(hit("login:b", 1, 899).await, 1);
        // One second later a new fixed window starts, but the last 900 seconds still hold
        // the three hits: a fixed window would have said 1 here.
        assert_eq!(hit("login:a", 1, 900).await, 4, "{}", t.name);
        // Half a window later, half of the earlier burst still counts.
        assert_eq!(hit("login:a", 1, 1350).await, 2 + 2, "{}", t.name);
        // Two windows later, it has all slid out.
        assert_eq!(hit("login:a", 1, 2700).await, 1, "{}", t.name);
        // Several at once (an invitation to five people is five mails).
        assert_eq!(hit("mail:x", 5, 10).await, 5);
    }
}

#[tokio::test]
async fn sqlite_writers_queue_instead_of_failing() {
    let t = crate::helpers::sqlite_db();
    let d = connect(&t).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let d = d.clone();
            tokio::spawn(async move {
                let mut tx = d.begin_write().await.unwrap();
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits").fetch_one(&mut *tx).await.unwrap();
                sqlx::query("INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, 0, 1)")
                    .bind(format!("b{i}-{n}"))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits").fetch_one(&d.pool).await.unwrap();
    assert_eq!(n, 16);
}

/// The tables and columns of a migrated database, sorted, whatever the backend.
async fn schema_of(d: &db::Db, backend: &str) -> Vec<(String, String)> {
    let sql = if backend == "sqlite" {
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
    } else {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
    };
    let mut rows: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(&d.pool).await.unwrap();
    rows.sort();
    rows
}

#[tokio::test]
async fn both_dialects_migrate_to_the_same_tables_and_columns() {
    let dbs = all_dbs().await;
    if dbs.len() < 2 {
        return; // Postgres is not available in this run (scripts/test always provides it).
    }
    let mut schemas = Vec::new();
    for t in &dbs {
        let d = connect(t).await;
        schemas.push((t.name, schema_of(&d, t.name).await));
    }
    let (_, sqlite) = &schemas[0];
    assert!(sqlite.iter().any(|(t, c)| t == "exchange_invites" && c == "reminded_at"), "{sqlite:?}");
    assert!(sqlite.len() > 40, "the schema query reads too little: {sqlite:?}");
    for (name, other) in &schemas[1..] {
        let only_sqlite: Vec<_> = sqlite.iter().filter(|c| !other.contains(c)).collect();
        let only_other: Vec<_> = other.iter().filter(|c| !sqlite.contains(c)).collect();
        assert!(
            only_sqlite.is_empty() && only_other.is_empty(),
            "sqlite only: {only_sqlite:?}; {name} only: {only_other:?}"
        );
    }
}

//! `hearth seed`: fake members and gatherings for benchmarks, on SQLite and Postgres. The
//! seeded rows must be ones the app works with: a member logs in with the printed password
//! and uses each gathering through its server functions; a seeded reveal runs at start.
use crate::helpers::*;
use hearth::core::db::Db;
use hearth::events::{self, domain::EventState};
use hearth::santa::{self, domain::ExchangeState};
use hearth::seed;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Every (giver, receiver) pair of an exchange.
async fn pairs(db: &Db, exchange_id: i64) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT giver_id, receiver_id FROM exchange_assignments WHERE exchange_id = $1")
        .bind(exchange_id)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// Each seeded exchange is drawn, every member gives to exactly one other member and
/// receives from exactly one, and its reveal job waits for the reveal time.
async fn check_exchanges(db: &Db, members: &[Value]) -> BTreeSet<i64> {
    let ids: BTreeSet<i64> = members.iter().map(|m| m["exchange_id"].as_i64().unwrap()).collect();
    for &id in &ids {
        let ex = santa::store::get(&db.pool, id).await.unwrap().unwrap();
        assert_eq!(ex.state, ExchangeState::Drawn);
        assert!(ex.reveal_at.unwrap() > hearth::core::db::now() + 29 * 24 * 3600, "revealed in 30 days");
        let in_it: BTreeSet<i64> =
            santa::store::members(&db.pool, id).await.unwrap().into_iter().map(|(uid, _)| uid).collect();
        let seeded: BTreeSet<i64> = members
            .iter()
            .filter(|m| m["exchange_id"].as_i64() == Some(id))
            .map(|m| m["user_id"].as_i64().unwrap())
            .collect();
        assert_eq!(in_it, seeded, "exchange {id} holds the members the report names");
        assert!(in_it.len() >= 3);
        let pairs = pairs(db, id).await;
        let givers: BTreeSet<i64> = pairs.iter().map(|p| p.0).collect();
        let receivers: BTreeSet<i64> = pairs.iter().map(|p| p.1).collect();
        assert_eq!(pairs.len(), in_it.len(), "one pair per member");
        assert_eq!(givers, in_it, "everyone gives once");
        assert_eq!(receivers, in_it, "everyone receives once");
        assert!(pairs.iter().all(|(g, r)| g != r), "nobody gives to themselves");
        assert!(!hearth::core::db::jobs::is_done(&db.pool, &santa::jobs::reveal_key(id)).await.unwrap());
        let run_at: i64 = sqlx::query_scalar("SELECT run_at FROM timed_jobs WHERE job_key = $1")
            .bind(santa::jobs::reveal_key(id))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(Some(run_at), ex.reveal_at, "the reveal job runs at the reveal time");
    }
    ids
}

/// Each seeded event is published, organized by its group's first member, with every
/// other member of the group invited and bound to their account, and its roster job set.
async fn check_events(db: &Db, members: &[Value]) {
    let mut by_slug: HashMap<&str, Vec<i64>> = HashMap::new();
    for m in members {
        by_slug.entry(m["event_slug"].as_str().unwrap()).or_default().push(m["user_id"].as_i64().unwrap());
    }
    assert_eq!(by_slug.len(), 1, "25 members: one event");
    for (slug, people) in by_slug {
        let event = events::store::by_slug(&db.pool, slug).await.unwrap().unwrap();
        assert_eq!(event.state, EventState::Published);
        assert_eq!(event.organizer_id, people[0]);
        assert_eq!((event.capacity, event.ticket_price, event.schedule.duration_minutes), (None, None, 90));
        let invites = events::store::invites(&db.pool, event.id).await.unwrap();
        let bound: BTreeSet<i64> = invites.iter().map(|i| i.user_id.expect("every invitation is bound")).collect();
        assert_eq!(bound, people[1..].iter().copied().collect(), "everyone but the organizer is invited");
        let roster = events::jobs::roster_key(event.id, event.schedule.start);
        assert!(!hearth::core::db::jobs::is_done(&db.pool, &roster).await.unwrap());
        let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timed_jobs WHERE job_key = $1")
            .bind(&roster)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(jobs, 1, "the roster job is scheduled");
    }
}

#[tokio::test]
async fn seed_load_makes_members_who_can_use_every_gathering() {
    for t in all_dbs().await {
        let db = connect(&t).await;
        let report = seed::load(&db, 25).await.unwrap();
        assert_eq!(report["password"], seed::PASSWORD);
        let members = report["members"].as_array().unwrap().clone();
        assert_eq!(members.len(), 25, "{}", t.name);
        assert_eq!(members[3]["email"], "load-3@example.com");
        let exchanges = check_exchanges(&db, &members).await;
        assert!((2..=3).contains(&exchanges.len()), "{exchanges:?}");
        check_events(&db, &members).await;
        let location = report["location_id"].as_i64().unwrap();
        assert_eq!(report["food_ids"].as_array().unwrap().len(), 2);
        for m in &members {
            let uid = m["user_id"].as_i64().unwrap();
            let member = hearth::lunches::store::member(&db.pool, uid).await.unwrap().expect("in lunches");
            assert_eq!(member.location_id, Some(location));
        }
        db.pool.close().await;

        let app = spawn_app_with(t, |_| {}).await;
        // Member 1: an invitee of the event (member 0 organizes it).
        let me = &members[1];
        let (email, uid) = (me["email"].as_str().unwrap(), me["user_id"].as_i64().unwrap());
        let client = app.new_client();
        let res = app.call(&client, "log_in", &[("email", email), ("password", seed::PASSWORD)]).await;
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());

        let exchange_id = me["exchange_id"].as_i64().unwrap();
        let exchange = santa::store::get(&app.state.db.pool, exchange_id).await.unwrap().unwrap();
        let page = app.get(&client, &format!("/santa/{exchange_id}")).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains(&exchange.name), "the exchange page shows its name");

        let slug = me["event_slug"].as_str().unwrap();
        let (s, body) = json(app.call(&client, "answer_event", &[("slug", slug), ("answer", "going")]).await).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let event = events::store::by_slug(&app.state.db.pool, slug).await.unwrap().unwrap();
        let standing = events::store::invite_of(&app.state.db.pool, event.id, uid).await.unwrap();
        assert_eq!(standing, Some(Some(events::domain::Standing::Going)));

        let window = [("repeat", "mon"), ("from", "12:00"), ("until", "13:00")];
        let (s, body) = json(app.call(&client, "save_lunch_window", &window).await).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(hearth::lunches::store::windows(&app.state.db.pool, uid).await.unwrap().len(), 1);

        // A database with accounts is refused, and nothing is added to it.
        let err = seed::load(&app.state.db, 5).await.unwrap_err().to_string();
        assert!(err.contains("EMPTY database only"), "{err}");
        let err = seed::reveal(&app.state.db, 5).await.unwrap_err().to_string();
        assert!(err.contains("EMPTY database only"), "{err}");
        assert!(hearth::core::db::users::by_email(&app.state.db.pool, "reveal-0@example.com").await.unwrap().is_none());
        app.shutdown().await;
    }
}

#[tokio::test]
async fn seed_reveal_is_revealed_by_the_next_server_at_once() {
    for t in all_dbs().await {
        let db = connect(&t).await;
        let report = seed::reveal(&db, 50).await.unwrap();
        assert_eq!(report["members"], 50);
        let id = report["exchange_id"].as_i64().unwrap();
        assert_eq!(pairs(&db, id).await.len(), 50);
        db.pool.close().await;

        let app = spawn_app_with(t, |s| s.worker.enabled = true).await;
        let pool = app.state.db.pool.clone();
        eventually("the seeded exchange to be revealed", 30, || {
            let pool = pool.clone();
            async move { santa::store::get(&pool, id).await.unwrap().unwrap().state == ExchangeState::Revealed }
        })
        .await;
        let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE $1")
            .bind(format!("%|present:{id}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mails, 50, "one 'time to open your present' per member");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn seed_refuses_fewer_members_than_a_draw_needs() {
    let t = sqlite_db();
    let db = connect(&t).await;
    let err = seed::load(&db, 2).await.unwrap_err().to_string();
    assert!(err.contains("at least 3"), "{err}");
}

//! Several instances on one Postgres: a change made through one instance reaches pages open
//! on another (LISTEN/NOTIFY), mail and timed jobs are each handled once between them, an
//! instance killed mid-batch loses nothing, and a relay that loses its connection makes its
//! open pages reload once.
use crate::helpers::*;
use crate::santa::create_exchange;
use hearth::core::db;
use hearth::core::domain::outbox::AccountMail;
use reqwest::StatusCode;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const MAILS: usize = 200;
const JOBS: usize = 50;

/// How many relays (`hearth-live-*` connections) LISTEN on this database.
async fn relays_listening(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE 'hearth-live-%' AND query LIKE 'LISTEN%'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn wait_for_relays(pool: &sqlx::AnyPool, n: i64) {
    eventually(&format!("{n} live relays to LISTEN"), 30, || async move { relays_listening(pool).await >= n }).await;
}

/// A NOTIFY on the live channel, as another instance's `live::notify` sends it.
async fn notify_as_another_instance(pool: &sqlx::AnyPool, payload: &str) {
    sqlx::query("SELECT COUNT(*) FROM (SELECT pg_notify($1, $2)) AS n")
        .bind(hearth::core::server::live::CHANNEL)
        .bind(payload)
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn two_instances_on_one_postgres_share_live_changes_mail_and_jobs_and_survive_a_kill_9() {
    let Some(pg) = postgres_db().await else { return };
    let url = pg.url.clone();
    let smtp = SmtpServer::start();
    // An in-process instance (no worker) signs Ann up and makes her exchange.
    let setup = spawn_app_with(pg, |_| {}).await;
    let pool = setup.state.db.pool.clone();
    let ann = person(&setup, "Ann").await;
    let id = create_exchange(&setup, &ann, "Across instances").await;

    let a = HearthProcess::start(&url, smtp.port);
    let mut b = HearthProcess::start(&url, smtp.port);
    a.ready().await;
    b.ready().await;
    wait_for_relays(&pool, 3).await;

    // 1. Ann's exchange page is open on B; she invites someone through A.
    let mut page_on_b = ann.client.get(b.url(&format!("/api/live/exchange/{id}"))).send().await.unwrap();
    assert_eq!(page_on_b.status(), StatusCode::OK);
    let res = ann
        .client
        .post(a.url("/api/invite_to_exchange"))
        .header("Accept", "application/json")
        .form(&[("id", id.to_string().as_str()), ("addresses", "zed@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let changed = Instant::now();
    let heard = tokio::time::timeout(Duration::from_secs(2), read_until(&mut page_on_b, "event: changed")).await;
    assert!(matches!(heard, Ok(true)), "the page open on B hears the change made through A within 2 s");
    eprintln!("B's page heard A's change after {:?}", changed.elapsed());

    // 2. 200 mails and 50 timed jobs, due now, for both instances' workers.
    let now = db::now();
    for i in 0..MAILS {
        let msg = AccountMail::SignInLink { user_id: ann.id, token: format!("token-{i:04}-padding") };
        db::outbox::enqueue(&pool, &format!("load-{i}@example.com"), &msg, now).await.unwrap();
    }
    for i in 0..JOBS {
        db::jobs::schedule(&pool, &format!("multi-instance:{i}"), "cleanup", "{}", now).await.unwrap();
    }
    let ours = |raw: &String| header(raw, "To").is_some_and(|to| to.starts_with("load-"));
    // 3. B dies mid-way (SIGKILL: no shutdown, its claims stay leased).
    let deadline = Instant::now() + Duration::from_secs(60);
    while smtp.messages().iter().filter(|m| ours(m)).count() < 40 {
        assert!(Instant::now() < deadline, "the instances sent nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let sent_by_b = b.metric("hearth_mail_sent_total").await;
    let b_pid = b.child.id();
    b.kill_9();
    let claimed_by_b: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND locked_by LIKE $1")
            .bind(format!("{b_pid}-%"))
            .fetch_one(&pool)
            .await
            .unwrap();
    let at_kill = smtp.messages().iter().filter(|m| ours(m)).count();
    assert!(at_kill < MAILS, "B was killed after every mail was sent; nothing was tested");
    eprintln!("at the kill: {at_kill} mails sent, B had sent {sent_by_b} and held {claimed_by_b} more");

    // A finishes everything, B's claims included once their lease is over.
    eventually("A to deliver every mail and run every job", 90, || {
        let pool = pool.clone();
        async move {
            let jobs_left: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM timed_jobs WHERE job_key LIKE 'multi-instance:%' AND done_at IS NULL",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            db::outbox::depth(&pool).await.unwrap() == 0 && jobs_left == 0
        }
    })
    .await;
    let sent_by_a = a.metric("hearth_mail_sent_total").await;
    assert!(sent_by_a > 0 && sent_by_b > 0, "both instances sent mail (A {sent_by_a}, B {sent_by_b})");

    let mut by_id: HashMap<String, usize> = HashMap::new();
    for raw in smtp.messages().iter().filter(|m| ours(m)) {
        *by_id.entry(header(raw, "Message-ID").unwrap()).or_default() += 1;
    }
    assert_eq!(by_id.len(), MAILS, "every mail arrived");
    let repeats: usize = by_id.values().map(|n| n - 1).sum();
    // Sent but not yet recorded when the process died: at most one per SMTP connection.
    let in_flight = hearth::core::config::Settings::default().mail.smtp_connections;
    assert!(repeats <= in_flight, "only the mails on the wire at the kill may arrive twice; {repeats} did");
    // Each job ran once, except one B held at the kill, which A ran again after the lease.
    let attempts: Vec<i64> =
        sqlx::query_scalar("SELECT attempts FROM timed_jobs WHERE job_key LIKE 'multi-instance:%'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(attempts.len(), JOBS);
    let reruns: i64 = attempts.iter().map(|n| n - 1).sum();
    assert!(reruns <= 5, "a job runs again only if B held it when it died (at most a batch); {reruns} reruns");
    drop(a);
    setup.shutdown().await;
}

#[tokio::test]
async fn a_relay_that_loses_its_connection_listens_again_and_its_pages_reload_once() {
    let Some(pg) = postgres_db().await else { return };
    let app = spawn_app_with(pg, |_| {}).await;
    let pool = app.state.db.pool.clone();
    let ann = person(&app, "Ann").await;
    let id = create_exchange(&app, &ann, "Reconnect").await;
    wait_for_relays(&pool, 1).await;
    let mut page = ann.client.get(format!("{}/api/live/exchange/{id}", app.address)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // Another instance's change arrives (its own echo is skipped; the page hears this).
    notify_as_another_instance(&pool, &format!("another-instance exchange {id}")).await;
    assert!(read_until(&mut page, "event: changed").await, "a change from another instance reaches the page");

    // The relay's connection dies; once it listens again, the page is told to reload.
    let name = format!("hearth-live-{}", app.state.instance);
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) AS k",
    )
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(killed, 1, "the relay's own connection");
    assert!(read_until(&mut page, "event: changed").await, "the page reloads once the relay is back");
    wait_for_relays(&pool, 1).await;
    // And it hears the other instances again.
    notify_as_another_instance(&pool, &format!("another-instance exchange {id}")).await;
    assert!(read_until(&mut page, "event: changed").await, "after reconnecting, changes arrive again");
    // Its own echo, a kind it does not serve and noise are dropped without a reload.
    for noise in [format!("{} exchange {id}", app.state.instance), format!("x nosuchkind {id}"), "garbage".into()] {
        notify_as_another_instance(&pool, &noise).await;
    }
    let quiet = tokio::time::timeout(Duration::from_secs(2), page.chunk()).await;
    if let Ok(Ok(Some(c))) = &quiet {
        let text = String::from_utf8_lossy(c);
        assert!(!text.contains("event: changed"), "no reload for an echo or noise: {text:?}");
    }
    app.shutdown().await;
}

//! kill -9 the real server binary while it sends a batch of mail; after a restart every
//! message is delivered. Delivery is at least once: the only message that can arrive twice
//! is the one in flight at the kill, and it carries the same Message-ID (derived from its
//! idempotency key), so a receiver can recognise it.
use crate::helpers::{connect, eventually, header, sqlite_db, SmtpServer};
use hearth::core::db;
use hearth::core::domain::outbox::AccountMail;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MAILS: usize = 150;

fn start_server(db_url: &str, smtp_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .env("HEARTH_CONFIG", "/nonexistent/hearth.toml")
        .env("HEARTH_DATABASE__URL", db_url)
        .env("HEARTH_SERVER__ADDR", "127.0.0.1:0")
        .env("HEARTH_MAIL__TRANSPORT", "smtp")
        .env("HEARTH_MAIL__SMTP_PORT", smtp_port.to_string())
        .env("HEARTH_WORKER__BATCH_SIZE", "5")
        .env("HEARTH_WORKER__LEASE_SECS", "5")
        .env("HEARTH_MAIL__SMTP_TIMEOUT_SECS", "2")
        .env("HEARTH_WORKER__POLL_INTERVAL_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting the hearth binary")
}

#[tokio::test]
async fn after_kill_9_mid_batch_every_mail_is_delivered() {
    let smtp = SmtpServer::start();
    let t = sqlite_db();
    let d = connect(&t).await;
    let uid = db::users::insert(
        &d.pool,
        &db::users::NewUser { email: "ann@example.com", display_name: "Ann", password_hash: "x", time_zone: "UTC" },
        1,
    )
    .await
    .unwrap();
    for i in 0..MAILS {
        let msg = AccountMail::SignInLink { user_id: uid, token: format!("token-{i:04}-padding") };
        db::outbox::enqueue(&d.pool, "ann@example.com", &msg, db::now()).await.unwrap();
    }

    let mut server = start_server(&t.url, smtp.port);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while smtp.messages().len() < 10 {
        assert!(std::time::Instant::now() < deadline, "the server sent nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let at_kill = smtp.messages().len();
    assert!(at_kill < MAILS, "the kill came after the whole batch was sent; nothing was tested");

    let mut server = start_server(&t.url, smtp.port);
    let pool = d.pool.clone();
    eventually("every mail to be sent after the restart", 90, || {
        let pool = pool.clone();
        async move { db::outbox::depth(&pool).await.unwrap() == 0 }
    })
    .await;
    server.kill().unwrap();
    server.wait().unwrap();

    let mut by_id: HashMap<String, usize> = HashMap::new();
    for raw in smtp.messages() {
        *by_id.entry(header(&raw, "Message-ID").unwrap()).or_default() += 1;
    }
    assert_eq!(by_id.len(), MAILS, "every message arrived");
    let repeats: usize = by_id.values().map(|n| n - 1).sum();
    assert!(repeats <= 1, "only the message in flight at the kill may repeat; {repeats} did");
    let sent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").fetch_one(&d.pool).await.unwrap();
    assert_eq!(sent as usize, MAILS);
}

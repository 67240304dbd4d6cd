//! kill -9 the real server binary while it sends a batch of mail; after a restart every
//! message is delivered. Delivery is at least once: the only messages that can arrive twice
//! are the ones on the wire at the kill (one per SMTP connection), and each carries the same
//! Message-ID (derived from its idempotency key), so a receiver can recognise it.
use crate::helpers::{connect, eventually, header, sqlite_db, HearthProcess, SmtpServer};
use hearth::core::db;
use hearth::core::domain::outbox::AccountMail;
use std::collections::HashMap;
use std::time::Duration;

const MAILS: usize = 150;

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

    let mut server = HearthProcess::start(&t.url, smtp.port);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while smtp.messages().len() < 10 {
        assert!(std::time::Instant::now() < deadline, "the server sent nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill_9();
    let at_kill = smtp.messages().len();
    assert!(at_kill < MAILS, "the kill came after the whole batch was sent; nothing was tested");

    let server = HearthProcess::start(&t.url, smtp.port);
    let pool = d.pool.clone();
    eventually("every mail to be sent after the restart", 90, || {
        let pool = pool.clone();
        async move { db::outbox::depth(&pool).await.unwrap() == 0 }
    })
    .await;
    drop(server);

    let mut by_id: HashMap<String, usize> = HashMap::new();
    for raw in smtp.messages() {
        *by_id.entry(header(&raw, "Message-ID").unwrap()).or_default() += 1;
    }
    assert_eq!(by_id.len(), MAILS, "every message arrived");
    let repeats: usize = by_id.values().map(|n| n - 1).sum();
    // Sent but not yet recorded when the process died: at most one per SMTP connection.
    let in_flight = hearth::core::config::Settings::default().mail.smtp_connections;
    assert!(repeats <= in_flight, "only the mails on the wire at the kill may arrive twice; {repeats} did");
    let sent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").fetch_one(&d.pool).await.unwrap();
    assert_eq!(sent as usize, MAILS);
}

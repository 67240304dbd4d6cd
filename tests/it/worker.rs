//! The mail worker under a slow SMTP server: leases outlive the work they cover.
use crate::helpers::*;
use hearth::core::config::{MailTransport, SmtpTls};
use hearth::core::db;
use hearth::core::jobs::outbox::{dispatch_once, Outcome};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server on loopback that takes `delay` to accept each message and counts
/// the messages it accepted per recipient.
async fn slow_smtp(delay: Duration) -> (u16, Arc<Mutex<HashMap<String, usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let counts = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let counts = counts.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 slow.test ESMTP\r\n").await;
                let mut rcpt = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-slow.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt = line[8..].trim().trim_matches(|c| c == '<' || c == '>').to_string();
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go on\r\n").await;
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                        }
                        tokio::time::sleep(delay).await;
                        *counts.lock().unwrap().entry(rcpt.clone()).or_default() += 1;
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_and_a_slow_smtp_server_never_send_a_mail_twice() {
    // Each message takes 1.5 s; on one connection a batch of 8 takes 12 s, far past the 5 s
    // lease. Sent blindly, the second worker would take over the tail of the first one's
    // batch and send it again; instead a message starts only while its attempt (at most the
    // 2 s SMTP timeout) ends before the lease, and the rest of the batch is given back.
    let (port, received) = slow_smtp(Duration::from_millis(1500)).await;
    let app = spawn_app_with(sqlite_db(), |s| {
        s.mail.transport = MailTransport::Smtp;
        s.mail.smtp_port = port;
        s.mail.smtp_tls = SmtpTls::None;
        s.mail.smtp_timeout_secs = 2;
        s.worker.lease_secs = 5;
        s.worker.batch_size = 8;
        s.mail.smtp_connections = 1;
    })
    .await;
    let now = db::now();
    for i in 0..8 {
        let msg = hearth::santa::mails::SantaMail::SantaInviteNewcomer {
            email: format!("p{i}@example.com"),
            exchange_id: 1,
            reminder: 0,
        };
        db::outbox::enqueue(&app.state.db.pool, &format!("p{i}@example.com"), &msg, now).await.unwrap();
    }
    // Invitations render the exchange's name: give them one.
    let uid = db::users::insert(
        &app.state.db.pool,
        &db::users::NewUser { email: "ann@example.com", display_name: "Ann", password_hash: "x", time_zone: "UTC" },
        now,
    )
    .await
    .unwrap();
    hearth::santa::store::create(&app.state.db.pool, uid, "Slow", "", "", "s".repeat(22).as_str(), now).await.unwrap();

    let mut second = app.state.clone();
    second.instance = "second-worker".into();
    let first = app.state.clone();
    let run = |state: hearth::core::state::AppState| async move {
        loop {
            if dispatch_once(&state).await.unwrap() == Outcome::Empty {
                // Nothing claimable now; look again after the other worker's leases could expire.
                tokio::time::sleep(Duration::from_millis(200)).await;
                if db::outbox::depth(&state.db.pool).await.unwrap() == 0 {
                    return;
                }
            }
        }
    };
    let a = tokio::spawn(run(first));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b = tokio::spawn(run(second));
    tokio::time::timeout(Duration::from_secs(60), async {
        a.await.unwrap();
        b.await.unwrap();
    })
    .await
    .expect("both workers finished within a minute");
    let counts = received.lock().unwrap().clone();
    assert_eq!(counts.len(), 8, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "a mail was sent twice: {counts:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn one_persons_mails_arrive_in_the_order_they_were_written_while_others_go_at_once() {
    on_every_db!(app, {
        let pool = &app.state.db.pool;
        let now = db::now();
        let uid = db::users::insert(
            pool,
            &db::users::NewUser { email: "ann@example.com", display_name: "Ann", password_hash: "x", time_zone: "UTC" },
            now,
        )
        .await
        .unwrap();
        // Interleaved: Ann's five links between other people's mails, all due in one batch.
        for i in 0..5 {
            let msg = hearth::core::domain::outbox::AccountMail::SignInLink {
                user_id: uid,
                token: format!("ann-{i}-padding-token"),
            };
            db::outbox::enqueue(pool, "ann@example.com", &msg, now).await.unwrap();
            for j in 0..3 {
                let other = hearth::core::domain::outbox::AccountMail::SignInLink {
                    user_id: uid,
                    token: format!("o-{i}-{j}-padding"),
                };
                db::outbox::enqueue(pool, &format!("other{i}{j}@example.com"), &other, now).await.unwrap();
            }
        }
        let anns: Vec<String> =
            mails_to(&app.state, "ann@example.com").await.into_iter().rev().map(|m| m.text_body).collect();
        assert_eq!(anns.len(), 5);
        for (i, body) in anns.iter().enumerate() {
            assert!(body.contains(&format!("ann-{i}-padding-token")), "mail {i} of Ann's is the {i}th written: {body}");
        }
        app.shutdown().await;
    });
}

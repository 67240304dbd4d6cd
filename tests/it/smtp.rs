//! lettre against a real SMTP server on loopback.
use crate::helpers::{connect, header, sqlite_db, SmtpServer};
use hearth::core::config::{MailSettings, MailTransport, SmtpTls};
use hearth::core::mail::{message_id, Attachment, Mailer, OutgoingEmail};

#[tokio::test]
async fn smtp_delivers_a_multipart_mail_with_a_stable_message_id() {
    let smtp = SmtpServer::start();
    let t = sqlite_db();
    let db = connect(&t).await;
    let settings = MailSettings {
        transport: MailTransport::Smtp,
        smtp_port: smtp.port,
        smtp_tls: SmtpTls::None,
        from: "Hearth <hearth@example.com>".into(),
        ..Default::default()
    };
    let mailer = Mailer::from_settings(&settings, &db).unwrap();
    let mail = OutgoingEmail {
        to: "ann@example.com".into(),
        subject: "Your Hearth sign-in link".into(),
        text: "Hi Ann, open http://h/l/abc".into(),
        html: "<p>Hi Ann, <a href=\"http://h/l/abc\">open</a></p>".into(),
        idempotency_key: "ann@example.com|signin:abc".into(),
        ..Default::default()
    };
    mailer.send(&mail).await.unwrap();
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 1);
    let raw = &msgs[0];
    assert_eq!(header(raw, "Subject").as_deref(), Some("Your Hearth sign-in link"));
    assert_eq!(header(raw, "To").as_deref(), Some("ann@example.com"));
    assert_eq!(header(raw, "Message-ID").as_deref(), Some(message_id(&mail.idempotency_key).as_str()));
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
}

#[tokio::test]
async fn smtp_attaches_a_calendar_file_beside_both_parts() {
    let smtp = SmtpServer::start();
    let t = sqlite_db();
    let db = connect(&t).await;
    let settings = MailSettings {
        transport: MailTransport::Smtp,
        smtp_port: smtp.port,
        smtp_tls: SmtpTls::None,
        from: "Hearth <hearth@example.com>".into(),
        ..Default::default()
    };
    let mailer = Mailer::from_settings(&settings, &db).unwrap();
    let ics = "BEGIN:VCALENDAR\r\nUID:event-7-uid\r\nEND:VCALENDAR\r\n";
    let mail = OutgoingEmail {
        to: "bob@example.com".into(),
        subject: "Invited".into(),
        text: "Hi Bob".into(),
        html: "<p>Hi Bob</p>".into(),
        idempotency_key: "bob@example.com|event-invite:7".into(),
        attachments: vec![Attachment {
            filename: "event.ics".into(),
            content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
            content: ics.into(),
        }],
    };
    mailer.send(&mail).await.unwrap();
    let raw = &smtp.messages()[0];
    assert!(raw.contains("multipart/mixed") && raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("text/calendar") && raw.contains("event.ics"), "{raw}");
    assert!(raw.contains("event-7-uid"), "the calendar text travels: {raw}");
}

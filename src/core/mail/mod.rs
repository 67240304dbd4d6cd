//! Mail transports. Only the outbox worker (`jobs::outbox`) calls `Mailer::send`.
pub mod smtp;
pub mod templates;

use crate::core::config::{MailSettings, MailTransport};
use crate::core::db::{self, Db};
use anyhow::Context;
use lettre::message::{header::ContentType, Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use std::sync::Arc;

/// A rendered email, ready for a transport.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Recipient + cause; also the basis of the Message-ID, so a receiver can dedupe.
    pub idempotency_key: String,
    /// Files sent along (an event's .ics).
    pub attachments: Vec<Attachment>,
}

/// A small text file attached to a mail.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// e.g. `text/calendar; charset=utf-8; method=REQUEST`
    pub content_type: String,
    pub content: String,
}

#[derive(Clone)]
pub enum Mailer {
    Smtp {
        pool: Arc<smtp::SmtpPool>,
        from: Mailbox,
    },
    /// Keeps mail in the database for /dev/mailbox.
    DevMailbox {
        db: Db,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp { .. } => f.write_str("Mailer::Smtp"),
            Self::DevMailbox { .. } => f.write_str("Mailer::DevMailbox"),
        }
    }
}

impl Mailer {
    pub fn from_settings(s: &MailSettings, db: &Db) -> anyhow::Result<Self> {
        match s.transport {
            MailTransport::DevMailbox => Ok(Self::DevMailbox { db: db.clone() }),
            MailTransport::Smtp => {
                let from: Mailbox = s.from.parse().context("mail.from is not a valid address")?;
                Ok(Self::Smtp { pool: Arc::new(smtp::SmtpPool::new(s)), from })
            }
        }
    }

    pub async fn send(&self, mail: &OutgoingEmail) -> anyhow::Result<()> {
        match self {
            Self::Smtp { pool, from } => {
                let message = build_message(from, mail)?;
                pool.send(message.envelope(), &message.formatted()).await
            }
            Self::DevMailbox { db } => {
                let attachments_json = serde_json::to_string(&mail.attachments)?;
                let row = db::outbox::NewDevMail {
                    recipient: &mail.to,
                    subject: &mail.subject,
                    text_body: &mail.text,
                    html_body: &mail.html,
                    idempotency_key: &mail.idempotency_key,
                    attachments_json: &attachments_json,
                };
                db::outbox::dev_mailbox_insert(&db.pool, &row, db::now())
                    .await
                    .context("storing mail in the dev mailbox")?;
                Ok(())
            }
        }
    }
}

/// The name a mail greets: the account's display name, or none for someone without an
/// account yet (`user_id` `None`). A mail for an account that no longer exists fails.
pub async fn greeting_name(db: &Db, user_id: Option<i64>) -> anyhow::Result<String> {
    let Some(id) = user_id else { return Ok(String::new()) };
    Ok(db::users::by_id(&db.pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("recipient account no longer exists"))?
        .display_name)
}

/// The Message-ID derived from the idempotency key.
pub fn message_id(idempotency_key: &str) -> String {
    format!("<{}@hearth.invalid>", &crate::core::crypto::token_hash(idempotency_key)[..32])
}

fn build_message(from: &Mailbox, mail: &OutgoingEmail) -> anyhow::Result<Message> {
    let to: Mailbox = mail.to.parse().context("recipient is not a valid address")?;
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone()));
    let body = if mail.attachments.is_empty() {
        alternative
    } else {
        mail.attachments.iter().try_fold(MultiPart::mixed().multipart(alternative), |parts, a| {
            let content_type = ContentType::parse(&a.content_type).context("attachment content type")?;
            anyhow::Ok(
                parts.singlepart(LettreAttachment::new(a.filename.clone()).body(a.content.clone(), content_type)),
            )
        })?
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(message_id(&mail.idempotency_key)))
        .multipart(body)
        .context("building the message")
}

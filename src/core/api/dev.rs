//! The dev mailbox (only when `server.dev_mode` is on).
use crate::core::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMailView {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The links in the mail, as paths on this site, so they open here.
    pub links: Vec<String>,
    /// Attached files: (name, text).
    pub attachments: Vec<(String, String)>,
    pub sent_at: String,
}

/// Dev mode only, and only to clients on this machine (it lists live sign-in links);
/// `NotFound` otherwise.
#[server(prefix = "/api", endpoint = "dev_mailbox")]
pub async fn dev_mailbox() -> Result<Vec<DevMailView>, AppError> {
    use crate::core::server::context;
    let state = context::app_state()?;
    if !state.settings.server.dev_mode || !context::client_is_loopback() {
        return Err(AppError::NotFound);
    }
    let base = state.settings.base_url().to_string();
    let mails = crate::core::db::outbox::dev_mailbox_list(&state.db.pool, 100).await?;
    Ok(mails
        .into_iter()
        .map(|m| DevMailView {
            id: m.id,
            links: m
                .text_body
                .split_whitespace()
                .filter_map(|w| w.strip_prefix(base.as_str()))
                .filter(|p| p.starts_with('/'))
                .map(str::to_string)
                .collect(),
            attachments: serde_json::from_str::<Vec<crate::core::mail::Attachment>>(&m.attachments)
                .unwrap_or_default()
                .into_iter()
                .map(|a| (a.filename, a.content))
                .collect(),
            to: m.recipient,
            subject: m.subject,
            text: m.text_body,
            sent_at: crate::core::domain::time::format_in_zone(m.created_at, chrono_tz::UTC),
        })
        .collect())
}

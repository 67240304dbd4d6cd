//! Lunches' mails: a proposal (with a one-tap link that answers for this attendee), a
//! confirmation, a cancellation, and the request to review. Times in the reader's zone.
use super::store;
use crate::core::db;
use crate::core::domain::outbox::Mail;
use crate::core::domain::time::{format_span_in_zone, zone_or_utc};
use crate::core::mail::templates::{compose, MailParts};
use crate::core::mail::OutgoingEmail;
use crate::core::registry::{BoxFuture, MailKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LunchMail {
    /// To each person in a new proposal; `token` answers for them without signing in.
    LunchProposed {
        lunch_id: i64,
        user_id: i64,
        token: String,
    },
    LunchConfirmed {
        lunch_id: i64,
        user_id: i64,
    },
    /// Called off: too few can come, or nobody confirmed in time.
    LunchCancelled {
        lunch_id: i64,
        user_id: i64,
    },
    LunchReview {
        lunch_id: i64,
        user_id: i64,
    },
}

impl Mail for LunchMail {
    fn cause(&self) -> String {
        match self {
            Self::LunchProposed { lunch_id, .. } => format!("lunch:{lunch_id}:proposed"),
            Self::LunchConfirmed { lunch_id, .. } => format!("lunch:{lunch_id}:confirmed"),
            Self::LunchCancelled { lunch_id, .. } => format!("lunch:{lunch_id}:cancelled"),
            Self::LunchReview { lunch_id, .. } => format!("lunch:{lunch_id}:review"),
        }
    }
}

/// Never prints a token.
impl std::fmt::Debug for LunchMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LunchMail({})", self.cause())
    }
}

impl LunchMail {
    fn ids(&self) -> (i64, i64) {
        match self {
            Self::LunchProposed { lunch_id, user_id, .. }
            | Self::LunchConfirmed { lunch_id, user_id }
            | Self::LunchCancelled { lunch_id, user_id }
            | Self::LunchReview { lunch_id, user_id } => (*lunch_id, *user_id),
        }
    }
}

/// What the mail says; `when` is the slot in the reader's zone, `others` the other people.
pub fn parts(msg: &LunchMail, l: &store::Lunch, when: &str, others: &[String], base: &str) -> MailParts {
    let page = format!("{base}/lunches/{}", l.id);
    let place = format!("{} at {}, {}", l.food, l.location, when);
    match msg {
        LunchMail::LunchProposed { token, .. } => MailParts {
            subject: format!("Lunch proposed: {when}"),
            intro: format!("Hearth found a lunch for you: {place}. With:"),
            list: others.to_vec(),
            button: "Accept or decline",
            url: format!("{page}?t={token}"),
            outro: "It happens once enough people accept. Accepting declines any other lunch at the same time.",
            ..Default::default()
        },
        LunchMail::LunchConfirmed { .. } => MailParts {
            subject: format!("Lunch confirmed: {when}"),
            intro: format!("Your lunch is on: {place}. With:"),
            list: others.to_vec(),
            button: "See the lunch",
            url: page,
            outro: "If you can't make it after all, decline on the lunch's page so the others know.",
            ..Default::default()
        },
        LunchMail::LunchCancelled { .. } => MailParts {
            subject: format!("Lunch called off: {when}"),
            intro: format!("The lunch {place} is called off: too few people can come."),
            button: "See your lunches",
            url: format!("{base}/lunches"),
            outro: "Hearth keeps looking: your availability stays as it is.",
            ..Default::default()
        },
        LunchMail::LunchReview { .. } => MailParts {
            subject: "How was your lunch?".into(),
            intro: format!("How was {place}? Tell us in one tap. Anything you say about the others stays private."),
            button: "Review the lunch",
            url: format!("{page}#review"),
            outro: "Hearth will not pair you again with someone you'd rather not meet.",
            ..Default::default()
        },
    }
}

fn render<'a>(
    state: &'a AppState,
    payload: &'a str,
    to: &'a str,
    key: &'a str,
) -> BoxFuture<'a, anyhow::Result<OutgoingEmail>> {
    Box::pin(async move {
        let msg: LunchMail = serde_json::from_str(payload)?;
        let (lunch_id, user_id) = msg.ids();
        let pool = &state.db.pool;
        let lunch = store::get(pool, lunch_id).await?.ok_or_else(|| anyhow::anyhow!("the lunch no longer exists"))?;
        let reader =
            db::users::by_id(pool, user_id).await?.ok_or_else(|| anyhow::anyhow!("the reader no longer exists"))?;
        let tz = zone_or_utc(&reader.time_zone);
        let when = format!("{} ({})", format_span_in_zone(lunch.starts_at, lunch.ends_at, tz), tz.name());
        let others: Vec<String> = store::attendees(pool, lunch_id)
            .await?
            .into_iter()
            .filter(|p| p.user_id != user_id && p.answer != super::domain::Answer::Declined)
            .map(|p| p.name)
            .collect();
        compose(parts(&msg, &lunch, &when, &others, state.settings.base_url()), to, &reader.display_name, key)
    })
}

/// The mail kinds registered with the core.
pub const MAIL_KINDS: &[MailKind] = &[
    MailKind { kind: "lunch_proposed", render },
    MailKind { kind: "lunch_confirmed", render },
    MailKind { kind: "lunch_cancelled", render },
    MailKind { kind: "lunch_review", render },
];

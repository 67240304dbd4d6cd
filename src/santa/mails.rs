//! Secret Santa's mails: put in the core's outbox by the service, rendered here at send
//! time (registered with the core as `MailKind`s; the payload JSON keeps its `"kind"`).
use super::store;
use crate::core::domain::invitations::newcomer_signup_path;
use crate::core::domain::outbox::Mail;
use crate::core::mail::greeting_name;
use crate::core::mail::templates::{compose, MailParts};
use crate::core::mail::OutgoingEmail;
use crate::core::registry::{BoxFuture, MailKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SantaMail {
    /// A registered person is invited to an exchange; the link leads to Join / Decline.
    SantaInvite {
        user_id: i64,
        exchange_id: i64,
        token: String,
        /// 0 for the invitation, else the day number of a reminder.
        #[serde(default)]
        reminder: i64,
    },
    /// An address without a verified account was invited; the link leads to sign-up.
    SantaInviteNewcomer {
        email: String,
        exchange_id: i64,
        #[serde(default)]
        reminder: i64,
    },
    /// The draw happened: "You have gifting to do".
    GiftingToDo { user_id: i64, exchange_id: i64, token: String },
    /// The reveal happened: "Time to open your present".
    PresentReady { user_id: i64, exchange_id: i64, token: String },
}

impl Mail for SantaMail {
    /// One mail per exchange and kind (and reminder day), whatever the token.
    fn cause(&self) -> String {
        match self {
            Self::SantaInvite { exchange_id, reminder, .. }
            | Self::SantaInviteNewcomer { exchange_id, reminder, .. } => match reminder {
                0 => format!("santa-invite:{exchange_id}"),
                day => format!("santa-remind:{exchange_id}:{day}"),
            },
            Self::GiftingToDo { exchange_id, .. } => format!("gifting:{exchange_id}"),
            Self::PresentReady { exchange_id, .. } => format!("present:{exchange_id}"),
        }
    }
}

impl SantaMail {
    fn exchange_id(&self) -> i64 {
        match self {
            Self::SantaInvite { exchange_id, .. }
            | Self::SantaInviteNewcomer { exchange_id, .. }
            | Self::GiftingToDo { exchange_id, .. }
            | Self::PresentReady { exchange_id, .. } => *exchange_id,
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            Self::SantaInvite { user_id, .. }
            | Self::GiftingToDo { user_id, .. }
            | Self::PresentReady { user_id, .. } => Some(*user_id),
            Self::SantaInviteNewcomer { .. } => None,
        }
    }

    /// What the mail says, about the exchange called `exchange`.
    pub fn parts(&self, exchange: &str, base_url: &str) -> MailParts {
        let reminder = |r: i64| if r != 0 { "Reminder: " } else { "" };
        match self {
            Self::SantaInvite { token, reminder: r, .. } => MailParts {
                subject: format!("{}You are invited to the Secret Santa \"{exchange}\"", reminder(*r)),
                intro: format!(
                    "You are invited to the Secret Santa exchange \"{exchange}\" on Hearth. Open the invitation to join or decline."
                ),
                button: "See the invitation",
                url: format!("{base_url}/l/{token}"),
                outro: "Once you're in, you're in: after you join you can't leave, and the names will be drawn soon.",
                ..Default::default()
            },
            Self::SantaInviteNewcomer { email, exchange_id, reminder: r } => {
                let signup = newcomer_signup_path(email, &format!("/santa/{exchange_id}"));
                MailParts {
                    subject: format!("{}You are invited to the Secret Santa \"{exchange}\"", reminder(*r)),
                    intro: format!(
                        "You are invited to the Secret Santa exchange \"{exchange}\" on Hearth. Create your account with this address and you are in."
                    ),
                    button: "Join the exchange",
                    url: format!("{base_url}{signup}"),
                    outro: "Hearth is a small app for gatherings of friends and colleagues. If you don't know the sender, ignore this email.",
                    ..Default::default()
                }
            }
            Self::GiftingToDo { token, .. } => MailParts {
                subject: "You have gifting to do".into(),
                intro: format!(
                    "The names have been drawn in \"{exchange}\". Find out who you are giving to, pick an emoji gift and write them a message before the reveal."
                ),
                button: "See who you drew",
                url: format!("{base_url}/l/{token}"),
                outro: "Keep it secret! You can change your gift until the reveal.",
                ..Default::default()
            },
            Self::PresentReady { token, .. } => MailParts {
                subject: "Time to open your present".into(),
                intro: format!("The presents of \"{exchange}\" are revealed. Yours is waiting."),
                button: "Open my present",
                url: format!("{base_url}/l/{token}"),
                outro: "Then see who made the wall of shame.",
                ..Default::default()
            },
        }
    }
}

fn render<'a>(
    state: &'a AppState,
    payload: &'a str,
    to: &'a str,
    key: &'a str,
) -> BoxFuture<'a, anyhow::Result<OutgoingEmail>> {
    Box::pin(async move {
        let msg: SantaMail = serde_json::from_str(payload)?;
        let exchange = store::get(&state.db.pool, msg.exchange_id())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the exchange no longer exists"))?
            .name;
        let display_name = greeting_name(&state.db, msg.user_id()).await?;
        compose(msg.parts(&exchange, state.settings.base_url()), to, &display_name, key)
    })
}

/// The mail kinds registered with the core.
pub const MAIL_KINDS: &[MailKind] = &[
    MailKind { kind: "santa_invite", render },
    MailKind { kind: "santa_invite_newcomer", render },
    MailKind { kind: "gifting_to_do", render },
    MailKind { kind: "present_ready", render },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_santa_mail_kind_is_registered_and_keeps_its_tag() {
        let mails = [
            SantaMail::SantaInvite { user_id: 1, exchange_id: 2, token: "t".into(), reminder: 0 },
            SantaMail::SantaInviteNewcomer { email: "a+b@example.com".into(), exchange_id: 2, reminder: 3 },
            SantaMail::GiftingToDo { user_id: 1, exchange_id: 2, token: "t".into() },
            SantaMail::PresentReady { user_id: 1, exchange_id: 2, token: "t".into() },
        ];
        for m in mails {
            let json = serde_json::to_string(&m).unwrap();
            let kind = crate::core::domain::outbox::kind_of(&json).unwrap();
            assert!(MAIL_KINDS.iter().any(|k| k.kind == kind), "{kind} is not registered");
        }
        let newcomer = SantaMail::SantaInviteNewcomer { email: "a+b@example.com".into(), exchange_id: 2, reminder: 3 };
        let p = newcomer.parts("Office <party>", "https://h.example");
        assert_eq!(p.url, "https://h.example/signup?email=a%2Bb%40example.com&next=/santa/2");
        assert!(p.subject.starts_with("Reminder: "));
        assert_eq!(newcomer.cause(), "santa-remind:2:3");
    }
}

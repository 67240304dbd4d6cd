//! Vouchers' mails: the code of a paid voucher (to its buyer, or to the gift's address
//! with a deep link that redeems it, through sign-up for a newcomer), and the refund.
use super::store;
use crate::core::db;
use crate::core::domain::invitations::newcomer_signup_path;
use crate::core::domain::money::Locale;
use crate::core::domain::outbox::Mail;
use crate::core::mail::templates::{compose, MailParts};
use crate::core::mail::OutgoingEmail;
use crate::core::registry::{BoxFuture, MailKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VoucherMail {
    /// To the buyer of a voucher for themselves: its code.
    VoucherReady { voucher_id: i64, code: String },
    /// To the address a voucher was given to: its code and a link that redeems it.
    VoucherGift { voucher_id: i64, code: String, email: String },
    /// To the buyer: the price of a cancelled voucher went back to their card.
    VoucherRefunded { voucher_id: i64 },
}

impl Mail for VoucherMail {
    fn cause(&self) -> String {
        match self {
            Self::VoucherReady { voucher_id, .. } | Self::VoucherGift { voucher_id, .. } => {
                format!("voucher-code:{voucher_id}")
            }
            Self::VoucherRefunded { voucher_id } => format!("voucher-refunded:{voucher_id}"),
        }
    }
}

/// Never prints a code.
impl std::fmt::Debug for VoucherMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VoucherMail({})", self.cause())
    }
}

impl VoucherMail {
    fn voucher_id(&self) -> i64 {
        match self {
            Self::VoucherReady { voucher_id, .. }
            | Self::VoucherGift { voucher_id, .. }
            | Self::VoucherRefunded { voucher_id } => *voucher_id,
        }
    }
}

/// The page that redeems `code` (the code travels in the link, like a sign-in link).
pub fn redeem_path(code: &str) -> String {
    format!("/vouchers/redeem?code={code}")
}

/// What the mail says. `registered`: the gift's address has a verified account.
pub fn parts(msg: &VoucherMail, v: &store::Voucher, buyer_name: &str, registered: bool, base: &str) -> MailParts {
    let value = v.value.format(Locale::English);
    let title = &v.title;
    match msg {
        VoucherMail::VoucherReady { code, .. } => MailParts {
            subject: format!("Your voucher: {title}"),
            intro: format!("Your voucher \"{title}\" worth {value} is paid. Its code is {code}."),
            button: "Add it to my credit",
            url: format!("{base}{}", redeem_path(code)),
            outro: "You can also give the code to someone else: whoever redeems it first gets the credit.",
            ..Default::default()
        },
        VoucherMail::VoucherGift { code, email, .. } => {
            let message =
                if v.gift_message.is_empty() { String::new() } else { format!(" They wrote: \"{}\"", v.gift_message) };
            let url = if registered {
                format!("{base}{}", redeem_path(code))
            } else {
                format!("{base}{}", newcomer_signup_path(email, &redeem_path(code)))
            };
            MailParts {
                subject: format!("{buyer_name} sent you a gift: {title}"),
                intro: format!(
                    "{buyer_name} gave you a Hearth voucher worth {value}, to spend on event tickets.{message} Your code is {code}."
                ),
                button: if registered { "Redeem it" } else { "Sign up and redeem it" },
                url,
                outro: "Keep the code to yourself: whoever redeems it first gets the credit.",
                ..Default::default()
            }
        }
        VoucherMail::VoucherRefunded { .. } => MailParts {
            subject: format!("Refunded: {title}"),
            intro: format!(
                "Your voucher \"{title}\" was cancelled and its price, {}, is refunded.",
                v.price.format(Locale::English)
            ),
            button: "See your vouchers",
            url: format!("{base}/vouchers"),
            outro: "Refunds can take a few days to reach your card.",
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
        let msg: VoucherMail = serde_json::from_str(payload)?;
        let pool = &state.db.pool;
        let voucher =
            store::get(pool, msg.voucher_id()).await?.ok_or_else(|| anyhow::anyhow!("the voucher no longer exists"))?;
        let buyer = db::users::by_id(pool, voucher.buyer_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the buyer no longer exists"))?;
        let (reader, registered) = match &msg {
            VoucherMail::VoucherGift { email, .. } => {
                let holder = db::users::verified_by_email(pool, email).await?;
                (holder.as_ref().map(|u| u.display_name.clone()).unwrap_or_default(), holder.is_some())
            }
            _ => (buyer.display_name.clone(), true),
        };
        compose(parts(&msg, &voucher, &buyer.display_name, registered, state.settings.base_url()), to, &reader, key)
    })
}

/// The mail kinds registered with the core.
pub const MAIL_KINDS: &[MailKind] = &[
    MailKind { kind: "voucher_ready", render },
    MailKind { kind: "voucher_gift", render },
    MailKind { kind: "voucher_refunded", render },
];

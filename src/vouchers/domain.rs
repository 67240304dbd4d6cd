//! Vouchers, the pure rules: what an admin may type for a template, the codes (grouped,
//! without look-alike characters, with a check character), and the typed state machine
//! of a voucher. No IO: the store applies the same transitions inside conditional writes.
use crate::core::domain::money::{Currency, Money, MoneyError};
use crate::core::domain::text::{plain_text, TextError};
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 500;
pub const GIFT_MESSAGE_MAX: usize = 280;
pub const VALIDITY_MAX_DAYS: i64 = 3660;

/// Where a voucher is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VoucherStatus {
    /// Bought, waiting for the payment to be confirmed (no code exists yet).
    PendingPayment,
    /// Paid: the code works until it is redeemed or expires.
    Purchased,
    /// Turned into a member's credit.
    Redeemed,
    /// Reached its expiry unredeemed.
    Expired,
    /// Called off by an admin after payment, before redemption; the price is owed back.
    Cancelled,
    /// The price went back to the buyer.
    Refunded,
}

/// What can happen to a voucher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    /// The payment was confirmed (the provider's signed webhook, or an admin for `manual`).
    Pay,
    Redeem,
    Expire,
    Cancel,
    Refund,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("A voucher that is {from} can't be {what}.")]
pub struct TransitionError {
    pub from: &'static str,
    pub what: &'static str,
}

impl VoucherStatus {
    pub const ALL: [VoucherStatus; 6] =
        [Self::PendingPayment, Self::Purchased, Self::Redeemed, Self::Expired, Self::Cancelled, Self::Refunded];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Purchased => "purchased",
            Self::Redeemed => "redeemed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// For people: "waiting for payment", "ready to redeem".
    pub fn label(self) -> &'static str {
        match self {
            Self::PendingPayment => "waiting for payment",
            Self::Purchased => "ready to redeem",
            Self::Redeemed => "redeemed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    /// The state after `t`, or why it is not allowed.
    pub fn after(self, t: Transition) -> Result<VoucherStatus, TransitionError> {
        use Transition as T;
        use VoucherStatus as S;
        match (self, t) {
            (S::PendingPayment, T::Pay) => Ok(S::Purchased),
            (S::Purchased, T::Redeem) => Ok(S::Redeemed),
            (S::Purchased, T::Expire) => Ok(S::Expired),
            (S::Purchased, T::Cancel) => Ok(S::Cancelled),
            (S::Cancelled, T::Refund) => Ok(S::Refunded),
            (from, t) => Err(TransitionError { from: from.label(), what: t.past() }),
        }
    }

    /// The transitions an admin may apply from here (the admin page offers these only).
    pub fn admin_transitions(self) -> Vec<Transition> {
        [Transition::Pay, Transition::Cancel, Transition::Refund]
            .into_iter()
            .filter(|t| self.after(*t).is_ok())
            .collect()
    }
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pay => "pay",
            Self::Redeem => "redeem",
            Self::Expire => "expire",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pay, Self::Redeem, Self::Expire, Self::Cancel, Self::Refund].into_iter().find(|t| t.as_str() == s)
    }

    fn past(self) -> &'static str {
        match self {
            Self::Pay => "marked paid",
            Self::Redeem => "redeemed",
            Self::Expire => "expired",
            Self::Cancel => "cancelled",
            Self::Refund => "refunded",
        }
    }

    /// The admin's button.
    pub fn button(self) -> &'static str {
        match self {
            Self::Pay => "Mark paid",
            Self::Redeem => "Redeem",
            Self::Expire => "Expire",
            Self::Cancel => "Cancel voucher",
            Self::Refund => "Refund",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Codes: the core's typable codes (lunch invitation codes use the same machinery).

pub use crate::core::domain::codes::{CodeError, TypableCode as VoucherCode, CODE_LEN};

// ---------------------------------------------------------------------------------------
// Templates

/// A voucher template as an admin typed it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateTerms {
    pub title: String,
    pub description: String,
    pub price: Money,
    pub value: Money,
    pub validity_days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("Price: {0}")]
    Price(MoneyError),
    #[error("Credit value: {0}")]
    Value(MoneyError),
    #[error("Valid for: type a number of days from 1 to {VALIDITY_MAX_DAYS}.")]
    Validity,
}

impl TermsError {
    /// The form field the message is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Text(
                TextError::Empty(w) | TextError::TooLong(w, _) | TextError::Markup(w) | TextError::Control(w),
            ) if *w == "The description" => "description",
            Self::Text(_) => "title",
            Self::Price(_) => "price",
            Self::Value(_) => "value",
            Self::Validity => "validity_days",
        }
    }
}

impl TemplateTerms {
    pub fn parse(
        title: &str,
        description: &str,
        price: &str,
        value: &str,
        validity_days: &str,
        currency: Currency,
    ) -> Result<Self, TermsError> {
        let title = plain_text(title, "The title", TITLE_MAX, true, false)?;
        let description =
            plain_text(&description.replace("\r\n", "\n"), "The description", DESCRIPTION_MAX, false, true)?;
        let price = Money::parse_positive(price, currency).map_err(TermsError::Price)?;
        // An empty value means "as much credit as it costs".
        let value = if value.trim().is_empty() {
            price
        } else {
            Money::parse_positive(value, currency).map_err(TermsError::Value)?
        };
        let validity_days = validity_days.trim().parse::<i64>().map_err(|_| TermsError::Validity)?;
        if !(1..=VALIDITY_MAX_DAYS).contains(&validity_days) {
            return Err(TermsError::Validity);
        }
        Ok(Self { title, description, price, value, validity_days })
    }
}

/// The optional note that goes with a gift.
pub fn gift_message(input: &str) -> Result<String, TextError> {
    plain_text(&input.replace("\r\n", "\n"), "The gift message", GIFT_MESSAGE_MAX, false, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::ledger::{Account, Book, Entry, Recorded};
    use proptest::prelude::*;

    #[test]
    fn the_state_machine_allows_only_its_arrows() {
        use Transition as T;
        use VoucherStatus as S;
        assert_eq!(S::PendingPayment.after(T::Pay), Ok(S::Purchased));
        assert_eq!(S::Purchased.after(T::Redeem), Ok(S::Redeemed));
        assert_eq!(S::Purchased.after(T::Expire), Ok(S::Expired));
        assert_eq!(S::Purchased.after(T::Cancel), Ok(S::Cancelled));
        assert_eq!(S::Cancelled.after(T::Refund), Ok(S::Refunded));
        assert_eq!(
            S::Redeemed.after(T::Redeem).map_err(|e| e.to_string()),
            Err("A voucher that is redeemed can't be redeemed.".to_string())
        );
        assert!(S::Redeemed.after(T::Cancel).is_err());
        assert!(S::Expired.after(T::Redeem).is_err());
        assert!(S::Purchased.after(T::Refund).is_err());
        assert!(S::Refunded.after(T::Refund).is_err());
        assert!(S::PendingPayment.after(T::Redeem).is_err());
        assert_eq!(S::Purchased.admin_transitions(), vec![T::Cancel]);
        assert_eq!(S::PendingPayment.admin_transitions(), vec![T::Pay]);
        assert!(S::PendingPayment.after(T::Cancel).is_err(), "an unpaid voucher has nothing to refund");
        assert!(S::Redeemed.admin_transitions().is_empty());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn template_terms_are_checked() {
        let ok = TemplateTerms::parse("Coffee", "", "8.50", "", "30", Currency::Eur);
        assert_eq!(ok.as_ref().map(|t| (t.price.minor, t.value.minor)), Ok((850, 850)));
        let bad =
            |p: &str, v: &str, d: &str| TemplateTerms::parse("T", "", p, v, d, Currency::Eur).err().map(|e| e.field());
        assert_eq!(bad("-1", "", "30"), Some("price"));
        assert_eq!(bad("0", "", "30"), Some("price"));
        assert_eq!(bad("1000000", "", "30"), Some("price"));
        assert_eq!(bad("5", "abc", "30"), Some("value"));
        assert_eq!(bad("5", "", "0"), Some("validity_days"));
        assert_eq!(bad("5", "", "99999"), Some("validity_days"));
        assert_eq!(TemplateTerms::parse("", "", "5", "", "3", Currency::Eur).err().map(|e| e.field()), Some("title"));
    }

    /// A generated step of the money's life.
    #[derive(Clone, Debug)]
    enum Step {
        Buy { price: i64, value: i64 },
        Pay(usize),
        Redeem { voucher: usize, member: i64 },
        Expire(usize),
        Cancel(usize),
        Refund(usize),
        Ticket { event: i64, member: i64, organizer: i64, price: i64 },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1i64..5_000, 1i64..5_000).prop_map(|(price, value)| Step::Buy { price, value }),
            (0usize..12).prop_map(Step::Pay),
            (0usize..12, 0i64..4).prop_map(|(voucher, member)| Step::Redeem { voucher, member }),
            (0usize..12).prop_map(Step::Expire),
            (0usize..12).prop_map(Step::Cancel),
            (0usize..12).prop_map(Step::Refund),
            (0i64..6, 0i64..4, 4i64..6, 1i64..3_000).prop_map(|(event, member, organizer, price)| Step::Ticket {
                event,
                member,
                organizer,
                price
            }),
        ]
    }

    proptest! {
        /// After any sequence of purchases, payments, redemptions, tickets, expiries,
        /// cancellations and refunds (each allowed by the state machine, or refused), every
        /// entry balances, the accounts sum to zero and no member's credit is negative.
        #[test]
        fn money_is_never_made_or_lost(steps in proptest::collection::vec(step(), 1..60)) {
            let eur = |m| Money::new(m, Currency::Eur);
            let mut book = Book::default();
            let mut vouchers: Vec<(VoucherStatus, i64, i64)> = Vec::new();
            for s in steps {
                let (index, transition, entry) = match s {
                    Step::Buy { price, value } => {
                        vouchers.push((VoucherStatus::PendingPayment, price, value));
                        continue;
                    }
                    Step::Ticket { event, member, organizer, price } => {
                        let before = book.balance(Account::Credit(member));
                        let result = book.record(&Entry::ticket(event, member, organizer, eur(price)));
                        match result {
                            Ok(Recorded::Moved) => prop_assert_eq!(book.balance(Account::Credit(member)), before - price),
                            Ok(Recorded::AlreadyRecorded) | Err(_) => prop_assert_eq!(book.balance(Account::Credit(member)), before),
                        }
                        continue;
                    }
                    Step::Pay(i) => (i, Transition::Pay, None),
                    Step::Redeem { voucher, member } => (voucher, Transition::Redeem, Some(member)),
                    Step::Expire(i) => (i, Transition::Expire, None),
                    Step::Cancel(i) => (i, Transition::Cancel, None),
                    Step::Refund(i) => (i, Transition::Refund, None),
                };
                let Some(&(status, price, value)) = vouchers.get(index) else { continue };
                let Ok(next) = status.after(transition) else { continue };
                let id = index as i64;
                let entry = match (transition, entry) {
                    (Transition::Pay, _) => Some(Entry::voucher_purchased(id, eur(price), eur(value))),
                    (Transition::Redeem, Some(member)) => Some(Entry::voucher_redeemed(id, member, eur(value))),
                    (Transition::Expire, _) => Some(Entry::voucher_expired(id, eur(value))),
                    (Transition::Cancel, _) => Some(Entry::voucher_cancelled(id, eur(price), eur(value))),
                    (Transition::Refund, _) => Some(Entry::voucher_refunded(id, eur(price))),
                    _ => None,
                };
                if let Some(e) = &entry {
                    prop_assert_eq!(e.imbalance(), 0);
                    prop_assert_eq!(book.record(e), Ok(Recorded::Moved));
                }
                vouchers[index].0 = next;
            }
            let total: i64 = book.accounts().map(|(_, b)| *b).sum();
            prop_assert_eq!(total, 0);
            for (account, balance) in book.accounts() {
                if account.never_negative() {
                    prop_assert!(*balance >= 0, "{:?} is {}", account, balance);
                }
            }
            // What is outstanding equals the value of the vouchers still purchased.
            let outstanding: i64 = vouchers.iter().filter(|v| v.0 == VoucherStatus::Purchased).map(|v| v.2).sum();
            prop_assert_eq!(book.balance(Account::VoucherLiability), outstanding);
        }
    }
}

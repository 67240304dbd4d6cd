//! The credit ledger, double entry: every movement of money is one [`Entry`] of postings
//! that sum to zero, named by an idempotency key. Balances are sums of postings; a
//! member's credit never goes below zero. The constructors below are the only movements
//! the app makes; [`Book`] is the ledger in memory (what the database does, for tests).
use super::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A ledger account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Account {
    /// A member's spendable credit (never negative).
    Credit(i64),
    /// What an organizer earned from tickets.
    Earnings(i64),
    /// Value of vouchers sold and not yet redeemed, expired or cancelled.
    VoucherLiability,
    /// Money held by the payment provider (negative: received from cards).
    Clearing,
    /// Money owed back to buyers of cancelled vouchers until the provider refunds it.
    Refunds,
    /// The site's own result: discounts given, vouchers that expired unused.
    Site,
}

impl Account {
    /// The name stored in the database: "credit:42", "voucher_liability".
    pub fn name(&self) -> String {
        match self {
            Self::Credit(id) => format!("credit:{id}"),
            Self::Earnings(id) => format!("earnings:{id}"),
            Self::VoucherLiability => "voucher_liability".into(),
            Self::Clearing => "clearing".into(),
            Self::Refunds => "refunds".into(),
            Self::Site => "site".into(),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let member = |prefix: &str| name.strip_prefix(prefix).and_then(|id| id.parse::<i64>().ok());
        match name {
            "voucher_liability" => Some(Self::VoucherLiability),
            "clearing" => Some(Self::Clearing),
            "refunds" => Some(Self::Refunds),
            "site" => Some(Self::Site),
            _ => member("credit:").map(Self::Credit).or_else(|| member("earnings:").map(Self::Earnings)),
        }
    }

    /// Whether the balance must never be below zero.
    pub fn never_negative(&self) -> bool {
        matches!(self, Self::Credit(_))
    }
}

/// Why money moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    VoucherPurchased,
    VoucherRedeemed,
    VoucherExpired,
    VoucherCancelled,
    VoucherRefunded,
    Ticket,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VoucherPurchased => "voucher_purchased",
            Self::VoucherRedeemed => "voucher_redeemed",
            Self::VoucherExpired => "voucher_expired",
            Self::VoucherCancelled => "voucher_cancelled",
            Self::VoucherRefunded => "voucher_refunded",
            Self::Ticket => "ticket",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::VoucherPurchased,
            Self::VoucherRedeemed,
            Self::VoucherExpired,
            Self::VoucherCancelled,
            Self::VoucherRefunded,
            Self::Ticket,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// What a member reads in their ledger.
    pub fn label(self) -> &'static str {
        match self {
            Self::VoucherPurchased => "Voucher bought",
            Self::VoucherRedeemed => "Voucher redeemed",
            Self::VoucherExpired => "Voucher expired",
            Self::VoucherCancelled => "Voucher cancelled",
            Self::VoucherRefunded => "Voucher refunded",
            Self::Ticket => "Event ticket",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: Account,
    pub amount: i64,
}

/// One balanced movement of money. Built only by the constructors, which keep it balanced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub key: String,
    pub currency: Currency,
    postings: Vec<Posting>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("This costs {needed}, and you have {available}.")]
    InsufficientCredit { needed: String, available: String, needed_minor: i64, available_minor: i64 },
    #[error("That amount is out of range.")]
    Overflow,
}

impl Entry {
    fn new(kind: EntryKind, key: String, currency: Currency, postings: Vec<Posting>) -> Self {
        let postings = postings.into_iter().filter(|p| p.amount != 0).collect();
        Self { kind, key, currency, postings }
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// The sum of the postings, which is zero for every entry the constructors build.
    pub fn imbalance(&self) -> i128 {
        self.postings.iter().map(|p| p.amount as i128).sum()
    }

    /// A voucher paid by card: the provider holds the price, the site owes the value.
    pub fn voucher_purchased(voucher_id: i64, price: Money, value: Money) -> Self {
        let c = price.currency;
        Self::new(
            EntryKind::VoucherPurchased,
            format!("voucher:{voucher_id}:purchased"),
            c,
            vec![
                Posting { account: Account::Clearing, amount: -price.minor },
                Posting { account: Account::VoucherLiability, amount: value.minor },
                Posting { account: Account::Site, amount: price.minor - value.minor },
            ],
        )
    }

    /// A voucher redeemed into a member's credit.
    pub fn voucher_redeemed(voucher_id: i64, member: i64, value: Money) -> Self {
        Self::new(
            EntryKind::VoucherRedeemed,
            format!("voucher:{voucher_id}:redeemed"),
            value.currency,
            vec![
                Posting { account: Account::VoucherLiability, amount: -value.minor },
                Posting { account: Account::Credit(member), amount: value.minor },
            ],
        )
    }

    /// A voucher that reached its expiry unredeemed: its value returns to the site.
    pub fn voucher_expired(voucher_id: i64, value: Money) -> Self {
        Self::new(
            EntryKind::VoucherExpired,
            format!("voucher:{voucher_id}:expired"),
            value.currency,
            vec![
                Posting { account: Account::VoucherLiability, amount: -value.minor },
                Posting { account: Account::Site, amount: value.minor },
            ],
        )
    }

    /// A voucher cancelled by an admin before redemption: the price is owed back.
    pub fn voucher_cancelled(voucher_id: i64, price: Money, value: Money) -> Self {
        Self::new(
            EntryKind::VoucherCancelled,
            format!("voucher:{voucher_id}:cancelled"),
            price.currency,
            vec![
                Posting { account: Account::VoucherLiability, amount: -value.minor },
                Posting { account: Account::Refunds, amount: price.minor },
                Posting { account: Account::Site, amount: value.minor - price.minor },
            ],
        )
    }

    /// The provider paid the price of a cancelled voucher back.
    pub fn voucher_refunded(voucher_id: i64, price: Money) -> Self {
        Self::new(
            EntryKind::VoucherRefunded,
            format!("voucher:{voucher_id}:refunded"),
            price.currency,
            vec![
                Posting { account: Account::Refunds, amount: -price.minor },
                Posting { account: Account::Clearing, amount: price.minor },
            ],
        )
    }

    /// The key of a member's ticket to an event: one ticket per member and event, ever.
    pub fn ticket_key(event_id: i64, attendee: i64) -> String {
        format!("{}{attendee}", Self::tickets_of(event_id))
    }

    /// What the keys of every ticket to an event start with.
    pub fn tickets_of(event_id: i64) -> String {
        format!("ticket:event:{event_id}:member:")
    }

    /// A ticket paid from the attendee's credit to the organizer's earnings.
    pub fn ticket(event_id: i64, attendee: i64, organizer: i64, price: Money) -> Self {
        Self::new(
            EntryKind::Ticket,
            Self::ticket_key(event_id, attendee),
            price.currency,
            vec![
                Posting { account: Account::Credit(attendee), amount: -price.minor },
                Posting { account: Account::Earnings(organizer), amount: price.minor },
            ],
        )
    }
}

/// The outcome of recording an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The money moved now.
    Moved,
    /// An entry with this key was recorded before: nothing moved again.
    AlreadyRecorded,
}

/// The ledger in memory, applying the same rules as the database: keys once, credit never
/// below zero, nothing applied of a refused entry.
#[derive(Clone, Debug, Default)]
pub struct Book {
    balances: BTreeMap<Account, i64>,
    keys: BTreeSet<String>,
}

impl Book {
    pub fn balance(&self, account: Account) -> i64 {
        self.balances.get(&account).copied().unwrap_or(0)
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&Account, &i64)> {
        self.balances.iter()
    }

    pub fn record(&mut self, entry: &Entry) -> Result<Recorded, LedgerError> {
        if self.keys.contains(&entry.key) {
            return Ok(Recorded::AlreadyRecorded);
        }
        let mut next = self.balances.clone();
        for p in entry.postings() {
            let balance = next.entry(p.account).or_insert(0);
            let after = balance.checked_add(p.amount).ok_or(LedgerError::Overflow)?;
            if p.account.never_negative() && after < 0 {
                return Err(insufficient(entry.currency, -p.amount, *balance));
            }
            *balance = after;
        }
        self.balances = next;
        self.keys.insert(entry.key.clone());
        Ok(Recorded::Moved)
    }
}

/// The refusal of a spend of `needed` from a credit of `available` (minor units).
pub fn insufficient(currency: Currency, needed: i64, available: i64) -> LedgerError {
    use super::money::Locale;
    LedgerError::InsufficientCredit {
        needed: Money::new(needed, currency).format(Locale::English),
        available: Money::new(available, currency).format(Locale::English),
        needed_minor: needed,
        available_minor: available,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::Eur)
    }

    #[test]
    fn account_names_round_trip() {
        for a in [
            Account::Credit(7),
            Account::Earnings(9),
            Account::VoucherLiability,
            Account::Clearing,
            Account::Refunds,
            Account::Site,
        ] {
            assert_eq!(Account::parse(&a.name()), Some(a));
        }
        assert_eq!(Account::parse("credit:x"), None);
        assert_eq!(Account::parse("bank"), None);
    }

    #[test]
    fn a_ticket_needs_the_credit_and_is_paid_once() {
        let mut book = Book::default();
        book.record(&Entry::voucher_purchased(1, eur(1000), eur(1000))).ok();
        book.record(&Entry::voucher_redeemed(1, 5, eur(1000))).ok();
        assert_eq!(book.balance(Account::Credit(5)), 1000);
        assert_eq!(book.record(&Entry::ticket(3, 5, 8, eur(800))), Ok(Recorded::Moved));
        assert_eq!(book.record(&Entry::ticket(3, 5, 8, eur(800))), Ok(Recorded::AlreadyRecorded));
        let refused = book.record(&Entry::ticket(4, 5, 8, eur(800)));
        assert!(matches!(
            refused,
            Err(LedgerError::InsufficientCredit { needed_minor: 800, available_minor: 200, .. })
        ));
        assert_eq!(refused.err().map(|e| e.to_string()), Some("This costs €8.00, and you have €2.00.".to_string()));
        assert_eq!(book.balance(Account::Credit(5)), 200);
        assert_eq!(book.balance(Account::Earnings(8)), 800);
    }

    proptest! {
        #[test]
        fn every_constructor_balances(id in 0i64..1000, who in 0i64..100, a in 1i64..10_000_000, b in 1i64..10_000_000) {
            for e in [
                Entry::voucher_purchased(id, eur(a), eur(b)),
                Entry::voucher_redeemed(id, who, eur(b)),
                Entry::voucher_expired(id, eur(b)),
                Entry::voucher_cancelled(id, eur(a), eur(b)),
                Entry::voucher_refunded(id, eur(a)),
                Entry::ticket(id, who, who + 1, eur(a)),
            ] {
                prop_assert_eq!(e.imbalance(), 0);
                prop_assert!(e.postings().iter().all(|p| p.amount != 0));
            }
        }
    }
}

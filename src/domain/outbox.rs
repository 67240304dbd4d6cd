//! Outgoing mail as typed messages, and the retry policy of the delivery worker.
use serde::{Deserialize, Serialize};

/// A message waiting in the outbox. The payload is rendered into an email at send time.
/// Link tokens ride here in plaintext only until the row is sent and pruned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxMessage {
    VerifyEmail {
        user_id: i64,
        token: String,
    },
    SignInLink {
        user_id: i64,
        token: String,
    },
    PasswordReset {
        user_id: i64,
        token: String,
    },
    /// Someone tried to sign up with the address of this (verified) account.
    SignUpAttempt {
        user_id: i64,
        /// Makes each attempt its own mail (the rate limit bounds them).
        attempt: String,
    },
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
    GiftingToDo {
        user_id: i64,
        exchange_id: i64,
        token: String,
    },
    /// The reveal happened: "Time to open your present".
    PresentReady {
        user_id: i64,
        exchange_id: i64,
        token: String,
    },
}

impl OutboxMessage {
    /// The account the mail is for (`None` for someone without an account yet).
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::VerifyEmail { user_id, .. }
            | Self::SignInLink { user_id, .. }
            | Self::PasswordReset { user_id, .. }
            | Self::SignUpAttempt { user_id, .. }
            | Self::SantaInvite { user_id, .. }
            | Self::GiftingToDo { user_id, .. }
            | Self::PresentReady { user_id, .. } => Some(*user_id),
            Self::SantaInviteNewcomer { .. } => None,
        }
    }

    /// The exchange the mail is about, if any.
    pub fn exchange_id(&self) -> Option<i64> {
        match self {
            Self::SantaInvite { exchange_id, .. }
            | Self::SantaInviteNewcomer { exchange_id, .. }
            | Self::GiftingToDo { exchange_id, .. }
            | Self::PresentReady { exchange_id, .. } => Some(*exchange_id),
            _ => None,
        }
    }

    /// The cause part of the idempotency key: one mail per recipient per cause.
    pub fn cause(&self) -> String {
        // Account mails: each token is fresh, so its first characters identify the cause.
        // Exchange mails: one per exchange and kind, whatever the token.
        let short = |token: &str| token.chars().take(16).collect::<String>();
        match self {
            Self::VerifyEmail { token, .. } => format!("verify:{}", short(token)),
            Self::SignInLink { token, .. } => format!("signin:{}", short(token)),
            Self::PasswordReset { token, .. } => format!("reset:{}", short(token)),
            Self::SignUpAttempt { attempt, .. } => format!("signup-attempt:{attempt}"),
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

/// What the worker does after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this many seconds.
    RetryIn(i64),
    /// Give up: the message moves to the dead letters.
    DeadLetter,
}

/// Exponential backoff: `base * 2^(attempts-1)` seconds, capped at six hours,
/// dead-lettered once `attempts` reaches `max_attempts`.
pub fn after_failure(attempts: i64, max_attempts: i64, base_secs: i64) -> RetryDecision {
    if attempts >= max_attempts {
        return RetryDecision::DeadLetter;
    }
    let exp = attempts.clamp(1, 30) - 1;
    let delay = base_secs.max(1).saturating_mul(1i64 << exp).min(6 * 3600);
    RetryDecision::RetryIn(delay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn backoff_doubles_then_dead_letters() {
        assert_eq!(after_failure(1, 5, 30), RetryDecision::RetryIn(30));
        assert_eq!(after_failure(2, 5, 30), RetryDecision::RetryIn(60));
        assert_eq!(after_failure(4, 5, 30), RetryDecision::RetryIn(240));
        assert_eq!(after_failure(5, 5, 30), RetryDecision::DeadLetter);
    }

    #[test]
    fn messages_serialise_with_a_kind_tag() {
        let m = OutboxMessage::SignInLink { user_id: 7, token: "abc".into() };
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"kind\":\"sign_in_link\""));
        assert_eq!(serde_json::from_str::<OutboxMessage>(&json).unwrap(), m);
    }

    proptest! {
        #[test]
        fn backoff_never_shrinks_and_is_capped(a in 1i64..60, base in 1i64..600) {
            if let (RetryDecision::RetryIn(x), RetryDecision::RetryIn(y)) =
                (after_failure(a, 100, base), after_failure(a + 1, 100, base)) {
                prop_assert!(y >= x);
                prop_assert!(y <= 6 * 3600);
            }
        }
    }
}

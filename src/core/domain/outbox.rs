//! Outgoing mail as typed messages, and the retry policy of the delivery worker.
use serde::{Deserialize, Serialize};

/// A message for the outbox: serialised with a `"kind"` tag (the JSON is the row's
/// payload, rendered into an email at send time), and one cause per recipient (the
/// idempotency key is recipient + cause: a second row with the same key is ignored).
/// The core's own kinds are `AccountMail`'s; a gathering registers its own kinds and their
/// renderers (`registry::MailKind`).
pub trait Mail: Serialize {
    fn cause(&self) -> String;
}

/// The core's mail: accounts. Link tokens ride here in plaintext only until the row is
/// sent and pruned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountMail {
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
}

impl AccountMail {
    /// The `"kind"` tags of these messages (no gathering may register them).
    pub const KINDS: &'static [&'static str] = &["verify_email", "sign_in_link", "password_reset", "sign_up_attempt"];

    /// The account the mail is for.
    pub fn user_id(&self) -> i64 {
        match self {
            Self::VerifyEmail { user_id, .. }
            | Self::SignInLink { user_id, .. }
            | Self::PasswordReset { user_id, .. }
            | Self::SignUpAttempt { user_id, .. } => *user_id,
        }
    }
}

impl Mail for AccountMail {
    fn cause(&self) -> String {
        // Each token is fresh, so its first characters identify the cause.
        let short = |token: &str| token.chars().take(16).collect::<String>();
        match self {
            Self::VerifyEmail { token, .. } => format!("verify:{}", short(token)),
            Self::SignInLink { token, .. } => format!("signin:{}", short(token)),
            Self::PasswordReset { token, .. } => format!("reset:{}", short(token)),
            Self::SignUpAttempt { attempt, .. } => format!("signup-attempt:{attempt}"),
        }
    }
}

/// The `"kind"` of a payload, whoever wrote it.
pub fn kind_of(payload: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Tag {
        kind: String,
    }
    serde_json::from_str::<Tag>(payload).ok().map(|t| t.kind)
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
        let m = AccountMail::SignInLink { user_id: 7, token: "abc".into() };
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"kind\":\"sign_in_link\""));
        assert_eq!(kind_of(&json).as_deref(), Some("sign_in_link"));
        assert!(AccountMail::KINDS.contains(&"sign_in_link"));
        assert_eq!(serde_json::from_str::<AccountMail>(&json).unwrap(), m);
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

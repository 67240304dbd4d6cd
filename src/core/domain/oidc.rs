//! Signing in with an identity provider: what can go wrong, in words for people. The
//! callback ends on `/auth/problem?code=…` with one of these codes; nothing is created
//! half-way.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// Unknown, used, expired or another browser's `state`.
    Expired,
    /// The person said no at the provider (or it answered with an error).
    Cancelled,
    /// The provider could not be reached, or its answer was not understood.
    Unreachable,
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce).
    BadToken,
    /// The provider gave no address, or one it has not verified.
    UnverifiedEmail,
    /// An account holds that address: sign in the usual way once, then link.
    EmailTaken,
    /// That provider identity belongs to another account.
    LinkedElsewhere,
    /// A link request, but the person is no longer signed in.
    NotSignedIn,
}

impl Problem {
    pub const ALL: [Problem; 8] = [
        Problem::Expired,
        Problem::Cancelled,
        Problem::Unreachable,
        Problem::BadToken,
        Problem::UnverifiedEmail,
        Problem::EmailTaken,
        Problem::LinkedElsewhere,
        Problem::NotSignedIn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Problem::Expired => "expired",
            Problem::Cancelled => "cancelled",
            Problem::Unreachable => "unreachable",
            Problem::BadToken => "bad_token",
            Problem::UnverifiedEmail => "unverified_email",
            Problem::EmailTaken => "email_taken",
            Problem::LinkedElsewhere => "linked_elsewhere",
            Problem::NotSignedIn => "not_signed_in",
        }
    }

    pub fn parse(code: &str) -> Option<Problem> {
        Problem::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Problem::Expired => {
                "That sign-in did not come from this browser, was already used, or took too long. Please start again."
            }
            Problem::Cancelled => "The sign-in was cancelled at the provider. Nothing was changed.",
            Problem::Unreachable => "We could not reach the provider just now. Please try again in a moment, or sign in another way.",
            Problem::BadToken => {
                "The provider's answer did not pass our security checks, so we did not sign you in. Please try again or sign in another way."
            }
            Problem::UnverifiedEmail => {
                "The provider did not give us an email address it has verified, so we can't create an account with it. Sign up with your email instead."
            }
            Problem::EmailTaken => {
                "An account already uses that email address. Log in the usual way (password or emailed link) once, then link the provider on your account page."
            }
            Problem::LinkedElsewhere => "That provider account is already linked to another Hearth account.",
            Problem::NotSignedIn => "Please log in first, then link the provider from your account page.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_round_trips_through_its_code() {
        for p in Problem::ALL {
            assert_eq!(Problem::parse(p.code()), Some(p));
            assert!(p.message().ends_with('.'));
        }
        assert_eq!(Problem::parse("nonsense"), None);
    }
}

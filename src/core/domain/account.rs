//! Account fields: display names and passwords, validated before anything is stored.
use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 60;

/// A person's display name: trimmed, 1 to 60 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("Please tell us your name.")]
    Empty,
    #[error("Please keep your name under 60 characters.")]
    TooLong,
    #[error("Your name contains characters we can't show.")]
    Invalid,
}

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, DisplayNameError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if s.chars().count() > DISPLAY_NAME_MAX_CHARS {
            return Err(DisplayNameError::TooLong);
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(DisplayNameError::Invalid);
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the rules. Deliberately not `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Your password needs at least 8 characters.")]
    TooShort,
    #[error("Your password can have at most 128 characters.")]
    TooLong,
}

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let n = input.chars().count();
        if n < PASSWORD_MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if n > PASSWORD_MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

const LOGIN_DELAY_CAP_SECS: i64 = 15 * 60;

/// How long an address must wait before its next password attempt: nothing for the first
/// `free` failures, then 1 s, 2 s, 4 s … (doubling, at most 15 minutes), counted from the
/// last failure. A slow-down, not a lock-out: emailed sign-in links are never held back.
pub fn login_wait_secs(failures: i64, free: i64, last_failure_at: i64, now: i64) -> i64 {
    let free = free.max(1);
    if failures < free {
        return 0;
    }
    let delay = (1i64 << (failures - free).clamp(0, 20)).min(LOGIN_DELAY_CAP_SECS);
    (last_failure_at + delay - now).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ann ").unwrap().as_str(), "Ann");
        assert_eq!(DisplayName::parse(" "), Err(DisplayNameError::Empty));
        assert_eq!(DisplayName::parse(&"x".repeat(61)), Err(DisplayNameError::TooLong));
        assert_eq!(DisplayName::parse("a\u{0007}b"), Err(DisplayNameError::Invalid));
        assert!(DisplayName::parse("Zoë 🎄").is_ok());
    }

    #[test]
    fn passwords_need_eight_to_128_characters() {
        assert_eq!(NewPassword::parse("short"), Err(PasswordError::TooShort));
        assert!(NewPassword::parse("long enough").is_ok());
        assert_eq!(NewPassword::parse(&"p".repeat(129)), Err(PasswordError::TooLong));
        assert_eq!(format!("{:?}", NewPassword::parse("secret-pass").unwrap()), "NewPassword(***)");
    }

    #[test]
    fn failed_logins_slow_down_exponentially_and_never_lock_out_for_long() {
        assert_eq!(login_wait_secs(9, 10, 1000, 1000), 0);
        assert_eq!(login_wait_secs(10, 10, 1000, 1000), 1);
        assert_eq!(login_wait_secs(11, 10, 1000, 1000), 2);
        assert_eq!(login_wait_secs(14, 10, 1000, 1000), 16);
        assert_eq!(login_wait_secs(14, 10, 1000, 1016), 0, "the wait runs from the last failure");
        assert_eq!(login_wait_secs(60, 10, 1000, 1000), 15 * 60, "capped at 15 minutes");
    }
}

/// What a person may do across Hearth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Member,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Self::Member),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

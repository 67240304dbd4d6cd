//! Deep links carried in email: what a link is for and where it lands.
use serde::{Deserialize, Serialize};

/// What opening an emailed link does once its button is pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkPurpose {
    /// Confirms the address, signs in, lands on the target.
    VerifyEmail,
    /// Signs in ("magic link"), lands on the target.
    SignIn,
    /// Lets the person choose a new password.
    ResetPassword,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::SignIn => "sign_in",
            Self::ResetPassword => "reset_password",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verify_email" => Some(Self::VerifyEmail),
            "sign_in" => Some(Self::SignIn),
            "reset_password" => Some(Self::ResetPassword),
            _ => None,
        }
    }

    /// How long a link of this kind stays valid, in seconds.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Self::VerifyEmail => 48 * 3600,
            Self::SignIn => 30 * 60,
            Self::ResetPassword => 60 * 60,
        }
    }
}

/// The state of a link as the person opening it sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Valid,
    Expired,
    Used,
}

/// Decides a link's state from its stored facts; `now` and `expires_at` are unix seconds.
pub fn link_state(used: bool, expires_at: i64, now: i64) -> LinkState {
    if used {
        LinkState::Used
    } else if now >= expires_at {
        LinkState::Expired
    } else {
        LinkState::Valid
    }
}

/// A path inside Hearth that it is safe to send a person to after signing in.
/// Rejects anything that could leave the site (`//evil.com`, `https://…`, `/\evil`).
pub fn safe_next_path(input: &str) -> Option<String> {
    let s = input.trim();
    let ok = s.starts_with('/')
        && !s.starts_with("//")
        && !s.starts_with("/\\")
        && s.len() <= 512
        && !s.chars().any(|c| c.is_control() || c == '\\');
    ok.then(|| s.to_string())
}

/// `next` if it is a safe in-site path, else the home page.
pub fn next_or_home(input: Option<&str>) -> String {
    input.and_then(safe_next_path).unwrap_or_else(|| "/".to_string())
}

/// Percent-encodes a value for a query string (`next=`, `email=`): letters, digits,
/// `-_.~` and `/` stay, everything else is `%XX`. Small and dependency-free, so pages in
/// both builds can use it.
pub fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_keep_paths_readable_and_escape_the_rest() {
        assert_eq!(query_value("/santa/3"), "/santa/3");
        assert_eq!(query_value("/santa/3?x=1&y"), "/santa/3%3Fx%3D1%26y");
        assert_eq!(query_value("a+b@example.com"), "a%2Bb%40example.com");
    }
    use proptest::prelude::*;

    #[test]
    fn a_used_link_is_used_even_when_expired() {
        assert_eq!(link_state(true, 10, 100), LinkState::Used);
        assert_eq!(link_state(false, 10, 100), LinkState::Expired);
        assert_eq!(link_state(false, 100, 10), LinkState::Valid);
        assert_eq!(link_state(false, 100, 100), LinkState::Expired);
    }

    #[test]
    fn next_paths_never_leave_the_site() {
        assert_eq!(safe_next_path("/santa/42/gift").as_deref(), Some("/santa/42/gift"));
        assert_eq!(safe_next_path("//evil.com"), None);
        assert_eq!(safe_next_path("https://evil.com"), None);
        assert_eq!(safe_next_path("/\\evil.com"), None);
        assert_eq!(safe_next_path("evil"), None);
        assert_eq!(next_or_home(None), "/");
    }

    #[test]
    fn purposes_round_trip_through_their_names() {
        for p in [LinkPurpose::VerifyEmail, LinkPurpose::SignIn, LinkPurpose::ResetPassword] {
            assert_eq!(LinkPurpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(LinkPurpose::parse("admin"), None);
    }

    proptest! {
        #[test]
        fn safe_paths_are_always_local(s in ".{0,40}") {
            if let Some(p) = safe_next_path(&s) {
                prop_assert!(p.starts_with('/'));
                prop_assert!(!p.starts_with("//"));
                prop_assert!(!p.contains('\\'));
            }
        }

        #[test]
        fn validity_flips_exactly_at_expiry(exp in 0i64..1_000_000, now in 0i64..1_000_000) {
            let s = link_state(false, exp, now);
            prop_assert_eq!(s == LinkState::Valid, now < exp);
        }
    }
}

//! Email addresses, parsed once at the edge.
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid, normalised (trimmed, lower-cased) email address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Please enter your email address.")]
    Empty,
    #[error("That email address is too long.")]
    TooLong,
    #[error("That doesn't look like an email address (it should look like name@example.com).")]
    Malformed,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Malformed);
        }
        Ok(Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Result<&str, EmailError>) {
        assert_eq!(EmailAddress::parse(input).as_ref().map(|e| e.as_str()), expected.as_ref().map(|s| *s));
    }

    #[test]
    fn valid_addresses_are_trimmed_and_lowercased() {
        check("  Ann@Example.COM ", Ok("ann@example.com"));
        check("a.b+tag@sub.example.org", Ok("a.b+tag@sub.example.org"));
    }

    #[test]
    fn malformed_addresses_are_rejected_with_a_reason() {
        check("", Err(EmailError::Empty));
        check("   ", Err(EmailError::Empty));
        check("ann", Err(EmailError::Malformed));
        check("ann@", Err(EmailError::Malformed));
        check("@example.com", Err(EmailError::Malformed));
        check("ann@example", Err(EmailError::Malformed));
        check("ann@@example.com", Err(EmailError::Malformed));
        check("an n@example.com", Err(EmailError::Malformed));
        check("ann@exa_mple.com", Err(EmailError::Malformed));
        check("<script>@x.com", Err(EmailError::Malformed));
        check(&format!("{}@example.com", "a".repeat(260)), Err(EmailError::TooLong));
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(local in "[a-zA-Z0-9._+-]{1,20}", domain in "[a-z0-9]{1,10}\\.[a-z]{2,5}") {
            if let Ok(e) = EmailAddress::parse(&format!("{local}@{domain}")) {
                let again = EmailAddress::parse(e.as_str()).unwrap();
                prop_assert_eq!(again, e);
            }
        }

        #[test]
        fn parse_never_panics(s in ".{0,300}") {
            let _ = EmailAddress::parse(&s);
        }
    }
}

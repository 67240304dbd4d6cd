//! Inviting people by address, for every gathering: a pasted list of addresses is split,
//! checked and de-duplicated here; the service side (who is registered, the daily budget
//! of mails to others, the signed links) is `server::invitations`.
use super::email::EmailAddress;
use super::links::query_value;

/// What came of a pasted list of addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressList {
    pub valid: Vec<EmailAddress>,
    pub duplicates: Vec<String>,
    pub invalid: Vec<String>,
}

/// Splits pasted addresses (one per line, or separated by commas, semicolons or spaces),
/// keeping the first of each address and reporting repeats and bad ones.
pub fn parse_address_list(input: &str) -> AddressList {
    let mut out = AddressList::default();
    for piece in input.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|p| !p.is_empty()) {
        let piece = piece.trim_matches(|c| c == '<' || c == '>');
        match EmailAddress::parse(piece) {
            Ok(e) if out.valid.contains(&e) => out.duplicates.push(e.to_string()),
            Ok(e) => out.valid.push(e),
            Err(_) => out.invalid.push(piece.chars().take(80).collect()),
        }
    }
    out
}

/// The path a newcomer's invitation links to: sign up with this address, then land on
/// `next` (the gathering's page).
pub fn newcomer_signup_path(email: &str, next: &str) -> String {
    format!("/signup?email={}&next={}", query_value(email), query_value(next))
}

/// What happened to each pasted address. Says nothing about who has an account.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InviteReport {
    /// Invited (mailed at once, or when the gathering is published).
    pub invited: Vec<String>,
    /// Already in the gathering or already invited.
    pub already: Vec<String>,
    pub duplicates: Vec<String>,
    pub invalid: Vec<String>,
    /// Addresses left out of the lists above to keep the report short.
    #[serde(default)]
    pub more: usize,
}

impl InviteReport {
    /// The report with at most `max_chars` of addresses: what went wrong first (not
    /// addresses, listed twice), then already invited, then invited; the rest counted.
    pub fn shortened(mut self, max_chars: usize) -> Self {
        let mut budget = max_chars;
        for list in [&mut self.invalid, &mut self.duplicates, &mut self.already, &mut self.invited] {
            let mut kept = 0;
            for a in list.iter() {
                if a.len() + 3 > budget {
                    break;
                }
                budget -= a.len() + 3;
                kept += 1;
            }
            self.more += list.len() - kept;
            list.truncate(kept);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, proptest};

    #[test]
    fn pasted_addresses_are_split_deduplicated_and_checked() {
        let l =
            parse_address_list("ann@example.com, bob@example.com\nANN@example.com;not-an-address  <cy@example.org>");
        let valid: Vec<&str> = l.valid.iter().map(|e| e.as_str()).collect();
        assert_eq!(valid, ["ann@example.com", "bob@example.com", "cy@example.org"]);
        assert_eq!(l.duplicates, ["ann@example.com"]);
        assert_eq!(l.invalid, ["not-an-address"]);
    }

    #[test]
    fn a_newcomer_link_carries_the_address_encoded() {
        assert_eq!(
            newcomer_signup_path("a+b@example.com", "/santa/2"),
            "/signup?email=a%2Bb%40example.com&next=/santa/2"
        );
    }

    proptest! {
        #[test]
        fn every_valid_address_appears_once(list in proptest::collection::vec("[a-c]{1,2}@ex\\.com", 0..20)) {
            let l = parse_address_list(&list.join(","));
            let mut v: Vec<_> = l.valid.iter().map(|e| e.as_str().to_string()).collect();
            let n = v.len();
            v.sort();
            v.dedup();
            prop_assert!(v.len() == n);
            prop_assert!(l.valid.len() + l.duplicates.len() == list.len());
        }
    }
}

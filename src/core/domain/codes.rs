//! Codes people type (gift codes, invitation codes). Unguessable (75 random bits),
//! grouped for reading aloud, without look-alike characters (Crockford's base 32), with a
//! check symbol (Luhn mod 32) so a typo is caught before any database lookup. Stored only
//! as a hash; the last group is shown to tell codes apart.
use rand::Rng;

/// Crockford's base 32: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random symbols in a code (75 bits); one check symbol follows.
const RANDOM_LEN: usize = 15;
pub const CODE_LEN: usize = RANDOM_LEN + 1;

/// A typable code, canonical: 16 symbols, the last a check symbol (Luhn mod 32).
#[derive(Clone, PartialEq, Eq)]
pub struct TypableCode(String);

impl std::fmt::Debug for TypableCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypableCode(…{})", self.hint())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("Please type the code.")]
    Empty,
    #[error("A code has 16 letters and digits (like ABCD-EFGH-JKMN-PQRS); this one has {0}.")]
    WrongLength(usize),
    #[error("A code has no \"{0}\": please check that character.")]
    BadCharacter(char),
    #[error("That code has a typo: please check it letter by letter.")]
    Typo,
}

fn value_of(c: char) -> Option<u32> {
    // Look-alikes read as what they resemble (Crockford): O is zero, I and L are one.
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET.iter().position(|&a| a as char == c).map(|p| p as u32)
}

/// Luhn mod 32 check symbol of `values`.
fn check_symbol(values: &[u32]) -> u32 {
    let mut factor = 2;
    let mut sum = 0;
    for &v in values.iter().rev() {
        let addend = factor * v;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / 32 + addend % 32;
    }
    (32 - sum % 32) % 32
}

impl TypableCode {
    /// A new random code.
    pub fn generate(rng: &mut impl Rng) -> Self {
        let values: Vec<u32> = (0..RANDOM_LEN).map(|_| rng.gen_range(0..32u32)).collect();
        let check = check_symbol(&values);
        Self(values.iter().chain(std::iter::once(&check)).map(|&v| ALPHABET[v as usize] as char).collect())
    }

    /// What a person typed: any case, spaces and dashes anywhere, O/I/L for 0/1/1. The
    /// check symbol catches a mistyped character before any lookup.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let symbols: Vec<char> = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if symbols.is_empty() {
            return Err(CodeError::Empty);
        }
        if symbols.len() != CODE_LEN {
            return Err(CodeError::WrongLength(symbols.len()));
        }
        let mut values = Vec::with_capacity(CODE_LEN);
        for c in symbols {
            values.push(value_of(c).ok_or(CodeError::BadCharacter(c))?);
        }
        let (body, check) = values.split_at(RANDOM_LEN);
        if check_symbol(body) != check[0] {
            return Err(CodeError::Typo);
        }
        Ok(Self(values.iter().map(|&v| ALPHABET[v as usize] as char).collect()))
    }

    /// Canonical form (what is hashed for lookups): 16 symbols, no dashes.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// For people: four groups of four, "ABCD-EFGH-JKMN-PQRS".
    pub fn grouped(&self) -> String {
        self.0.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
    }

    /// The last group, shown to tell codes apart without revealing them.
    pub fn hint(&self) -> String {
        self.0.chars().skip(CODE_LEN - 4).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    #[test]
    fn codes_are_grouped_and_read_back_forgivingly() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let code = TypableCode::generate(&mut rng);
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 19);
        assert_eq!(grouped.matches('-').count(), 3);
        assert!(!grouped.contains(['I', 'L', 'O', 'U']));
        assert_eq!(TypableCode::parse(&grouped), Ok(code.clone()));
        assert_eq!(TypableCode::parse(&grouped.to_lowercase().replace('-', " ")), Ok(code.clone()));
        assert_eq!(TypableCode::parse(""), Err(CodeError::Empty));
        assert_eq!(TypableCode::parse("ABCD-EFGH"), Err(CodeError::WrongLength(8)));
        assert_eq!(TypableCode::parse("ABCD-EFGH-JKMN-PQR!"), Err(CodeError::BadCharacter('!')));
        assert_eq!(TypableCode::parse("ABCD-EFGH-JKMN-PQRU"), Err(CodeError::BadCharacter('U')));
        assert!(!format!("{code:?}").contains(code.canonical()), "Debug does not print the secret");
    }

    proptest! {
        #[test]
        fn every_single_typo_is_caught(seed in any::<u64>(), at in 0usize..CODE_LEN, with in 0usize..32) {
            let code = TypableCode::generate(&mut rand::rngs::StdRng::seed_from_u64(seed));
            let mut chars: Vec<char> = code.canonical().chars().collect();
            let typed = ALPHABET[with] as char;
            prop_assume!(chars[at] != typed);
            chars[at] = typed;
            let typo: String = chars.into_iter().collect();
            prop_assert_eq!(TypableCode::parse(&typo), Err(CodeError::Typo));
        }

        #[test]
        fn swapping_two_neighbours_is_almost_always_caught(seed in any::<u64>(), at in 0usize..CODE_LEN - 1) {
            let code = TypableCode::generate(&mut rand::rngs::StdRng::seed_from_u64(seed));
            let mut chars: Vec<char> = code.canonical().chars().collect();
            prop_assume!(chars[at] != chars[at + 1]);
            // Luhn mod N misses exactly one transposition pair (the two symbols whose
            // doubled values wrap into each other); every other swap is a typo.
            let (a, b) = (value_of(chars[at]).unwrap_or(0), value_of(chars[at + 1]).unwrap_or(0));
            prop_assume!(!((a == 0 && b == 31) || (a == 31 && b == 0)));
            chars.swap(at, at + 1);
            let typo: String = chars.into_iter().collect();
            prop_assert_eq!(TypableCode::parse(&typo), Err(CodeError::Typo));
        }
    }
}

//! Money: integer amounts in minor units (cents) of an ISO 4217 currency. No floating
//! point: amounts are typed as text and parsed digit by digit, added with checked
//! arithmetic, and formatted for the viewer's locale.
use serde::{Deserialize, Serialize};

/// The currencies the site can run in (one per site, from configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Eur,
    Usd,
    Gbp,
    Chf,
    Sek,
    Nok,
    Dkk,
    Pln,
    Cad,
    Aud,
    Jpy,
}

impl Currency {
    pub const ALL: [Currency; 11] = [
        Self::Eur,
        Self::Usd,
        Self::Gbp,
        Self::Chf,
        Self::Sek,
        Self::Nok,
        Self::Dkk,
        Self::Pln,
        Self::Cad,
        Self::Aud,
        Self::Jpy,
    ];

    /// The ISO 4217 code, e.g. "EUR".
    pub fn code(self) -> &'static str {
        match self {
            Self::Eur => "EUR",
            Self::Usd => "USD",
            Self::Gbp => "GBP",
            Self::Chf => "CHF",
            Self::Sek => "SEK",
            Self::Nok => "NOK",
            Self::Dkk => "DKK",
            Self::Pln => "PLN",
            Self::Cad => "CAD",
            Self::Aud => "AUD",
            Self::Jpy => "JPY",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }

    /// Digits after the decimal separator (2 for euros, 0 for yen).
    pub fn exponent(self) -> u32 {
        match self {
            Self::Jpy => 0,
            _ => 2,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Self::Eur => "€",
            Self::Usd => "$",
            Self::Gbp => "£",
            Self::Jpy => "¥",
            Self::Chf => "CHF",
            Self::Sek => "kr",
            Self::Nok => "kr",
            Self::Dkk => "kr.",
            Self::Pln => "zł",
            Self::Cad => "CA$",
            Self::Aud => "A$",
        }
    }

    /// Minor units in one major unit (100 for euros).
    pub fn scale(self) -> i64 {
        10_i64.pow(self.exponent())
    }
}

/// The largest amount a person may type for a price or a voucher: 100 000 major units.
pub const MAX_MAJOR: i64 = 100_000;

/// An amount of money: minor units of a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Please type an amount.")]
    Empty,
    #[error("Type the amount with digits only, like {example}.")]
    NotANumber { example: String },
    #[error("An amount in {code} has at most {digits} digits after the decimal separator.")]
    TooPrecise { code: &'static str, digits: u32 },
    #[error("The amount must be more than zero.")]
    NotPositive,
    #[error("That amount is too large (at most {max}).")]
    TooLarge { max: String },
    #[error("Those amounts are in different currencies.")]
    CurrencyMismatch,
    #[error("That amount is too large to compute.")]
    Overflow,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        self.minor.checked_add(other.minor).map(|m| Money::new(m, self.currency)).ok_or(MoneyError::Overflow)
    }

    /// Parses what a person typed as a positive amount, at most [`MAX_MAJOR`]: "8",
    /// "8.5", "8,50", "€8.00", "8 EUR". One decimal separator (point or comma), no
    /// thousands separators, at most the currency's decimals.
    pub fn parse_positive(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let mut s = input.trim().to_string();
        for sign in [currency.code(), currency.symbol(), &currency.code().to_lowercase()] {
            s = s.replace(sign, "");
        }
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let example = Money::new(8 * currency.scale() + currency.scale() / 2, currency).plain();
        let not_a_number = || MoneyError::NotANumber { example: example.clone() };
        if s.starts_with('-') {
            return Err(MoneyError::NotPositive);
        }
        let (whole, fraction) = match s.find(['.', ',']) {
            Some(i) => (&s[..i], &s[i + 1..]),
            None => (s.as_str(), ""),
        };
        let digits_only = |t: &str| t.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits_only(whole) || !digits_only(fraction) {
            return Err(not_a_number());
        }
        let exponent = currency.exponent();
        if fraction.len() > exponent as usize {
            return Err(MoneyError::TooPrecise { code: currency.code(), digits: exponent });
        }
        let too_large = || MoneyError::TooLarge { max: Money::new(MAX_MAJOR * currency.scale(), currency).plain() };
        // More than 7 significant digits before the separator is over the limit anyway.
        let whole = whole.trim_start_matches('0');
        if whole.len() > 7 {
            return Err(too_large());
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| not_a_number())? };
        let mut frac: i64 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| not_a_number())? };
        for _ in fraction.len()..exponent as usize {
            frac *= 10;
        }
        let minor = whole * currency.scale() + frac;
        if minor <= 0 {
            return Err(MoneyError::NotPositive);
        }
        if minor > MAX_MAJOR * currency.scale() {
            return Err(too_large());
        }
        Ok(Money::new(minor, currency))
    }

    /// The amount as a form field shows it: "8.50" (no symbol, point separator).
    pub fn plain(&self) -> String {
        let (whole, frac) = self.split();
        let sign = if self.minor < 0 { "-" } else { "" };
        if self.currency.exponent() == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac:0width$}", width = self.currency.exponent() as usize)
        }
    }

    fn split(&self) -> (u64, u64) {
        let abs = self.minor.unsigned_abs();
        let scale = self.currency.scale() as u64;
        (abs / scale, abs % scale)
    }

    /// The amount for a reader in `locale`: "€1,234.50" (English), "1.234,50 €" (German).
    pub fn format(&self, locale: Locale) -> String {
        let style = locale.style();
        let (whole, frac) = self.split();
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(style.group);
            }
            grouped.push(c);
        }
        let number = if self.currency.exponent() == 0 {
            grouped
        } else {
            format!("{grouped}{}{frac:0width$}", style.decimal, width = self.currency.exponent() as usize)
        };
        let sign = if self.minor < 0 { "-" } else { "" };
        let symbol = self.currency.symbol();
        if style.symbol_after {
            format!("{sign}{number}\u{a0}{symbol}")
        } else if symbol.chars().all(|c| c.is_ascii_alphabetic()) {
            format!("{sign}{symbol}\u{a0}{number}")
        } else {
            format!("{sign}{symbol}{number}")
        }
    }
}

/// How numbers are written for a reader: chosen from their browser's languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Locale {
    /// "€1,234.50"
    #[default]
    English,
    /// "1.234,50 €" (German, Dutch, Spanish, Italian, Portuguese, Danish, …)
    ContinentalDot,
    /// "1 234,50 €" (French, Swedish, Norwegian, Finnish, Polish, Czech, …)
    ContinentalSpace,
    /// "€1'234.50" (Swiss German)
    Swiss,
}

struct NumberStyle {
    decimal: char,
    group: char,
    symbol_after: bool,
}

impl Locale {
    fn style(self) -> NumberStyle {
        match self {
            Self::English => NumberStyle { decimal: '.', group: ',', symbol_after: false },
            Self::ContinentalDot => NumberStyle { decimal: ',', group: '.', symbol_after: true },
            Self::ContinentalSpace => NumberStyle { decimal: ',', group: '\u{202f}', symbol_after: true },
            Self::Swiss => NumberStyle { decimal: '.', group: '\'', symbol_after: false },
        }
    }

    /// The locale for an `Accept-Language` header: its first language we write numbers for.
    pub fn from_accept_language(header: &str) -> Self {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            let mut pieces = tag.split(['-', '_']);
            let lang = pieces.next().unwrap_or("");
            let region = pieces.next().unwrap_or("");
            let found = match lang {
                "en" | "ja" | "zh" | "ko" | "he" | "th" | "ga" => Some(Self::English),
                "de" if region == "ch" || region == "li" => Some(Self::Swiss),
                "de" | "nl" | "es" | "it" | "pt" | "da" | "id" | "tr" | "el" | "ro" | "hr" | "sl" | "sr" => {
                    Some(Self::ContinentalDot)
                }
                "fr" | "sv" | "nb" | "nn" | "no" | "fi" | "pl" | "cs" | "sk" | "ru" | "uk" | "hu" | "bg" | "lt"
                | "lv" | "et" => Some(Self::ContinentalSpace),
                _ => None,
            };
            if let Some(locale) = found {
                return locale;
            }
        }
        Self::English
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
    fn what_people_type_is_parsed_without_floating_point() {
        assert_eq!(Money::parse_positive("8", Currency::Eur), Ok(eur(800)));
        assert_eq!(Money::parse_positive(" 8.5 ", Currency::Eur), Ok(eur(850)));
        assert_eq!(Money::parse_positive("8,05", Currency::Eur), Ok(eur(805)));
        assert_eq!(Money::parse_positive("€ 0.10", Currency::Eur), Ok(eur(10)));
        assert_eq!(Money::parse_positive("12 EUR", Currency::Eur), Ok(eur(1200)));
        assert_eq!(Money::parse_positive(".5", Currency::Eur), Ok(eur(50)));
        assert_eq!(Money::parse_positive("1500", Currency::Jpy), Ok(Money::new(1500, Currency::Jpy)));
        assert_eq!(Money::parse_positive("0.1", Currency::Eur), Ok(eur(10)));
        // 0.1 + 0.2 is exactly 0.3 here.
        let sum = eur(10).checked_add(Money::parse_positive("0.2", Currency::Eur).unwrap_or(eur(0)));
        assert_eq!(sum, Ok(eur(30)));
    }

    #[test]
    fn bad_amounts_are_refused_with_a_reason() {
        assert_eq!(Money::parse_positive("", Currency::Eur), Err(MoneyError::Empty));
        assert_eq!(Money::parse_positive("-5", Currency::Eur), Err(MoneyError::NotPositive));
        assert_eq!(Money::parse_positive("0", Currency::Eur), Err(MoneyError::NotPositive));
        assert_eq!(Money::parse_positive("0.00", Currency::Eur), Err(MoneyError::NotPositive));
        assert!(matches!(Money::parse_positive("8.505", Currency::Eur), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(Money::parse_positive("8.5", Currency::Jpy), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(Money::parse_positive("eight", Currency::Eur), Err(MoneyError::NotANumber { .. })));
        assert!(matches!(Money::parse_positive("1,000.50", Currency::Eur), Err(MoneyError::NotANumber { .. })));
        assert!(matches!(Money::parse_positive("1e3", Currency::Eur), Err(MoneyError::NotANumber { .. })));
        assert!(matches!(Money::parse_positive("100000.01", Currency::Eur), Err(MoneyError::TooLarge { .. })));
        assert!(matches!(
            Money::parse_positive("99999999999999999999999", Currency::Eur),
            Err(MoneyError::TooLarge { .. })
        ));
        assert_eq!(Money::parse_positive("100000", Currency::Eur), Ok(eur(10_000_000)));
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(1).checked_add(Money::new(1, Currency::Usd)), Err(MoneyError::CurrencyMismatch));
    }

    #[test]
    fn amounts_are_written_as_the_reader_writes_them() {
        assert_eq!(eur(123_450).format(Locale::English), "€1,234.50");
        assert_eq!(eur(123_450).format(Locale::ContinentalDot), "1.234,50\u{a0}€");
        assert_eq!(eur(800).format(Locale::ContinentalSpace), "8,00\u{a0}€");
        assert_eq!(eur(-800).format(Locale::English), "-€8.00");
        assert_eq!(Money::new(1500, Currency::Jpy).format(Locale::English), "¥1,500");
        assert_eq!(Money::new(2000, Currency::Chf).format(Locale::Swiss), "CHF\u{a0}20.00");
        assert_eq!(eur(5).plain(), "0.05");
        assert_eq!(Locale::from_accept_language("de-DE,de;q=0.9,en;q=0.8"), Locale::ContinentalDot);
        assert_eq!(Locale::from_accept_language("fr-CH, fr;q=0.9"), Locale::ContinentalSpace);
        assert_eq!(Locale::from_accept_language("de-CH"), Locale::Swiss);
        assert_eq!(Locale::from_accept_language("xx, en-GB"), Locale::English);
        assert_eq!(Locale::from_accept_language(""), Locale::English);
        assert_eq!(Currency::from_code("eur"), Some(Currency::Eur));
        assert_eq!(Currency::from_code("XYZ"), None);
    }

    proptest! {
        #[test]
        fn a_plain_amount_parses_back_to_itself(minor in 1i64..=10_000_000, c in 0usize..11) {
            let currency = Currency::ALL[c];
            let money = Money::new(minor.min(MAX_MAJOR * currency.scale()), currency);
            prop_assert_eq!(Money::parse_positive(&money.plain(), currency), Ok(money));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Money::parse_positive(&s, Currency::Eur);
        }
    }
}

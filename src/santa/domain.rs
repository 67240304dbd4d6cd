//! Secret Santa exchanges: states, the texts people type, invitation lists, reveal times,
//! and emoji gifts. The draw itself is in `santa`.
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExchangeState {
    /// Members are joining; the creator may invite, remove and set exclusions.
    Gathering,
    /// Names are drawn; givers choose their gifts until the reveal.
    Drawn,
    /// Presents are open.
    Revealed,
}

impl ExchangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gathering => "gathering",
            Self::Drawn => "drawn",
            Self::Revealed => "revealed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "gathering" => Some(Self::Gathering),
            "drawn" => Some(Self::Drawn),
            "revealed" => Some(Self::Revealed),
            _ => None,
        }
    }
}

pub use crate::core::domain::text::{plain_text, TextError};

pub const NAME_MAX: usize = 80;
pub const NOTE_MAX: usize = 140;
pub const DESCRIPTION_MAX: usize = 1000;
pub const MESSAGE_MAX: usize = 280;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RevealTimeError {
    #[error("Please choose when the presents open.")]
    Missing,
    #[error("The reveal time must be in the future.")]
    InThePast,
    #[error("The reveal time can be at most a year ahead.")]
    TooFar,
    #[error("That time does not exist in your time zone (the clocks skip it); please pick another.")]
    Nonexistent,
}

pub const REVEAL_MAX_AHEAD_SECS: i64 = 366 * 24 * 3600;

/// Checks a reveal time (unix seconds) against now.
pub fn check_reveal_at(reveal_at: i64, now: i64) -> Result<i64, RevealTimeError> {
    if reveal_at <= now {
        Err(RevealTimeError::InThePast)
    } else if reveal_at > now + REVEAL_MAX_AHEAD_SECS {
        Err(RevealTimeError::TooFar)
    } else {
        Ok(reveal_at)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmojiError {
    #[error("Please pick an emoji for your gift.")]
    Empty,
    #[error("A gift is exactly one emoji: pick one from the list.")]
    NotOneEmoji,
}

/// Exactly one emoji (one grapheme that Unicode lists as an emoji, skin tones included).
pub fn parse_gift_emoji(input: &str) -> Result<String, EmojiError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(EmojiError::Empty);
    }
    if s.graphemes(true).count() != 1 {
        return Err(EmojiError::NotOneEmoji);
    }
    let known = emojis::get(s).is_some() || emojis::get(&format!("{s}\u{fe0f}")).is_some();
    if !known {
        return Err(EmojiError::NotOneEmoji);
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert, proptest};

    #[test]
    fn texts_refuse_markup_and_overlong_input() {
        assert_eq!(plain_text("  Office party ", "The name", 80, true, false).as_deref(), Ok("Office party"));
        assert_eq!(plain_text("", "The name", 80, true, false), Err(TextError::Empty("The name")));
        assert_eq!(
            plain_text("<script>alert(1)</script>", "The message", 280, true, true),
            Err(TextError::Markup("The message"))
        );
        assert_eq!(
            plain_text(&"x".repeat(281), "The message", 280, true, true),
            Err(TextError::TooLong("The message", 280))
        );
        assert!(plain_text("line one\nline two", "The message", 280, true, true).is_ok());
        assert!(plain_text("line one\nline two", "The name", 80, true, false).is_err());
    }

    #[test]
    fn a_gift_is_exactly_one_emoji() {
        assert_eq!(parse_gift_emoji("🎁").as_deref(), Ok("🎁"));
        assert!(parse_gift_emoji("👍🏽").is_ok(), "skin tones are one emoji");
        assert!(parse_gift_emoji("👨‍👩‍👧").is_ok(), "a ZWJ family is one emoji");
        assert!(parse_gift_emoji("❤").is_ok(), "text-style heart");
        assert_eq!(parse_gift_emoji(""), Err(EmojiError::Empty));
        assert_eq!(parse_gift_emoji("🎁🎄"), Err(EmojiError::NotOneEmoji));
        assert_eq!(parse_gift_emoji("a"), Err(EmojiError::NotOneEmoji));
        assert_eq!(parse_gift_emoji("socks"), Err(EmojiError::NotOneEmoji));
        assert_eq!(parse_gift_emoji("<b>"), Err(EmojiError::NotOneEmoji));
    }

    #[test]
    fn reveal_times_are_in_the_coming_year() {
        assert_eq!(check_reveal_at(100, 100), Err(RevealTimeError::InThePast));
        assert_eq!(check_reveal_at(101, 100), Ok(101));
        assert_eq!(check_reveal_at(100 + REVEAL_MAX_AHEAD_SECS + 1, 100), Err(RevealTimeError::TooFar));
    }

    #[test]
    fn states_round_trip() {
        for s in [ExchangeState::Gathering, ExchangeState::Drawn, ExchangeState::Revealed] {
            assert_eq!(ExchangeState::parse(s.as_str()), Some(s));
        }
    }

    proptest! {
        #[test]
        fn parsed_texts_never_contain_markup(s in ".{0,300}") {
            if let Ok(t) = plain_text(&s, "x", 280, false, true) {
                prop_assert!(!t.contains('<') && !t.contains('>'));
                prop_assert!(t.chars().count() <= 280);
            }
        }

    }
}

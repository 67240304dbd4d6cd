//! Lunches, pure: the names admins give food types and locations, invitation codes, the
//! lunch's lifecycle (a typed state machine: which step leads where), how answers settle
//! a lunch, and a review. No IO.
use crate::core::domain::codes::{CodeError, TypableCode};
use serde::{Deserialize, Serialize};

/// The sizes of a lunch the matching proposes, unless a lunch says otherwise.
pub const DEFAULT_MIN: usize = 2;
pub const DEFAULT_MAX: usize = 3;
/// People must be free together at least this long (seconds).
pub const MIN_OVERLAP_SECS: i64 = 45 * 60;
/// No two people are proposed together again within this many days of a lunch.
pub const NO_REPEAT_DAYS: i64 = 30;

/// A name an admin gives (food type or location): trimmed, 1..=40 characters, no control
/// characters. Unique without regard to case (`key`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(String);

pub const NAME_MAX: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Please type a name.")]
    Empty,
    #[error("A name can be at most 40 characters; this one has {0}.")]
    TooLong(usize),
    #[error("A name can't contain line breaks or control characters.")]
    Control,
}

impl Name {
    pub fn parse(input: &str) -> Result<Name, NameError> {
        let s: String = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if input.chars().any(|c| c.is_control() && c != '\t') {
            return Err(NameError::Control);
        }
        let n = s.chars().count();
        if n > NAME_MAX {
            return Err(NameError::TooLong(n));
        }
        Ok(Name(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What uniqueness is checked on: "Vegan" and "vegan " are the same name.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An invitation code: the core's typable code (unguessable, check symbol, one use).
pub type InvitationCode = TypableCode;

pub fn parse_code(input: &str) -> Result<InvitationCode, CodeError> {
    TypableCode::parse(input)
}

/// Invitation codes a member may create per day, and how long one stays valid.
pub const CODES_PER_DAY: i64 = 5;
pub const CODE_VALID_DAYS: i64 = 14;

/// Where a lunch is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LunchState {
    /// Proposed by the matching; waiting for enough people to accept.
    Proposed,
    /// Enough people accepted: it happens.
    Confirmed,
    /// It happened; attendees are asked for their review.
    AwaitingEvaluation,
    /// Reviewed (or the time to review is over).
    Done,
    /// It can no longer reach its minimum (declines, or its time came unconfirmed).
    Rejected,
}

/// What moves a lunch from one state to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The minimum has accepted.
    Confirm,
    /// Too few can still come (or the slot began while only proposed).
    Reject,
    /// The slot ended.
    SlotEnded,
    /// Every attendee reviewed, or the review time is over.
    Close,
}

impl LunchState {
    pub const ALL: [LunchState; 5] =
        [Self::Proposed, Self::Confirmed, Self::AwaitingEvaluation, Self::Done, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Confirmed => "confirmed",
            Self::AwaitingEvaluation => "awaiting_evaluation",
            Self::Done => "done",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "Proposed",
            Self::Confirmed => "Confirmed",
            Self::AwaitingEvaluation => "Waiting for reviews",
            Self::Done => "Done",
            Self::Rejected => "Called off",
        }
    }

    /// The state a step leads to, if the step is allowed from here.
    pub fn after(self, step: Step) -> Option<LunchState> {
        use LunchState::*;
        match (self, step) {
            (Proposed, Step::Confirm) => Some(Confirmed),
            (Proposed | Confirmed, Step::Reject) => Some(Rejected),
            (Confirmed, Step::SlotEnded) => Some(AwaitingEvaluation),
            (AwaitingEvaluation, Step::Close) => Some(Done),
            _ => None,
        }
    }

    /// Still ahead: people may answer (until the slot starts).
    pub fn open(self) -> bool {
        matches!(self, Self::Proposed | Self::Confirmed)
    }
}

/// An attendee's answer to a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Pending,
    Accepted,
    Declined,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Accepted, Self::Declined].into_iter().find(|a| a.as_str() == s)
    }
}

/// What the answers of a lunch's attendees make of it: the step to take, if any.
/// `accepted` and `pending` count attendees; `min` is the lunch's minimum.
pub fn settle(state: LunchState, min: usize, accepted: usize, pending: usize) -> Option<Step> {
    match state {
        LunchState::Proposed if accepted >= min => Some(Step::Confirm),
        LunchState::Proposed | LunchState::Confirmed if accepted + pending < min => Some(Step::Reject),
        _ => None,
    }
}

/// The step due when the clock reaches the slot's start or end.
pub fn on_clock(state: LunchState, started: bool, ended: bool) -> Option<Step> {
    match state {
        // Nobody can still accept once it has begun.
        LunchState::Proposed if started => Some(Step::Reject),
        LunchState::Confirmed if ended => Some(Step::SlotEnded),
        _ => None,
    }
}

/// First initial of a display name for the public feed ("Ann Lee" → "A."); "?" for none.
pub fn initial(display_name: &str) -> String {
    display_name
        .trim()
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| format!("{}.", c.to_uppercase()))
        .unwrap_or_else(|| "?".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_bounded_and_unique_without_case() {
        assert_eq!(Name::parse("  Vegan  ").unwrap().as_str(), "Vegan");
        assert_eq!(Name::parse("Thai   food").unwrap().as_str(), "Thai food");
        assert_eq!(Name::parse("VEGAN").unwrap().key(), Name::parse("vegan").unwrap().key());
        assert_eq!(Name::parse("   "), Err(NameError::Empty));
        assert_eq!(Name::parse(&"x".repeat(41)), Err(NameError::TooLong(41)));
        assert!(Name::parse(&"é".repeat(40)).is_ok());
        assert_eq!(Name::parse("a\nb"), Err(NameError::Control));
    }

    #[test]
    fn the_lifecycle_allows_only_its_arrows() {
        use LunchState::*;
        assert_eq!(Proposed.after(Step::Confirm), Some(Confirmed));
        assert_eq!(Proposed.after(Step::Reject), Some(Rejected));
        assert_eq!(Confirmed.after(Step::Reject), Some(Rejected));
        assert_eq!(Confirmed.after(Step::SlotEnded), Some(AwaitingEvaluation));
        assert_eq!(AwaitingEvaluation.after(Step::Close), Some(Done));
        assert_eq!(Proposed.after(Step::SlotEnded), None);
        assert_eq!(Confirmed.after(Step::Confirm), None);
        for s in [Done, Rejected] {
            for step in [Step::Confirm, Step::Reject, Step::SlotEnded, Step::Close] {
                assert_eq!(s.after(step), None, "{s:?} is final");
            }
        }
        for s in LunchState::ALL {
            assert_eq!(LunchState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn answers_settle_a_lunch() {
        use LunchState::*;
        assert_eq!(settle(Proposed, 2, 1, 2), None);
        assert_eq!(settle(Proposed, 2, 2, 1), Some(Step::Confirm));
        assert_eq!(settle(Proposed, 2, 1, 0), Some(Step::Reject));
        assert_eq!(settle(Confirmed, 2, 3, 0), None);
        assert_eq!(settle(Confirmed, 2, 1, 0), Some(Step::Reject));
        assert_eq!(settle(Done, 2, 0, 0), None);
        assert_eq!(on_clock(Proposed, true, false), Some(Step::Reject));
        assert_eq!(on_clock(Confirmed, true, false), None);
        assert_eq!(on_clock(Confirmed, true, true), Some(Step::SlotEnded));
    }

    #[test]
    fn the_feed_shows_initials_only() {
        assert_eq!(initial("ann lee"), "A.");
        assert_eq!(initial("  Émile"), "É.");
        assert_eq!(initial(""), "?");
    }

    proptest! {
        /// Whatever the answers, a step settle proposes is one the state machine allows.
        #[test]
        fn settle_only_takes_allowed_steps(min in 2usize..4, accepted in 0usize..5, pending in 0usize..5, s in 0usize..5) {
            let state = LunchState::ALL[s];
            if let Some(step) = settle(state, min, accepted, pending) {
                prop_assert!(state.after(step).is_some());
            }
        }
    }
}

//! Virtual events, the pure rules: what an organizer may type, when each action is
//! allowed, where an event is in time, and RSVPs with an optional capacity and a
//! waitlist. No IO: the store applies the same rules inside its write transactions.
use crate::core::domain::text::{plain_text, TextError};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

pub const TITLE_MAX: usize = 120;
/// Short enough to share with a link.
pub const DESCRIPTION_MAX: usize = 280;
pub const LINK_MAX: usize = 500;
/// An event starts at most two years ahead.
pub const MAX_AHEAD_SECS: i64 = 2 * 366 * 24 * 3600;
pub const DURATION_MAX_MINUTES: i64 = 24 * 60;
/// The online link shows to invitees from this long before the start.
pub const LINK_SHOWN_BEFORE_SECS: i64 = 15 * 60;
/// The organizer's roster is mailed this long before the start.
pub const ROSTER_BEFORE_SECS: i64 = 3600;

/// What is stored. Upcoming, live and past are derived from the clock (`Phase`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventState {
    /// Only the organizer sees it.
    Draft,
    /// Invitees are mailed and may answer.
    Published,
    /// Called off; attendees were told.
    Cancelled,
}

impl EventState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// Where an event is, for a viewer at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Draft,
    Upcoming,
    Live,
    Past,
    Cancelled,
}

/// An event's schedule: start (unix seconds, UTC) and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub start: i64,
    pub duration_minutes: i64,
}

impl Schedule {
    pub fn end(self) -> i64 {
        self.start + self.duration_minutes * 60
    }

    pub fn phase(self, state: EventState, now: i64) -> Phase {
        match state {
            EventState::Draft => Phase::Draft,
            EventState::Cancelled => Phase::Cancelled,
            EventState::Published if now < self.start => Phase::Upcoming,
            EventState::Published if now < self.end() => Phase::Live,
            EventState::Published => Phase::Past,
        }
    }

    /// The online link shows to invitees from 15 minutes before the start to the end.
    pub fn link_visible(self, now: i64) -> bool {
        now >= self.start - LINK_SHOWN_BEFORE_SECS && now < self.end()
    }

    /// When the organizer's roster is due: an hour before the start, or at once when that
    /// hour has already begun.
    pub fn roster_at(self, now: i64) -> i64 {
        (self.start - ROSTER_BEFORE_SECS).max(now)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("Please choose when the event starts.")]
    Missing,
    #[error("The start must be in the future.")]
    InThePast,
    #[error("The start can be at most two years ahead.")]
    TooFar,
    #[error("That time does not exist in your time zone (the clocks skip it); please pick another.")]
    Nonexistent,
    #[error("The duration must be between 1 minute and 24 hours.")]
    BadDuration,
}

/// Checks a new start (unix seconds) and duration against now.
pub fn check_schedule(start: i64, duration_minutes: i64, now: i64) -> Result<Schedule, ScheduleError> {
    if start <= now {
        return Err(ScheduleError::InThePast);
    }
    if start > now + MAX_AHEAD_SECS {
        return Err(ScheduleError::TooFar);
    }
    if !(1..=DURATION_MAX_MINUTES).contains(&duration_minutes) {
        return Err(ScheduleError::BadDuration);
    }
    Ok(Schedule { start, duration_minutes })
}

pub fn check_title(input: &str) -> Result<String, TextError> {
    plain_text(input, "The title", TITLE_MAX, true, false)
}

/// A line break counts as one character (browsers send it as two, CR LF).
pub fn check_description(input: &str) -> Result<String, TextError> {
    plain_text(&input.replace("\r\n", "\n"), "The description", DESCRIPTION_MAX, false, true)
}

/// The largest capacity (a small gathering's app; a typo of extra zeros is caught).
pub const CAPACITY_MAX: u32 = 10_000;

/// The capacity field: empty for no limit, else a whole number from 1 to `CAPACITY_MAX`.
pub fn parse_capacity(input: &str) -> Result<Option<u32>, CapacityError> {
    match input.trim() {
        "" => Ok(None),
        s => match s.parse::<u64>() {
            Ok(0) => Err(CapacityError::Zero),
            Ok(n) if n <= u64::from(CAPACITY_MAX) => Ok(Some(n as u32)),
            Ok(_) => Err(CapacityError::TooLarge),
            Err(_) => Err(CapacityError::NotANumber),
        },
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("Please give the online link (where people join).")]
    Missing,
    #[error("The online link must start with https:// or http://.")]
    NotHttp,
    #[error("That online link is not a web address.")]
    Malformed,
    #[error("The online link can have at most 500 characters.")]
    TooLong,
}

/// The online link: an http or https address with a host (never `javascript:` or a bare
/// word), at most 500 characters, nothing that could break out of an attribute.
pub fn check_online_link(input: &str) -> Result<String, LinkError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(LinkError::Missing);
    }
    if s.chars().count() > LINK_MAX {
        return Err(LinkError::TooLong);
    }
    let lower = s.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).ok_or(LinkError::NotHttp)?;
    if s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')) {
        return Err(LinkError::Malformed);
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = host_port.split(':').next().unwrap_or("");
    let host_ok = !host.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !host_ok {
        return Err(LinkError::Malformed);
    }
    Ok(s.to_string())
}

/// What the organizer or an invitee wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Edit,
    Publish,
    Invite,
    Rsvp,
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("The event has started: it can't change any more.")]
    Started,
    #[error("The event is already published.")]
    AlreadyPublished,
    #[error("The event isn't published yet.")]
    NotPublished,
    #[error("The event was cancelled.")]
    Cancelled,
}

/// Whether `action` is allowed now. Everything stops at the start.
pub fn may(action: Action, state: EventState, schedule: Schedule, now: i64) -> Result<(), RuleError> {
    if state == EventState::Cancelled {
        return Err(RuleError::Cancelled);
    }
    if now >= schedule.start {
        return Err(RuleError::Started);
    }
    match (action, state) {
        (Action::Publish, EventState::Published) => Err(RuleError::AlreadyPublished),
        (Action::Rsvp, EventState::Draft) => Err(RuleError::NotPublished),
        _ => Ok(()),
    }
}

/// An invitee's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rsvp {
    Going,
    Maybe,
    NotGoing,
}

impl Rsvp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Going => "going",
            Self::Maybe => "maybe",
            Self::NotGoing => "not_going",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "going" => Some(Self::Going),
            "maybe" => Some(Self::Maybe),
            "not_going" => Some(Self::NotGoing),
            _ => None,
        }
    }
}

/// Where an answer leaves a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    Going,
    /// Wanted to go when the event was full; promoted in order when a place frees.
    Waitlisted,
    Maybe,
    NotGoing,
}

/// The standing an answer gets when `going` people already hold a place (not counting
/// the person answering) and the event holds `capacity` (none: no limit).
pub fn standing_for(answer: Rsvp, going: usize, capacity: Option<u32>) -> Standing {
    match answer {
        Rsvp::Going if capacity.is_none_or(|c| going < c as usize) => Standing::Going,
        Rsvp::Going => Standing::Waitlisted,
        Rsvp::Maybe => Standing::Maybe,
        Rsvp::NotGoing => Standing::NotGoing,
    }
}

/// The answers of one event, as the rules see them: who holds a place, who waits (in
/// order), who said maybe or no. The store keeps the same state in its tables; this is
/// the reference the property tests hold the rules to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    pub capacity: Option<u32>,
    pub going: Vec<i64>,
    pub waitlist: VecDeque<i64>,
    pub maybe: Vec<i64>,
    pub not_going: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    #[error("Already {0} going: the capacity can't be lower than that.")]
    BelowGoing(usize),
    #[error("The capacity must be at least 1 (or left empty for no limit).")]
    Zero,
    #[error("The capacity can be at most 10000 (or left empty for no limit).")]
    TooLarge,
    #[error("The capacity must be a whole number, such as 20 (or left empty for no limit).")]
    NotANumber,
}

impl Roster {
    pub fn new(capacity: Option<u32>) -> Self {
        Self { capacity, ..Self::default() }
    }

    fn forget(&mut self, person: i64) -> bool {
        let held_place = self.going.contains(&person);
        self.going.retain(|&p| p != person);
        self.waitlist.retain(|&p| p != person);
        self.maybe.retain(|&p| p != person);
        self.not_going.retain(|&p| p != person);
        held_place
    }

    fn has_room(&self) -> bool {
        self.capacity.is_none_or(|c| self.going.len() < c as usize)
    }

    /// Fills free places from the waitlist, in order, with those who `can_hold` a place (a
    /// paid event: their credit covers the ticket). The others keep their turn on the
    /// waitlist and are returned second: passed over this time.
    fn promote_where(&mut self, can_hold: &dyn Fn(i64) -> bool) -> (Vec<i64>, Vec<i64>) {
        let mut promoted = Vec::new();
        let mut passed_over = Vec::new();
        let mut kept = VecDeque::new();
        while self.has_room() {
            let Some(next) = self.waitlist.pop_front() else { break };
            if can_hold(next) {
                self.going.push(next);
                promoted.push(next);
            } else {
                passed_over.push(next);
                kept.push_back(next);
            }
        }
        // Those passed over keep their place in the line, ahead of everyone behind them.
        while let Some(p) = kept.pop_back() {
            self.waitlist.push_front(p);
        }
        (promoted, passed_over)
    }

    /// Records `person`'s answer (a change replaces the earlier one); returns their
    /// standing and who was promoted from the waitlist because a place freed.
    pub fn answer(&mut self, person: i64, answer: Rsvp) -> (Standing, Vec<i64>) {
        let (standing, promoted, _) = self.answer_where(person, answer, &|_| true);
        (standing, promoted)
    }

    /// `answer` for a paid event: a freed place goes to the first on the waitlist who
    /// `can_hold` it; returns also who was passed over (still waiting). The answering person
    /// is placed as for a free event: the caller refuses "going" from one who can't pay.
    pub fn answer_where(
        &mut self,
        person: i64,
        answer: Rsvp,
        can_hold: &dyn Fn(i64) -> bool,
    ) -> (Standing, Vec<i64>, Vec<i64>) {
        // Saying "going" again keeps one's place, held or waited for.
        if answer == Rsvp::Going && self.going.contains(&person) {
            return (Standing::Going, Vec::new(), Vec::new());
        }
        if answer == Rsvp::Going && self.waitlist.contains(&person) {
            return (Standing::Waitlisted, Vec::new(), Vec::new());
        }
        // Someone giving up a place hands it to the first in line who can hold it.
        let (promoted, passed_over) =
            if self.forget(person) { self.promote_where(can_hold) } else { (Vec::new(), Vec::new()) };
        let standing = standing_for(answer, self.going.len(), self.capacity);
        match standing {
            Standing::Going => self.going.push(person),
            Standing::Waitlisted => self.waitlist.push_back(person),
            Standing::Maybe => self.maybe.push(person),
            Standing::NotGoing => self.not_going.push(person),
        }
        (standing, promoted, passed_over)
    }

    /// The organizer changes the capacity: never below those already going; a larger one
    /// promotes from the waitlist, in order.
    pub fn set_capacity(&mut self, capacity: Option<u32>) -> Result<Vec<i64>, CapacityError> {
        self.set_capacity_where(capacity, &|_| true).map(|(promoted, _)| promoted)
    }

    /// `set_capacity` for a paid event: (promoted, passed over), as in `answer_where`.
    pub fn set_capacity_where(
        &mut self,
        capacity: Option<u32>,
        can_hold: &dyn Fn(i64) -> bool,
    ) -> Result<(Vec<i64>, Vec<i64>), CapacityError> {
        match capacity {
            Some(0) => return Err(CapacityError::Zero),
            Some(c) if (c as usize) < self.going.len() => return Err(CapacityError::BelowGoing(self.going.len())),
            _ => {}
        }
        self.capacity = capacity;
        Ok(self.promote_where(can_hold))
    }
}

/// "in 3 days", "in 2 hours", "in 5 minutes", "now" or "ended": how far the start is.
pub fn countdown(schedule: Schedule, now: i64) -> String {
    if now >= schedule.end() {
        return "ended".into();
    }
    if now >= schedule.start {
        return "now".into();
    }
    let secs = schedule.start - now;
    let plural = |n: i64, unit: &str| format!("in {n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        s if s >= 2 * 24 * 3600 => plural(s / (24 * 3600), "day"),
        s if s >= 2 * 3600 => plural(s / 3600, "hour"),
        s if s >= 60 => plural(s / 60, "minute"),
        _ => "in less than a minute".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_800_000_000;
    const HOUR: i64 = 3600;

    fn soon() -> Schedule {
        Schedule { start: NOW + 2 * HOUR, duration_minutes: 60 }
    }

    #[test]
    fn a_schedule_is_in_the_future_within_two_years_and_at_most_a_day_long() {
        assert!(check_schedule(NOW + HOUR, 90, NOW).is_ok());
        assert_eq!(check_schedule(NOW, 90, NOW), Err(ScheduleError::InThePast));
        assert_eq!(check_schedule(NOW + MAX_AHEAD_SECS + 1, 90, NOW), Err(ScheduleError::TooFar));
        assert_eq!(check_schedule(NOW + HOUR, 0, NOW), Err(ScheduleError::BadDuration));
        assert_eq!(check_schedule(NOW + HOUR, 24 * 60 + 1, NOW), Err(ScheduleError::BadDuration));
        assert!(check_schedule(NOW + HOUR, 24 * 60, NOW).is_ok());
    }

    #[test]
    fn texts_are_bounded_and_plain() {
        assert_eq!(check_title("  Book club  ").as_deref(), Ok("Book club"));
        assert!(check_title("").is_err());
        assert!(check_title(&"x".repeat(121)).is_err());
        assert!(check_description(&"x".repeat(280)).is_ok());
        assert!(check_description(&"x".repeat(281)).is_err());
        assert!(check_description("<script>").is_err());
    }

    #[test]
    fn online_links_are_web_addresses_only() {
        assert!(check_online_link("https://meet.example.com/abc-def?pwd=1").is_ok());
        assert!(check_online_link("HTTP://zoom.example.org:8443/j/1").is_ok());
        assert_eq!(check_online_link("javascript:alert(1)"), Err(LinkError::NotHttp));
        assert_eq!(check_online_link("meet.example.com"), Err(LinkError::NotHttp));
        assert_eq!(check_online_link("ftp://files.example.com"), Err(LinkError::NotHttp));
        assert_eq!(check_online_link("https://"), Err(LinkError::Malformed));
        assert_eq!(check_online_link("https://localhost"), Err(LinkError::Malformed));
        assert_eq!(check_online_link("https://a.example.com/\"onmouseover=x"), Err(LinkError::Malformed));
        assert_eq!(check_online_link("https://a b.example.com"), Err(LinkError::Malformed));
        assert_eq!(check_online_link(""), Err(LinkError::Missing));
        assert_eq!(check_online_link(&format!("https://a.example.com/{}", "x".repeat(500))), Err(LinkError::TooLong));
    }

    #[test]
    fn the_state_machine_stops_everything_at_the_start() {
        let s = soon();
        assert_eq!(may(Action::Publish, EventState::Draft, s, NOW), Ok(()));
        assert_eq!(may(Action::Publish, EventState::Published, s, NOW), Err(RuleError::AlreadyPublished));
        assert_eq!(may(Action::Rsvp, EventState::Draft, s, NOW), Err(RuleError::NotPublished));
        assert_eq!(may(Action::Rsvp, EventState::Published, s, NOW), Ok(()));
        assert_eq!(may(Action::Invite, EventState::Published, s, NOW), Ok(()));
        for a in [Action::Edit, Action::Publish, Action::Invite, Action::Rsvp, Action::Cancel] {
            assert_eq!(may(a, EventState::Published, s, s.start), Err(RuleError::Started), "{a:?}");
            assert_eq!(may(a, EventState::Cancelled, s, NOW), Err(RuleError::Cancelled), "{a:?}");
        }
    }

    #[test]
    fn phases_follow_the_clock() {
        let s = soon();
        assert_eq!(s.phase(EventState::Draft, s.start + 1), Phase::Draft);
        assert_eq!(s.phase(EventState::Published, NOW), Phase::Upcoming);
        assert_eq!(s.phase(EventState::Published, s.start), Phase::Live);
        assert_eq!(s.phase(EventState::Published, s.end()), Phase::Past);
        assert_eq!(s.phase(EventState::Cancelled, NOW), Phase::Cancelled);
        assert!(!s.link_visible(s.start - LINK_SHOWN_BEFORE_SECS - 1));
        assert!(s.link_visible(s.start - LINK_SHOWN_BEFORE_SECS));
        assert!(!s.link_visible(s.end()));
        assert_eq!(s.roster_at(NOW), s.start - HOUR);
        assert_eq!(s.roster_at(s.start - 10), s.start - 10, "published within the hour: at once");
        assert_eq!(countdown(s, NOW), "in 2 hours");
        assert_eq!(countdown(s, s.start - 60), "in 1 minute");
        assert_eq!(countdown(Schedule { start: NOW + 3 * 24 * HOUR, duration_minutes: 30 }, NOW), "in 3 days");
        assert_eq!(countdown(s, s.start), "now");
        assert_eq!(countdown(s, s.end()), "ended");
    }

    #[test]
    fn a_full_event_waitlists_and_a_freed_place_goes_to_the_first_in_line() {
        let mut r = Roster::new(Some(2));
        assert_eq!(r.answer(1, Rsvp::Going), (Standing::Going, vec![]));
        assert_eq!(r.answer(2, Rsvp::Going), (Standing::Going, vec![]));
        assert_eq!(r.answer(3, Rsvp::Going), (Standing::Waitlisted, vec![]));
        assert_eq!(r.answer(4, Rsvp::Going), (Standing::Waitlisted, vec![]));
        assert_eq!(r.answer(3, Rsvp::Going), (Standing::Waitlisted, vec![]));
        assert_eq!(r.waitlist, [3, 4], "saying going again keeps one's place in line");
        // Going again keeps the place; maybe frees it for the first in line.
        assert_eq!(r.answer(1, Rsvp::Going), (Standing::Going, vec![]));
        assert_eq!(r.answer(1, Rsvp::Maybe), (Standing::Maybe, vec![3]));
        // Changing one's mind back to going joins the end of the line.
        assert_eq!(r.answer(1, Rsvp::Going), (Standing::Waitlisted, vec![]));
        assert_eq!(r.waitlist, [4, 1]);
        assert_eq!(r.set_capacity(Some(1)), Err(CapacityError::BelowGoing(2)));
        assert_eq!(r.set_capacity(Some(0)), Err(CapacityError::Zero));
        assert_eq!(parse_capacity(" 12 "), Ok(Some(12)));
        assert_eq!(parse_capacity(""), Ok(None));
        assert_eq!(parse_capacity("abc"), Err(CapacityError::NotANumber));
        assert_eq!(parse_capacity("-3"), Err(CapacityError::NotANumber));
        assert_eq!(parse_capacity("99999999999"), Err(CapacityError::TooLarge));
        assert_eq!(check_description(&format!("{}\r\n{}", "a".repeat(140), "b".repeat(139))).map(|d| d.len()), Ok(280));
        assert_eq!(r.set_capacity(None), Ok(vec![4, 1]));
        assert_eq!(standing_for(Rsvp::Going, 1000, None), Standing::Going);
        assert_eq!(Rsvp::parse(Rsvp::NotGoing.as_str()), Some(Rsvp::NotGoing));
        assert_eq!(EventState::parse(EventState::Cancelled.as_str()), Some(EventState::Cancelled));
    }

    fn answers() -> impl Strategy<Value = Vec<(i64, u8)>> {
        proptest::collection::vec((0i64..12, 0u8..4), 0..80)
    }

    proptest! {
        #[test]
        fn never_more_going_than_the_capacity_and_promotions_in_waitlist_order(
            capacity in proptest::option::of(1u32..6),
            steps in answers(),
        ) {
            let mut r = Roster::new(capacity);
            for (person, a) in steps {
                let answer = match a { 0 | 3 => Rsvp::Going, 1 => Rsvp::Maybe, _ => Rsvp::NotGoing };
                let line_before: Vec<i64> = r.waitlist.iter().copied().filter(|&p| p != person).collect();
                let (_, promoted) = r.answer(person, answer);
                // Promotions are the front of the line as it stood, in order.
                prop_assert_eq!(&promoted[..], &line_before[..promoted.len()]);
                if let Some(c) = capacity {
                    prop_assert!(r.going.len() <= c as usize);
                    // Nobody waits while a place is free.
                    prop_assert!(r.waitlist.is_empty() || r.going.len() == c as usize);
                } else {
                    prop_assert!(r.waitlist.is_empty());
                }
                // Everyone appears once.
                let mut all: Vec<i64> = r.going.iter().chain(r.waitlist.iter()).chain(r.maybe.iter()).chain(r.not_going.iter()).copied().collect();
                let n = all.len();
                all.sort();
                all.dedup();
                prop_assert_eq!(all.len(), n);
            }
        }
    }

    #[test]
    fn a_freed_place_of_a_paid_event_goes_to_the_first_who_can_pay() {
        let mut r = Roster::new(Some(1));
        r.answer(1, Rsvp::Going);
        r.answer(2, Rsvp::Going);
        r.answer(3, Rsvp::Going);
        r.answer(4, Rsvp::Going);
        // 2 cannot pay: 3 gets the place, 2 keeps the first turn, then 4.
        let (standing, promoted, passed) = r.answer_where(1, Rsvp::NotGoing, &|p| p != 2);
        assert_eq!((standing, promoted, passed), (Standing::NotGoing, vec![3], vec![2]));
        assert_eq!(r.waitlist, VecDeque::from(vec![2, 4]));
        // Nobody can pay: the place stays free and the line keeps its order.
        let (_, promoted, passed) = r.answer_where(3, Rsvp::Maybe, &|_| false);
        assert_eq!((promoted, passed), (vec![], vec![2, 4]));
        assert_eq!(r.waitlist, VecDeque::from(vec![2, 4]));
        assert!(r.going.is_empty());
        let (promoted, passed) = r.set_capacity_where(Some(2), &|p| p == 4).unwrap_or_default();
        assert_eq!((promoted, passed), (vec![4], vec![2]));
    }
}

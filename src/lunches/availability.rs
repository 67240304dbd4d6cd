//! When members are free for lunch. A member enters windows: a date, or a weekday that
//! repeats every week, from and until, in their own time zone, which is kept with the
//! window. Windows of the same day and zone that overlap or touch are merged on save.
//!
//! Windows are wall-clock times: a weekly 12:00–13:30 in Europe/Paris stays 12:00–13:30 in
//! Paris across daylight-saving changes, so its UTC instants move. Every comparison between
//! people happens on UTC intervals ([`occurrences`]); every display converts back to the
//! viewer's zone ([`local_spans`], [`week_view`]). Group availability ([`crowded`]) is
//! counts only, never names.
use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Weekday};
use chrono_tz::Tz;

/// A stretch of time in UTC unix seconds, half-open: `start` is in it, `end` is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: i64,
    pub end: i64,
}

impl Interval {
    /// Its length in seconds (0 for an empty or reversed interval).
    pub fn secs(&self) -> i64 {
        self.end.saturating_sub(self.start).max(0)
    }
}

/// Sorted, non-empty intervals with overlapping and touching ones joined.
pub fn union(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| i.start < i.end);
    intervals.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for i in intervals {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// On which days a window applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// That date only.
    Once(NaiveDate),
    /// Every week on that day.
    Weekly(Weekday),
}

const WEEKDAY_KEYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "monday"),
    (Weekday::Tue, "tue", "tuesday"),
    (Weekday::Wed, "wed", "wednesday"),
    (Weekday::Thu, "thu", "thursday"),
    (Weekday::Fri, "fri", "friday"),
    (Weekday::Sat, "sat", "saturday"),
    (Weekday::Sun, "sun", "sunday"),
];

/// A weekday as people type it: "monday", "Mon", "mo", "Mondays", any case.
pub fn parse_weekday(input: &str) -> Option<Weekday> {
    let s = input.trim().to_lowercase();
    if s.len() < 2 {
        return None;
    }
    WEEKDAY_KEYS
        .iter()
        .find(|(_, _, name)| name.starts_with(s.as_str()) || s.strip_suffix('s') == Some(name))
        .map(|(day, _, _)| *day)
}

impl Repeat {
    /// The stored form: "2026-12-01" for a date, "mon" … "sun" for a weekday.
    pub fn as_key(&self) -> String {
        match self {
            Self::Once(date) => date.format("%Y-%m-%d").to_string(),
            Self::Weekly(day) => {
                WEEKDAY_KEYS.iter().find(|(d, _, _)| d == day).map_or("mon", |(_, key, _)| key).to_string()
            }
        }
    }

    /// Reads a stored form back (the inverse of [`Repeat::as_key`]).
    pub fn from_key(s: &str) -> Option<Repeat> {
        if let Some((day, _, _)) = WEEKDAY_KEYS.iter().find(|(_, key, _)| *key == s) {
            return Some(Self::Weekly(*day));
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Self::Once)
    }
}

/// Minutes after local midnight, 0..=1440 (1440 = "24:00", the end of the day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minute(u16);

/// Minutes in a day: `Minute(DAY_MINUTES)` is "24:00".
pub const DAY_MINUTES: u16 = 1440;

/// What is wrong with a typed time.
enum TimeProblem {
    Empty,
    Unreadable,
    /// Readable, but after 24:00 (like "25:00").
    BeyondDay,
}

impl Minute {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: Minute = Minute(0);
    /// "24:00": midnight at the end of the day.
    pub const END_OF_DAY: Minute = Minute(DAY_MINUTES);

    pub fn new(minutes: u16) -> Option<Minute> {
        (minutes <= DAY_MINUTES).then_some(Minute(minutes))
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// A time as people type it: "12:30", "12.30", "12h30", "1230", "930", "12", "12h",
    /// "24:00", "12:30:00" (seconds are dropped), "1pm", "12:30 pm".
    pub fn parse(input: &str) -> Option<Minute> {
        read_time(input).ok()
    }
}

impl std::fmt::Display for Minute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn read_time(input: &str) -> Result<Minute, TimeProblem> {
    let lower = input.trim().to_lowercase();
    if lower.is_empty() {
        return Err(TimeProblem::Empty);
    }
    // An "am"/"pm" suffix, with or without dots and a space before it.
    let compact: String = lower.chars().filter(|c| *c != ' ').collect();
    let (clock, meridiem) = if let Some(rest) = compact.strip_suffix("am").or_else(|| compact.strip_suffix("a.m.")) {
        (rest, Some(false))
    } else if let Some(rest) = compact.strip_suffix("pm").or_else(|| compact.strip_suffix("p.m.")) {
        (rest, Some(true))
    } else {
        (compact.as_str(), None)
    };
    let (hours, minutes) = if clock.bytes().all(|b| b.is_ascii_digit()) {
        // "12", "930", "1230"
        match clock.len() {
            1 | 2 => (digits(clock), Some(0)),
            3 | 4 => {
                let (h, m) = clock.split_at(clock.len() - 2);
                (digits(h), digits(m))
            }
            _ => (None, None),
        }
    } else if let Some(h) = clock.strip_suffix('h') {
        // "12h"
        (digits(h), Some(0))
    } else {
        // "12:30", "12.30", "12h30", "12:30:00"
        let mut parts = clock.split([':', '.', 'h']);
        let h = parts.next().and_then(digits);
        let m = parts.next().filter(|m| m.len() == 2).and_then(digits);
        let seconds_ok = match parts.next() {
            None => true,
            Some(s) => clock.matches(':').count() == 2 && digits(s).is_some_and(|s| s < 60) && s.len() == 2,
        };
        if parts.next().is_some() || !seconds_ok {
            (None, None)
        } else {
            (h, m)
        }
    };
    let (Some(mut hours), Some(minutes)) = (hours, minutes) else { return Err(TimeProblem::Unreadable) };
    if minutes > 59 {
        return Err(TimeProblem::Unreadable);
    }
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hours) {
            return Err(TimeProblem::Unreadable);
        }
        hours = match (hours, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, false) => h,
            (h, true) => h + 12,
        };
    }
    let total = hours * 60 + minutes;
    u16::try_from(total).ok().and_then(Minute::new).ok_or(TimeProblem::BeyondDay)
}

/// A free window: on `repeat`, from `from` until `until` (wall-clock times in `zone`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub repeat: Repeat,
    pub from: Minute,
    pub until: Minute,
    pub zone: Tz,
}

/// What is wrong with a window someone typed, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("Choose a day of the week or a date.")]
    NoDay,
    #[error("Please choose a date.")]
    NoDate,
    #[error("We couldn't read the day \"{0}\": choose a day of the week, like Monday.")]
    BadWeekday(String),
    #[error("We couldn't read the date \"{0}\": choose it in the calendar or type it like 2026-12-01.")]
    BadDate(String),
    #[error("Please type when you are free from, like 12:00.")]
    NoStart,
    #[error("Please type until when you are free, like 13:30.")]
    NoEnd,
    #[error("We couldn't read the time \"{0}\": type it like 12:30.")]
    BadTime(String),
    #[error("The end ({until}) is before the start ({from}).")]
    EndBeforeStart { from: Minute, until: Minute },
    #[error("A window needs some time: the start and the end are the same.")]
    Empty,
    #[error("A window can't last more than a day: use times between 00:00 and 24:00.")]
    TooLong,
    #[error("That day has passed: choose a date from today on.")]
    DayPassed,
    #[error("That time has already passed today: choose a later time or another day.")]
    TimePassed,
    #[error("That date is more than a year ahead: choose a date within the coming year.")]
    TooFar,
}

/// How far ahead a dated window may be (a typo in the year is more likely than a plan).
pub const MAX_DAYS_AHEAD: i64 = 366;

fn shown(s: &str) -> String {
    s.trim().chars().take(40).collect()
}

impl Window {
    /// A window from typed-checked parts (for example read back from storage): the end
    /// must be after the start.
    pub fn new(repeat: Repeat, from: Minute, until: Minute, zone: Tz) -> Result<Window, WindowError> {
        if until < from {
            return Err(WindowError::EndBeforeStart { from, until });
        }
        if until == from {
            return Err(WindowError::Empty);
        }
        Ok(Window { repeat, from, until, zone })
    }

    /// Whether the window applies on the local day `day` (days since 1970-01-01).
    fn applies_on(&self, day: i32) -> bool {
        match self.repeat {
            Repeat::Once(date) => day_number(date) == day,
            Repeat::Weekly(weekday) => weekday_of(day) == weekday,
        }
    }

    /// The window on the local day `day`, in UTC (empty when both ends fall in the same
    /// daylight-saving gap).
    fn on_day(&self, day: i32) -> Interval {
        Interval { start: local_instant(day, self.from, self.zone), end: local_instant(day, self.until, self.zone) }
    }

    /// Whether two windows are on the same days in the same zone (so they may merge).
    fn same_slot(&self, other: &Window) -> bool {
        self.repeat == other.repeat && self.zone == other.zone
    }
}

/// For lists: "Sundays 12:00–13:30 (Europe/Paris)", "Tue 1 Dec 2026, 12:00–13:30 (Europe/Paris)".
impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.repeat {
            Repeat::Once(date) => write!(f, "{}, ", date.format("%a %-d %b %Y"))?,
            Repeat::Weekly(day) => {
                let name = WEEKDAY_KEYS.iter().find(|(d, _, _)| *d == day).map_or("monday", |(_, _, name)| name);
                let mut chars = name.chars();
                let capital: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
                write!(f, "{capital}s ")?;
            }
        }
        write!(f, "{}–{} ({})", self.from, self.until, self.zone.name())
    }
}

/// Reads a window from the form. `repeat` is "date" (then `date` is read, YYYY-MM-DD as an
/// `<input type=date>` sends it) or a weekday ("monday", "mon", any case); an empty
/// `repeat` with a date filled in is read as "date". `now` is UTC unix seconds: a dated
/// window must not have ended yet in its own zone, nor be more than a year ahead.
pub fn parse_window(
    repeat: &str,
    date: &str,
    from: &str,
    until: &str,
    zone: Tz,
    now: i64,
) -> Result<Window, WindowError> {
    let kind = repeat.trim();
    let repeat = if kind.eq_ignore_ascii_case("date") || (kind.is_empty() && !date.trim().is_empty()) {
        let typed = date.trim();
        if typed.is_empty() {
            return Err(WindowError::NoDate);
        }
        Repeat::Once(NaiveDate::parse_from_str(typed, "%Y-%m-%d").map_err(|_| WindowError::BadDate(shown(typed)))?)
    } else if kind.is_empty() {
        return Err(WindowError::NoDay);
    } else {
        Repeat::Weekly(parse_weekday(kind).ok_or_else(|| WindowError::BadWeekday(shown(kind)))?)
    };
    let read = |typed: &str, missing: WindowError| match read_time(typed) {
        Ok(m) => Ok(m),
        Err(TimeProblem::Empty) => Err(missing),
        Err(TimeProblem::Unreadable) => Err(WindowError::BadTime(shown(typed))),
        Err(TimeProblem::BeyondDay) => Err(WindowError::TooLong),
    };
    let from = read(from, WindowError::NoStart)?;
    let until = read(until, WindowError::NoEnd)?;
    let window = Window::new(repeat, from, until, zone)?;
    if let Repeat::Once(date) = window.repeat {
        let day = day_number(date);
        let today = local_day(now, zone);
        if day < today {
            return Err(WindowError::DayPassed);
        }
        if window.on_day(day).end <= now {
            return Err(WindowError::TimePassed);
        }
        if i64::from(day) - i64::from(today) > MAX_DAYS_AHEAD {
            return Err(WindowError::TooFar);
        }
    }
    Ok(window)
}

/// Merge on save: `new` joined with every existing window on the same days in the same zone
/// that overlaps or touches it (repeatedly, so a window bridging two others absorbs both).
/// Returns the merged window and the ids of the existing windows it absorbed (to delete).
pub fn merge(existing: &[(i64, Window)], new: Window) -> (Window, Vec<i64>) {
    let mut merged = new;
    let mut absorbed: Vec<usize> = Vec::new();
    loop {
        let mut grew = false;
        for (index, (_, other)) in existing.iter().enumerate() {
            if absorbed.contains(&index) || !merged.same_slot(other) {
                continue;
            }
            if other.from <= merged.until && merged.from <= other.until {
                merged.from = merged.from.min(other.from);
                merged.until = merged.until.max(other.until);
                absorbed.push(index);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    absorbed.sort_unstable();
    let ids = absorbed.into_iter().filter_map(|i| existing.get(i).map(|(id, _)| *id)).collect();
    (merged, ids)
}

// ---- Days and instants ----------------------------------------------------------------

/// Instants handled: 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z; others are clamped.
const MIN_TS: i64 = -62_135_596_800;
const MAX_TS: i64 = 253_402_300_799;
/// The same range as days since 1970-01-01.
const MIN_DAY: i32 = -719_162;
const MAX_DAY: i32 = 2_932_896;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_CE_DAYS: i32 = 719_163;

fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_CE_DAYS
}

/// The date of a day number (clamped to the years 1..=9999).
pub fn date_of_day(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day.clamp(MIN_DAY, MAX_DAY) + EPOCH_CE_DAYS).unwrap_or_default()
}

fn weekday_of(day: i32) -> Weekday {
    date_of_day(day).weekday()
}

/// The local date (in `zone`) of a UTC instant, as days since 1970-01-01.
pub fn local_day(ts: i64, zone: Tz) -> i32 {
    match DateTime::from_timestamp(ts.clamp(MIN_TS, MAX_TS), 0) {
        Some(utc) => day_number(utc.with_timezone(&zone).date_naive()),
        None => 0,
    }
}

/// The start of the local day `day` in `zone`, as UTC seconds. Where the clocks skip
/// midnight, the day starts at the first instant after the gap.
pub fn day_start(day: i32, zone: Tz) -> i64 {
    local_instant(day, Minute::MIDNIGHT, zone)
}

/// The offset from UTC in `zone` at an instant, in seconds.
fn offset_at(ts: i64, zone: Tz) -> i64 {
    match DateTime::from_timestamp(ts.clamp(MIN_TS, MAX_TS), 0) {
        Some(utc) => i64::from(zone.offset_from_utc_datetime(&utc.naive_utc()).fix().local_minus_utc()),
        None => 0,
    }
}

/// The wall-clock time `minute` on local day `day` in `zone`, as UTC seconds: "24:00" is
/// the next midnight; a time the clocks skip becomes the first instant after the gap; a
/// time the clocks repeat takes the earlier instant.
fn local_instant(day: i32, minute: Minute, zone: Tz) -> i64 {
    let date = date_of_day(day);
    let local = date.and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(minute.get()));
    resolve(local, zone)
}

fn resolve(local: NaiveDateTime, zone: Tz) -> i64 {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => after_gap(local, zone),
    }
}

/// The first instant whose wall-clock time is at or after `local`, a time inside a gap:
/// that is where the gap ends. Offsets stay within ±16 hours, so the answer lies within
/// 16 hours of `local` read as UTC; a binary search on the instants finds it.
fn after_gap(local: NaiveDateTime, zone: Tz) -> i64 {
    let naive = local.and_utc().timestamp();
    let wall = |ts: i64| ts + offset_at(ts, zone);
    let (mut before, mut after) = (naive - 16 * 3600, naive + 16 * 3600);
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if wall(mid) >= naive {
            after = mid;
        } else {
            before = mid;
        }
    }
    after
}

/// Every occurrence of `windows` within `[from, until)` (UTC seconds), as UTC intervals,
/// clipped to the range, joined where they overlap or touch, and sorted. Each occurrence
/// is the window's wall-clock times on that date in the window's own zone, so a weekly
/// window keeps its local time across daylight-saving changes.
pub fn occurrences(windows: &[Window], from: i64, until: i64) -> Vec<Interval> {
    let (from, until) = (from.clamp(MIN_TS, MAX_TS), until.clamp(MIN_TS, MAX_TS));
    if from >= until {
        return Vec::new();
    }
    let mut found = Vec::new();
    for window in windows.iter().filter(|w| w.from < w.until) {
        // A day's occurrence lies within that local day; one day of margin on each side
        // covers zones whose midnight moves.
        let first = local_day(from, window.zone).saturating_sub(1);
        let last = local_day(until, window.zone).saturating_add(1);
        let days: Vec<i32> = match window.repeat {
            Repeat::Once(date) => Some(day_number(date)).filter(|d| (first..=last).contains(d)).into_iter().collect(),
            Repeat::Weekly(_) => {
                let start = (first..first.saturating_add(7)).find(|d| window.applies_on(*d)).unwrap_or(first);
                (start..=last).step_by(7).collect()
            }
        };
        for day in days {
            let at = window.on_day(day);
            found.push(Interval { start: at.start.max(from), end: at.end.min(until) });
        }
    }
    union(found)
}

// ---- Showing times in the viewer's zone --------------------------------------------------

/// A span on one local date in the viewer's zone, in wall-clock minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalSpan {
    pub date: NaiveDate,
    pub from: Minute,
    pub until: Minute,
}

/// Wall-clock minutes after midnight of the local date whose midnight (read as UTC) is
/// `midnight`, of the instant `ts` shown with offset `offset`: rounded down or up, clamped
/// to the day.
fn wall_minute(ts: i64, offset: i64, midnight: i64, round_up: bool) -> Minute {
    let secs = ts + offset - midnight;
    let minutes =
        if round_up { secs.div_euclid(60) + i64::from(secs.rem_euclid(60) != 0) } else { secs.div_euclid(60) };
    Minute(u16::try_from(minutes.clamp(0, i64::from(DAY_MINUTES))).unwrap_or(DAY_MINUTES))
}

/// Splits `[start, end)` where the offset of `zone` changes, so each piece is shown with
/// one offset and its wall-clock times increase.
fn constant_offset_pieces(start: i64, end: i64, zone: Tz) -> Vec<(i64, i64, i64)> {
    let mut pieces = Vec::new();
    let mut start = start;
    while start < end {
        let offset = offset_at(start, zone);
        if offset_at(end - 1, zone) == offset {
            pieces.push((start, end, offset));
            break;
        }
        let (mut same, mut changed) = (start, end - 1);
        while changed - same > 1 {
            let mid = same + (changed - same) / 2;
            if offset_at(mid, zone) == offset {
                same = mid;
            } else {
                changed = mid;
            }
        }
        pieces.push((start, changed, offset));
        start = changed;
    }
    pieces
}

/// An interval as the viewer in `zone` reads it: one span per local date it touches, in
/// wall-clock minutes (so an interval across the viewer's midnight is two spans). A span
/// across a daylight-saving change reads from its first to its last wall-clock time: the
/// hour skipped in spring is inside it, the hour repeated in autumn is shown once.
pub fn local_spans(interval: Interval, zone: Tz) -> Vec<LocalSpan> {
    let (start, end) = (interval.start.clamp(MIN_TS, MAX_TS), interval.end.clamp(MIN_TS, MAX_TS));
    let mut spans: Vec<LocalSpan> = Vec::new();
    if start >= end {
        return spans;
    }
    let first = local_day(start, zone).saturating_sub(1);
    let last = local_day(end, zone).saturating_add(1);
    for day in first..=last {
        let (day_from, day_until) = (day_start(day, zone), day_start(day.saturating_add(1), zone));
        let (s, e) = (start.max(day_from), end.min(day_until));
        if s >= e {
            continue;
        }
        let date = date_of_day(day);
        let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
        // One span from the earliest to the latest wall-clock time of the stretch: an hour
        // the clocks skip stays inside it, the hour they repeat is shown once.
        let walls = constant_offset_pieces(s, e, zone).into_iter().map(|(ps, pe, offset)| {
            (wall_minute(ps, offset, midnight, false), wall_minute(pe, offset, midnight, true))
        });
        let from = walls.clone().map(|w| w.0).min();
        let until = walls.map(|w| w.1).max();
        if let (Some(from), Some(until)) = (from, until) {
            if from < until {
                spans.push(LocalSpan { date, from, until });
            }
        }
    }
    join_spans(spans)
}

/// Sorts spans and joins those on the same date that overlap or touch.
fn join_spans(mut spans: Vec<LocalSpan>) -> Vec<LocalSpan> {
    spans.sort_unstable_by_key(|s| (s.date, s.from, s.until));
    let mut out: Vec<LocalSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if last.date == span.date && span.from <= last.until => last.until = last.until.max(span.until),
            _ => out.push(span),
        }
    }
    out
}

/// One day of the week view: the viewer's free spans on that date, in the viewer's zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayView {
    pub date: NaiveDate,
    pub spans: Vec<(Minute, Minute)>,
}

/// Most days [`week_view`] shows at once.
pub const MAX_VIEW_DAYS: u32 = 366;

/// The week view for a phone: for `days` days from `today` (a date in the viewer's zone),
/// each day's free spans in the viewer's zone, whatever zones the windows were entered in.
/// A window across the viewer's midnight shows on both days. At most [`MAX_VIEW_DAYS`] days.
pub fn week_view(windows: &[Window], viewer: Tz, today: NaiveDate, days: u32) -> Vec<DayView> {
    let first = day_number(today);
    let count = i32::try_from(days.min(MAX_VIEW_DAYS)).unwrap_or(0);
    let last = first.saturating_add(count);
    let free = occurrences(windows, day_start(first, viewer), day_start(last, viewer));
    let spans: Vec<LocalSpan> = join_spans(free.into_iter().flat_map(|i| local_spans(i, viewer)).collect());
    (first..last)
        .map(date_of_day)
        .map(|date| DayView {
            date,
            spans: spans.iter().filter(|s| s.date == date).map(|s| (s.from, s.until)).collect(),
        })
        .collect()
}

// ---- Group availability ------------------------------------------------------------------

/// A stretch when enough people are free: how many at the least and at the most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crowd {
    pub interval: Interval,
    pub fewest: usize,
    pub most: usize,
}

/// Group availability at a glance. `others` holds each other compatible person's free
/// intervals (UTC; a person's own overlaps count once). Returns the maximal stretches where
/// at least `at_least` (at least 1) of them are free at once, lasting at least `min_len`
/// seconds, sorted, each with the fewest and the most people free during it. Counts only:
/// nothing says who.
pub fn crowded(others: &[Vec<Interval>], at_least: usize, min_len: i64) -> Vec<Crowd> {
    let at_least = at_least.max(1);
    let mut events: Vec<(i64, i64)> = Vec::new();
    for person in others {
        for free in union(person.clone()) {
            events.push((free.start, 1));
            events.push((free.end, -1));
        }
    }
    events.sort_unstable();
    let mut crowds = Vec::new();
    let mut open: Option<Crowd> = None;
    let mut close = |open: &mut Option<Crowd>| {
        if let Some(crowd) = open.take() {
            if crowd.interval.secs() >= min_len {
                crowds.push(crowd);
            }
        }
    };
    let mut count: i64 = 0;
    let mut i = 0;
    while let Some(&(at, _)) = events.get(i) {
        while let Some(&(_, delta)) = events.get(i).filter(|e| e.0 == at) {
            count += delta;
            i += 1;
        }
        // `count` people are free from `at` until the next event.
        let free = usize::try_from(count).unwrap_or(0);
        match events.get(i) {
            Some(&(next, _)) if free >= at_least => match open.as_mut() {
                Some(crowd) => {
                    crowd.interval.end = next;
                    crowd.fewest = crowd.fewest.min(free);
                    crowd.most = crowd.most.max(free);
                }
                None => open = Some(Crowd { interval: Interval { start: at, end: next }, fewest: free, most: free }),
            },
            _ => close(&mut open),
        }
    }
    close(&mut open);
    crowds
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use chrono_tz::{America, Europe};
    use proptest::prelude::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().timestamp()
    }
    fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap()
    }
    fn m(s: &str) -> Minute {
        Minute::parse(s).unwrap()
    }
    fn iv(start: i64, end: i64) -> Interval {
        Interval { start, end }
    }
    fn weekly(day: Weekday, from: &str, until: &str, zone: Tz) -> Window {
        Window::new(Repeat::Weekly(day), m(from), m(until), zone).unwrap()
    }
    fn once(d: NaiveDate, from: &str, until: &str, zone: Tz) -> Window {
        Window::new(Repeat::Once(d), m(from), m(until), zone).unwrap()
    }
    /// 2026-06-01 10:00 UTC, a Monday.
    const NOW: i64 = 1_780_308_000;

    #[test]
    fn the_day_numbers_line_up() {
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        assert_eq!(day_number(date(1, 1, 1)), MIN_DAY);
        assert_eq!(day_number(date(9999, 12, 31)), MAX_DAY);
        assert_eq!(DateTime::from_timestamp(MIN_TS, 0).unwrap().date_naive(), date(1, 1, 1));
        assert_eq!(DateTime::from_timestamp(MAX_TS, 0).unwrap().date_naive(), date(9999, 12, 31));
        assert_eq!(NOW, utc(2026, 6, 1, 10, 0));
        assert_eq!(weekday_of(day_number(date(2026, 6, 1))), Weekday::Mon);
        assert_eq!(date_of_day(i32::MAX), date(9999, 12, 31));
    }

    #[test]
    fn times_are_read_as_people_type_them() {
        for (typed, minutes) in [
            ("12:30", 750),
            (" 12.30 ", 750),
            ("12h30", 750),
            ("1230", 750),
            ("930", 570),
            ("9:05", 545),
            ("12", 720),
            ("12h", 720),
            ("00:00", 0),
            ("24:00", 1440),
            ("2400", 1440),
            ("12:30:00", 750),
            ("1pm", 780),
            ("1:30 PM", 810),
            ("12am", 0),
            ("12 p.m.", 720),
        ] {
            assert_eq!(Minute::parse(typed).map(Minute::get), Some(minutes), "{typed}");
        }
        for typed in ["", "noon", "12:3", "12:60", "1:2:3", "12345", "-1:00", "13pm", "12::30", "12:30:61", "12.30.00"]
        {
            assert_eq!(Minute::parse(typed), None, "{typed}");
        }
        assert_eq!(Minute::new(1441), None);
        assert_eq!(Minute::new(1440).unwrap().to_string(), "24:00");
        assert_eq!(Minute::new(65).unwrap().to_string(), "01:05");
    }

    #[test]
    fn weekdays_and_repeats_round_trip() {
        for typed in ["monday", "Mon", "MO", "mondays", " Monday "] {
            assert_eq!(parse_weekday(typed), Some(Weekday::Mon), "{typed}");
        }
        assert_eq!(parse_weekday("thurs"), Some(Weekday::Thu));
        assert_eq!(parse_weekday("t"), None);
        assert_eq!(parse_weekday("funday"), None);
        for key in ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "2026-12-01"] {
            assert_eq!(Repeat::from_key(key).unwrap().as_key(), key);
        }
        assert_eq!(Repeat::from_key("2026-12-01"), Some(Repeat::Once(date(2026, 12, 1))));
        assert_eq!(Repeat::from_key("someday"), None);
    }

    #[test]
    fn a_window_is_read_from_the_form() {
        let paris = Europe::Paris;
        assert_eq!(
            parse_window("Tuesday", "", "12:00", "13:30", paris, NOW),
            Ok(weekly(Weekday::Tue, "12:00", "13:30", paris))
        );
        assert_eq!(
            parse_window("date", "2026-06-02", "12", "1330", paris, NOW),
            Ok(once(date(2026, 6, 2), "12:00", "13:30", paris))
        );
        assert_eq!(
            parse_window("", "2026-06-02", "12:00", "24:00", paris, NOW),
            Ok(once(date(2026, 6, 2), "12:00", "24:00", paris))
        );
        // Later today in its zone (12:00 in Paris is 10:00 UTC; until 13:00 has not passed).
        assert!(parse_window("date", "2026-06-01", "11:00", "13:00", paris, NOW).is_ok());
    }

    #[test]
    fn each_mistake_gets_a_message_that_says_what_to_fix() {
        let paris = Europe::Paris;
        let err = |r: &str, d: &str, f: &str, u: &str| parse_window(r, d, f, u, paris, NOW).unwrap_err();
        assert_eq!(err("", "", "12:00", "13:00"), WindowError::NoDay);
        assert_eq!(err("date", " ", "12:00", "13:00"), WindowError::NoDate);
        assert_eq!(err("funday", "", "12:00", "13:00"), WindowError::BadWeekday("funday".into()));
        assert_eq!(err("date", "1/12/2026", "12:00", "13:00"), WindowError::BadDate("1/12/2026".into()));
        assert_eq!(err("mon", "", "", "13:00"), WindowError::NoStart);
        assert_eq!(err("mon", "", "12:00", " "), WindowError::NoEnd);
        assert_eq!(err("mon", "", "noon", "13:00"), WindowError::BadTime("noon".into()));
        let backwards = err("mon", "", "13:00", "12:00");
        assert_eq!(backwards, WindowError::EndBeforeStart { from: m("13:00"), until: m("12:00") });
        assert_eq!(backwards.to_string(), "The end (12:00) is before the start (13:00).");
        assert_eq!(
            err("mon", "", "12:00", "12.00").to_string(),
            "A window needs some time: the start and the end are the same."
        );
        assert_eq!(
            err("mon", "", "12:00", "25:00").to_string(),
            "A window can't last more than a day: use times between 00:00 and 24:00."
        );
        assert_eq!(err("mon", "", "12:00", "24:30"), WindowError::TooLong);
        assert_eq!(
            err("date", "2026-05-31", "12:00", "13:00").to_string(),
            "That day has passed: choose a date from today on."
        );
        // 11:00 in Paris on 2026-06-01 is 09:00 UTC, before NOW.
        assert_eq!(err("date", "2026-06-01", "10:00", "11:00"), WindowError::TimePassed);
        assert_eq!(err("date", "2027-06-03", "12:00", "13:00"), WindowError::TooFar);
        assert_eq!(
            err("mon", "", "12:3", "13:00").to_string(),
            "We couldn't read the time \"12:3\": type it like 12:30."
        );
        let long = "x".repeat(100);
        assert_eq!(err(&long, "", "12:00", "13:00"), WindowError::BadWeekday("x".repeat(40)));
    }

    #[test]
    fn a_dated_window_has_passed_only_when_it_has_ended_in_its_own_zone() {
        // 2026-06-01 10:00 UTC is 06:00 in New York: a window there until 07:00 is still ahead.
        assert!(parse_window("date", "2026-06-01", "05:00", "07:00", America::New_York, NOW).is_ok());
        // …but 23:00 on 2026-05-31 in Tokyo was the previous day there.
        assert_eq!(
            parse_window("date", "2026-05-31", "12:00", "13:00", chrono_tz::Asia::Tokyo, NOW),
            Err(WindowError::DayPassed)
        );
    }

    #[test]
    fn windows_merge_when_they_overlap_or_touch() {
        let paris = Europe::Paris;
        let existing = vec![
            (1, weekly(Weekday::Mon, "11:00", "12:00", paris)),
            (2, weekly(Weekday::Mon, "12:30", "13:30", paris)),
            (3, weekly(Weekday::Mon, "14:00", "15:00", paris)),
            (4, weekly(Weekday::Tue, "11:30", "12:45", paris)),
            (5, weekly(Weekday::Mon, "11:30", "12:45", Europe::London)),
            (6, once(date(2026, 6, 1), "11:30", "12:45", paris)),
        ];
        // Touches 1 at 12:00 (exactly) and overlaps 2: absorbs both, not the others.
        let (merged, absorbed) = merge(&existing, weekly(Weekday::Mon, "12:00", "12:45", paris));
        assert_eq!(merged, weekly(Weekday::Mon, "11:00", "13:30", paris));
        assert_eq!(absorbed, vec![1, 2]);
        // A window bridging the result and 3 picks up all three.
        let (merged, absorbed) = merge(&existing, weekly(Weekday::Mon, "11:15", "14:00", paris));
        assert_eq!(merged, weekly(Weekday::Mon, "11:00", "15:00", paris));
        assert_eq!(absorbed, vec![1, 2, 3]);
        // Nothing to merge with.
        let alone = weekly(Weekday::Wed, "12:00", "13:00", paris);
        assert_eq!(merge(&existing, alone.clone()), (alone, vec![]));
    }

    #[test]
    fn a_weekly_window_keeps_its_wall_clock_time_across_the_spring_change() {
        let w = weekly(Weekday::Sun, "12:00", "13:30", Europe::Paris);
        let got = occurrences(&[w], utc(2026, 3, 15, 0, 0), utc(2026, 4, 6, 0, 0));
        assert_eq!(
            got,
            vec![
                iv(utc(2026, 3, 15, 11, 0), utc(2026, 3, 15, 12, 30)),
                iv(utc(2026, 3, 22, 11, 0), utc(2026, 3, 22, 12, 30)),
                // The clocks went forward that very night: 12:00 CEST is 10:00 UTC.
                iv(utc(2026, 3, 29, 10, 0), utc(2026, 3, 29, 11, 30)),
                iv(utc(2026, 4, 5, 10, 0), utc(2026, 4, 5, 11, 30)),
            ]
        );
    }

    #[test]
    fn a_weekly_window_keeps_its_wall_clock_time_across_the_autumn_change() {
        let w = weekly(Weekday::Sun, "12:00", "13:30", Europe::Paris);
        let got = occurrences(&[w], utc(2026, 10, 18, 0, 0), utc(2026, 10, 26, 0, 0));
        assert_eq!(
            got,
            vec![
                iv(utc(2026, 10, 18, 10, 0), utc(2026, 10, 18, 11, 30)),
                iv(utc(2026, 10, 25, 11, 0), utc(2026, 10, 25, 12, 30))
            ]
        );
        // The repeated hour: 02:30 happens twice that night; the earlier one (CEST) is taken.
        let w = once(date(2026, 10, 25), "02:30", "03:30", Europe::Paris);
        assert_eq!(occurrences(&[w], 0, i64::MAX), vec![iv(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30))]);
    }

    #[test]
    fn a_window_starting_in_the_spring_gap_starts_when_the_gap_ends() {
        // 02:30 does not exist in Paris on 2026-03-29: the clocks jump from 02:00 to 03:00
        // (01:00 UTC). The window starts at 03:00 CEST and ends at 03:30 CEST.
        let w = once(date(2026, 3, 29), "02:30", "03:30", Europe::Paris);
        assert_eq!(occurrences(&[w], 0, i64::MAX), vec![iv(utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30))]);
        let w = weekly(Weekday::Sun, "02:30", "03:30", Europe::Paris);
        let got = occurrences(&[w], utc(2026, 3, 22, 0, 0), utc(2026, 3, 30, 0, 0));
        assert_eq!(
            got,
            vec![
                iv(utc(2026, 3, 22, 1, 30), utc(2026, 3, 22, 2, 30)),
                iv(utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30))
            ]
        );
        // Entirely inside the gap: nothing that day.
        let w = once(date(2026, 3, 29), "02:10", "02:50", Europe::Paris);
        assert_eq!(occurrences(&[w], 0, i64::MAX), vec![]);
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_after_the_gap() {
        // Chile moves its clocks from 24:00 to 01:00 on the first Sunday of September.
        let santiago = America::Santiago;
        let sunday = date(2026, 9, 6);
        assert!(matches!(santiago.from_local_datetime(&sunday.and_time(NaiveTime::MIN)), LocalResult::None));
        let one_am = santiago.from_local_datetime(&sunday.and_hms_opt(1, 0, 0).unwrap()).single().unwrap().timestamp();
        assert_eq!(day_start(day_number(sunday), santiago), one_am);
        assert_eq!(local_day(one_am, santiago), day_number(sunday));
        assert_eq!(local_day(one_am - 1, santiago), day_number(sunday) - 1);
        assert_eq!(day_start(day_number(date(2026, 6, 1)), Europe::Paris), utc(2026, 5, 31, 22, 0));
    }

    #[test]
    fn members_in_different_zones_meet_in_utc() {
        let day = date(2026, 6, 10);
        let london = vec![once(day, "12:00", "13:00", Europe::London)];
        let paris = vec![once(day, "13:30", "14:30", Europe::Paris)];
        let (a, b) = (occurrences(&london, 0, i64::MAX), occurrences(&paris, 0, i64::MAX));
        assert_eq!(a, vec![iv(utc(2026, 6, 10, 11, 0), utc(2026, 6, 10, 12, 0))]);
        assert_eq!(b, vec![iv(utc(2026, 6, 10, 11, 30), utc(2026, 6, 10, 12, 30))]);
        // Both are free 11:30–12:00 UTC: 12:30–13:00 in London, 13:30–14:00 in Paris.
        let both = crowded(&[a.clone(), b], 2, 0);
        assert_eq!(
            both,
            vec![Crowd { interval: iv(utc(2026, 6, 10, 11, 30), utc(2026, 6, 10, 12, 0)), fewest: 2, most: 2 }]
        );
        // London 12:00–13:00 is Paris 13:00–14:00: the very same hour.
        let same = occurrences(&[once(day, "13:00", "14:00", Europe::Paris)], 0, i64::MAX);
        assert_eq!(same, a);
    }

    #[test]
    fn new_york_changes_its_clocks_three_weeks_before_paris() {
        let ny = weekly(Weekday::Mon, "08:00", "09:00", America::New_York);
        let got = occurrences(std::slice::from_ref(&ny), utc(2026, 3, 2, 0, 0), utc(2026, 3, 17, 0, 0));
        assert_eq!(
            got,
            vec![
                iv(utc(2026, 3, 2, 13, 0), utc(2026, 3, 2, 14, 0)),
                iv(utc(2026, 3, 9, 12, 0), utc(2026, 3, 9, 13, 0)),
                iv(utc(2026, 3, 16, 12, 0), utc(2026, 3, 16, 13, 0)),
            ]
        );
        // Seen from Paris (still on winter time until 03-29): 14:00, then 13:00.
        let view = week_view(&[ny], Europe::Paris, date(2026, 3, 2), 14);
        assert_eq!(view[0].spans, vec![(m("14:00"), m("15:00"))]);
        assert_eq!(view[7].spans, vec![(m("13:00"), m("14:00"))]);
        assert_eq!(view.iter().filter(|d| !d.spans.is_empty()).count(), 2);
    }

    #[test]
    fn the_week_view_shows_windows_in_the_viewers_zone_split_at_midnight() {
        // 17:00–20:00 in New York is 23:00–02:00 in Paris.
        let windows = vec![
            once(date(2026, 6, 10), "17:00", "20:00", America::New_York),
            weekly(Weekday::Fri, "12:00", "13:00", Europe::Paris),
            weekly(Weekday::Fri, "06:30", "08:00", America::New_York),
        ];
        let view = week_view(&windows, Europe::Paris, date(2026, 6, 8), 7);
        assert_eq!(view.len(), 7);
        assert_eq!(view[0].date, date(2026, 6, 8));
        assert_eq!(view[6].date, date(2026, 6, 14));
        let spans: Vec<(NaiveDate, Vec<(Minute, Minute)>)> = view.into_iter().map(|d| (d.date, d.spans)).collect();
        assert_eq!(
            spans,
            vec![
                (date(2026, 6, 8), vec![]),
                (date(2026, 6, 9), vec![]),
                (date(2026, 6, 10), vec![(m("23:00"), m("24:00"))]),
                (date(2026, 6, 11), vec![(m("00:00"), m("02:00"))]),
                // New York 06:30–08:00 is 12:30–14:00 in Paris: it joins Paris 12:00–13:00.
                (date(2026, 6, 12), vec![(m("12:00"), m("14:00"))]),
                (date(2026, 6, 13), vec![]),
                (date(2026, 6, 14), vec![]),
            ]
        );
    }

    #[test]
    fn the_week_view_reads_across_daylight_saving_changes() {
        // In autumn 02:00–03:00 happens twice, in spring not at all: both read 01:30–04:00.
        let w = once(date(2026, 10, 25), "01:30", "04:00", Europe::Paris);
        let view = week_view(&[w], Europe::Paris, date(2026, 10, 25), 1);
        assert_eq!(view[0].spans, vec![(m("01:30"), m("04:00"))]);
        let w = once(date(2026, 3, 29), "01:30", "04:00", Europe::Paris);
        let view = week_view(&[w], Europe::Paris, date(2026, 3, 29), 1);
        assert_eq!(view[0].spans, vec![(m("01:30"), m("04:00"))]);
    }

    #[test]
    fn crowds_count_people_not_their_overlapping_windows() {
        let h = 3600;
        let others = vec![
            vec![iv(0, 2 * h), iv(h, 3 * h)], // one person, overlapping windows: counts once
            vec![iv(h, 4 * h)],
            vec![iv(2 * h, 5 * h)],
        ];
        assert_eq!(crowded(&others, 2, 0), vec![Crowd { interval: iv(h, 4 * h), fewest: 2, most: 3 }]);
        assert_eq!(crowded(&others, 3, 0), vec![Crowd { interval: iv(2 * h, 3 * h), fewest: 3, most: 3 }]);
        assert_eq!(crowded(&others, 3, h + 1), vec![]);
        assert_eq!(crowded(&others, 4, 0), vec![]);
        assert_eq!(crowded(&[], 1, 0), vec![]);
    }

    fn zone() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(Europe::Paris),
            Just(Europe::London),
            Just(America::New_York),
            Just(America::Santiago),
            Just(chrono_tz::Australia::Lord_Howe),
            Just(chrono_tz::Asia::Kolkata),
            Just(chrono_tz::Pacific::Apia),
            (0usize..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| chrono_tz::TZ_VARIANTS[i]),
        ]
    }

    fn window() -> impl Strategy<Value = Window> {
        let repeat = prop_oneof![
            (0u8..7).prop_map(|d| Repeat::Weekly(WEEKDAY_KEYS[usize::from(d)].0)),
            (20_400i32..20_900).prop_map(|d| Repeat::Once(date_of_day(d))),
        ];
        (repeat, 0u16..=1440, 0u16..=1440, zone())
            .prop_filter("start before end", |(_, a, b, _)| a != b)
            .prop_map(|(repeat, a, b, zone)| Window { repeat, from: Minute(a.min(b)), until: Minute(a.max(b)), zone })
    }

    /// People's free intervals at minute resolution within 0..600 minutes.
    fn people() -> impl Strategy<Value = Vec<Vec<Interval>>> {
        let interval = (0i64..600, 1i64..120).prop_map(|(s, len)| iv(s * 60, (s + len).min(600) * 60));
        prop::collection::vec(prop::collection::vec(interval, 0..4), 0..6)
    }

    /// Minute-by-minute reference for `crowded`.
    fn crowded_by_minutes(others: &[Vec<Interval>], at_least: usize, min_len: i64) -> Vec<Crowd> {
        let at_least = at_least.max(1);
        let counts: Vec<usize> = (0..600i64)
            .map(|minute| {
                others.iter().filter(|p| p.iter().any(|i| i.start <= minute * 60 && minute * 60 < i.end)).count()
            })
            .collect();
        let mut out: Vec<Crowd> = Vec::new();
        let mut open: Option<Crowd> = None;
        for (minute, &n) in counts.iter().enumerate().chain(std::iter::once((600, &0))) {
            let t = minute as i64 * 60;
            if n >= at_least {
                let c = open.get_or_insert(Crowd { interval: iv(t, t), fewest: n, most: n });
                c.interval.end = t + 60;
                c.fewest = c.fewest.min(n);
                c.most = c.most.max(n);
            } else if let Some(c) = open.take() {
                if c.interval.secs() >= min_len {
                    out.push(c);
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn minutes_read_back_what_they_show(minutes in 0u16..=1440) {
            let minute = Minute::new(minutes).unwrap();
            prop_assert_eq!(Minute::parse(&minute.to_string()), Some(minute));
        }

        #[test]
        fn crowded_agrees_with_counting_minute_by_minute(others in people(), at_least in 0usize..5, min_len in 0i64..7200) {
            prop_assert_eq!(crowded(&others, at_least, min_len), crowded_by_minutes(&others, at_least, min_len));
        }

        #[test]
        fn occurrences_are_sorted_disjoint_and_non_empty(
            windows in prop::collection::vec(window(), 0..6),
            from in 1_760_000_000i64..1_810_000_000,
            span in 0i64..40 * 86_400,
        ) {
            let got = occurrences(&windows, from, from + span);
            for i in &got {
                prop_assert!(i.start < i.end);
                prop_assert!(from <= i.start && i.end <= from + span);
            }
            for pair in got.windows(2) {
                prop_assert!(pair[0].end < pair[1].start);
            }
        }

        #[test]
        fn weekly_windows_start_at_their_wall_clock_time(
            day in 0u8..7, from in 600u16..780, len in 1u16..240, start in 1_760_000_000i64..1_810_000_000,
            zone in prop_oneof![Just(Europe::Paris), Just(Europe::London), Just(America::New_York)],
        ) {
            let w = Window { repeat: Repeat::Weekly(WEEKDAY_KEYS[usize::from(day)].0), from: Minute(from), until: Minute(from + len), zone };
            let got = occurrences(&[w], start - 86_400 * 3, start + 86_400 * 60);
            prop_assert!(got.len() >= 8);
            for i in got.iter().skip(1).take(got.len() - 2) {
                let local = DateTime::from_timestamp(i.start, 0).unwrap().with_timezone(&zone);
                prop_assert_eq!(local.weekday(), WEEKDAY_KEYS[usize::from(day)].0);
                prop_assert_eq!(local.naive_local().time().signed_duration_since(NaiveTime::MIN).num_minutes(), i64::from(from));
                prop_assert_eq!(i.secs(), i64::from(len) * 60);
            }
        }

        #[test]
        fn the_week_view_is_tidy_and_shows_every_occurrence(
            windows in prop::collection::vec(window(), 0..6), viewer in zone(), today in 20_400i32..20_900, days in 0u32..9,
        ) {
            let view = week_view(&windows, viewer, date_of_day(today), days);
            prop_assert_eq!(view.len(), days as usize);
            let mut shown = 0i64;
            for (n, day) in view.iter().enumerate() {
                prop_assert_eq!(day.date, date_of_day(today + n as i32));
                for s in &day.spans {
                    prop_assert!(s.0 < s.1);
                    shown += i64::from(s.1.get() - s.0.get());
                }
                for pair in day.spans.windows(2) {
                    prop_assert!(pair[0].1 < pair[1].0);
                }
            }
            // Nothing is lost: wall-clock minutes shown cover the real minutes free, give or
            // take the hours the clocks skip or repeat.
            let free: i64 = occurrences(&windows, day_start(today, viewer), day_start(today + days as i32, viewer))
                .iter().map(|i| i.secs()).sum();
            prop_assert!(shown * 60 + 2 * 86_400 >= free, "shown {} min, free {} s", shown, free);
            prop_assert!(shown > 0 || free == 0);
        }

        #[test]
        fn merging_covers_everything_absorbed_and_leaves_nothing_to_merge(
            existing in prop::collection::vec(window(), 0..8), new in window(),
        ) {
            let existing: Vec<(i64, Window)> = existing.into_iter().enumerate().map(|(i, w)| (i as i64, w)).collect();
            let (merged, absorbed) = merge(&existing, new.clone());
            prop_assert!(merged.from <= new.from && new.until <= merged.until);
            prop_assert!(merged.same_slot(&new));
            for (id, w) in &existing {
                if absorbed.contains(id) {
                    prop_assert!(merged.from <= w.from && w.until <= merged.until && merged.same_slot(w));
                } else {
                    prop_assert!(!(merged.same_slot(w) && w.from <= merged.until && merged.from <= w.until));
                }
            }
        }
    }
}

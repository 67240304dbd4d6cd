//! Calendar files (.ics) for events, built with the `icalendar` crate: one VEVENT with
//! UTC times, the online link, the organizer, and no list of other attendees. A changed
//! time is the same UID with a higher SEQUENCE; a cancellation is METHOD:CANCEL.
use super::domain::Schedule;
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};

/// What an .ics says about an event.
pub struct CalendarEntry<'a> {
    /// Stable for the event's life, e.g. `event-42@hearth.example`.
    pub uid: &'a str,
    /// 0 at first; one more at each change of time (or the cancellation).
    pub sequence: u32,
    pub title: &'a str,
    pub description: &'a str,
    pub schedule: Schedule,
    /// The event page.
    pub page_url: &'a str,
    /// Where people join (the file goes to invitees only): the LOCATION.
    pub online_link: &'a str,
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    /// When this file was made (DTSTAMP).
    pub now: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarMethod {
    /// An invitation or an update.
    Request,
    /// The event is called off.
    Cancel,
}

fn utc(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// The .ics text (CRLF lines, as RFC 5545 wants).
pub fn ics(entry: &CalendarEntry<'_>, method: CalendarMethod) -> String {
    let mut event = icalendar::Event::new();
    event
        .uid(entry.uid)
        .sequence(entry.sequence)
        .timestamp(utc(entry.now))
        .summary(entry.title)
        .description(entry.description)
        .starts(utc(entry.schedule.start))
        .ends(utc(entry.schedule.end()))
        .url(entry.page_url)
        .location(entry.online_link)
        .append_property(
            Property::new("ORGANIZER", format!("mailto:{}", entry.organizer_email))
                .add_parameter("CN", entry.organizer_name)
                .done(),
        );
    if method == CalendarMethod::Cancel {
        event.status(EventStatus::Cancelled);
    }
    let mut calendar = Calendar::new();
    calendar.append_property(Property::new(
        "METHOD",
        match method {
            CalendarMethod::Request => "REQUEST",
            CalendarMethod::Cancel => "CANCEL",
        },
    ));
    calendar.push(event.done());
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::time::{local_to_utc, parse_time_zone};
    use icalendar::{CalendarDateTime, DatePerhapsTime};

    fn entry(schedule: Schedule, sequence: u32) -> CalendarEntry<'static> {
        CalendarEntry {
            uid: "event-7@hearth.example",
            sequence,
            title: "Book club; chapter 3",
            description: "Bring tea,\nand questions.",
            schedule,
            page_url: "https://hearth.example/events/7",
            online_link: "https://meet.example/abc",
            organizer_name: "Ann",
            organizer_email: "ann@example.com",
            now: 1_800_000_000,
        }
    }

    #[test]
    fn an_event_entered_on_a_dst_day_reads_back_at_the_right_utc_time() {
        // 30 March 2025, 10:00 in Paris: the clocks went forward at 02:00 (UTC+2 after).
        let paris = parse_time_zone("Europe/Paris").unwrap();
        let local = chrono::NaiveDate::from_ymd_opt(2025, 3, 30).unwrap().and_hms_opt(10, 0, 0).unwrap();
        let start = local_to_utc(paris, local).unwrap();
        assert_eq!(utc(start).to_rfc3339(), "2025-03-30T08:00:00+00:00");
        let text = ics(&entry(Schedule { start, duration_minutes: 90 }, 2), CalendarMethod::Request);
        assert!(text.contains("METHOD:REQUEST"));
        let parsed: Calendar = text.parse().unwrap();
        let event = parsed.events().next().unwrap();
        assert_eq!(event.get_start(), Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(utc(start)))));
        assert_eq!(event.get_end(), Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(utc(start + 90 * 60)))));
        assert_eq!(event.get_uid(), Some("event-7@hearth.example"));
        assert_eq!(event.get_sequence(), Some(2));
        assert_eq!(event.get_summary(), Some("Book club; chapter 3"));
        assert_eq!(event.get_url(), Some("https://hearth.example/events/7"));
        assert_eq!(event.get_location(), Some("https://meet.example/abc"));
        assert!(text.contains("ORGANIZER;CN=Ann:mailto:ann@example.com"), "{text}");
        assert!(!text.contains("ATTENDEE"), "no list of other attendees");
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_says_cancel() {
        let s = Schedule { start: 1_800_100_000, duration_minutes: 30 };
        let text = ics(&entry(s, 3), CalendarMethod::Cancel);
        assert!(text.contains("METHOD:CANCEL") && text.contains("STATUS:CANCELLED"), "{text}");
        let parsed: Calendar = text.parse().unwrap();
        let event = parsed.events().next().unwrap();
        assert_eq!((event.get_uid(), event.get_sequence()), (Some("event-7@hearth.example"), Some(3)));
    }
}

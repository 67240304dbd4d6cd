//! Time zones: every time is stored as UTC unix seconds and shown in the viewer's zone.
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeZoneError {
    #[error("Please choose your time zone.")]
    Empty,
    #[error("We don't know the time zone \"{0}\"; pick one from the list (for example Europe/Paris).")]
    Unknown(String),
}

/// Parses an IANA time zone name such as `Europe/Paris` (what browsers report).
pub fn parse_time_zone(input: &str) -> Result<Tz, TimeZoneError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TimeZoneError::Empty);
    }
    s.parse::<Tz>().map_err(|_| {
        let shown: String = s.chars().take(40).collect();
        TimeZoneError::Unknown(shown)
    })
}

/// A stored zone name as a zone; UTC for a name this build does not know (stored names
/// were checked when saved).
pub fn zone_or_utc(name: &str) -> Tz {
    parse_time_zone(name).unwrap_or(chrono_tz::UTC)
}

/// Formats a UTC unix timestamp for a person in `tz`, e.g. "Wed 25 Nov 2026, 18:30 CET".
pub fn format_in_zone(unix_secs: i64, tz: Tz) -> String {
    match Utc.timestamp_opt(unix_secs, 0).single() {
        Some(utc) => utc.with_timezone(&tz).format("%a %-d %b %Y, %H:%M %Z").to_string(),
        None => "unknown time".to_string(),
    }
}

/// Formats a span of UTC unix timestamps for a person in `tz`, e.g. "Tue 1 Dec, 12:00–13:15".
pub fn format_span_in_zone(start: i64, end: i64, tz: Tz) -> String {
    match (Utc.timestamp_opt(start, 0).single(), Utc.timestamp_opt(end, 0).single()) {
        (Some(s), Some(e)) => {
            let (s, e) = (s.with_timezone(&tz), e.with_timezone(&tz));
            format!("{}–{}", s.format("%a %-d %b, %H:%M"), e.format("%H:%M"))
        }
        _ => "unknown time".to_string(),
    }
}

/// Converts a local wall-clock time in `tz` to UTC unix seconds. A time skipped by a
/// daylight-saving jump is `None`; an ambiguous one picks the earlier instant.
pub fn local_to_utc(tz: Tz, local: chrono::NaiveDateTime) -> Option<i64> {
    tz.from_local_datetime(&local).earliest().map(|d: DateTime<Tz>| d.timestamp())
}

/// Names offered in the time zone picker.
pub fn all_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// A short duration for people: "1 second", "40 seconds", "3 minutes".
pub fn describe_secs(secs: i64) -> String {
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if secs < 60 {
        plural(secs.max(1), "second")
    } else {
        plural((secs + 59) / 60, "minute")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    #[test]
    fn known_zones_parse_and_unknown_ones_are_named() {
        assert_eq!(parse_time_zone(" Europe/Paris ").unwrap(), chrono_tz::Europe::Paris);
        assert_eq!(parse_time_zone(""), Err(TimeZoneError::Empty));
        assert_eq!(parse_time_zone("Mars/Olympus"), Err(TimeZoneError::Unknown("Mars/Olympus".into())));
    }

    #[test]
    fn times_are_shown_in_the_viewers_zone() {
        // 2026-11-25 12:00 UTC
        let t = 1_795_608_000;
        assert_eq!(format_in_zone(t, chrono_tz::Europe::Paris), "Wed 25 Nov 2026, 13:00 CET");
        assert_eq!(format_in_zone(t, chrono_tz::America::New_York), "Wed 25 Nov 2026, 07:00 EST");
        assert_eq!(format_span_in_zone(t, t + 4500, chrono_tz::Europe::Paris), "Wed 25 Nov, 13:00–14:15");
    }

    #[test]
    fn a_time_skipped_by_daylight_saving_does_not_exist() {
        let skipped = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap().and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(local_to_utc(chrono_tz::Europe::Paris, skipped), None);
    }

    proptest! {
        #[test]
        fn local_time_round_trips_through_utc(idx in 0usize..chrono_tz::TZ_VARIANTS.len(), secs in 0i64..4_000_000_000) {
            let tz = chrono_tz::TZ_VARIANTS[idx];
            let local = Utc.timestamp_opt(secs, 0).unwrap().with_timezone(&tz).naive_local();
            let back = local_to_utc(tz, local).unwrap();
            // Ambiguous wall-clock times (the hour repeated in autumn) map to the earlier instant.
            prop_assert!(back <= secs && secs - back <= 2 * 3600);
            let again = Utc.timestamp_opt(back, 0).unwrap().with_timezone(&tz).naive_local();
            prop_assert_eq!(again, local);
        }
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe_secs(1), "1 second");
        assert_eq!(describe_secs(40), "40 seconds");
        assert_eq!(describe_secs(61), "2 minutes");
        assert_eq!(describe_secs(900), "15 minutes");
    }
}

//! Lunches' wire types: what the server functions return and the pages show. Times arrive
//! formatted in the viewer's time zone.
use super::domain::{Answer, LunchState};
use serde::{Deserialize, Serialize};

/// A food type or a location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedView {
    pub id: i64,
    pub name: String,
    pub time_zone: Option<String>,
    pub retired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowView {
    pub id: i64,
    /// "Every Monday, 12:00–13:30" or "Tue 1 Dec 2026, 12:00–13:30".
    pub label: String,
    /// Shown when the window's zone is not the viewer's.
    pub zone_note: Option<String>,
    /// For the edit form.
    pub repeat: String,
    pub date: String,
    pub from: String,
    pub until: String,
}

/// A free span on one day of the week view, in minutes after the viewer's midnight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanView {
    pub from_minute: u16,
    pub until_minute: u16,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    pub label: String,
    pub spans: Vec<SpanView>,
}

/// When enough compatible people at the member's location are free (counts, never names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrowdView {
    pub when: String,
    pub count: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LunchCard {
    pub id: i64,
    pub when: String,
    pub location: String,
    pub food: String,
    pub state: LunchState,
    pub state_label: String,
    pub my_answer: Answer,
    pub may_review: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeView {
    pub hint: String,
    pub status: String,
}

/// `/lunches`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LunchesView {
    pub user_id: i64,
    pub enrolled: bool,
    pub banned: bool,
    pub viewer_zone: String,
    /// Today in the viewer's zone (YYYY-MM-DD), the earliest date a window may have.
    pub today: String,
    pub location_id: Option<i64>,
    pub locations: Vec<NamedView>,
    pub foods: Vec<NamedView>,
    pub cannot_eat: Vec<i64>,
    pub windows: Vec<WindowView>,
    pub week: Vec<DayRow>,
    pub crowds: Vec<CrowdView>,
    pub proposed: Vec<LunchCard>,
    pub upcoming: Vec<LunchCard>,
    pub past: Vec<LunchCard>,
    pub codes: Vec<CodeView>,
    /// A code just created (shown once).
    pub new_code: Option<String>,
    pub join_link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub user_id: i64,
    pub name: String,
    pub answer: Answer,
}

/// `/lunches/{id}`, for one of its attendees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LunchView {
    pub id: i64,
    pub when: String,
    pub viewer_zone: String,
    pub location: String,
    pub food: String,
    pub state: LunchState,
    pub state_label: String,
    pub min_size: i64,
    pub max_size: i64,
    pub people: Vec<PersonView>,
    pub me: i64,
    pub my_answer: Answer,
    pub may_answer: bool,
    pub may_review: bool,
    pub reviewed: bool,
    /// The one-tap link's token, carried back in the answer forms (no session needed).
    pub token: Option<String>,
    pub signed_in: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedItem {
    pub id: i64,
    pub initials: String,
    pub date: String,
    pub food: String,
    pub location: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLunchRow {
    pub id: i64,
    pub when: String,
    pub location: String,
    pub food: String,
    pub state_label: String,
    pub people: String,
}

/// `/admin/lunches`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLunchesView {
    pub foods: Vec<NamedView>,
    pub locations: Vec<NamedView>,
    pub lunches: Vec<AdminLunchRow>,
    pub viewer_zone: String,
}

/// `/lunches/join`: who is asking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinView {
    pub enrolled: bool,
}

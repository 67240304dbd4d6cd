//! What the events server functions return: the wire types `api` and `pages` share.
use super::domain::{Phase, Rsvp, Standing};
use serde::{Deserialize, Serialize};

/// One line of the "Events" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSummary {
    pub slug: String,
    pub title: String,
    /// In the viewer's time zone.
    pub when: String,
    pub phase: Phase,
    pub organizing: bool,
    pub my_standing: Option<Standing>,
}

/// One event on the admin page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminEventRow {
    pub slug: String,
    pub title: String,
    pub organizer: String,
    pub when: String,
    pub phase: Phase,
    pub price: Option<String>,
    /// Published and not started: it can be taken down.
    pub may_unpublish: bool,
}

/// The viewer's events: upcoming (soonest first) and past (latest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyEvents {
    pub upcoming: Vec<EventSummary>,
    pub past: Vec<EventSummary>,
}

/// A cover photo or video, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaView {
    pub url: String,
    pub thumb_url: Option<String>,
    pub content_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// An invitation as the organizer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteeView {
    pub email: String,
    pub name: Option<String>,
    pub standing: Option<Standing>,
    pub mailed: bool,
}

/// What the organizer typed, as the edit form shows it again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventForm {
    pub title: String,
    pub description: String,
    pub online_link: String,
    /// `YYYY-MM-DDTHH:MM` in `time_zone` (a datetime-local input's value).
    pub start_local: String,
    pub time_zone: String,
    pub duration_minutes: String,
    pub capacity: String,
    /// "8.00", or empty: free.
    pub ticket_price: String,
    /// Only a draft's price can change.
    pub price_editable: bool,
}

pub use crate::core::domain::invitations::InviteReport;

/// An event, as an invitee or its organizer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub organizer_name: String,
    /// In the viewer's time zone, with the zone's abbreviation.
    pub when: String,
    pub viewer_time_zone: String,
    /// "in 3 days", "now", "ended" (kept current in the browser from `start`).
    pub countdown: String,
    /// The start, unix seconds (UTC).
    pub start: i64,
    pub duration_minutes: i64,
    pub phase: Phase,
    pub is_organizer: bool,
    /// Shown to invitees from 15 minutes before the start to its end (always to the organizer).
    pub online_link: Option<String>,
    pub capacity: Option<u32>,
    pub my_standing: Option<Standing>,
    /// Whether the viewer may answer now (an invitee, published, before the start).
    pub can_answer: bool,
    /// The answer a mailed link asks to confirm (opening that link changes nothing).
    pub proposed: Option<Rsvp>,
    /// Names (invitees and the organizer only).
    pub going: Vec<String>,
    pub maybe: Vec<String>,
    pub waitlisted: usize,
    /// The organizer's view of the invitations.
    pub invitees: Vec<InviteeView>,
    pub form: Option<EventForm>,
    pub cover: Option<MediaView>,
    pub video: Option<MediaView>,
    /// Set when the page was opened with an invitee's RSVP link rather than a session.
    pub answering_as: Option<String>,
    pub invite_report: Option<InviteReport>,
    /// A paid event's ticket, formatted for the reader ("€8.00").
    pub price: Option<String>,
    /// The invitee's credit (paid events).
    pub my_credit: Option<String>,
    /// The invitee has paid their ticket (going again never pays again).
    pub ticket_paid: bool,
    /// The organizer's earnings from this event ("3 tickets paid: €24.00").
    pub earnings: Option<String>,
}

/// What a stranger (or a link preview) sees of a published event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPreview {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub organizer_name: String,
    pub when: String,
    pub phase: Phase,
    pub cover: Option<MediaView>,
    /// The cover's absolute address, for the link preview (og:image).
    pub image_url: Option<String>,
    pub signed_in: bool,
}

/// An event page: the event, or its public preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventOrPreview {
    Full(Box<EventView>),
    Preview(Box<EventPreview>),
}

//! Secret Santa's wire types: what its server functions answer and its pages show (both
//! targets; api.rs and pages.rs import them, so neither imports the other).
use super::domain::ExchangeState;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeSummary {
    pub id: i64,
    pub name: String,
    pub state: ExchangeState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeView {
    pub id: i64,
    pub name: String,
    pub spending_note: String,
    pub description: String,
    pub state: ExchangeState,
    pub is_creator: bool,
    pub creator_id: i64,
    pub creator_name: String,
    /// The public, shareable address of the wall of shame.
    pub wall_path: String,
    pub members: Vec<MemberView>,
    /// Creator only: invitations not accepted yet (pending or declined).
    pub invites: Vec<InviteView>,
    /// Creator only: "A must not draw B", as names.
    pub exclusions: Vec<(String, String)>,
    /// Shown in the viewer's own time zone.
    pub reveal_at: Option<String>,
    pub viewer_time_zone: String,
    /// The viewer's own recipient, once drawn.
    pub my_recipient: Option<String>,
    pub my_gift_chosen: bool,
    /// The reveal time has passed and the presents are being opened (the timed job has not
    /// finished yet, or is retrying).
    pub revealing: bool,
    /// The viewer's side as a recipient: wish hint and notes with their anonymous Santa.
    pub my_santa: SantaChat,
    /// The report of the invitations the viewer just sent from this page (read once).
    pub invite_report: Option<InviteReport>,
}

/// An invitation as the exchange's creator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    pub email: String,
    pub declined: bool,
    /// A reminder may be sent (the last mail is a day old, and they have not declined).
    pub can_remind: bool,
}

/// What an invited person sees before joining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: i64,
    pub name: String,
    pub creator_name: String,
    pub spending_note: String,
    pub description: String,
    pub member_count: usize,
}

pub use crate::core::domain::invitations::InviteReport;

/// One anonymous note between a giver and their recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    /// Written by the viewer.
    pub mine: bool,
    pub body: String,
    /// In the viewer's time zone.
    pub at: String,
}

/// The viewer's side as a recipient: their wish hint and the notes with their (anonymous)
/// Secret Santa. Nothing here identifies the giver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SantaChat {
    pub my_wish_hint: String,
    pub can_edit_hint: bool,
    pub notes: Vec<NoteView>,
    /// Notes can be written while the names are drawn and the presents not yet open.
    pub can_write: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftView {
    pub exchange_id: i64,
    pub exchange_name: String,
    pub recipient_name: String,
    pub recipient_wish_hint: String,
    pub notes: Vec<NoteView>,
    pub emoji: String,
    pub message: String,
    pub reveal_at: String,
    pub can_edit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Present {
    /// Not yet: the reveal is at this time (viewer's zone).
    Wrapped {
        reveal_at: String,
        /// The reveal time has passed; the presents are being opened.
        revealing: bool,
    },
    Gift {
        emoji: String,
        message: String,
        giver_name: String,
    },
    /// The giver gave nothing.
    Coal {
        giver_name: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentView {
    pub exchange_id: i64,
    pub exchange_name: String,
    pub present: Present,
    pub wall_path: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrinchView {
    pub id: i64,
    pub name: String,
    pub boos: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallView {
    pub exchange_id: i64,
    pub exchange_name: String,
    pub revealed: bool,
    pub grinches: Vec<GrinchView>,
    /// Members may boo (signed-in viewers who belong to the exchange).
    pub can_boo: bool,
}

#[cfg(test)]
mod tests {
    use super::InviteReport;

    #[test]
    fn a_shortened_report_keeps_the_mistakes_first_and_counts_the_rest() {
        let list = |p: &str, n: usize| (0..n).map(|i| format!("{p}{i}@example.com")).collect::<Vec<_>>();
        let report = InviteReport {
            invited: list("invited", 50),
            already: list("already", 5),
            duplicates: list("twice", 2),
            invalid: vec!["nope".into()],
            more: 0,
        };
        let short = report.clone().shortened(400);
        assert_eq!(short.invalid, report.invalid);
        assert_eq!(short.duplicates, report.duplicates);
        assert_eq!(short.already, report.already);
        assert!(short.invited.len() < 50 && !short.invited.is_empty());
        assert_eq!(short.more, 50 - short.invited.len());
        assert_eq!(report.clone().shortened(10_000), report);
    }
}

//! Events' mails: put in the core's outbox by the service, rendered here at send time (so
//! a roster lists who is going when it is sent, and a calendar file has the event's
//! current time). Invitations, changes and cancellations carry an .ics.
use super::calendar::{ics, CalendarEntry, CalendarMethod};
use super::domain::{Rsvp, Standing};
use super::store::{self, Event};
use crate::core::db;
use crate::core::domain::invitations::newcomer_signup_path;
use crate::core::domain::outbox::Mail;
use crate::core::domain::time::{format_in_zone, zone_or_utc};
use crate::core::mail::templates::{compose, MailParts};
use crate::core::mail::{greeting_name, Attachment, OutgoingEmail};
use crate::core::registry::{BoxFuture, MailKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventMail {
    /// A registered person is invited; the links answer with the invitee's RSVP token.
    EventInvite { user_id: i64, event_id: i64, token: String },
    /// An address without a verified account: sign up with it, then answer.
    EventInviteNewcomer { email: String, event_id: i64 },
    /// A place freed and the first on the waitlist has it (`seq`: the answer it ends).
    /// `token`: a sign-in link to the event page.
    EventPromoted {
        user_id: i64,
        event_id: i64,
        seq: i64,
        #[serde(default)]
        token: Option<String>,
    },
    /// The time changed: a new .ics with a higher SEQUENCE. To everyone who got the
    /// invitation except those who said no (`user_id` `None`: an address with no account).
    EventChanged { user_id: Option<i64>, event_id: i64, sequence: i64, token: Option<String> },
    /// The event was called off: a CANCEL .ics, to the same people.
    EventCancelled { user_id: Option<i64>, event_id: i64, sequence: i64, token: Option<String> },
    /// To the organizer, an hour before the start (`start`: the start it is for).
    EventRoster { user_id: i64, event_id: i64, start: i64 },
    /// A place of a paid event freed (`seq`: the answer that freed it), but this waitlisted
    /// person's credit did not cover the ticket: it went to the next in line.
    EventPassedOver { user_id: i64, event_id: i64, seq: i64 },
    /// To the organizer: an admin took the event down, with the reason.
    EventUnpublished { user_id: i64, event_id: i64, reason: String, at: i64 },
}

impl Mail for EventMail {
    fn cause(&self) -> String {
        match self {
            Self::EventInvite { event_id, .. } | Self::EventInviteNewcomer { event_id, .. } => {
                format!("event-invite:{event_id}")
            }
            Self::EventPromoted { event_id, seq, .. } => format!("event-promoted:{event_id}:{seq}"),
            Self::EventChanged { event_id, sequence, .. } => format!("event-changed:{event_id}:{sequence}"),
            Self::EventCancelled { event_id, .. } => format!("event-cancelled:{event_id}"),
            Self::EventRoster { event_id, start, .. } => format!("event-roster:{event_id}:{start}"),
            Self::EventPassedOver { event_id, seq, .. } => format!("event-passed-over:{event_id}:{seq}"),
            Self::EventUnpublished { event_id, at, .. } => format!("event-unpublished:{event_id}:{at}"),
        }
    }
}

impl EventMail {
    fn event_id(&self) -> i64 {
        match self {
            Self::EventInvite { event_id, .. }
            | Self::EventInviteNewcomer { event_id, .. }
            | Self::EventPromoted { event_id, .. }
            | Self::EventChanged { event_id, .. }
            | Self::EventCancelled { event_id, .. }
            | Self::EventRoster { event_id, .. }
            | Self::EventPassedOver { event_id, .. }
            | Self::EventUnpublished { event_id, .. } => *event_id,
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            Self::EventInviteNewcomer { .. } => None,
            Self::EventChanged { user_id, .. } | Self::EventCancelled { user_id, .. } => *user_id,
            Self::EventInvite { user_id, .. }
            | Self::EventPromoted { user_id, .. }
            | Self::EventRoster { user_id, .. }
            | Self::EventPassedOver { user_id, .. }
            | Self::EventUnpublished { user_id, .. } => Some(*user_id),
        }
    }

    /// The sign-in link the mail carries, if any.
    fn sign_in_token(&self) -> Option<&str> {
        match self {
            Self::EventPromoted { token, .. }
            | Self::EventChanged { token, .. }
            | Self::EventCancelled { token, .. } => token.as_deref(),
            _ => None,
        }
    }

    fn calendar(&self) -> Option<CalendarMethod> {
        match self {
            Self::EventInvite { .. } | Self::EventInviteNewcomer { .. } | Self::EventChanged { .. } => {
                Some(CalendarMethod::Request)
            }
            Self::EventCancelled { .. } => Some(CalendarMethod::Cancel),
            Self::EventPromoted { .. }
            | Self::EventRoster { .. }
            | Self::EventPassedOver { .. }
            | Self::EventUnpublished { .. } => None,
        }
    }
}

/// The event page's path; `t` is an invitee's RSVP token, `rsvp` the answer to confirm.
pub fn event_path(slug: &str, token: Option<&str>, rsvp: Option<Rsvp>) -> String {
    let mut query = Vec::new();
    if let Some(r) = rsvp {
        query.push(format!("rsvp={}", r.as_str()));
    }
    if let Some(t) = token {
        query.push(format!("t={t}"));
    }
    if query.is_empty() {
        format!("/events/{slug}")
    } else {
        format!("/events/{slug}?{}", query.join("&"))
    }
}

const CHOICES: [(Rsvp, &str); 3] = [(Rsvp::Going, "Going"), (Rsvp::Maybe, "Maybe"), (Rsvp::NotGoing, "Can't go")];

/// What one of these mails says about `event` (starting at `when`, in the reader's zone).
pub fn parts(msg: &EventMail, event: &Event, when: &str, attendees: &[(String, Standing)], base: &str) -> MailParts {
    let title = &event.title;
    let page = match msg.sign_in_token() {
        Some(token) => format!("{base}/l/{token}"),
        None => format!("{base}{}", event_path(&event.slug, None, None)),
    };
    match msg {
        EventMail::EventInvite { token, .. } => MailParts {
            subject: format!("You are invited: {title}"),
            intro: format!("You are invited to \"{title}\", an online event on {when}. Will you come?"),
            button: "See the event",
            url: format!("{base}{}", event_path(&event.slug, Some(token), None)),
            choices: CHOICES
                .iter()
                .map(|(r, label)| {
                    (label.to_string(), format!("{base}{}", event_path(&event.slug, Some(token), Some(*r))))
                })
                .collect(),
            outro: "Each answer opens the event page with it ready to confirm. The calendar file is attached.",
            ..Default::default()
        },
        EventMail::EventInviteNewcomer { email, .. } => {
            let signup =
                |r: Option<Rsvp>| format!("{base}{}", newcomer_signup_path(email, &event_path(&event.slug, None, r)));
            MailParts {
                subject: format!("You are invited: {title}"),
                intro: format!(
                    "You are invited to \"{title}\", an online event on {when}. Create your Hearth account with this address to answer."
                ),
                button: "Sign up and answer",
                url: signup(None),
                choices: CHOICES.iter().map(|(r, label)| (label.to_string(), signup(Some(*r)))).collect(),
                outro: "Hearth is a small app for gatherings of friends and colleagues. If you don't know the sender, ignore this email.",
                ..Default::default()
            }
        }
        EventMail::EventPromoted { .. } => MailParts {
            subject: format!("A place opened up: you're going to {title}"),
            intro: format!(
                "A place freed up for \"{title}\" on {when}, and you were first on the waitlist: you're going."
            ),
            button: "See the event",
            url: page,
            outro: "Can't make it any more? Change your answer on the event page so the next person gets the place.",
            ..Default::default()
        },
        EventMail::EventChanged { .. } => MailParts {
            subject: format!("New time: {title}"),
            intro: format!(
                "\"{title}\" has moved: it now starts on {when}. The attached calendar file updates your calendar."
            ),
            button: "See the event",
            url: page,
            outro: "If the new time doesn't suit you, change your answer on the event page.",
            ..Default::default()
        },
        EventMail::EventCancelled { .. } => MailParts {
            subject: format!("Cancelled: {title}"),
            intro: format!("\"{title}\", planned for {when}, has been cancelled by its organizer."),
            button: "See the event",
            url: page,
            outro: "The attached calendar file removes it from your calendar.",
            ..Default::default()
        },
        EventMail::EventPassedOver { .. } => {
            let price =
                event.ticket_price.map(|p| p.format(crate::core::domain::money::Locale::English)).unwrap_or_default();
            MailParts {
                subject: format!("A place opened up at {title}, but your credit is short"),
                intro: format!(
                    "A place freed up for \"{title}\" on {when}, but your credit doesn't cover the ticket ({price}), so it went to the next person on the waitlist. You keep your turn: add credit and the next free place is yours."
                ),
                button: "Add credit",
                url: format!("{base}/vouchers"),
                outro: "Redeem a voucher code or buy a voucher on your Credit page.",
                ..Default::default()
            }
        }
        EventMail::EventUnpublished { reason, .. } => MailParts {
            subject: format!("Taken down: {title}"),
            intro: format!(
                "An admin has taken \"{title}\" down: it is a draft again, which only you can see. The reason given: \"{reason}\""
            ),
            button: "Open the event",
            url: page,
            outro: "Invitees no longer see it. Reply to the admins if you think this is a mistake.",
            ..Default::default()
        },
        EventMail::EventRoster { .. } => {
            let count = |s: Standing| attendees.iter().filter(|(_, st)| *st == s).count();
            let mut list: Vec<String> = attendees
                .iter()
                .filter(|(_, s)| matches!(s, Standing::Going | Standing::Maybe))
                .map(|(name, s)| format!("{name} ({})", if *s == Standing::Going { "going" } else { "maybe" }))
                .collect();
            if list.is_empty() {
                list.push("Nobody has said they are coming yet.".into());
            }
            let waiting = count(Standing::Waitlisted);
            MailParts {
                subject: format!("Who's coming to {title}"),
                intro: format!(
                    "\"{title}\" starts on {when}. {} going, {} maybe{}:",
                    count(Standing::Going),
                    count(Standing::Maybe),
                    if waiting > 0 { format!(", {waiting} on the waitlist") } else { String::new() }
                ),
                list,
                button: "Open the event",
                url: page,
                outro: "Have a great event!",
                ..Default::default()
            }
        }
    }
}

fn calendar_file(state: &AppState, event: &Event, organizer: &db::users::User, method: CalendarMethod) -> Attachment {
    let base = state.settings.base_url();
    let page = format!("{base}{}", event_path(&event.slug, None, None));
    let uid = format!("{}@hearth", event.slug);
    let entry = CalendarEntry {
        uid: &uid,
        sequence: u32::try_from(event.sequence).unwrap_or(u32::MAX),
        title: &event.title,
        description: &event.description,
        schedule: event.schedule,
        page_url: &page,
        online_link: &event.online_link,
        organizer_name: &organizer.display_name,
        organizer_email: &organizer.email,
        now: db::now(),
    };
    let method_name = if method == CalendarMethod::Cancel { "CANCEL" } else { "REQUEST" };
    Attachment {
        filename: "event.ics".into(),
        content_type: format!("text/calendar; charset=utf-8; method={method_name}"),
        content: ics(&entry, method),
    }
}

/// The .ics of an event (the download on its page).
pub async fn calendar_download(state: &AppState, event: &Event) -> anyhow::Result<String> {
    let organizer = db::users::by_id(&state.db.pool, event.organizer_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the organizer's account no longer exists"))?;
    let method = if event.state == super::domain::EventState::Cancelled {
        CalendarMethod::Cancel
    } else {
        CalendarMethod::Request
    };
    Ok(calendar_file(state, event, &organizer, method).content)
}

fn render<'a>(
    state: &'a AppState,
    payload: &'a str,
    to: &'a str,
    key: &'a str,
) -> BoxFuture<'a, anyhow::Result<OutgoingEmail>> {
    Box::pin(async move {
        let msg: EventMail = serde_json::from_str(payload)?;
        let pool = &state.db.pool;
        let event =
            store::get(pool, msg.event_id()).await?.ok_or_else(|| anyhow::anyhow!("the event no longer exists"))?;
        let organizer = db::users::by_id(pool, event.organizer_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the organizer's account no longer exists"))?;
        // Times in the reader's zone when they have an account, else the organizer's.
        let reader = match msg.user_id() {
            Some(id) => db::users::by_id(pool, id).await?,
            None => None,
        };
        let zone = reader.as_ref().map(|u| u.time_zone.as_str()).unwrap_or(event.time_zone.as_str());
        let when = format_in_zone(event.schedule.start, zone_or_utc(zone));
        let attendees = match msg {
            EventMail::EventRoster { .. } => {
                store::answers(pool, event.id).await?.into_iter().map(|(_, name, s)| (name, s)).collect()
            }
            _ => Vec::new(),
        };
        let display_name = greeting_name(&state.db, msg.user_id()).await?;
        let mut mail =
            compose(parts(&msg, &event, &when, &attendees, state.settings.base_url()), to, &display_name, key)?;
        if let Some(method) = msg.calendar() {
            mail.attachments.push(calendar_file(state, &event, &organizer, method));
        }
        Ok(mail)
    })
}

/// The mail kinds registered with the core.
pub const MAIL_KINDS: &[MailKind] = &[
    MailKind { kind: "event_invite", render },
    MailKind { kind: "event_invite_newcomer", render },
    MailKind { kind: "event_promoted", render },
    MailKind { kind: "event_changed", render },
    MailKind { kind: "event_cancelled", render },
    MailKind { kind: "event_roster", render },
    MailKind { kind: "event_passed_over", render },
    MailKind { kind: "event_unpublished", render },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::domain::{EventState, Schedule};

    fn event() -> Event {
        Event {
            id: 3,
            slug: "abc".into(),
            organizer_id: 1,
            title: "Book <club>".into(),
            description: String::new(),
            online_link: "https://meet.example/x".into(),
            schedule: Schedule { start: 1_800_000_000, duration_minutes: 60 },
            time_zone: "Europe/Paris".into(),
            capacity: None,
            state: EventState::Published,
            sequence: 0,
            ticket_price: Some(crate::core::domain::money::Money::new(800, crate::core::domain::money::Currency::Eur)),
        }
    }

    #[test]
    fn every_event_mail_kind_is_registered_and_the_answer_links_carry_the_token() {
        let mails = [
            EventMail::EventInvite { user_id: 1, event_id: 3, token: "tok".into() },
            EventMail::EventInviteNewcomer { email: "a@b.example".into(), event_id: 3 },
            EventMail::EventPromoted { user_id: 1, event_id: 3, seq: 4, token: Some("tok".into()) },
            EventMail::EventChanged { user_id: Some(1), event_id: 3, sequence: 1, token: None },
            EventMail::EventCancelled { user_id: None, event_id: 3, sequence: 2, token: None },
            EventMail::EventRoster { user_id: 1, event_id: 3, start: 1_800_000_000 },
            EventMail::EventPassedOver { user_id: 1, event_id: 3, seq: 5 },
            EventMail::EventUnpublished { user_id: 1, event_id: 3, reason: "spam".into(), at: 1 },
        ];
        for m in &mails {
            let json = serde_json::to_string(m).unwrap();
            let kind = crate::core::domain::outbox::kind_of(&json).unwrap();
            assert!(MAIL_KINDS.iter().any(|k| k.kind == kind), "{kind} is not registered");
        }
        let p = parts(&mails[0], &event(), "Fri", &[], "https://h.example");
        let urls: Vec<&str> = p.choices.iter().map(|(_, u)| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://h.example/events/abc?rsvp=going&t=tok",
                "https://h.example/events/abc?rsvp=maybe&t=tok",
                "https://h.example/events/abc?rsvp=not_going&t=tok"
            ]
        );
        let newcomer = parts(&mails[1], &event(), "Fri", &[], "https://h.example");
        assert_eq!(
            newcomer.choices[0].1,
            "https://h.example/signup?email=a%40b.example&next=/events/abc%3Frsvp%3Dgoing"
        );
        // Publishing and a late invitation share one cause: an invitee is mailed once.
        assert_eq!(mails[0].cause(), mails[1].cause());
        // A follow-up signs its reader in on the way to the page.
        assert_eq!(parts(&mails[2], &event(), "Fri", &[], "https://h.example").url, "https://h.example/l/tok");
        assert_eq!(parts(&mails[4], &event(), "Fri", &[], "https://h.example").url, "https://h.example/events/abc");
    }

    #[test]
    fn the_roster_lists_going_and_maybe_but_not_who_declined() {
        let people = [
            ("Bob".to_string(), Standing::Going),
            ("Cat".to_string(), Standing::Maybe),
            ("Dan".to_string(), Standing::NotGoing),
            ("Eve".to_string(), Standing::Waitlisted),
        ];
        let p = parts(&EventMail::EventRoster { user_id: 1, event_id: 3, start: 0 }, &event(), "Fri", &people, "");
        assert_eq!(p.list, ["Bob (going)", "Cat (maybe)"]);
        assert!(p.intro.contains("1 going, 1 maybe, 1 on the waitlist"), "{}", p.intro);
    }
}

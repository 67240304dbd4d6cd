//! Events services. Authorization lives here: a draft is its organizer's alone (anyone
//! else gets `NotFound`), invitees see a published event and who is going, strangers see
//! only the public preview, and every change is conditional on the event's state inside
//! its write transaction (`store::lock_*`).
use super::domain::{self, Action, EventState, Phase, Rsvp, Schedule, Standing};
use super::jobs::schedule_roster;
use super::mails::EventMail;
use super::store::{self, Details, Event};
use super::types::*;
use crate::core::crypto;
use crate::core::db::{self, ledger, users::User};
use crate::core::domain::invitations::{parse_address_list, InviteReport};
use crate::core::domain::ledger::Entry;
use crate::core::domain::links::LinkPurpose;
use crate::core::domain::money::{Currency, Money};
use crate::core::domain::time::{format_in_zone, local_to_utc, parse_time_zone, zone_or_utc};
use crate::core::error::AppError;
use crate::core::server::accounts::new_link;
use crate::core::server::invitations::{invitee, mail_signed_links, spend_mails_to_others, Invitee};
use crate::core::server::live;
use crate::core::state::AppState;
use chrono::{NaiveDateTime, TimeZone};

const DAY: i64 = 24 * 3600;
const EVENTS_PER_DAY: i64 = 20;
const STARTED: &str = "The event has started: it can't change any more.";

/// What the organizer typed in the event form (all text, as posted).
#[derive(Clone, Debug, Default)]
pub struct EventInput {
    pub title: String,
    pub description: String,
    pub online_link: String,
    pub start_local: String,
    pub time_zone: String,
    pub duration_minutes: String,
    pub capacity: String,
    /// Empty: a free event.
    pub ticket_price: String,
}

/// The ticket price typed in the form (empty: free), in the site's currency.
pub fn check_price(input: &EventInput, currency: Currency) -> Result<Option<Money>, AppError> {
    if input.ticket_price.trim().is_empty() {
        return Ok(None);
    }
    Money::parse_positive(&input.ticket_price, currency).map(Some).map_err(|e| AppError::invalid("ticket_price", e))
}

/// Checks the form: each problem names its field.
pub fn check_input(input: &EventInput, now: i64) -> Result<(Details, Option<u32>), AppError> {
    let title = domain::check_title(&input.title).map_err(|e| AppError::invalid("title", e))?;
    let description = domain::check_description(&input.description).map_err(|e| AppError::invalid("description", e))?;
    let online_link = domain::check_online_link(&input.online_link).map_err(|e| AppError::invalid("online_link", e))?;
    let tz = parse_time_zone(&input.time_zone).map_err(|e| AppError::invalid("time_zone", e))?;
    let local = input.start_local.trim();
    if local.is_empty() {
        return Err(AppError::invalid("start_local", domain::ScheduleError::Missing));
    }
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::invalid("start_local", "Please give the start as a date and a time."))?;
    let start =
        local_to_utc(tz, naive).ok_or_else(|| AppError::invalid("start_local", domain::ScheduleError::Nonexistent))?;
    let duration: i64 = input
        .duration_minutes
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("duration_minutes", domain::ScheduleError::BadDuration))?;
    let schedule = domain::check_schedule(start, duration, now).map_err(|e| {
        let field = if e == domain::ScheduleError::BadDuration { "duration_minutes" } else { "start_local" };
        AppError::invalid(field, e)
    })?;
    let capacity = domain::parse_capacity(&input.capacity).map_err(|e| AppError::invalid("capacity", e))?;
    Ok((Details { title, description, online_link, schedule, time_zone: tz.name().to_string() }, capacity))
}

fn rule(e: domain::RuleError) -> AppError {
    AppError::Conflict(e.to_string())
}

/// The event, if `user` organizes it (anyone else: `NotFound`, as for a stranger).
async fn organized(state: &AppState, user: &User, slug: &str) -> Result<Event, AppError> {
    match store::by_slug(&state.db.pool, slug).await? {
        Some(e) if e.organizer_id == user.id => Ok(e),
        _ => Err(AppError::NotFound),
    }
}

pub async fn create(state: &AppState, user: &User, input: &EventInput) -> Result<String, AppError> {
    let now = db::now();
    let (details, capacity) = check_input(input, now)?;
    let price = check_price(input, state.settings.payments.currency())?;
    let msg = "You have created too many events today; try again tomorrow.";
    crate::core::server::accounts::limit(state, &format!("events:{}", user.id), DAY, EVENTS_PER_DAY, msg).await?;
    let slug = crypto::new_share_token();
    let id = store::create(&state.db.pool, user.id, &details, capacity, price, &slug, now).await?;
    tracing::info!(event_id = id, "event created");
    Ok(slug)
}

/// Organizer only, before the start. A new time on a published event mails everyone who
/// got the invitation (except those who said no) a new calendar file, and a new start
/// moves the roster; a larger capacity promotes from the waitlist, a smaller one never
/// goes below those going.
pub async fn update(state: &AppState, user: &User, slug: &str, input: &EventInput) -> Result<(), AppError> {
    let event = organized(state, user, slug).await?;
    let now = db::now();
    let (details, capacity) = check_input(input, now)?;
    let price = check_price(input, state.settings.payments.currency())?;
    let mut tx = state.db.begin_write().await?;
    let Some(event) = store::lock_before_start(&mut tx, event.id, now).await? else {
        return Err(refusal(state, tx, event.id, now).await?);
    };
    if event.state == EventState::Draft {
        store::set_ticket_price(&mut tx, event.id, price).await?;
    } else if price != event.ticket_price {
        return Err(AppError::invalid("ticket_price", "The ticket price can't change once the event is published."));
    }
    let time_changed = details.schedule != event.schedule;
    let mut roster = store::roster(&mut tx, &event).await?;
    let holders = ticket_holders(&mut tx, &event, roster.waitlist.iter().copied()).await?;
    let (promoted, passed_over) = roster
        .set_capacity_where(capacity, &|p| holders.as_ref().is_none_or(|h| h.contains(&p)))
        .map_err(|e| AppError::invalid("capacity", e))?;
    store::update(&mut tx, event.id, &details, capacity, time_changed).await?;
    if !promoted.is_empty() || !passed_over.is_empty() {
        let seq = store::lock_for_answer(&mut tx, event.id, now).await?.map(|(_, seq)| seq).unwrap_or(0);
        for &uid in &promoted {
            pay_promoted(&mut tx, &event, uid, now).await?;
            store::set_standing(&mut tx, event.id, uid, Standing::Going, None, now).await?;
        }
        mail_promoted(&mut tx, &event, &promoted, seq, now).await?;
        mail_passed_over(&mut tx, &event, &passed_over, seq, now).await?;
    }
    if time_changed && event.state == EventState::Published {
        let event = store::get(&mut *tx, event.id).await?.ok_or(AppError::NotFound)?;
        let sequence = event.sequence;
        mail_calendar_holders(&mut tx, &event, now, |user_id, token| EventMail::EventChanged {
            user_id,
            event_id: event.id,
            sequence,
            token,
        })
        .await?;
        schedule_roster(&mut tx, &event, now).await?;
    }
    tx.commit().await?;
    state.worker_wake.notify_one();
    live::notify(state, super::topic(event.id));
    Ok(())
}

/// Follow-up mails link to the event page through a sign-in link valid this long.
const FOLLOW_UP_LINK_SECS: i64 = 3 * 24 * 3600;

/// Mails the people just promoted from the waitlist (with a sign-in link to the page).
async fn mail_promoted(tx: &mut db::Tx, event: &Event, promoted: &[i64], seq: i64, now: i64) -> Result<(), AppError> {
    let target = format!("/events/{}", event.slug);
    let event_id = event.id;
    mail_signed_links(tx, promoted.iter().copied(), &target, FOLLOW_UP_LINK_SECS, now, |user_id, token| {
        EventMail::EventPromoted { user_id, event_id, seq, token: Some(token) }
    })
    .await
}

/// Mails everyone who received the invitation (and so its calendar file), except those who
/// said they can't go: registered people with a sign-in link to the page, addresses without
/// an account with the page's address.
async fn mail_calendar_holders(
    tx: &mut db::Tx,
    event: &Event,
    now: i64,
    build: impl Fn(Option<i64>, Option<String>) -> EventMail,
) -> Result<(), AppError> {
    let target = format!("/events/{}", event.slug);
    for inv in store::invites(&mut **tx, event.id).await? {
        if !inv.mailed || inv.standing == Some(Standing::NotGoing) {
            continue;
        }
        match inv.user_id {
            Some(uid) => {
                let Some(u) = db::users::by_id(&mut **tx, uid).await? else { continue };
                let token = new_link(tx, u.id, LinkPurpose::SignIn, &target, FOLLOW_UP_LINK_SECS).await?;
                db::outbox::enqueue(&mut **tx, &u.email, &build(Some(u.id), Some(token)), now).await?;
            }
            None => {
                db::outbox::enqueue(&mut **tx, &inv.email, &build(None, None), now).await?;
            }
        }
    }
    Ok(())
}

/// Deletes media objects that no event shows any more (names are content addressed, so
/// another event may show the same file; that one is kept).
pub async fn forget_unused_media(state: &AppState, keys: impl IntoIterator<Item = String>) {
    for key in keys {
        if matches!(store::events_using_media(&state.db.pool, &key).await, Ok(users) if users.is_empty()) {
            if let Err(e) = state.media.delete(&object_store::path::Path::from(key.as_str())).await {
                tracing::warn!(error = %e, key, "could not delete unused media");
            }
        }
    }
}

/// Why a change to a started, cancelled or vanished event was refused (the refused
/// transaction ends first: it holds a connection, and on SQLite the write lock).
async fn refusal(state: &AppState, tx: db::Tx, id: i64, now: i64) -> Result<AppError, AppError> {
    tx.rollback().await?;
    Ok(match store::get(&state.db.pool, id).await? {
        None => AppError::NotFound,
        Some(e) if e.state == EventState::Cancelled => rule(domain::RuleError::Cancelled),
        Some(e) if now >= e.schedule.start => AppError::Conflict(STARTED.into()),
        Some(e) if e.state == EventState::Published => rule(domain::RuleError::AlreadyPublished),
        Some(_) => rule(domain::RuleError::NotPublished),
    })
}

/// Mails every invitation of the event not mailed yet (registered invitees get answer
/// links with their own RSVP token), inside `tx`; returns how many.
async fn mail_invitations(tx: &mut db::Tx, event: &Event, now: i64) -> Result<usize, AppError> {
    let mut n = 0;
    for inv in store::invites(&mut **tx, event.id).await? {
        if inv.mailed {
            continue;
        }
        let user = match inv.user_id {
            Some(id) => db::users::by_id(&mut **tx, id).await?,
            None => match invitee(tx, &inv.email).await? {
                Invitee::Registered(u) => Some(u),
                Invitee::Newcomer => None,
            },
        };
        match user {
            Some(u) => {
                let token = crypto::new_token();
                if store::mark_mailed(tx, event.id, &inv.email, Some(&crypto::token_hash(&token)), now).await? {
                    store::bind_invite(tx, event.id, &inv.email, u.id).await?;
                    let msg = EventMail::EventInvite { user_id: u.id, event_id: event.id, token };
                    db::outbox::enqueue(&mut **tx, &u.email, &msg, now).await?;
                    n += 1;
                }
            }
            None => {
                if store::mark_mailed(tx, event.id, &inv.email, None, now).await? {
                    let msg = EventMail::EventInviteNewcomer { email: inv.email.clone(), event_id: event.id };
                    db::outbox::enqueue(&mut **tx, &inv.email, &msg, now).await?;
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}

/// Organizer only: draft → published, before the start. Mails every invitee once and
/// schedules the roster (at once when the start is less than an hour away).
pub async fn publish(state: &AppState, user: &User, slug: &str) -> Result<(), AppError> {
    let event = organized(state, user, slug).await?;
    let now = db::now();
    domain::may(Action::Publish, event.state, event.schedule, now).map_err(rule)?;
    let unmailed = store::invites(&state.db.pool, event.id).await?.iter().filter(|i| !i.mailed).count();
    spend_mails_to_others(state, user, unmailed).await?;
    let mut tx = state.db.begin_write().await?;
    if !store::publish(&mut tx, event.id, now).await? {
        return Err(refusal(state, tx, event.id, now).await?);
    }
    let event = store::get(&mut *tx, event.id).await?.ok_or(AppError::NotFound)?;
    let mailed = mail_invitations(&mut tx, &event, now).await?;
    schedule_roster(&mut tx, &event, now).await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    live::notify(state, super::topic(event.id));
    tracing::info!(event_id = event.id, mailed, "event published");
    Ok(())
}

/// Organizer only, before the start: invites pasted addresses. On a published event each
/// new invitee is mailed at once; on a draft, at publishing.
pub async fn invite(state: &AppState, user: &User, slug: &str, addresses: &str) -> Result<InviteReport, AppError> {
    let event = organized(state, user, slug).await?;
    let now = db::now();
    domain::may(Action::Invite, event.state, event.schedule, now).map_err(rule)?;
    let list = parse_address_list(addresses);
    if list.valid.is_empty() && list.invalid.is_empty() {
        return Err(AppError::invalid("addresses", "Please paste at least one email address."));
    }
    let mut report = InviteReport { duplicates: list.duplicates, invalid: list.invalid, ..Default::default() };
    if list.valid.is_empty() {
        return Ok(report);
    }
    if event.state == EventState::Published {
        spend_mails_to_others(state, user, list.valid.len()).await?;
    }
    let mut tx = state.db.begin_write().await?;
    let Some(event) = store::lock_before_start(&mut tx, event.id, now).await? else {
        return Err(refusal(state, tx, event.id, now).await?);
    };
    for email in list.valid {
        let holder = match invitee(&mut tx, email.as_str()).await? {
            Invitee::Registered(u) => Some(u.id),
            Invitee::Newcomer => None,
        };
        if holder == Some(event.organizer_id) {
            report.already.push(email.to_string());
        } else if store::add_invite(&mut *tx, event.id, email.as_str(), holder, user.id, now).await? {
            report.invited.push(email.to_string());
        } else {
            report.already.push(email.to_string());
        }
    }
    if event.state == EventState::Published {
        mail_invitations(&mut tx, &event, now).await?;
    }
    tx.commit().await?;
    state.worker_wake.notify_one();
    live::notify(state, super::topic(event.id));
    Ok(report)
}

/// Who is answering: the holder of a mailed RSVP link, or the signed-in invitee.
async fn answerer(
    state: &AppState,
    event: &Event,
    user: Option<&User>,
    token: Option<&str>,
) -> Result<Option<i64>, AppError> {
    if let Some(t) = token.filter(|t| crypto::looks_like_token(t)) {
        if let Some((event_id, uid)) = store::by_rsvp_token(&state.db.pool, &crypto::token_hash(t)).await? {
            if event_id == event.id {
                return Ok(Some(uid));
            }
        }
    }
    match user {
        Some(u) if u.verified && store::invite_of(&state.db.pool, event.id, u.id).await?.is_some() => Ok(Some(u.id)),
        _ => Ok(None),
    }
}

/// An invitee answers (or changes their answer) until the start. With a capacity, "going"
/// takes a free place or joins the waitlist; a freed place goes to the first in line,
/// who is mailed. Decided inside the write transaction: two people taking the last place
/// at once cannot both get it.
pub async fn answer(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
    token: Option<&str>,
    choice: Rsvp,
) -> Result<Standing, AppError> {
    let event = store::by_slug(&state.db.pool, slug).await?.filter(|e| e.state != EventState::Draft);
    let Some(event) = event else { return Err(AppError::NotFound) };
    let Some(uid) = answerer(state, &event, user, token).await? else {
        return Err(if user.is_none() { AppError::Unauthorized } else { AppError::NotFound });
    };
    // A paid "going" spends credit: only the invitee, signed in, may (a forwarded RSVP
    // link answers for its owner but never pays for them), and not while banned.
    if event.ticket_price.is_some() && choice == Rsvp::Going {
        match user {
            Some(u) if u.id == uid => u.not_banned()?,
            _ => return Err(AppError::Unauthorized),
        }
    }
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some(answered) = record_answer(&mut tx, event.id, uid, choice, now).await? else {
        return Err(refusal(state, tx, event.id, now).await?);
    };
    tx.commit().await?;
    if !answered.promoted.is_empty() || !answered.passed_over.is_empty() {
        state.worker_wake.notify_one();
    }
    live::notify(state, super::topic(event.id));
    Ok(answered.standing)
}

/// What an answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answered {
    pub standing: Standing,
    pub promoted: Vec<i64>,
    /// Waitlisted people a freed place skipped: their credit no longer covers the ticket.
    pub passed_over: Vec<i64>,
}

/// Of `people`, those who can hold a place at a paid event (a ticket already paid, or the
/// credit for one); None for a free event (everyone can). Read inside `tx`.
async fn ticket_holders(
    tx: &mut db::Tx,
    event: &Event,
    people: impl Iterator<Item = i64>,
) -> Result<Option<std::collections::HashSet<i64>>, AppError> {
    let Some(price) = event.ticket_price else { return Ok(None) };
    let mut holders = std::collections::HashSet::new();
    for p in people {
        let paid = ledger::recorded(&mut **tx, &Entry::ticket_key(event.id, p)).await?;
        if paid || ledger::credit(&mut **tx, p, price.currency).await?.minor >= price.minor {
            holders.insert(p);
        }
    }
    Ok(Some(holders))
}

/// Pays `uid`'s ticket of a paid event from their credit to the organizer, inside `tx`
/// (once per person and event, ever). Not enough credit: the refusal, and the caller's
/// transaction must roll back (nothing of the answer is kept).
async fn pay_ticket(tx: &mut db::Tx, event: &Event, uid: i64, now: i64) -> Result<(), AppError> {
    let Some(price) = event.ticket_price else { return Ok(()) };
    let entry = Entry::ticket(event.id, uid, event.organizer_id, price);
    match ledger::record(tx, &entry, &event.title, now).await {
        Ok(_) => Ok(()),
        Err(ledger::RecordError::Refused(refusal)) => Err(AppError::Conflict(format!(
            "{refusal} Redeem a voucher or buy one on your Credit page, then answer again."
        ))),
        Err(ledger::RecordError::Db(e)) => Err(e.into()),
    }
}

/// Pays the ticket of someone promoted by another person's change. Their credit was read
/// in this transaction; if it changed at this very moment, the change is refused as a
/// whole (the message is not about the promoted person's money).
async fn pay_promoted(tx: &mut db::Tx, event: &Event, uid: i64, now: i64) -> Result<(), AppError> {
    pay_ticket(tx, event, uid, now).await.map_err(|e| match e {
        AppError::Conflict(_) => {
            AppError::Conflict("The waitlist changed at this very moment; please try again.".into())
        }
        other => other,
    })
}

/// Tells waitlisted people that a place freed but their credit did not cover the ticket.
async fn mail_passed_over(tx: &mut db::Tx, event: &Event, people: &[i64], seq: i64, now: i64) -> Result<(), AppError> {
    for &user_id in people {
        let Some(user) = db::users::by_id(&mut **tx, user_id).await? else { continue };
        let msg = EventMail::EventPassedOver { user_id, event_id: event.id, seq };
        db::outbox::enqueue(&mut **tx, &user.email, &msg, now).await?;
    }
    Ok(())
}

/// Records `uid`'s answer inside `tx` (the caller commits): takes the event row first
/// (published, before the start; else `None`), so the roster read next is the one this
/// answer changes, whoever answers at the same moment. Promotions are mailed (outbox).
pub async fn record_answer(
    tx: &mut db::Tx,
    event_id: i64,
    uid: i64,
    choice: Rsvp,
    now: i64,
) -> Result<Option<Answered>, AppError> {
    let Some((event, seq)) = store::lock_for_answer(tx, event_id, now).await? else { return Ok(None) };
    let mut roster = store::roster(tx, &event).await?;
    let before = roster.clone();
    let holders = ticket_holders(tx, &event, roster.waitlist.iter().copied()).await?;
    let (standing, promoted, passed_over) =
        roster.answer_where(uid, choice, &|p| holders.as_ref().is_none_or(|h| h.contains(&p)));
    // A paid event: taking a place pays the ticket now (a waitlisted person pays when
    // promoted); not enough credit refuses the answer and nothing is kept.
    if standing == Standing::Going && !before.going.contains(&uid) {
        pay_ticket(tx, &event, uid, now).await?;
    }
    for &p in &promoted {
        pay_promoted(tx, &event, p, now).await?;
    }
    if roster != before {
        store::set_standing(tx, event.id, uid, standing, Some(seq), now).await?;
    }
    for &p in &promoted {
        store::set_standing(tx, event.id, p, Standing::Going, None, now).await?;
    }
    mail_promoted(tx, &event, &promoted, seq, now).await?;
    mail_passed_over(tx, &event, &passed_over, seq, now).await?;
    Ok(Some(Answered { standing, promoted, passed_over }))
}

/// Admins: every event, newest first.
pub async fn admin_list(state: &AppState, admin: &User) -> Result<Vec<AdminEventRow>, AppError> {
    let pool = &state.db.pool;
    let now = db::now();
    let tz = zone_or_utc(&admin.time_zone);
    let locale = crate::core::server::context::locale();
    Ok(store::all_for_admin(pool, 200)
        .await?
        .into_iter()
        .map(|(e, organizer)| {
            let phase = e.schedule.phase(e.state, now);
            AdminEventRow {
                slug: e.slug.clone(),
                title: e.title.clone(),
                organizer,
                when: format_in_zone(e.schedule.start, tz),
                phase,
                price: e.ticket_price.map(|p| p.format(locale)),
                may_unpublish: e.state == EventState::Published && phase != Phase::Past,
            }
        })
        .collect())
}

/// Admins take a published event down (back to a draft only its organizer sees); the
/// organizer is mailed the reason; the audit log records it. Paid tickets stay paid.
pub async fn unpublish(state: &AppState, admin: &User, slug: &str, reason: &str) -> Result<(), AppError> {
    let reason = crate::core::domain::text::plain_text(reason, "The reason", 500, true, true)
        .map_err(|e| AppError::invalid("reason", e))?;
    let event = store::by_slug(&state.db.pool, slug).await?.ok_or(AppError::NotFound)?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !store::unpublish(&mut tx, event.id).await? {
        return Err(AppError::Conflict("That event is not published (any more).".into()));
    }
    let organizer = db::users::by_id(&mut *tx, event.organizer_id).await?.ok_or(AppError::NotFound)?;
    let msg =
        EventMail::EventUnpublished { user_id: organizer.id, event_id: event.id, reason: reason.clone(), at: now };
    db::outbox::enqueue(&mut *tx, &organizer.email, &msg, now).await?;
    let actor = db::audit::Actor::Admin { id: admin.id, email: &admin.email };
    let subject = format!("event {} \"{}\"", event.id, event.title);
    db::audit::record(&mut *tx, actor, "event.unpublish", &subject, &reason, now).await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    live::notify(state, super::topic(event.id));
    Ok(())
}

/// What the organizer's "cancel" did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// A published event was called off; invitees were told.
    Cancelled,
    /// A draft (never shown to anyone) was deleted, with its invitations and media.
    Deleted,
}

/// Organizer only. A published event, before the start, is called off: everyone who got
/// the invitation, except those who said no, gets a CANCEL calendar file. A draft is
/// deleted (at any time: nobody was told of it, and it must not become visible).
pub async fn cancel(state: &AppState, user: &User, slug: &str) -> Result<Ended, AppError> {
    let event = organized(state, user, slug).await?;
    let now = db::now();
    if event.state == EventState::Draft {
        let keys: Vec<String> = store::media_of(&state.db.pool, event.id)
            .await?
            .into_iter()
            .flat_map(|m| [Some(m.media_key), m.thumb_key])
            .flatten()
            .collect();
        let mut tx = state.db.begin_write().await?;
        // A draft that once had paid tickets (an admin unpublished it) is kept: its tickets
        // stay in the ledger, and a new event must never inherit its id.
        if ledger::count_keys(&mut *tx, &Entry::tickets_of(event.id)).await? > 0 {
            return Err(AppError::Conflict("This event has paid tickets, so it can't be deleted.".into()));
        }
        if !store::delete_draft(&mut tx, event.id).await? {
            return Err(refusal(state, tx, event.id, now).await?);
        }
        tx.commit().await?;
        forget_unused_media(state, keys).await;
        tracing::info!(event_id = event.id, "draft deleted");
        return Ok(Ended::Deleted);
    }
    let mut tx = state.db.begin_write().await?;
    if !store::cancel(&mut tx, event.id, now).await? {
        return Err(refusal(state, tx, event.id, now).await?);
    }
    let event = store::get(&mut *tx, event.id).await?.ok_or(AppError::NotFound)?;
    let sequence = event.sequence;
    mail_calendar_holders(&mut tx, &event, now, |user_id, token| EventMail::EventCancelled {
        user_id,
        event_id: event.id,
        sequence,
        token,
    })
    .await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    live::notify(state, super::topic(event.id));
    Ok(Ended::Cancelled)
}

fn media_views(media: &[store::Media]) -> (Option<MediaView>, Option<MediaView>) {
    let address = |key: &str| format!("/{key}");
    let view = |m: &store::Media| MediaView {
        url: address(&m.media_key),
        thumb_url: m.thumb_key.as_deref().map(address),
        content_type: m.content_type.clone(),
        width: m.width,
        height: m.height,
    };
    (media.iter().find(|m| m.role == "cover").map(view), media.iter().find(|m| m.role == "video").map(view))
}

fn local_input(schedule: Schedule, zone: &str) -> String {
    let tz = zone_or_utc(zone);
    tz.timestamp_opt(schedule.start, 0).single().map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

/// The event page: the organizer and invitees see the event; a stranger sees the public
/// preview of a published event, and `NotFound` for a draft.
pub async fn page(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
    token: Option<&str>,
    proposed: Option<Rsvp>,
) -> Result<EventOrPreview, AppError> {
    let pool = &state.db.pool;
    let Some(event) = store::by_slug(pool, slug).await? else { return Err(AppError::NotFound) };
    let is_organizer = user.is_some_and(|u| u.id == event.organizer_id);
    if event.state == EventState::Draft && !is_organizer {
        return Err(AppError::NotFound);
    }
    let now = db::now();
    let (cover, video) = media_views(&store::media_of(pool, event.id).await?);
    let organizer_name =
        db::users::by_id(pool, event.organizer_id).await?.map(|u| u.display_name).unwrap_or_else(|| "Someone".into());
    let invitee_id = if is_organizer { None } else { answerer(state, &event, user, token).await? };
    // Times in the reader's own zone: the signed-in viewer's, else the organizer's.
    let viewer_zone = match (user, invitee_id) {
        (Some(u), _) => u.time_zone.clone(),
        (None, Some(uid)) => db::users::by_id(pool, uid).await?.map(|u| u.time_zone).unwrap_or(event.time_zone.clone()),
        (None, None) => event.time_zone.clone(),
    };
    let when = format_in_zone(event.schedule.start, zone_or_utc(&viewer_zone));
    let phase = event.schedule.phase(event.state, now);
    if !is_organizer && invitee_id.is_none() {
        return Ok(EventOrPreview::Preview(Box::new(EventPreview {
            slug: event.slug,
            title: event.title,
            description: event.description,
            organizer_name,
            when,
            phase,
            image_url: cover.as_ref().map(|c| format!("{}{}", state.settings.base_url(), c.url)),
            cover,
            signed_in: user.is_some(),
        })));
    }
    let answers = store::answers(pool, event.id).await?;
    let names =
        |s: Standing| answers.iter().filter(|(_, _, st)| *st == s).map(|(_, n, _)| n.clone()).collect::<Vec<_>>();
    let my_standing = invitee_id.and_then(|uid| answers.iter().find(|(id, _, _)| *id == uid).map(|(_, _, s)| *s));
    let answering_as = match (invitee_id, user) {
        (Some(uid), u) if u.is_none_or(|u| u.id != uid) => db::users::by_id(pool, uid).await?.map(|u| u.display_name),
        _ => None,
    };
    let can_answer = invitee_id.is_some() && domain::may(Action::Rsvp, event.state, event.schedule, now).is_ok();
    let invitees = if is_organizer {
        store::invites(pool, event.id)
            .await?
            .into_iter()
            .map(|i| InviteeView { email: i.email, name: i.name, standing: i.standing, mailed: i.mailed })
            .collect()
    } else {
        Vec::new()
    };
    let editable = is_organizer && domain::may(Action::Edit, event.state, event.schedule, now).is_ok();
    let locale = crate::core::server::context::locale();
    let price = event.ticket_price.map(|p| p.format(locale));
    // The credit is shown to its owner only (not to whoever holds their RSVP link).
    let signed_in_invitee = invitee_id.filter(|uid| user.is_some_and(|u| u.id == *uid));
    let (my_credit, ticket_paid) = match (event.ticket_price, signed_in_invitee) {
        (Some(p), Some(uid)) => (
            Some(ledger::credit(pool, uid, p.currency).await?.format(locale)),
            ledger::recorded(pool, &Entry::ticket_key(event.id, uid)).await?,
        ),
        _ => (None, false),
    };
    let earnings = match event.ticket_price {
        Some(p) if is_organizer => {
            let tickets = ledger::count_keys(pool, &Entry::tickets_of(event.id)).await?;
            let total = Money::new(p.minor.saturating_mul(tickets), p.currency).format(locale);
            Some(format!("{tickets} ticket{} paid: {total}", if tickets == 1 { "" } else { "s" }))
        }
        _ => None,
    };
    Ok(EventOrPreview::Full(Box::new(EventView {
        id: event.id,
        slug: event.slug.clone(),
        description: event.description.clone(),
        organizer_name,
        when,
        viewer_time_zone: viewer_zone,
        countdown: domain::countdown(event.schedule, now),
        start: event.schedule.start,
        duration_minutes: event.schedule.duration_minutes,
        phase,
        is_organizer,
        online_link: (is_organizer || (phase != Phase::Cancelled && event.schedule.link_visible(now)))
            .then(|| event.online_link.clone()),
        capacity: event.capacity,
        my_standing,
        can_answer,
        // A mailed link's answer is offered until it is the person's answer.
        proposed: proposed.filter(|p| {
            let already = match p {
                Rsvp::Going => matches!(my_standing, Some(Standing::Going | Standing::Waitlisted)),
                Rsvp::Maybe => my_standing == Some(Standing::Maybe),
                Rsvp::NotGoing => my_standing == Some(Standing::NotGoing),
            };
            can_answer && !already
        }),
        going: names(Standing::Going),
        maybe: names(Standing::Maybe),
        waitlisted: names(Standing::Waitlisted).len(),
        invitees,
        form: editable.then(|| EventForm {
            title: event.title.clone(),
            description: event.description.clone(),
            online_link: event.online_link.clone(),
            start_local: local_input(event.schedule, &event.time_zone),
            time_zone: event.time_zone.clone(),
            duration_minutes: event.schedule.duration_minutes.to_string(),
            capacity: event.capacity.map(|c| c.to_string()).unwrap_or_default(),
            ticket_price: event.ticket_price.map(|p| p.plain()).unwrap_or_default(),
            price_editable: event.state == EventState::Draft,
        }),
        price,
        my_credit,
        ticket_paid,
        earnings,
        title: event.title,
        cover,
        video,
        answering_as,
        invite_report: None,
    })))
}

/// The viewer's events, organized or invited to: upcoming soonest first, past latest first.
pub async fn mine(state: &AppState, user: &User) -> Result<MyEvents, AppError> {
    let pool = &state.db.pool;
    let now = db::now();
    let tz = zone_or_utc(&user.time_zone);
    let mut all: Vec<(Event, bool, Option<Standing>)> =
        store::of_organizer(pool, user.id).await?.into_iter().map(|e| (e, true, None)).collect();
    if user.verified {
        for (e, s) in store::of_invitee(pool, user.id).await? {
            if !all.iter().any(|(o, _, _)| o.id == e.id) {
                all.push((e, false, s));
            }
        }
    }
    all.sort_by_key(|(e, _, _)| (e.schedule.start, e.id));
    let mut out = MyEvents::default();
    for (e, organizing, my_standing) in all {
        let phase = e.schedule.phase(e.state, now);
        let summary = EventSummary {
            slug: e.slug,
            title: e.title,
            when: format_in_zone(e.schedule.start, tz),
            phase,
            organizing,
            my_standing,
        };
        if phase == Phase::Past || (phase == Phase::Cancelled && e.schedule.end() <= now) {
            out.past.push(summary);
        } else {
            out.upcoming.push(summary);
        }
    }
    out.past.reverse();
    Ok(out)
}

/// The .ics download: the organizer and invitees (a stranger gets `NotFound`).
pub async fn calendar(
    state: &AppState,
    user: Option<&User>,
    slug: &str,
    token: Option<&str>,
) -> Result<String, AppError> {
    let Some(event) = store::by_slug(&state.db.pool, slug).await? else { return Err(AppError::NotFound) };
    let is_organizer = user.is_some_and(|u| u.id == event.organizer_id);
    let allowed =
        is_organizer || (event.state != EventState::Draft && answerer(state, &event, user, token).await?.is_some());
    if !allowed {
        return Err(AppError::NotFound);
    }
    Ok(super::mails::calendar_download(state, &event).await?)
}

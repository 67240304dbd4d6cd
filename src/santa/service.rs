//! Secret Santa services. Authorization lives here: members see their exchange, only the
//! creator manages it, and before the reveal a giver learns only their own recipient.
use super::jobs::{reveal_key, reveal_payload, REVEAL};
use super::mails::SantaMail;
use super::store::{self, Exchange};
use super::types::*;
use crate::core::db::{self, users::User};
use crate::core::domain::invitations::parse_address_list;
use crate::core::domain::time::{format_in_zone, local_to_utc, zone_or_utc};
use crate::core::error::AppError;
use crate::core::server::invitations::{invitee, mail_signed_links, spend_mails_to_others, Invitee};
use crate::core::state::AppState;
use crate::santa::domain::{self, check_reveal_at, parse_gift_emoji, plain_text, ExchangeState};
use crate::santa::draw::{self as draw_rules, DrawError, Rules};
use chrono_tz::Tz;
use rand::SeedableRng;

/// Emailed exchange links stay valid for three days (then: log in, land on the page).
const EXCHANGE_LINK_SECS: i64 = 3 * 24 * 3600;
const DAY: i64 = 24 * 3600;
/// Exchanges a member may start per day, notes per hour (mails to people outside their
/// exchanges share the core's daily budget: `invitations::spend_mails_to_others`).
const EXCHANGES_PER_DAY: i64 = 20;
const NOTES_PER_HOUR: i64 = 30;
const DRAWN_ALREADY: &str = "The names have already been drawn: the members can't change any more.";

/// Begins a write transaction in which the exchange is still gathering (see
/// `store::lock_gathering`): membership and exclusions change only inside one.
async fn begin_gathering(state: &AppState, id: i64) -> Result<db::Tx, AppError> {
    let mut tx = state.db.begin_write().await?;
    if !store::lock_gathering(&mut tx, id).await? {
        return Err(AppError::Conflict(DRAWN_ALREADY.into()));
    }
    Ok(tx)
}

/// Mails an invitation to `email` inside `tx`: a registered (verified) person gets a signed
/// link to the invitation page; anyone else a link to sign up with that address.
async fn mail_invitation(
    tx: &mut db::Tx,
    exchange_id: i64,
    email: &str,
    reminder: i64,
    now: i64,
) -> Result<(), AppError> {
    let target = format!("/santa/{exchange_id}");
    match invitee(tx, email).await? {
        Invitee::Registered(invitee) => {
            mail_with_link(tx, [invitee.id], &target, now, |user_id, token| SantaMail::SantaInvite {
                user_id,
                exchange_id,
                token,
                reminder,
            })
            .await
        }
        Invitee::Newcomer => {
            let msg = SantaMail::SantaInviteNewcomer { email: email.to_string(), exchange_id, reminder };
            db::outbox::enqueue(&mut **tx, email, &msg, now).await?;
            Ok(())
        }
    }
}

fn tz_of(user: &User) -> Tz {
    zone_or_utc(&user.time_zone)
}

fn invalid(field: &str, e: impl ToString) -> AppError {
    AppError::invalid(field, e)
}

/// The exchange, if the user is a member (else `NotFound`: non-members learn nothing).
async fn member_exchange(state: &AppState, user: &User, id: i64) -> Result<Exchange, AppError> {
    store::get_for_member(&state.db.pool, id, user.id).await?.ok_or(AppError::NotFound)
}

async fn creator_exchange(state: &AppState, user: &User, id: i64) -> Result<Exchange, AppError> {
    let ex = member_exchange(state, user, id).await?;
    if ex.creator_id != user.id {
        return Err(AppError::Forbidden);
    }
    Ok(ex)
}

/// Mails each of `user_ids` a signed link to `target` (valid three days), inside `tx`.
async fn mail_with_link(
    tx: &mut db::Tx,
    user_ids: impl IntoIterator<Item = i64>,
    target: &str,
    now: i64,
    message: impl Fn(i64, String) -> SantaMail,
) -> Result<(), AppError> {
    mail_signed_links(tx, user_ids, target, EXCHANGE_LINK_SECS, now, message).await
}

fn must_be_gathering(ex: &Exchange) -> Result<(), AppError> {
    match ex.state {
        ExchangeState::Gathering => Ok(()),
        _ => Err(AppError::Conflict(DRAWN_ALREADY.into())),
    }
}

pub async fn my_exchanges(state: &AppState, user: &User) -> Result<Vec<ExchangeSummary>, AppError> {
    Ok(store::of_member(&state.db.pool, user.id)
        .await?
        .into_iter()
        .map(|e| ExchangeSummary { id: e.id, name: e.name, state: e.state })
        .collect())
}

pub async fn create(state: &AppState, user: &User, name: &str, note: &str, description: &str) -> Result<i64, AppError> {
    let name = plain_text(name, "The name", domain::NAME_MAX, true, false).map_err(|e| invalid("name", e))?;
    let note = plain_text(note, "The spending note", domain::NOTE_MAX, false, false)
        .map_err(|e| invalid("spending_note", e))?;
    let description = plain_text(description, "The description", domain::DESCRIPTION_MAX, false, true)
        .map_err(|e| invalid("description", e))?;
    let msg = "You have started too many exchanges today; try again tomorrow.";
    crate::core::server::accounts::limit(state, &format!("exchanges:{}", user.id), DAY, EXCHANGES_PER_DAY, msg).await?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let share = &crate::core::crypto::new_share_token();
    let id = store::create(&mut *tx, user.id, &name, &note, &description, share, now).await?;
    store::add_member(&mut *tx, id, user.id, now).await?;
    tx.commit().await?;
    tracing::info!(exchange_id = id, "exchange created");
    Ok(id)
}

/// A new exchange with the same people invited again (they join with one tap) and the same
/// exclusions, plus last time's pairs as hidden exclusions that nobody sees (only once the
/// earlier one is revealed: before that the pairs are secret).
pub async fn start_again(state: &AppState, user: &User, id: i64) -> Result<i64, AppError> {
    let old = creator_exchange(state, user, id).await?;
    if old.state != ExchangeState::Revealed {
        return Err(AppError::Conflict("You can start again once the presents of this exchange are open.".into()));
    }
    let now = db::now();
    let name: String = format!("{} (again)", old.name).chars().take(domain::NAME_MAX).collect();
    let pool = &state.db.pool;
    let others: Vec<i64> =
        store::members(pool, id).await?.into_iter().map(|(uid, _)| uid).filter(|&uid| uid != user.id).collect();
    spend_mails_to_others(state, user, others.len()).await?;
    let mut tx = state.db.begin_write().await?;
    let share = &crate::core::crypto::new_share_token();
    let new_id = store::create(&mut *tx, user.id, &name, &old.spending_note, &old.description, share, now).await?;
    store::add_member(&mut *tx, new_id, user.id, now).await?;
    for uid in others {
        let Some(u) = db::users::by_id(&mut *tx, uid).await? else { continue };
        if store::add_invite(&mut *tx, new_id, &u.email, user.id, now).await? {
            mail_invitation(&mut tx, new_id, &u.email, 0, now).await?;
        }
    }
    for (g, r) in store::exclusions(&mut *tx, id).await? {
        store::add_exclusion(&mut *tx, new_id, g, r).await?;
    }
    for (g, r) in store::pairs_after_reveal(&mut *tx, id).await? {
        store::add_hidden_exclusion(&mut *tx, new_id, g, r).await?;
    }
    tx.commit().await?;
    state.worker_wake.notify_one();
    Ok(new_id)
}

pub async fn view(state: &AppState, user: &User, id: i64) -> Result<ExchangeView, AppError> {
    let ex = member_exchange(state, user, id).await?;
    let pool = &state.db.pool;
    let members = store::members(pool, id).await?;
    let name_of = |uid: i64| {
        members.iter().find(|(m, _)| *m == uid).map(|(_, n)| n.clone()).unwrap_or_else(|| "a former member".into())
    };
    let is_creator = ex.creator_id == user.id;
    let now = db::now();
    let (invites, exclusions) = if is_creator {
        let ex_pairs = store::exclusions(pool, id).await?;
        let invites = store::open_invites(pool, id).await?;
        (
            invites
                .into_iter()
                .map(|i| InviteView {
                    can_remind: !i.declined && i.last_mailed_at <= now - DAY && ex.state == ExchangeState::Gathering,
                    email: i.email,
                    declined: i.declined,
                })
                .collect(),
            ex_pairs.into_iter().map(|(g, r)| (name_of(g), name_of(r))).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    // The page's one resource carries the member's own side and Santa card too.
    let side = store::member_side(pool, id, user.id).await?;
    let my_recipient = side.recipient.map(|(_, n)| n);
    let my_gift_chosen = side.gift_chosen;
    let my_santa = chat_with(side.wish_hint, state, user, &ex).await?;
    Ok(ExchangeView {
        id,
        creator_id: ex.creator_id,
        wall_path: format!("/shame/{}", ex.share_token),
        creator_name: name_of(ex.creator_id),
        name: ex.name,
        spending_note: ex.spending_note,
        description: ex.description,
        state: ex.state,
        is_creator,
        members: members.iter().map(|(id, name)| MemberView { id: *id, name: name.clone() }).collect(),
        invites,
        exclusions,
        reveal_at: ex.reveal_at.map(|t| format_in_zone(t, tz_of(user))),
        viewer_time_zone: user.time_zone.clone(),
        my_recipient,
        my_gift_chosen,
        revealing: ex.state == ExchangeState::Drawn && ex.reveal_at.is_some_and(|t| t <= now),
        my_santa,
        invite_report: None,
    })
}

/// Invites pasted addresses. Nobody joins here: registered people are asked (Join /
/// Decline), newcomers join by signing up. The report says "invited" for every new valid
/// address, whoever holds it.
pub async fn invite(state: &AppState, user: &User, id: i64, addresses: &str) -> Result<InviteReport, AppError> {
    let ex = creator_exchange(state, user, id).await?;
    must_be_gathering(&ex)?;
    let list = parse_address_list(addresses);
    if list.valid.is_empty() && list.invalid.is_empty() {
        return Err(invalid("addresses", "Please paste at least one email address."));
    }
    let mut report = InviteReport { duplicates: list.duplicates, invalid: list.invalid, ..Default::default() };
    if list.valid.is_empty() {
        return Ok(report);
    }
    spend_mails_to_others(state, user, list.valid.len()).await?;
    let now = db::now();
    let mut tx = begin_gathering(state, id).await?;
    for email in list.valid {
        let already_member = match db::users::verified_by_email(&mut *tx, email.as_str()).await? {
            Some(u) => store::is_member(&mut *tx, id, u.id).await?,
            None => false,
        };
        if !already_member && store::add_invite(&mut *tx, id, email.as_str(), user.id, now).await? {
            mail_invitation(&mut tx, id, email.as_str(), 0, now).await?;
            report.invited.push(email.to_string());
        } else {
            report.already.push(email.to_string());
        }
    }
    tx.commit().await?;
    state.worker_wake.notify_one();
    crate::core::server::live::notify(state, super::topic(id));
    Ok(report)
}

/// Creator only, while gathering: mails a pending invitee again, once a day.
pub async fn remind(state: &AppState, user: &User, id: i64, email: &str) -> Result<(), AppError> {
    let ex = creator_exchange(state, user, id).await?;
    must_be_gathering(&ex)?;
    let email = crate::core::domain::email::EmailAddress::parse(email).map_err(|e| invalid("email", e))?;
    spend_mails_to_others(state, user, 1).await?;
    let now = db::now();
    let mut tx = begin_gathering(state, id).await?;
    if !store::mark_reminded(&mut *tx, id, email.as_str(), now, DAY).await? {
        return Err(AppError::Conflict(
            "You can remind someone once a day, and only while their invitation is open.".into(),
        ));
    }
    mail_invitation(&mut tx, id, email.as_str(), now / DAY, now).await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    Ok(())
}

/// The invitation waiting for the viewer (their verified address), if any.
pub async fn invitation(state: &AppState, user: &User, id: i64) -> Result<InvitationView, AppError> {
    let pool = &state.db.pool;
    let ex = store::get(pool, id).await?.ok_or(AppError::NotFound)?;
    if !user.verified
        || ex.state != ExchangeState::Gathering
        || !store::has_pending_invite(pool, id, &user.email).await?
    {
        return Err(AppError::NotFound);
    }
    invitation_view(state, ex).await
}

async fn invitation_view(state: &AppState, ex: Exchange) -> Result<InvitationView, AppError> {
    let members = store::members(&state.db.pool, ex.id).await?;
    let creator_name = members.iter().find(|(m, _)| *m == ex.creator_id).map(|(_, n)| n.clone()).unwrap_or_default();
    Ok(InvitationView {
        id: ex.id,
        name: ex.name,
        creator_name,
        spending_note: ex.spending_note,
        description: ex.description,
        member_count: members.len(),
    })
}

pub async fn my_invitations(state: &AppState, user: &User) -> Result<Vec<InvitationView>, AppError> {
    if !user.verified {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for ex in store::pending_invitations_for(&state.db.pool, &user.email).await? {
        out.push(invitation_view(state, ex).await?);
    }
    Ok(out)
}

/// "Join — once you're in, you're in": conditional on the exchange still gathering.
pub async fn join(state: &AppState, user: &User, id: i64) -> Result<(), AppError> {
    if !user.verified {
        return Err(AppError::NotFound);
    }
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !store::lock_gathering(&mut tx, id).await? {
        let known =
            store::get(&mut *tx, id).await?.is_some() && store::has_pending_invite(&mut *tx, id, &user.email).await?;
        return Err(if known {
            AppError::Conflict("The names have already been drawn: it's too late to join this one.".into())
        } else {
            AppError::NotFound
        });
    }
    if !store::answer_invite(&mut *tx, id, &user.email, store::Answer::Join, now).await? {
        return Err(AppError::NotFound);
    }
    store::add_member(&mut *tx, id, user.id, now).await?;
    tx.commit().await?;
    crate::core::server::live::notify(state, super::topic(id));
    tracing::info!(exchange_id = id, user_id = user.id, "joined an exchange");
    Ok(())
}

pub async fn decline(state: &AppState, user: &User, id: i64) -> Result<(), AppError> {
    let declined = store::answer_invite(&state.db.pool, id, &user.email, store::Answer::Decline, db::now());
    if !user.verified || !declined.await? {
        return Err(AppError::NotFound);
    }
    crate::core::server::live::notify(state, super::topic(id));
    Ok(())
}

pub async fn remove_member(state: &AppState, user: &User, id: i64, member_id: i64) -> Result<(), AppError> {
    let ex = creator_exchange(state, user, id).await?;
    must_be_gathering(&ex)?;
    if member_id == user.id {
        return Err(AppError::Conflict("You created this exchange, so you stay in it.".into()));
    }
    let mut tx = begin_gathering(state, id).await?;
    if !store::remove_member(&mut *tx, id, member_id).await? {
        return Err(AppError::NotFound);
    }
    store::forget_invite_of(&mut *tx, id, member_id).await?;
    tx.commit().await?;
    // Their open page hears this, checks membership again and closes its stream.
    crate::core::server::live::notify(state, super::topic(id));
    Ok(())
}

pub async fn add_exclusion(
    state: &AppState,
    user: &User,
    id: i64,
    giver: i64,
    receiver: i64,
    both: bool,
) -> Result<(), AppError> {
    let ex = creator_exchange(state, user, id).await?;
    must_be_gathering(&ex)?;
    if giver == receiver {
        return Err(invalid("receiver_id", "Pick two different members."));
    }
    let mut tx = begin_gathering(state, id).await?;
    if !store::is_member(&mut *tx, id, giver).await? || !store::is_member(&mut *tx, id, receiver).await? {
        return Err(invalid("giver_id", "Both people must be members of this exchange."));
    }
    store::add_exclusion(&mut *tx, id, giver, receiver).await?;
    if both {
        store::add_exclusion(&mut *tx, id, receiver, giver).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn add_household(state: &AppState, user: &User, id: i64, members: &[i64]) -> Result<(), AppError> {
    let ex = creator_exchange(state, user, id).await?;
    must_be_gathering(&ex)?;
    let mut members = members.to_vec();
    members.sort_unstable();
    members.dedup();
    if members.len() < 2 {
        return Err(invalid("member_ids", "Tick at least two members who live together."));
    }
    let mut tx = begin_gathering(state, id).await?;
    for m in &members {
        if !store::is_member(&mut *tx, id, *m).await? {
            return Err(invalid("member_ids", "Everyone in a household must be a member of this exchange."));
        }
    }
    for &a in &members {
        for &b in &members {
            if a != b {
                store::add_exclusion(&mut *tx, id, a, b).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Parses the creator's local reveal time into UTC seconds.
fn parse_reveal(input: &str, tz: Tz, now: i64) -> Result<i64, AppError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(invalid("reveal_at", domain::RevealTimeError::Missing));
    }
    let local = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| invalid("reveal_at", "Please give the reveal as a date and a time."))?;
    let utc = local_to_utc(tz, local).ok_or_else(|| invalid("reveal_at", domain::RevealTimeError::Nonexistent))?;
    check_reveal_at(utc, now).map_err(|e| invalid("reveal_at", e))
}

pub async fn draw(state: &AppState, user: &User, id: i64, reveal_at: &str) -> Result<(), AppError> {
    let ex = creator_exchange(state, user, id).await?;
    must_be_gathering(&ex)?;
    let now = db::now();
    let reveal_at = parse_reveal(reveal_at, tz_of(user), now)?;
    let mut tx = state.db.begin_write().await?;
    // The conditional state change makes concurrent draws produce one draw.
    if !store::mark_drawn(&mut tx, id, reveal_at).await? {
        return Err(AppError::Conflict("The names have already been drawn.".into()));
    }
    let members = store::members(&mut *tx, id).await?;
    if members.len() < draw_rules::MIN_MEMBERS {
        return Err(AppError::Conflict(format!(
            "A draw needs at least {} members; this exchange has {}. Invite more people first.",
            draw_rules::MIN_MEMBERS,
            members.len()
        )));
    }
    let index_of = |uid: i64| members.iter().position(|(m, _)| *m == uid);
    let (mut rules, mut visible) = (Rules::new(), Rules::new());
    let mut any_hidden = false;
    for (g, r, hidden) in store::exclusions_for_draw(&mut tx, id).await? {
        if let (Some(g), Some(r)) = (index_of(g), index_of(r)) {
            rules.forbid(g, r);
            if hidden {
                any_hidden = true;
            } else {
                visible.forbid(g, r);
            }
        }
    }
    // The draw is CPU work (bounded: see `domain::santa`): off the async threads. If last
    // time's hidden pairs make it impossible, it is drawn without them (nobody can see, so
    // nobody could remove, them).
    let n = members.len();
    let assignment = tokio::task::spawn_blocking(move || {
        let mut rng = rand::rngs::StdRng::from_entropy();
        match draw_rules::draw(n, &rules, &mut rng) {
            Err(DrawError::OverConstrained(_)) if any_hidden => draw_rules::draw(n, &visible, &mut rng),
            other => other,
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!("the draw task failed: {e}"))?
    .map_err(|e| match e {
        DrawError::TooFewMembers => AppError::Conflict("A draw needs at least 3 members.".into()),
        DrawError::OverConstrained(i) => AppError::Conflict(format!(
            "The exclusions leave {} without anyone to give to or receive from. Remove an exclusion and draw again.",
            members[i].1
        )),
    })?;
    for (g, &r) in assignment.receiver_of.iter().enumerate() {
        store::insert_assignment(&mut tx, id, members[g].0, members[r].0).await?;
    }
    db::jobs::schedule(&mut *tx, &reveal_key(id), REVEAL, &reveal_payload(id), reveal_at).await?;
    let givers: Vec<i64> = members.iter().map(|(uid, _)| *uid).collect();
    mail_with_link(&mut tx, givers, &format!("/santa/{id}/gift"), now, |user_id, token| SantaMail::GiftingToDo {
        user_id,
        exchange_id: id,
        token,
    })
    .await?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    crate::core::server::live::notify(state, super::topic(id));
    // Info logs name the exchange, never a pair.
    tracing::info!(exchange_id = id, members = members.len(), "names drawn");
    Ok(())
}

async fn own_recipient(state: &AppState, user: &User, id: i64) -> Result<(Exchange, i64, String), AppError> {
    let ex = member_exchange(state, user, id).await?;
    let (rid, name) = store::recipient_of(&state.db.pool, id, user.id)
        .await?
        .ok_or_else(|| AppError::Conflict("The names have not been drawn yet.".into()))?;
    Ok((ex, rid, name))
}

fn note_views(notes: Vec<(bool, String, i64)>, viewer_is_giver: bool, tz: Tz) -> Vec<NoteView> {
    notes
        .into_iter()
        .map(|(from_giver, body, at)| NoteView {
            mine: from_giver == viewer_is_giver,
            body,
            at: format_in_zone(at, tz),
        })
        .collect()
}

fn note_body(body: &str) -> Result<String, AppError> {
    plain_text(body, "The note", domain::MESSAGE_MAX, true, true).map_err(|e| invalid("body", e))
}

const NOTES_CLOSED: &str = "Notes can be written once the names are drawn and until the presents open.";

pub async fn set_wish_hint(state: &AppState, user: &User, id: i64, hint: &str) -> Result<(), AppError> {
    let ex = member_exchange(state, user, id).await?;
    if ex.state == ExchangeState::Revealed {
        return Err(AppError::Conflict("The presents are already open.".into()));
    }
    let hint = plain_text(hint, "Your wish hint", domain::MESSAGE_MAX, false, true).map_err(|e| invalid("hint", e))?;
    store::set_wish_hint(&state.db.pool, id, user.id, &hint).await?;
    Ok(())
}

pub async fn santa_chat(state: &AppState, user: &User, id: i64) -> Result<SantaChat, AppError> {
    let ex = member_exchange(state, user, id).await?;
    chat_of(state, user, &ex).await
}

/// The member's side as a recipient (wish hint, notes with their anonymous Santa); the
/// caller has checked membership.
async fn chat_of(state: &AppState, user: &User, ex: &Exchange) -> Result<SantaChat, AppError> {
    let hint = store::wish_hint_of(&state.db.pool, ex.id, user.id).await?;
    chat_with(hint, state, user, ex).await
}

/// The member's card as a recipient, their wish hint already read.
async fn chat_with(my_wish_hint: String, state: &AppState, user: &User, ex: &Exchange) -> Result<SantaChat, AppError> {
    let notes = note_views(store::notes_received(&state.db.pool, ex.id, user.id).await?, false, tz_of(user));
    Ok(SantaChat {
        my_wish_hint,
        can_edit_hint: ex.state != ExchangeState::Revealed,
        notes,
        can_write: ex.state == ExchangeState::Drawn,
    })
}

async fn limit_notes(state: &AppState, user: &User) -> Result<(), AppError> {
    let msg = "You are writing too many notes; wait a while and try again.";
    crate::core::server::accounts::limit(state, &format!("notes:{}", user.id), 3600, NOTES_PER_HOUR, msg).await
}

pub async fn note_to_recipient(state: &AppState, user: &User, id: i64, body: &str) -> Result<(), AppError> {
    let (ex, _, _) = own_recipient(state, user, id).await?;
    let body = note_body(body)?;
    limit_notes(state, user).await?;
    if ex.state != ExchangeState::Drawn || !store::add_note(&state.db.pool, id, user.id, true, &body, db::now()).await?
    {
        return Err(AppError::Conflict(NOTES_CLOSED.into()));
    }
    Ok(())
}

pub async fn note_to_santa(state: &AppState, user: &User, id: i64, body: &str) -> Result<(), AppError> {
    let ex = member_exchange(state, user, id).await?;
    let body = note_body(body)?;
    limit_notes(state, user).await?;
    let giver = store::giver_id_for_notes(&state.db.pool, id, user.id).await?;
    match giver {
        Some(giver) if ex.state == ExchangeState::Drawn => {
            if !store::add_note(&state.db.pool, id, giver, false, &body, db::now()).await? {
                return Err(AppError::Conflict(NOTES_CLOSED.into()));
            }
            Ok(())
        }
        _ => Err(AppError::Conflict(NOTES_CLOSED.into())),
    }
}

pub async fn gift_view(state: &AppState, user: &User, id: i64) -> Result<GiftView, AppError> {
    let (ex, recipient_id, recipient_name) = own_recipient(state, user, id).await?;
    let pool = &state.db.pool;
    let (emoji, message) = store::gift_of(pool, id, user.id).await?.unwrap_or_default();
    Ok(GiftView {
        exchange_id: id,
        exchange_name: ex.name,
        recipient_name,
        recipient_wish_hint: store::wish_hint_of(pool, id, recipient_id).await?,
        notes: note_views(store::notes(pool, id, user.id).await?, true, tz_of(user)),
        emoji,
        message,
        reveal_at: ex.reveal_at.map(|t| format_in_zone(t, tz_of(user))).unwrap_or_default(),
        can_edit: ex.state == ExchangeState::Drawn,
    })
}

pub async fn give_gift(state: &AppState, user: &User, id: i64, emoji: &str, message: &str) -> Result<(), AppError> {
    let (ex, _, _) = own_recipient(state, user, id).await?;
    if ex.state != ExchangeState::Drawn {
        return Err(AppError::Conflict("The presents are already open: gifts can't change any more.".into()));
    }
    let emoji = parse_gift_emoji(emoji).map_err(|e| invalid("emoji", e))?;
    let message =
        plain_text(message, "The message", domain::MESSAGE_MAX, true, true).map_err(|e| invalid("message", e))?;
    if !store::save_gift(&state.db.pool, id, user.id, &emoji, &message, db::now()).await? {
        return Err(AppError::Conflict("The presents are already open: gifts can't change any more.".into()));
    }
    Ok(())
}

pub async fn present_view(state: &AppState, user: &User, id: i64) -> Result<PresentView, AppError> {
    let ex = member_exchange(state, user, id).await?;
    let present = match ex.state {
        ExchangeState::Revealed => match store::giver_of_after_reveal(&state.db.pool, id, user.id).await? {
            Some((giver_id, giver_name)) => match store::gift_of(&state.db.pool, id, giver_id).await? {
                Some((emoji, message)) => Present::Gift { emoji, message, giver_name },
                None => Present::Coal { giver_name },
            },
            None => return Err(AppError::NotFound),
        },
        _ => Present::Wrapped {
            reveal_at: ex.reveal_at.map(|t| format_in_zone(t, tz_of(user))).unwrap_or_default(),
            revealing: ex.state == ExchangeState::Drawn && ex.reveal_at.is_some_and(|t| t <= db::now()),
        },
    };
    Ok(PresentView {
        exchange_id: id,
        exchange_name: ex.name,
        present,
        wall_path: format!("/shame/{}", ex.share_token),
    })
}

pub async fn wall(state: &AppState, viewer: Option<&User>, share_token: &str) -> Result<WallView, AppError> {
    if !crate::core::crypto::looks_like_share_token(share_token) {
        return Err(AppError::NotFound);
    }
    let ex = store::by_share_token(&state.db.pool, share_token).await?.ok_or(AppError::NotFound)?;
    let id = ex.id;
    let revealed = ex.state == ExchangeState::Revealed;
    let grinches = if revealed {
        store::grinches(&state.db.pool, id)
            .await?
            .into_iter()
            .map(|(id, name, boos)| GrinchView { id, name, boos })
            .collect()
    } else {
        Vec::new()
    };
    let can_boo = match viewer {
        Some(u) => revealed && store::is_member(&state.db.pool, id, u.id).await?,
        None => false,
    };
    Ok(WallView { exchange_id: id, exchange_name: ex.name, revealed, grinches, can_boo })
}

pub async fn boo(state: &AppState, user: &User, id: i64, grinch: i64) -> Result<(), AppError> {
    let ex = member_exchange(state, user, id).await?;
    if ex.state != ExchangeState::Revealed {
        return Err(AppError::Conflict("Grinches are only known after the reveal.".into()));
    }
    let is_grinch = store::grinches(&state.db.pool, id).await?.iter().any(|(g, _, _)| *g == grinch);
    if !is_grinch {
        return Err(invalid("grinch_id", "Only givers who gave nothing can be booed."));
    }
    if !store::boo(&state.db.pool, id, grinch, user.id, db::now()).await? {
        return Err(AppError::Conflict("You already booed this grinch.".into()));
    }
    Ok(())
}

/// The timed reveal: opens the exchange once (whoever runs it first) and mails every member.
pub async fn reveal(state: &AppState, exchange_id: i64) -> anyhow::Result<()> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !store::mark_revealed(&mut tx, exchange_id).await? {
        tracing::info!(exchange_id, "reveal skipped: not in the drawn state");
        return Ok(());
    }
    let members: Vec<i64> = store::members(&mut *tx, exchange_id).await?.into_iter().map(|(uid, _)| uid).collect();
    mail_with_link(&mut tx, members, &format!("/santa/{exchange_id}/present"), now, |user_id, token| {
        SantaMail::PresentReady { user_id, exchange_id, token }
    })
    .await
    .map_err(|e| anyhow::anyhow!("mailing the members: {e}"))?;
    tx.commit().await?;
    state.worker_wake.notify_one();
    crate::core::server::live::notify(state, super::topic(exchange_id));
    tracing::info!(exchange_id, "exchange revealed");
    Ok(())
}

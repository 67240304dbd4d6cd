//! Events persistence. Every change that depends on an event's state (publishing, adding
//! invitees, answering, editing) first takes the event row with a conditional UPDATE inside
//! its write transaction (`lock_*`): on Postgres that is the row lock every such change
//! takes, on SQLite the transaction is `BEGIN IMMEDIATE`; a change that comes second sees
//! what the first one did.
use super::domain::{EventState, Roster, Schedule, Standing};
use crate::core::db::Tx;
use crate::core::domain::money::{Currency, Money};
use sqlx::{Any, Executor};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub slug: String,
    pub organizer_id: i64,
    pub title: String,
    pub description: String,
    pub online_link: String,
    pub schedule: Schedule,
    pub time_zone: String,
    pub capacity: Option<u32>,
    pub state: EventState,
    pub sequence: i64,
    /// A paid event's ticket (from the attendee's credit); None: free.
    pub ticket_price: Option<Money>,
}

type Row =
    (i64, String, i64, String, String, String, i64, i64, String, Option<i64>, String, i64, Option<i64>, Option<String>);
const COLUMNS: &str = "e.id, e.slug, e.organizer_id, e.title, e.description, e.online_link, e.start_at, \
                       e.duration_minutes, e.time_zone, e.capacity, e.state, e.sequence, e.ticket_price, e.ticket_currency";

/// A `Row` and one more column (a join's), as sqlx reads it: one flat tuple.
type RowAnd<T> = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    String,
    i64,
    Option<i64>,
    Option<String>,
    T,
);

fn split_row<T>((a, b, c, d, e, f, g, h, i, j, k, l, m, n, extra): RowAnd<T>) -> (Event, T) {
    (from_row((a, b, c, d, e, f, g, h, i, j, k, l, m, n)), extra)
}

fn from_row(r: Row) -> Event {
    let (
        id,
        slug,
        organizer_id,
        title,
        description,
        online_link,
        start,
        duration_minutes,
        time_zone,
        capacity,
        state,
        sequence,
        ticket_price,
        ticket_currency,
    ) = r;
    Event {
        id,
        slug,
        organizer_id,
        title,
        description,
        online_link,
        schedule: Schedule { start, duration_minutes },
        time_zone,
        capacity: capacity.and_then(|c| u32::try_from(c).ok()),
        state: EventState::parse(&state).unwrap_or(EventState::Draft),
        sequence,
        ticket_price: ticket_price
            .zip(ticket_currency.as_deref().and_then(Currency::from_code))
            .map(|(m, c)| Money::new(m, c)),
    }
}

/// Sets a draft's ticket price (None: free); false once it is published.
pub async fn set_ticket_price(tx: &mut Tx, id: i64, price: Option<Money>) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE events SET ticket_price = $2, ticket_currency = $3 WHERE id = $1 AND state = 'draft'")
            .bind(id)
            .bind(price.map(|p| p.minor))
            .bind(price.map(|p| p.currency.code()))
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// What the organizer typed, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Details {
    pub title: String,
    pub description: String,
    pub online_link: String,
    pub schedule: Schedule,
    pub time_zone: String,
}

pub async fn create<'e>(
    ex: impl Executor<'e, Database = Any>,
    organizer_id: i64,
    d: &Details,
    capacity: Option<u32>,
    ticket_price: Option<Money>,
    slug: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO events (slug, organizer_id, title, description, online_link, start_at, duration_minutes, time_zone,
                             capacity, state, created_at, ticket_price, ticket_currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $12) RETURNING id",
    )
    .bind(slug)
    .bind(organizer_id)
    .bind(&d.title)
    .bind(&d.description)
    .bind(&d.online_link)
    .bind(d.schedule.start)
    .bind(d.schedule.duration_minutes)
    .bind(&d.time_zone)
    .bind(capacity.map(i64::from))
    .bind(now)
    .bind(ticket_price.map(|p| p.minor))
    .bind(ticket_price.map(|p| p.currency.code()))
    .fetch_one(ex)
    .await
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<Event>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM events e WHERE e.id = $1");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(id).fetch_optional(ex).await?.map(from_row))
}

pub async fn by_slug<'e>(ex: impl Executor<'e, Database = Any>, slug: &str) -> Result<Option<Event>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM events e WHERE e.slug = $1");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(slug).fetch_optional(ex).await?.map(from_row))
}

/// Takes the event row for the rest of `tx` when it has not started and is in one of
/// `states`; returns it as it is then (None: started, another state, or no such event).
/// `bump_answers` also takes the next number of the answer order (see `answer`).
async fn lock(
    tx: &mut Tx,
    id: i64,
    now: i64,
    states: &[EventState],
    bump_answers: bool,
) -> Result<Option<(Event, i64)>, sqlx::Error> {
    let allowed = states.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ");
    let bump = if bump_answers { 1 } else { 0 };
    let seq = sqlx::query_scalar::<_, i64>(&format!(
        "UPDATE events SET answer_seq = answer_seq + {bump} WHERE id = $1 AND start_at > $2 AND state IN ({allowed})
         RETURNING answer_seq"
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(seq) = seq else { return Ok(None) };
    Ok(get(&mut **tx, id).await?.map(|e| (e, seq)))
}

/// A draft or published event that has not started (editing, inviting, cancelling).
pub async fn lock_before_start(tx: &mut Tx, id: i64, now: i64) -> Result<Option<Event>, sqlx::Error> {
    Ok(lock(tx, id, now, &[EventState::Draft, EventState::Published], false).await?.map(|(e, _)| e))
}

/// A published event that has not started (answering), with the answer's order number.
pub async fn lock_for_answer(tx: &mut Tx, id: i64, now: i64) -> Result<Option<(Event, i64)>, sqlx::Error> {
    lock(tx, id, now, &[EventState::Published], true).await
}

/// Draft → published, before the start; true only for the call that did it.
/// Published → draft (an admin takes it down); true only for the call that did it.
pub async fn unpublish(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE events SET state = 'draft' WHERE id = $1 AND state = 'published'")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Every event, newest first, with its organizer's address (the admin page).
pub async fn all_for_admin<'e>(
    ex: impl Executor<'e, Database = Any>,
    limit: i64,
) -> Result<Vec<(Event, String)>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, u.email FROM events e JOIN users u ON u.id = e.organizer_id ORDER BY e.id DESC LIMIT $1"
    );
    type WithOrganizer = RowAnd<String>;
    let rows = sqlx::query_as::<_, WithOrganizer>(&sql).bind(limit).fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|(a, b, c, d, e, f, g, h, i, j, k, l, m, n, email)| {
            (from_row((a, b, c, d, e, f, g, h, i, j, k, l, m, n)), email)
        })
        .collect())
}

pub async fn publish(tx: &mut Tx, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE events SET state = 'published', published_at = $2 WHERE id = $1 AND state = 'draft' AND start_at > $2",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Deletes a draft (its invitations and media rows go with it); true only if it was one.
pub async fn delete_draft(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM events WHERE id = $1 AND state = 'draft'").bind(id).execute(&mut **tx).await?;
    Ok(r.rows_affected() == 1)
}

/// Calls a published event off (a higher calendar SEQUENCE), before the start; true only once.
pub async fn cancel(tx: &mut Tx, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE events SET state = 'cancelled', sequence = sequence + 1
         WHERE id = $1 AND state = 'published' AND start_at > $2",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Saves edited details; a changed time also raises the calendar SEQUENCE. Call after
/// `lock_before_start` in the same transaction.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    d: &Details,
    capacity: Option<u32>,
    time_changed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE events SET title = $2, description = $3, online_link = $4, start_at = $5, duration_minutes = $6,
                           time_zone = $7, capacity = $8, sequence = sequence + $9
         WHERE id = $1",
    )
    .bind(id)
    .bind(&d.title)
    .bind(&d.description)
    .bind(&d.online_link)
    .bind(d.schedule.start)
    .bind(d.schedule.duration_minutes)
    .bind(&d.time_zone)
    .bind(capacity.map(i64::from))
    .bind(if time_changed { 1i64 } else { 0 })
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Events the user organizes, soonest first.
pub async fn of_organizer<'e>(ex: impl Executor<'e, Database = Any>, user_id: i64) -> Result<Vec<Event>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM events e WHERE e.organizer_id = $1 ORDER BY e.start_at, e.id");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(user_id).fetch_all(ex).await?.into_iter().map(from_row).collect())
}

/// Published (or cancelled) events the user is invited to, with their standing.
pub async fn of_invitee<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<Vec<(Event, Option<Standing>)>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, i.standing FROM events e JOIN event_invites i ON i.event_id = e.id
         WHERE i.user_id = $1 AND e.state <> 'draft' ORDER BY e.start_at, e.id"
    );
    type WithStanding = RowAnd<Option<String>>;
    let rows = sqlx::query_as::<_, WithStanding>(&sql).bind(user_id).fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (event, standing) = split_row(row);
            (event, standing.as_deref().and_then(parse_standing))
        })
        .collect())
}

pub fn standing_str(s: Standing) -> &'static str {
    match s {
        Standing::Going => "going",
        Standing::Waitlisted => "waitlisted",
        Standing::Maybe => "maybe",
        Standing::NotGoing => "not_going",
    }
}

pub fn parse_standing(s: &str) -> Option<Standing> {
    match s {
        "going" => Some(Standing::Going),
        "waitlisted" => Some(Standing::Waitlisted),
        "maybe" => Some(Standing::Maybe),
        "not_going" => Some(Standing::NotGoing),
        _ => None,
    }
}

/// Records an invitation of an address (bound to its verified account, if any); false if
/// it was already invited.
pub async fn add_invite<'e>(
    ex: impl Executor<'e, Database = Any>,
    event_id: i64,
    email: &str,
    user_id: Option<i64>,
    invited_by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO event_invites (event_id, email, user_id, invited_by, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (event_id, email) DO NOTHING",
    )
    .bind(event_id)
    .bind(email)
    .bind(user_id)
    .bind(invited_by)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// One invitation, as the organizer (and the rules) see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub email: String,
    pub user_id: Option<i64>,
    /// The invitee's display name once they have an account.
    pub name: Option<String>,
    pub standing: Option<Standing>,
    pub answer_seq: Option<i64>,
    pub mailed: bool,
}

/// Every invitation of an event, in answer order (unanswered last, by address).
pub async fn invites<'e>(ex: impl Executor<'e, Database = Any>, event_id: i64) -> Result<Vec<Invite>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (String, Option<i64>, Option<String>, Option<String>, Option<i64>, Option<i64>)>(
        "SELECT i.email, i.user_id, u.display_name, i.standing, i.answer_seq, i.mailed_at
         FROM event_invites i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.event_id = $1
         ORDER BY CASE WHEN i.answer_seq IS NULL THEN 1 ELSE 0 END, i.answer_seq, i.email",
    )
    .bind(event_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(email, user_id, name, standing, answer_seq, mailed_at)| Invite {
            email,
            user_id,
            name,
            standing: standing.as_deref().and_then(parse_standing),
            answer_seq,
            mailed: mailed_at.is_some(),
        })
        .collect())
}

/// The invitation of `user_id` to the event, if any.
pub async fn invite_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    event_id: i64,
    user_id: i64,
) -> Result<Option<Option<Standing>>, sqlx::Error> {
    let row = sqlx::query_scalar::<_, Option<String>>(
        "SELECT standing FROM event_invites WHERE event_id = $1 AND user_id = $2",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|s| s.as_deref().and_then(parse_standing)))
}

/// Who holds the RSVP token (its SHA-256): (event id, user id).
pub async fn by_rsvp_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, i64)>(
        "SELECT event_id, user_id FROM event_invites WHERE rsvp_token_hash = $1 AND user_id IS NOT NULL",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await
}

/// Marks an invitation mailed (with the hash of its RSVP token, for registered invitees);
/// true only for the call that did it, so each invitee is mailed once.
pub async fn mark_mailed(
    tx: &mut Tx,
    event_id: i64,
    email: &str,
    token_hash: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE event_invites SET mailed_at = $3, rsvp_token_hash = $4 WHERE event_id = $1 AND email = $2 AND mailed_at IS NULL",
    )
    .bind(event_id)
    .bind(email)
    .bind(now)
    .bind(token_hash)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Binds one invitation to the verified account holding its address (if not yet bound).
pub async fn bind_invite(tx: &mut Tx, event_id: i64, email: &str, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE event_invites SET user_id = $3 WHERE event_id = $1 AND email = $2 AND user_id IS NULL")
        .bind(event_id)
        .bind(email)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Binds the invitations of a newly verified address to its account; returns the events.
pub async fn bind_invites(tx: &mut Tx, email: &str, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let ids = sqlx::query_scalar::<_, i64>(
        "SELECT event_id FROM event_invites WHERE email = $1 AND user_id IS NULL ORDER BY event_id",
    )
    .bind(email)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("UPDATE event_invites SET user_id = $2 WHERE email = $1 AND user_id IS NULL")
        .bind(email)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(ids)
}

/// The answers of an event as the rules see them (call inside the answering transaction).
pub async fn roster(tx: &mut Tx, event: &Event) -> Result<Roster, sqlx::Error> {
    let rows = sqlx::query_as::<_, (i64, String)>(
        "SELECT user_id, standing FROM event_invites
         WHERE event_id = $1 AND user_id IS NOT NULL AND standing IS NOT NULL ORDER BY answer_seq, user_id",
    )
    .bind(event.id)
    .fetch_all(&mut **tx)
    .await?;
    let mut roster = Roster::new(event.capacity);
    for (uid, standing) in rows {
        match parse_standing(&standing) {
            Some(Standing::Going) => roster.going.push(uid),
            Some(Standing::Waitlisted) => roster.waitlist.push_back(uid),
            Some(Standing::Maybe) => roster.maybe.push(uid),
            Some(Standing::NotGoing) => roster.not_going.push(uid),
            None => {}
        }
    }
    Ok(roster)
}

/// Writes one person's standing; `answer_seq` is the answer's place in line (kept as it
/// was when `None`: a promotion keeps its place).
pub async fn set_standing(
    tx: &mut Tx,
    event_id: i64,
    user_id: i64,
    standing: Standing,
    answer_seq: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE event_invites SET standing = $3, answer_seq = COALESCE($4, answer_seq), answered_at = $5
         WHERE event_id = $1 AND user_id = $2",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(standing_str(standing))
    .bind(answer_seq)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The people with an answer, with their names, in answer order.
pub async fn answers<'e>(
    ex: impl Executor<'e, Database = Any>,
    event_id: i64,
) -> Result<Vec<(i64, String, Standing)>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (i64, String, String)>(
        "SELECT u.id, u.display_name, i.standing FROM event_invites i JOIN users u ON u.id = i.user_id
         WHERE i.event_id = $1 AND i.standing IS NOT NULL ORDER BY i.answer_seq, u.id",
    )
    .bind(event_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().filter_map(|(id, name, s)| parse_standing(&s).map(|s| (id, name, s))).collect())
}

/// A stored cover photo or video.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    pub role: String,
    pub media_key: String,
    pub content_type: String,
    pub thumb_key: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

pub async fn media_of<'e>(ex: impl Executor<'e, Database = Any>, event_id: i64) -> Result<Vec<Media>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (String, String, String, Option<String>, Option<i64>, Option<i64>)>(
        "SELECT role, media_key, content_type, thumb_key, width, height FROM event_media WHERE event_id = $1 ORDER BY role",
    )
    .bind(event_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(role, media_key, content_type, thumb_key, width, height)| Media {
            role,
            media_key,
            content_type,
            thumb_key,
            width,
            height,
        })
        .collect())
}

/// A cover or video to save (its objects are already in the media store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMedia {
    pub media_key: String,
    pub content_type: String,
    pub thumb_key: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub bytes: i64,
}

/// Sets (or replaces) the event's cover or video.
pub async fn set_media<'e>(
    ex: impl Executor<'e, Database = Any>,
    event_id: i64,
    role: &str,
    m: &NewMedia,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO event_media (event_id, role, media_key, content_type, thumb_key, width, height, bytes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (event_id, role) DO UPDATE SET media_key = excluded.media_key, content_type = excluded.content_type,
             thumb_key = excluded.thumb_key, width = excluded.width, height = excluded.height, bytes = excluded.bytes,
             created_at = excluded.created_at",
    )
    .bind(event_id)
    .bind(role)
    .bind(&m.media_key)
    .bind(&m.content_type)
    .bind(&m.thumb_key)
    .bind(m.width)
    .bind(m.height)
    .bind(m.bytes)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// The events showing a media object (as their media or its thumbnail): organizer, state.
pub async fn events_using_media<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Vec<(i64, EventState)>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (i64, String)>(
        "SELECT e.organizer_id, e.state FROM event_media m JOIN events e ON e.id = m.event_id
         WHERE m.media_key = $1 OR m.thumb_key = $1",
    )
    .bind(key)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(|(o, s)| (o, EventState::parse(&s).unwrap_or(EventState::Draft))).collect())
}

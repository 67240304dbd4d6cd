//! Secret Santa exchanges. Pair queries take the asking giver: nothing here lists who
//! gives to whom except `assignments_for_reveal` (used once the exchange is revealed).
use crate::santa::domain::ExchangeState;
use sqlx::{Any, Executor};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub id: i64,
    pub name: String,
    pub spending_note: String,
    pub description: String,
    pub creator_id: i64,
    pub state: ExchangeState,
    pub reveal_at: Option<i64>,
    pub share_token: String,
}

type Row = (i64, String, String, String, i64, String, Option<i64>, String);
const COLUMNS: &str = "e.id, e.name, e.spending_note, e.description, e.creator_id, e.state, e.reveal_at, e.share_token";

fn from_row((id, name, spending_note, description, creator_id, state, reveal_at, share_token): Row) -> Exchange {
    Exchange {
        id,
        name,
        spending_note,
        description,
        creator_id,
        state: ExchangeState::parse(&state).unwrap_or(ExchangeState::Gathering),
        reveal_at,
        share_token,
    }
}

pub async fn create<'e>(
    ex: impl Executor<'e, Database = Any>,
    creator_id: i64,
    name: &str,
    spending_note: &str,
    description: &str,
    share_token: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO exchanges (name, spending_note, description, creator_id, state, share_token, created_at)
         VALUES ($1, $2, $3, $4, 'gathering', $5, $6) RETURNING id",
    )
    .bind(name)
    .bind(spending_note)
    .bind(description)
    .bind(creator_id)
    .bind(share_token)
    .bind(now)
    .fetch_one(ex)
    .await
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<Exchange>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM exchanges e WHERE e.id = $1");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(id).fetch_optional(ex).await?.map(from_row))
}

/// The exchange, if `user_id` is one of its members (one query for both).
pub async fn get_for_member<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: i64,
    user_id: i64,
) -> Result<Option<Exchange>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM exchanges e JOIN exchange_members m ON m.exchange_id = e.id AND m.user_id = $2 WHERE e.id = $1"
    );
    Ok(sqlx::query_as::<_, Row>(&sql).bind(id).bind(user_id).fetch_optional(ex).await?.map(from_row))
}

/// What a member's own page shows of their side, in one query: their wish hint, their
/// recipient (id, name) once drawn, and whether they chose a gift.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberSide {
    pub wish_hint: String,
    pub recipient: Option<(i64, String)>,
    pub gift_chosen: bool,
}

pub async fn member_side<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
) -> Result<MemberSide, sqlx::Error> {
    let row = sqlx::query_as::<_, (String, Option<i64>, Option<String>, i64)>(
        "SELECT m.wish_hint, a.receiver_id, u.display_name,
                (SELECT COUNT(*) FROM exchange_gifts g WHERE g.exchange_id = m.exchange_id AND g.giver_id = m.user_id)
         FROM exchange_members m
         LEFT JOIN exchange_assignments a ON a.exchange_id = m.exchange_id AND a.giver_id = m.user_id
         LEFT JOIN users u ON u.id = a.receiver_id
         WHERE m.exchange_id = $1 AND m.user_id = $2",
    )
    .bind(exchange_id)
    .bind(user_id)
    .fetch_optional(ex)
    .await?;
    Ok(row
        .map(|(wish_hint, rid, rname, gifts)| MemberSide {
            wish_hint,
            recipient: rid.zip(rname),
            gift_chosen: gifts > 0,
        })
        .unwrap_or_default())
}

/// The exchange behind a wall-of-shame address.
pub async fn by_share_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    token: &str,
) -> Result<Option<Exchange>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM exchanges e WHERE e.share_token = $1");
    Ok(sqlx::query_as::<_, Row>(&sql).bind(token).fetch_optional(ex).await?.map(from_row))
}

/// The exchanges a user belongs to, newest first.
pub async fn of_member<'e>(ex: impl Executor<'e, Database = Any>, user_id: i64) -> Result<Vec<Exchange>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM exchanges e JOIN exchange_members m ON m.exchange_id = e.id WHERE m.user_id = $1 ORDER BY e.id DESC"
    );
    Ok(sqlx::query_as::<_, Row>(&sql).bind(user_id).fetch_all(ex).await?.into_iter().map(from_row).collect())
}

/// Adds a member; returns whether they were new.
pub async fn add_member<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO exchange_members (exchange_id, user_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT (exchange_id, user_id) DO NOTHING",
    )
    .bind(exchange_id)
    .bind(user_id)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Removes a member, only while the exchange is still gathering. Returns whether removed.
pub async fn remove_member<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "DELETE FROM exchange_members WHERE exchange_id = $1 AND user_id = $2
         AND EXISTS (SELECT 1 FROM exchanges WHERE id = $1 AND state = 'gathering')",
    )
    .bind(exchange_id)
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Forgets the invitation that brought `user_id` in, so that they can be invited again.
pub async fn forget_invite_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM exchange_invites WHERE exchange_id = $1 AND email = (SELECT email FROM users WHERE id = $2)",
    )
    .bind(exchange_id)
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(())
}

/// Members as (user id, display name), in joining order.
pub async fn members<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String)>(
        "SELECT u.id, u.display_name FROM exchange_members m JOIN users u ON u.id = m.user_id
         WHERE m.exchange_id = $1 ORDER BY m.joined_at, u.id",
    )
    .bind(exchange_id)
    .fetch_all(ex)
    .await
}

pub async fn is_member<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT 1 FROM exchange_members WHERE exchange_id = $1 AND user_id = $2")
        .bind(exchange_id)
        .bind(user_id)
        .fetch_optional(ex)
        .await?
        .is_some())
}

/// Locks the exchange row for the rest of `tx` if it is still gathering, and says whether
/// it is. Every change to membership or exclusions calls this first, inside its write
/// transaction: the draw's own conditional UPDATE takes the same row lock, so a join and a
/// draw are serialised on Postgres as they are on SQLite (`BEGIN IMMEDIATE`), and a change
/// that comes second sees the exchange drawn and is refused.
pub async fn lock_gathering(tx: &mut crate::core::db::Tx, exchange_id: i64) -> Result<bool, sqlx::Error> {
    move_state(tx, exchange_id, ExchangeState::Gathering, ExchangeState::Gathering).await
}

/// Moves the exchange from `from` to `to` (the same state: only locks the row) when it is in
/// `from`; true only for the call that did it.
async fn move_state(
    tx: &mut crate::core::db::Tx,
    exchange_id: i64,
    from: ExchangeState,
    to: ExchangeState,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE exchanges SET state = $3 WHERE id = $1 AND state = $2")
        .bind(exchange_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Records an invitation of an address; false if it was already invited.
pub async fn add_invite<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    email: &str,
    invited_by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO exchange_invites (exchange_id, email, invited_by, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (exchange_id, email) DO NOTHING",
    )
    .bind(exchange_id)
    .bind(email)
    .bind(invited_by)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

const PENDING: &str = "accepted_at IS NULL AND declined_at IS NULL";

/// How an invitee answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Join,
    Decline,
}

/// Records the answer to the pending invitation of `email`; true only for the call that
/// answered it (false when nothing was pending).
pub async fn answer_invite<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    email: &str,
    answer: Answer,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let column = match answer {
        Answer::Join => "accepted_at",
        Answer::Decline => "declined_at",
    };
    let sql = format!("UPDATE exchange_invites SET {column} = $3 WHERE exchange_id = $1 AND email = $2 AND {PENDING}");
    Ok(sqlx::query(&sql).bind(exchange_id).bind(email).bind(now).execute(ex).await?.rows_affected() == 1)
}

/// Records a reminder of a pending invitation, at most one per `min_gap_secs` (counting the
/// invitation itself); false when it is too soon or nothing is pending.
pub async fn mark_reminded<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    email: &str,
    now: i64,
    min_gap_secs: i64,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE exchange_invites SET reminded_at = $3
         WHERE exchange_id = $1 AND email = $2 AND {PENDING} AND COALESCE(reminded_at, created_at) <= $4"
    );
    let r = sqlx::query(&sql).bind(exchange_id).bind(email).bind(now).bind(now - min_gap_secs).execute(ex).await?;
    Ok(r.rows_affected() == 1)
}

/// An invitation as its exchange's creator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRow {
    pub email: String,
    pub declined: bool,
    /// When the last mail about it went out (the invitation or a reminder).
    pub last_mailed_at: i64,
}

/// Invitations not accepted (pending or declined), oldest first.
pub async fn open_invites<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
) -> Result<Vec<InviteRow>, sqlx::Error> {
    let rows = sqlx::query_as::<_, (String, Option<i64>, i64)>(
        "SELECT email, declined_at, COALESCE(reminded_at, created_at) FROM exchange_invites
         WHERE exchange_id = $1 AND accepted_at IS NULL ORDER BY created_at, email",
    )
    .bind(exchange_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(email, declined_at, last_mailed_at)| InviteRow {
            email,
            declined: declined_at.is_some(),
            last_mailed_at,
        })
        .collect())
}

/// Whether `email` has a pending invitation to the exchange.
pub async fn has_pending_invite<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let sql = format!("SELECT 1 FROM exchange_invites WHERE exchange_id = $1 AND email = $2 AND {PENDING}");
    Ok(sqlx::query_scalar::<_, i64>(&sql).bind(exchange_id).bind(email).fetch_optional(ex).await?.is_some())
}

/// Gathering exchanges that invited `email` and wait for an answer, newest first.
pub async fn pending_invitations_for<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Vec<Exchange>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM exchanges e JOIN exchange_invites i ON i.exchange_id = e.id
         WHERE i.email = $1 AND i.accepted_at IS NULL AND i.declined_at IS NULL AND e.state = 'gathering'
         ORDER BY e.id DESC"
    );
    Ok(sqlx::query_as::<_, Row>(&sql).bind(email).fetch_all(ex).await?.into_iter().map(from_row).collect())
}

/// The first time an address is proven: joins its owner to every gathering exchange that
/// invited it while it had no verified account (newcomers join without another click).
/// Each join is conditional on the exchange still gathering (see `lock_gathering`).
pub async fn accept_newcomer_invites(
    tx: &mut crate::core::db::Tx,
    email: &str,
    user_id: i64,
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = format!("SELECT exchange_id FROM exchange_invites WHERE email = $1 AND {PENDING} ORDER BY exchange_id");
    let ids = sqlx::query_scalar::<_, i64>(&sql).bind(email).fetch_all(&mut **tx).await?;
    let mut joined = Vec::new();
    for id in ids {
        if lock_gathering(tx, id).await? && answer_invite(&mut **tx, id, email, Answer::Join, now).await? {
            add_member(&mut **tx, id, user_id, now).await?;
            joined.push(id);
        }
    }
    Ok(joined)
}

/// Adds a visible exclusion ("A must not draw B"); a hidden one for the same pair becomes
/// visible (the creator asked for it, so it reveals nothing).
pub async fn add_exclusion<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
    receiver: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO exchange_exclusions (exchange_id, giver_id, receiver_id, hidden) VALUES ($1, $2, $3, 0)
         ON CONFLICT (exchange_id, giver_id, receiver_id) DO UPDATE SET hidden = 0",
    )
    .bind(exchange_id)
    .bind(giver)
    .bind(receiver)
    .execute(ex)
    .await?;
    Ok(())
}

/// Adds a hidden exclusion (last time's pairs): honoured by the draw, shown to nobody.
pub async fn add_hidden_exclusion<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
    receiver: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO exchange_exclusions (exchange_id, giver_id, receiver_id, hidden) VALUES ($1, $2, $3, 1)
         ON CONFLICT (exchange_id, giver_id, receiver_id) DO NOTHING",
    )
    .bind(exchange_id)
    .bind(giver)
    .bind(receiver)
    .execute(ex)
    .await?;
    Ok(())
}

/// The exclusions the creator set (visible ones only).
pub async fn exclusions<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, i64)>(
        "SELECT giver_id, receiver_id FROM exchange_exclusions WHERE exchange_id = $1 AND hidden = 0
         ORDER BY giver_id, receiver_id",
    )
    .bind(exchange_id)
    .fetch_all(ex)
    .await
}

/// Every exclusion, hidden ones included, as (giver, receiver, hidden): for the draw only.
pub async fn exclusions_for_draw(
    tx: &mut crate::core::db::Tx,
    exchange_id: i64,
) -> Result<Vec<(i64, i64, bool)>, sqlx::Error> {
    Ok(sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT giver_id, receiver_id, hidden FROM exchange_exclusions WHERE exchange_id = $1
         ORDER BY giver_id, receiver_id",
    )
    .bind(exchange_id)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(g, r, hidden)| (g, r, hidden == 1))
    .collect())
}

/// Moves a gathering exchange to drawn. Of two concurrent draws exactly one gets `true`.
pub async fn mark_drawn(tx: &mut crate::core::db::Tx, exchange_id: i64, reveal_at: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE exchanges SET state = 'drawn', reveal_at = $2 WHERE id = $1 AND state = 'gathering'")
        .bind(exchange_id)
        .bind(reveal_at)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_assignment(
    tx: &mut crate::core::db::Tx,
    exchange_id: i64,
    giver: i64,
    receiver: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO exchange_assignments (exchange_id, giver_id, receiver_id) VALUES ($1, $2, $3)")
        .bind(exchange_id)
        .bind(giver)
        .bind(receiver)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The recipient of `giver` (id, name): the one pair a giver may know before the reveal.
pub async fn recipient_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String)>(
        "SELECT u.id, u.display_name FROM exchange_assignments a JOIN users u ON u.id = a.receiver_id
         WHERE a.exchange_id = $1 AND a.giver_id = $2",
    )
    .bind(exchange_id)
    .bind(giver)
    .fetch_optional(ex)
    .await
}

/// After the reveal only: who gave to `receiver` (id, name).
pub async fn giver_of_after_reveal<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    receiver: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String)>(
        "SELECT u.id, u.display_name FROM exchange_assignments a JOIN users u ON u.id = a.giver_id
         JOIN exchanges e ON e.id = a.exchange_id
         WHERE a.exchange_id = $1 AND a.receiver_id = $2 AND e.state = 'revealed'",
    )
    .bind(exchange_id)
    .bind(receiver)
    .fetch_optional(ex)
    .await
}

/// Saves a giver's gift while the exchange is drawn (not after the reveal). Returns whether saved.
pub async fn save_gift<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
    emoji: &str,
    message: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO exchange_gifts (exchange_id, giver_id, emoji, message, updated_at)
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM exchanges WHERE id = $1 AND state = 'drawn')
         ON CONFLICT (exchange_id, giver_id) DO UPDATE SET emoji = excluded.emoji, message = excluded.message, updated_at = excluded.updated_at",
    )
    .bind(exchange_id)
    .bind(giver)
    .bind(emoji)
    .bind(message)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The gift `giver` chose (emoji, message).
pub async fn gift_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT emoji, message FROM exchange_gifts WHERE exchange_id = $1 AND giver_id = $2",
    )
    .bind(exchange_id)
    .bind(giver)
    .fetch_optional(ex)
    .await
}

/// Moves a drawn exchange to revealed; true only for the one call that did it.
pub async fn mark_revealed(tx: &mut crate::core::db::Tx, exchange_id: i64) -> Result<bool, sqlx::Error> {
    move_state(tx, exchange_id, ExchangeState::Drawn, ExchangeState::Revealed).await
}

/// After the reveal only: givers who gave nothing (id, name), with their boo counts.
pub async fn grinches<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT u.id, u.display_name,
                (SELECT COUNT(*) FROM exchange_boos b WHERE b.exchange_id = a.exchange_id AND b.grinch_id = a.giver_id)
         FROM exchange_assignments a JOIN users u ON u.id = a.giver_id JOIN exchanges e ON e.id = a.exchange_id
         WHERE a.exchange_id = $1 AND e.state = 'revealed'
           AND NOT EXISTS (SELECT 1 FROM exchange_gifts g WHERE g.exchange_id = a.exchange_id AND g.giver_id = a.giver_id)
         ORDER BY u.display_name, u.id",
    )
    .bind(exchange_id)
    .fetch_all(ex)
    .await
}

/// One boo per member per grinch; returns whether this one counted.
pub async fn boo<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    grinch: i64,
    booer: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO exchange_boos (exchange_id, grinch_id, booer_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (exchange_id, grinch_id, booer_id) DO NOTHING",
    )
    .bind(exchange_id)
    .bind(grinch)
    .bind(booer)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets a member's wish hint.
pub async fn set_wish_hint<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
    hint: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE exchange_members SET wish_hint = $3 WHERE exchange_id = $1 AND user_id = $2")
        .bind(exchange_id)
        .bind(user_id)
        .bind(hint)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn wish_hint_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    user_id: i64,
) -> Result<String, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT wish_hint FROM exchange_members WHERE exchange_id = $1 AND user_id = $2",
    )
    .bind(exchange_id)
    .bind(user_id)
    .fetch_optional(ex)
    .await?
    .unwrap_or_default())
}

/// Server-side only: the id of whoever gives to `receiver`, to file the receiver's notes
/// in the right conversation. Never returned to a client before the reveal.
pub async fn giver_id_for_notes<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    receiver: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "SELECT giver_id FROM exchange_assignments WHERE exchange_id = $1 AND receiver_id = $2",
    )
    .bind(exchange_id)
    .bind(receiver)
    .fetch_optional(ex)
    .await
}

/// Adds a note to the conversation of `giver`, while the exchange is drawn. Returns whether added.
pub async fn add_note<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
    from_giver: bool,
    body: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO exchange_notes (exchange_id, giver_id, from_giver, body, created_at)
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM exchanges WHERE id = $1 AND state = 'drawn')",
    )
    .bind(exchange_id)
    .bind(giver)
    .bind(i64::from(from_giver))
    .bind(body)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The conversation of `giver`, oldest first: (written by the giver?, body, time).
pub async fn notes<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    giver: i64,
) -> Result<Vec<(bool, String, i64)>, sqlx::Error> {
    conversation(
        ex,
        "SELECT from_giver, body, created_at FROM exchange_notes WHERE exchange_id = $1 AND giver_id = $2 ORDER BY id",
        exchange_id,
        giver,
    )
    .await
}

/// The conversation `receiver` has with their anonymous Santa, oldest first (written by
/// the giver?, body, time): the giver is matched in SQL and never leaves the server.
pub async fn notes_received<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
    receiver: i64,
) -> Result<Vec<(bool, String, i64)>, sqlx::Error> {
    conversation(
        ex,
        "SELECT n.from_giver, n.body, n.created_at FROM exchange_notes n
         JOIN exchange_assignments a ON a.exchange_id = n.exchange_id AND a.giver_id = n.giver_id
         WHERE n.exchange_id = $1 AND a.receiver_id = $2 ORDER BY n.id",
        exchange_id,
        receiver,
    )
    .await
}

/// Runs a notes query (exchange, person) and reads its rows.
async fn conversation<'e>(
    ex: impl Executor<'e, Database = Any>,
    sql: &'static str,
    exchange_id: i64,
    person: i64,
) -> Result<Vec<(bool, String, i64)>, sqlx::Error> {
    Ok(sqlx::query_as::<_, (i64, String, i64)>(sql)
        .bind(exchange_id)
        .bind(person)
        .fetch_all(ex)
        .await?
        .into_iter()
        .map(|(f, b, t)| (f == 1, b, t))
        .collect())
}

/// After the reveal only: every (giver, receiver) pair, to exclude them next time.
pub async fn pairs_after_reveal<'e>(
    ex: impl Executor<'e, Database = Any>,
    exchange_id: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, i64)>(
        "SELECT a.giver_id, a.receiver_id FROM exchange_assignments a JOIN exchanges e ON e.id = a.exchange_id
         WHERE a.exchange_id = $1 AND e.state = 'revealed'",
    )
    .bind(exchange_id)
    .fetch_all(ex)
    .await
}

//! Lunches' tables. Functions take an executor or a transaction; every state change is one
//! conditional UPDATE on the state it leaves, so of two racing changes exactly one happens.
use super::availability::{Minute, Repeat, Window};
use super::domain::{Answer, LunchState};
use crate::core::db::Tx;
use crate::core::domain::time::zone_or_utc;
use sqlx::{Any, Executor};

/// A food type or a location (locations carry a time zone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub name: String,
    pub time_zone: Option<String>,
    pub retired: bool,
}

/// Which admin-managed list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Foods,
    Locations,
}

impl List {
    fn table(self) -> &'static str {
        match self {
            Self::Foods => "food_types",
            Self::Locations => "lunch_locations",
        }
    }
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, list: List) -> Result<Vec<Named>, sqlx::Error> {
    let tz = if list == List::Locations { "time_zone" } else { "NULL" };
    let sql = format!("SELECT id, name, {tz}, retired_at FROM {} ORDER BY name_key", list.table());
    let rows: Vec<(i64, String, Option<String>, Option<i64>)> = sqlx::query_as(&sql).fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, time_zone, retired)| Named { id, name, time_zone, retired: retired.is_some() })
        .collect())
}

/// Whether another row of the list already has this name (any case).
pub async fn name_taken(tx: &mut Tx, list: List, key: &str, except: Option<i64>) -> Result<bool, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM {} WHERE name_key = $1 AND id <> $2", list.table());
    let n: i64 = sqlx::query_scalar(&sql).bind(key).bind(except.unwrap_or(-1)).fetch_one(&mut **tx).await?;
    Ok(n > 0)
}

pub async fn insert_named(
    tx: &mut Tx,
    list: List,
    name: &str,
    key: &str,
    time_zone: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    match list {
        List::Foods => {
            sqlx::query_scalar("INSERT INTO food_types (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(name)
                .bind(key)
                .bind(now)
                .fetch_one(&mut **tx)
                .await
        }
        List::Locations => sqlx::query_scalar(
            "INSERT INTO lunch_locations (name, name_key, time_zone, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(key)
        .bind(time_zone.unwrap_or("UTC"))
        .bind(now)
        .fetch_one(&mut **tx)
        .await,
    }
}

pub async fn rename(
    tx: &mut Tx,
    list: List,
    id: i64,
    name: &str,
    key: &str,
    time_zone: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let r = match (list, time_zone) {
        (List::Locations, Some(tz)) => {
            sqlx::query("UPDATE lunch_locations SET name = $2, name_key = $3, time_zone = $4 WHERE id = $1")
                .bind(id)
                .bind(name)
                .bind(key)
                .bind(tz)
                .execute(&mut **tx)
                .await?
        }
        _ => {
            let sql = format!("UPDATE {} SET name = $2, name_key = $3 WHERE id = $1", list.table());
            sqlx::query(&sql).bind(id).bind(name).bind(key).execute(&mut **tx).await?
        }
    };
    Ok(r.rows_affected() == 1)
}

/// Retires (or brings back) a food type or location; nothing referenced is ever deleted.
pub async fn set_retired(tx: &mut Tx, list: List, id: i64, retired: bool, now: i64) -> Result<bool, sqlx::Error> {
    let sql = format!("UPDATE {} SET retired_at = $2 WHERE id = $1", list.table());
    let r = sqlx::query(&sql).bind(id).bind(retired.then_some(now)).execute(&mut **tx).await?;
    Ok(r.rows_affected() == 1)
}

// ---- members and profiles ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub location_id: Option<i64>,
}

pub async fn member<'e>(ex: impl Executor<'e, Database = Any>, user_id: i64) -> Result<Option<Member>, sqlx::Error> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT user_id, location_id FROM lunch_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(|(user_id, location_id)| Member { user_id, location_id }))
}

/// Enrolls a member; false when they already were.
pub async fn enroll(tx: &mut Tx, user_id: i64, invited_by: Option<i64>, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO lunch_members (user_id, invited_by, enrolled_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(invited_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_profile(
    tx: &mut Tx,
    user_id: i64,
    location_id: Option<i64>,
    cannot_eat: &[i64],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE lunch_members SET location_id = $2, updated_at = $3 WHERE user_id = $1")
        .bind(user_id)
        .bind(location_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM lunch_cannot_eat WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    for food in cannot_eat {
        sqlx::query("INSERT INTO lunch_cannot_eat (user_id, food_type_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(food)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn cannot_eat<'e>(ex: impl Executor<'e, Database = Any>, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT food_type_id FROM lunch_cannot_eat WHERE user_id = $1 ORDER BY food_type_id")
        .bind(user_id)
        .fetch_all(ex)
        .await
}

// ---- availability ----

type WindowRow = (i64, i64, String, i64, i64, String);

fn window_of((id, user_id, repeat, from, until, zone): WindowRow) -> Option<(i64, i64, Window)> {
    let window = Window {
        repeat: Repeat::from_key(&repeat)?,
        from: Minute::new(u16::try_from(from).ok()?)?,
        until: Minute::new(u16::try_from(until).ok()?)?,
        zone: zone_or_utc(&zone),
    };
    Some((id, user_id, window))
}

const WINDOW_COLUMNS: &str = "id, user_id, repeat_on, from_minute, until_minute, time_zone";

/// A member's windows, with their ids.
pub async fn windows<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<Vec<(i64, Window)>, sqlx::Error> {
    let sql = format!("SELECT {WINDOW_COLUMNS} FROM lunch_windows WHERE user_id = $1 ORDER BY id");
    let rows: Vec<WindowRow> = sqlx::query_as(&sql).bind(user_id).fetch_all(ex).await?;
    Ok(rows.into_iter().filter_map(window_of).map(|(id, _, w)| (id, w)).collect())
}

/// Every window of every member who has a location (or this location): (member, window).
pub async fn all_windows<'e>(
    ex: impl Executor<'e, Database = Any>,
    location: Option<i64>,
) -> Result<Vec<(i64, Window)>, sqlx::Error> {
    let sql = format!(
        "SELECT {WINDOW_COLUMNS} FROM lunch_windows WHERE user_id IN
         (SELECT user_id FROM lunch_members WHERE location_id IS NOT NULL AND ($1 < 0 OR location_id = $1))
         ORDER BY user_id, id"
    );
    let rows: Vec<WindowRow> = sqlx::query_as(&sql).bind(location.unwrap_or(-1)).fetch_all(ex).await?;
    Ok(rows.into_iter().filter_map(window_of).map(|(_, user, w)| (user, w)).collect())
}

pub async fn insert_window(tx: &mut Tx, user_id: i64, w: &Window, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO lunch_windows (user_id, repeat_on, from_minute, until_minute, time_zone, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(w.repeat.as_key())
    .bind(i64::from(w.from.get()))
    .bind(i64::from(w.until.get()))
    .bind(w.zone.name())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Deletes a member's own window; false when it is not theirs (or gone).
pub async fn delete_window(tx: &mut Tx, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM lunch_windows WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Members with a location (not banned, verified), what they cannot eat.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub user_id: i64,
    pub location_id: i64,
    pub cannot_eat: Vec<i64>,
}

pub async fn candidates(tx: &mut Tx) -> Result<Vec<Candidate>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.user_id, m.location_id FROM lunch_members m JOIN users u ON u.id = m.user_id
         JOIN lunch_locations l ON l.id = m.location_id
         WHERE u.email_verified_at IS NOT NULL AND u.banned_at IS NULL AND l.retired_at IS NULL ORDER BY m.user_id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let foods: Vec<(i64, i64)> =
        sqlx::query_as("SELECT user_id, food_type_id FROM lunch_cannot_eat ORDER BY user_id, food_type_id")
            .fetch_all(&mut **tx)
            .await?;
    let mut by_user: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (u, f) in foods {
        by_user.entry(u).or_default().push(f);
    }
    Ok(rows
        .into_iter()
        .map(|(user_id, location_id)| Candidate {
            user_id,
            location_id,
            cannot_eat: by_user.remove(&user_id).unwrap_or_default(),
        })
        .collect())
}

/// Every enrolled member's address: (member, email).
pub async fn member_emails(tx: &mut Tx) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT u.id, u.email FROM users u JOIN lunch_members m ON m.user_id = u.id")
        .fetch_all(&mut **tx)
        .await
}

// ---- invitation codes ----

pub async fn insert_code(
    tx: &mut Tx,
    by: i64,
    hash: &str,
    hint: &str,
    now: i64,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO lunch_codes (created_by, code_hash, code_hint, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(by)
    .bind(hash)
    .bind(hint)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await
}

pub async fn codes_since(tx: &mut Tx, by: i64, since: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM lunch_codes WHERE created_by = $1 AND created_at > $2")
        .bind(by)
        .bind(since)
        .fetch_one(&mut **tx)
        .await
}

/// What became of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeFate {
    Unknown,
    Used,
    Expired,
    /// Taken now by this member; the member who created it.
    Taken {
        by: i64,
    },
}

/// Uses a code once: one conditional UPDATE, so of two racing newcomers one gets it.
pub async fn take_code(tx: &mut Tx, hash: &str, user_id: i64, now: i64) -> Result<CodeFate, sqlx::Error> {
    let taken: Option<i64> = sqlx::query_scalar(
        "UPDATE lunch_codes SET used_by = $2, used_at = $3
         WHERE code_hash = $1 AND used_by IS NULL AND expires_at > $3 RETURNING created_by",
    )
    .bind(hash)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(by) = taken {
        return Ok(CodeFate::Taken { by });
    }
    let row: Option<(Option<i64>, i64)> =
        sqlx::query_as("SELECT used_by, expires_at FROM lunch_codes WHERE code_hash = $1")
            .bind(hash)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(match row {
        None => CodeFate::Unknown,
        Some((Some(_), _)) => CodeFate::Used,
        Some((None, _)) => CodeFate::Expired,
    })
}

#[derive(Clone, Debug)]
pub struct CodeRow {
    pub hint: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_by_name: Option<String>,
}

pub async fn my_codes<'e>(ex: impl Executor<'e, Database = Any>, by: i64) -> Result<Vec<CodeRow>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT c.code_hint, c.created_at, c.expires_at, u.display_name FROM lunch_codes c
         LEFT JOIN users u ON u.id = c.used_by WHERE c.created_by = $1 ORDER BY c.id DESC LIMIT 20",
    )
    .bind(by)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(hint, created_at, expires_at, used_by_name)| CodeRow { hint, created_at, expires_at, used_by_name })
        .collect())
}

// ---- lunches ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lunch {
    pub id: i64,
    pub location_id: i64,
    pub location: String,
    pub food_type_id: i64,
    pub food: String,
    pub local_day: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub min_size: i64,
    pub max_size: i64,
    pub state: LunchState,
}

type LunchRow = (i64, i64, String, i64, String, i64, i64, i64, i64, i64, String);
const LUNCH_COLUMNS: &str =
    "l.id, l.location_id, loc.name, l.food_type_id, f.name, l.local_day, l.starts_at, l.ends_at, \
     l.min_size, l.max_size, l.state";
const LUNCH_FROM: &str =
    "lunches l JOIN lunch_locations loc ON loc.id = l.location_id JOIN food_types f ON f.id = l.food_type_id";

fn lunch_of(r: LunchRow) -> Lunch {
    let (id, location_id, location, food_type_id, food, local_day, starts_at, ends_at, min_size, max_size, state) = r;
    Lunch {
        id,
        location_id,
        location,
        food_type_id,
        food,
        local_day,
        starts_at,
        ends_at,
        min_size,
        max_size,
        state: LunchState::parse(&state).unwrap_or(LunchState::Rejected),
    }
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: i64) -> Result<Option<Lunch>, sqlx::Error> {
    let sql = format!("SELECT {LUNCH_COLUMNS} FROM {LUNCH_FROM} WHERE l.id = $1");
    Ok(sqlx::query_as::<_, LunchRow>(&sql).bind(id).fetch_optional(ex).await?.map(lunch_of))
}

/// A new proposal.
pub struct NewLunch {
    pub location_id: i64,
    pub food_type_id: i64,
    pub local_day: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub min_size: i64,
    pub max_size: i64,
}

pub async fn insert_lunch(tx: &mut Tx, l: &NewLunch, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO lunches (location_id, food_type_id, local_day, starts_at, ends_at, min_size, max_size, state,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'proposed', $8, $8) RETURNING id",
    )
    .bind(l.location_id)
    .bind(l.food_type_id)
    .bind(l.local_day)
    .bind(l.starts_at)
    .bind(l.ends_at)
    .bind(l.min_size)
    .bind(l.max_size)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn insert_attendee(tx: &mut Tx, lunch_id: i64, user_id: i64, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO lunch_attendees (lunch_id, user_id, answer, token_hash) VALUES ($1, $2, 'pending', $3)")
        .bind(lunch_id)
        .bind(user_id)
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes the lunch row's lock (a no-op UPDATE) while it is in `state`: answers and clock
/// steps on one lunch queue here, on Postgres as under SQLite's `BEGIN IMMEDIATE`.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<Option<Lunch>, sqlx::Error> {
    sqlx::query("UPDATE lunches SET updated_at = updated_at WHERE id = $1").bind(id).execute(&mut **tx).await?;
    get(&mut **tx, id).await
}

pub async fn set_state(tx: &mut Tx, id: i64, from: LunchState, to: LunchState, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE lunches SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2")
        .bind(id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub answer: Answer,
    pub reviewed: bool,
}

pub async fn attendees<'e>(ex: impl Executor<'e, Database = Any>, lunch_id: i64) -> Result<Vec<Attendee>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT a.user_id, u.display_name, u.email, u.time_zone, a.answer, a.reviewed_at FROM lunch_attendees a
         JOIN users u ON u.id = a.user_id WHERE a.lunch_id = $1 ORDER BY a.user_id",
    )
    .bind(lunch_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email, time_zone, answer, reviewed)| Attendee {
            user_id,
            name,
            email,
            time_zone,
            answer: Answer::parse(&answer).unwrap_or(Answer::Pending),
            reviewed: reviewed.is_some(),
        })
        .collect())
}

/// The attendee a mailed one-tap link's token stands for: (lunch, member).
pub async fn by_token<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT lunch_id, user_id FROM lunch_attendees WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(ex)
        .await
}

pub async fn set_token(tx: &mut Tx, lunch_id: i64, user_id: i64, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE lunch_attendees SET token_hash = $3 WHERE lunch_id = $1 AND user_id = $2")
        .bind(lunch_id)
        .bind(user_id)
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_answer(
    tx: &mut Tx,
    lunch_id: i64,
    user_id: i64,
    answer: Answer,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE lunch_attendees SET answer = $3, answered_at = $4 WHERE lunch_id = $1 AND user_id = $2 AND answer <> $3",
    )
    .bind(lunch_id)
    .bind(user_id)
    .bind(answer.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The member's other open lunches (not declined) whose slot overlaps [starts, ends).
pub async fn overlapping(
    tx: &mut Tx,
    user_id: i64,
    except: i64,
    starts: i64,
    ends: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT l.id FROM lunches l JOIN lunch_attendees a ON a.lunch_id = l.id
         WHERE a.user_id = $1 AND l.id <> $2 AND a.answer <> 'declined' AND l.state IN ('proposed', 'confirmed')
         AND l.starts_at < $4 AND l.ends_at > $3 ORDER BY l.id",
    )
    .bind(user_id)
    .bind(except)
    .bind(starts)
    .bind(ends)
    .fetch_all(&mut **tx)
    .await
}

/// Records a review once, by someone who accepted.
pub async fn review(tx: &mut Tx, lunch_id: i64, user_id: i64, enjoyed: bool, now: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE lunch_attendees SET enjoyed = $3, reviewed_at = $4
         WHERE lunch_id = $1 AND user_id = $2 AND answer = 'accepted' AND reviewed_at IS NULL",
    )
    .bind(lunch_id)
    .bind(user_id)
    .bind(i64::from(enjoyed))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A lunch row, then the member's answer and review time.
type MineRow = (i64, i64, String, i64, String, i64, i64, i64, i64, i64, String, String, Option<i64>);

/// A member's lunches (any state) with their own answer and whether they reviewed.
pub async fn mine<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<Vec<(Lunch, Answer, bool)>, sqlx::Error> {
    let sql = format!(
        "SELECT {LUNCH_COLUMNS}, a.answer, a.reviewed_at FROM {LUNCH_FROM} JOIN lunch_attendees a ON a.lunch_id = l.id
         WHERE a.user_id = $1 ORDER BY l.starts_at DESC LIMIT 100"
    );
    let rows: Vec<MineRow> = sqlx::query_as(&sql).bind(user_id).fetch_all(ex).await?;
    Ok(rows
        .into_iter()
        .map(|(a, b, c, d, e, f, g, h, i, j, k, answer, reviewed)| {
            (
                lunch_of((a, b, c, d, e, f, g, h, i, j, k)),
                Answer::parse(&answer).unwrap_or(Answer::Pending),
                reviewed.is_some(),
            )
        })
        .collect())
}

/// Lunches in some states, newest slot first (the feed: confirmed; admins: all).
pub async fn in_states<'e>(
    ex: impl Executor<'e, Database = Any>,
    states: &[LunchState],
    since: i64,
    limit: i64,
) -> Result<Vec<Lunch>, sqlx::Error> {
    let list = states.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {LUNCH_COLUMNS} FROM {LUNCH_FROM} WHERE l.state IN ({list}) AND l.ends_at > $1
         ORDER BY l.starts_at DESC LIMIT $2"
    );
    let rows: Vec<LunchRow> = sqlx::query_as(&sql).bind(since).bind(limit).fetch_all(ex).await?;
    Ok(rows.into_iter().map(lunch_of).collect())
}

/// (lunch, member, display name) of those who accepted, for a set of lunches.
pub async fn accepted_names<'e>(
    ex: impl Executor<'e, Database = Any>,
    since: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.lunch_id, u.display_name FROM lunch_attendees a JOIN users u ON u.id = a.user_id
         JOIN lunches l ON l.id = a.lunch_id WHERE a.answer = 'accepted' AND l.ends_at > $1 ORDER BY a.lunch_id, u.display_name",
    )
    .bind(since)
    .fetch_all(ex)
    .await
}

/// One attendee row of a lunch, for the pair history: (lunch, member, state, start, answer,
/// local day).
pub type HistoryRow = (i64, i64, String, i64, String, i64);

/// Attendees of every lunch that was not rejected: who met (or is about to meet) whom.
pub async fn history(tx: &mut Tx) -> Result<Vec<HistoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.lunch_id, a.user_id, l.state, l.starts_at, a.answer, l.local_day FROM lunch_attendees a
         JOIN lunches l ON l.id = a.lunch_id WHERE l.state <> 'rejected' AND a.answer <> 'declined'
         ORDER BY a.lunch_id, a.user_id",
    )
    .fetch_all(&mut **tx)
    .await
}

/// Takes the matching run's lock (one row): two runs never interleave.
pub async fn lock_matching(tx: &mut Tx, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE lunch_matching SET runs = runs + 1, last_run_at = $1 WHERE id = 1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ---- the bad-pair filter ----

/// Takes the filter's lock and reads it (None before the first bad review).
pub async fn lock_bad_pairs(tx: &mut Tx) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("UPDATE lunch_bad_pairs SET version = version + 1 WHERE id = 1").execute(&mut **tx).await?;
    bad_pairs(&mut **tx).await
}

pub async fn bad_pairs<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT filter FROM lunch_bad_pairs WHERE id = 1").fetch_optional(ex).await
}

pub async fn save_bad_pairs(tx: &mut Tx, filter: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO lunch_bad_pairs (id, filter, version, updated_at) VALUES (1, $1, 1, $2)
         ON CONFLICT (id) DO UPDATE SET filter = $1, updated_at = $2",
    )
    .bind(filter)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

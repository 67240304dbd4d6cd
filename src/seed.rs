//! `hearth seed load N` and `hearth seed reveal N`: fake members and gatherings in an EMPTY
//! database, for benchmarks (bench/, load tests). Everything is written through the
//! gatherings' own store functions, in a few write transactions, so the rows are the ones
//! the app itself would write and seeding stays fast; what the services would also do
//! that a benchmark does not want (mails to every member) is left out and said so below.
//!
//! It refuses a database that has any account: fake members mixed into real ones could
//! not be told apart afterwards.
use crate::core::crypto;
use crate::core::db::{self, users, Db, Tx};
use crate::core::domain::account::{DisplayName, NewPassword};
use crate::core::domain::email::EmailAddress;
use crate::core::domain::time::parse_time_zone;
use crate::events::{self, service::EventInput};
use crate::lunches::{self, domain::Name, store::List};
use crate::santa::{self, draw::MIN_MEMBERS};
use anyhow::{anyhow, bail, Context};
use serde::Serialize;
use std::ops::Range;

/// Every seeded member's password (printed in the report, so a load test can log in).
pub const PASSWORD: &str = "hearth-load-password";
const TIME_ZONE: &str = "Europe/Paris";
const USAGE: &str = "usage: hearth seed load N | hearth seed reveal N";

const DAY: i64 = 24 * 3600;
/// Members per Secret Santa exchange and per event (the last group takes the remainder).
const EXCHANGE_SIZE: usize = 10;
const EVENT_SIZE: usize = 50;
const REVEAL_AFTER_SECS: i64 = 30 * DAY;
const EVENT_AFTER_SECS: i64 = 14 * DAY;
const EVENT_MINUTES: &str = "90";
/// Accounts written per transaction: few commits, but no transaction holding SQLite's
/// write lock for long.
const ACCOUNTS_PER_TRANSACTION: usize = 1000;

/// One seeded account.
#[derive(Clone, Debug)]
struct Member {
    id: i64,
    email: String,
}

/// What `load` prints: enough for a load test to log in as anyone and reach their pages.
#[derive(Serialize)]
struct LoadReport {
    password: &'static str,
    location_id: i64,
    food_ids: Vec<i64>,
    members: Vec<LoadedMember>,
}

#[derive(Serialize)]
struct LoadedMember {
    email: String,
    user_id: i64,
    exchange_id: i64,
    event_slug: String,
    /// The event's organizer (organizers are not invited to their own event: no RSVP).
    organizes_event: bool,
}

/// What `reveal` prints.
#[derive(Serialize)]
struct RevealReport {
    exchange_id: i64,
    members: usize,
}

/// `hearth seed load N` / `hearth seed reveal N` (`args` after `seed`): connects, runs the
/// migrations, seeds, and returns the report to print.
pub async fn from_command_line(database_url: &str, args: &[String]) -> anyhow::Result<serde_json::Value> {
    let [verb, n] = args else { bail!(USAGE) };
    let n: usize = n.parse().map_err(|_| anyhow!(USAGE))?;
    let db = Db::connect(database_url, 2).await?;
    db.migrate().await?;
    match verb.as_str() {
        "load" => load(&db, n).await,
        "reveal" => reveal(&db, n).await,
        _ => bail!(USAGE),
    }
}

/// Fails unless the database has no account at all (seeding is for empty databases only).
pub async fn refuse_unless_empty(db: &Db) -> anyhow::Result<()> {
    if !users::list(&db.pool, "", 1).await?.is_empty() {
        bail!(
            "this database already has accounts: `hearth seed` fills an EMPTY database only \
             (fake members must never mix with real ones); point HEARTH_DATABASE__URL at a new database"
        );
    }
    Ok(())
}

/// `n` members `load-{i}@example.com`, each in a drawn Secret Santa exchange (groups of
/// 10), invited to a published online event (groups of 50) and enrolled in lunches at the
/// one location `Office`.
pub async fn load(db: &Db, n: usize) -> anyhow::Result<serde_json::Value> {
    at_least(n, MIN_MEMBERS)?;
    refuse_unless_empty(db).await?;
    let members = add_members(db, "load", n).await?;
    let now = db::now();
    let mut exchange_of = vec![0; n];
    for (g, range) in groups(n, EXCHANGE_SIZE).into_iter().enumerate() {
        let name = format!("Load exchange {}", g + 1);
        let id = drawn_exchange(db, &name, &members[range.clone()], now + REVEAL_AFTER_SECS).await?;
        exchange_of[range].fill(id);
    }
    let mut event_of = vec![String::new(); n];
    let mut organizer = vec![false; n];
    for (g, range) in groups(n, EVENT_SIZE).into_iter().enumerate() {
        let slug = published_event(db, g + 1, &members[range.clone()], now).await?;
        organizer[range.start] = true;
        event_of[range].fill(slug);
    }
    let (location_id, food_ids) = lunches_for(db, &members).await?;
    let members = members
        .into_iter()
        .zip(exchange_of.into_iter().zip(event_of).zip(organizer))
        .map(|(m, ((exchange_id, event_slug), organizes_event))| LoadedMember {
            email: m.email,
            user_id: m.id,
            exchange_id,
            event_slug,
            organizes_event,
        })
        .collect();
    Ok(serde_json::to_value(LoadReport { password: PASSWORD, location_id, food_ids, members })?)
}

/// `n` members `reveal-{i}@example.com` in ONE drawn exchange whose reveal job is due now:
/// the next server started on this database reveals it at once and mails all `n`.
pub async fn reveal(db: &Db, n: usize) -> anyhow::Result<serde_json::Value> {
    at_least(n, MIN_MEMBERS)?;
    refuse_unless_empty(db).await?;
    let members = add_members(db, "reveal", n).await?;
    let exchange_id = drawn_exchange(db, "Reveal benchmark", &members, db::now()).await?;
    Ok(serde_json::to_value(RevealReport { exchange_id, members: n })?)
}

fn at_least(n: usize, min: usize) -> anyhow::Result<()> {
    if n < min {
        bail!("seeding needs at least {min} members (a Secret Santa draw needs {min}); got {n}");
    }
    Ok(())
}

/// Consecutive groups of `size` over `0..n`; a last group smaller than a draw allows
/// (`MIN_MEMBERS`) joins the one before it.
fn groups(n: usize, size: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = (0..n).step_by(size).map(|start| start..(start + size).min(n)).collect();
    if out.len() > 1 && out.last().is_some_and(|last| last.len() < MIN_MEMBERS) {
        if let Some(last) = out.pop() {
            if let Some(before) = out.last_mut() {
                before.end = last.end;
            }
        }
    }
    out
}

/// The password's argon2id hash, computed once with the app's own function and shared by
/// every seeded account (hashing thousands of times would take minutes).
async fn shared_password_hash() -> anyhow::Result<String> {
    NewPassword::parse(PASSWORD).map_err(|e| anyhow!("the seed password: {e}"))?;
    crypto::hash_password(&tokio::sync::Semaphore::new(1), PASSWORD.to_string()).await
}

/// Verified accounts `{prefix}-{i}@example.com` named `Member {i}`, in Paris time, in
/// batches of `ACCOUNTS_PER_TRANSACTION`.
async fn add_members(db: &Db, prefix: &str, n: usize) -> anyhow::Result<Vec<Member>> {
    let hash = shared_password_hash().await?;
    let zone = parse_time_zone(TIME_ZONE).map_err(|e| anyhow!("{TIME_ZONE}: {e}"))?;
    let now = db::now();
    let mut members = Vec::with_capacity(n);
    for start in (0..n).step_by(ACCOUNTS_PER_TRANSACTION) {
        let mut tx = db.begin_write().await?;
        for i in start..(start + ACCOUNTS_PER_TRANSACTION).min(n) {
            let email = EmailAddress::parse(&format!("{prefix}-{i}@example.com")).map_err(|e| anyhow!("{e}"))?;
            let name = DisplayName::parse(&format!("Member {i}")).map_err(|e| anyhow!("{e}"))?;
            let new = users::NewUser {
                email: email.as_str(),
                display_name: name.as_str(),
                password_hash: &hash,
                time_zone: zone.name(),
            };
            let id = users::insert(&mut *tx, &new, now).await.with_context(|| format!("adding {email}"))?;
            users::mark_verified(&mut *tx, id, now).await?;
            members.push(Member { id, email: email.as_str().to_string() });
        }
        tx.commit().await?;
    }
    Ok(members)
}

/// One exchange created by `members[0]` with all of `members` in it, drawn as
/// `santa::service::draw` leaves it (state, pairs, the reveal job at `reveal_at`) but with
/// a plain cycle for pairs (member k gives to member k+1) and without its "gifting to do"
/// mails. One write transaction: a server never sees it half drawn.
async fn drawn_exchange(db: &Db, name: &str, members: &[Member], reveal_at: i64) -> anyhow::Result<i64> {
    use santa::{jobs, store};
    let creator = members.first().context("an exchange needs members")?.id;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let share = crypto::new_share_token();
    let id = store::create(&mut *tx, creator, name, "10 euros", "Seeded for a benchmark.", &share, now).await?;
    for m in members {
        store::add_member(&mut *tx, id, m.id, now).await?;
    }
    if !store::mark_drawn(&mut tx, id, reveal_at).await? {
        bail!("exchange {id} was not gathering when drawn");
    }
    for (giver, receiver) in members.iter().zip(members.iter().cycle().skip(1)) {
        store::insert_assignment(&mut tx, id, giver.id, receiver.id).await?;
    }
    db::jobs::schedule(&mut *tx, &jobs::reveal_key(id), jobs::REVEAL, &jobs::reveal_payload(id), reveal_at).await?;
    tx.commit().await?;
    Ok(id)
}

/// A published, free online event organized by `members[0]` with every other member
/// invited and bound to their account, as `events::service::{create, invite, publish}`
/// leave it (fields checked by the service's own `check_input`, the roster job), except
/// that no invitation is mailed: the invitations are marked mailed without an RSVP link,
/// so a later change mails them like any invitee. The organizer is not invited (the
/// service refuses that too): they see the organizer's page and cannot answer.
async fn published_event(db: &Db, number: usize, members: &[Member], now: i64) -> anyhow::Result<String> {
    use events::{jobs, store};
    let organizer = members.first().context("an event needs an organizer")?.id;
    let zone = parse_time_zone(TIME_ZONE).map_err(|e| anyhow!("{TIME_ZONE}: {e}"))?;
    let start = chrono::DateTime::from_timestamp(now + EVENT_AFTER_SECS, 0).context("the event's start")?;
    let input = EventInput {
        title: format!("Load event {number}"),
        description: "Seeded for a benchmark.".into(),
        online_link: format!("https://meet.example/load-{number}"),
        start_local: start.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string(),
        time_zone: TIME_ZONE.into(),
        duration_minutes: EVENT_MINUTES.into(),
        capacity: String::new(),
        ticket_price: String::new(),
    };
    let (details, capacity) = events::service::check_input(&input, now).map_err(|e| anyhow!("the event: {e}"))?;
    let slug = crypto::new_share_token();
    let mut tx = db.begin_write().await?;
    let id = store::create(&mut *tx, organizer, &details, capacity, None, &slug, now).await?;
    for m in &members[1..] {
        store::add_invite(&mut *tx, id, &m.email, Some(m.id), organizer, now).await?;
    }
    if !store::publish(&mut tx, id, now).await? {
        bail!("event {id} could not be published");
    }
    for m in &members[1..] {
        store::mark_mailed(&mut tx, id, &m.email, None, now).await?;
    }
    let event = store::get(&mut *tx, id).await?.context("the event just created")?;
    jobs::schedule_roster(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(slug)
}

/// The lunch location `Office` (Paris), the food types `Vegan` and `Pizza`, and every
/// member enrolled with that location in their profile. Returns (location, food types).
async fn lunches_for(db: &Db, members: &[Member]) -> anyhow::Result<(i64, Vec<i64>)> {
    use lunches::store;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let location_id = add_named(&mut tx, List::Locations, "Office", Some(TIME_ZONE), now).await?;
    let mut food_ids = Vec::new();
    for food in ["Vegan", "Pizza"] {
        food_ids.push(add_named(&mut tx, List::Foods, food, None, now).await?);
    }
    for m in members {
        store::enroll(&mut tx, m.id, None, now).await?;
        store::set_profile(&mut tx, m.id, Some(location_id), &[], now).await?;
    }
    tx.commit().await?;
    Ok((location_id, food_ids))
}

async fn add_named(tx: &mut Tx, list: List, name: &str, zone: Option<&str>, now: i64) -> anyhow::Result<i64> {
    let name = Name::parse(name).map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(lunches::store::insert_named(tx, list, name.as_str(), &name.key(), zone, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(n: usize, size: usize) -> Vec<usize> {
        groups(n, size).iter().map(Range::len).collect()
    }

    #[test]
    fn groups_cover_everyone_once_and_fold_a_small_remainder() {
        assert_eq!(sizes(25, 10), [10, 10, 5]);
        assert_eq!(sizes(22, 10), [10, 12], "two left over join the group before");
        assert_eq!(sizes(500, 10), [10; 50]);
        assert_eq!(sizes(25, 50), [25]);
        assert_eq!(sizes(3, 10), [3]);
        assert_eq!(sizes(101, 50), [50, 51]);
        for n in 3..300 {
            let g = groups(n, 10);
            assert_eq!(g.first().map(|r| r.start), Some(0));
            assert_eq!(g.last().map(|r| r.end), Some(n));
            assert!(g.windows(2).all(|w| w[0].end == w[1].start), "{n}: contiguous");
            assert!(g.iter().all(|r| r.len() >= MIN_MEMBERS), "{n}: every group can be drawn");
        }
    }
}

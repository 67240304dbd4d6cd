//! Lunches, server side: who may do what, the write transactions (each state change with
//! its mails, together or not at all), the matching run, reviews into the Bloom filter.
use super::availability::{self, crowded, local_day, occurrences, parse_window, week_view, Window};
use super::bloom::{pair_digest, BadPairs};
use super::domain::{
    initial, on_clock, parse_code, settle, Answer, LunchState, Name, Step, CODES_PER_DAY, CODE_VALID_DAYS, DEFAULT_MAX,
    DEFAULT_MIN, MIN_OVERLAP_SECS, NO_REPEAT_DAYS,
};
use super::jobs;
use super::mails::LunchMail;
use super::matching::{self, FreeTime, PairHistory, Person, Rules};
use super::store::{self, List, Lunch};
use super::types::*;
use crate::core::crypto::{self, token_hash};
use crate::core::db::{self, audit, users::User};
use crate::core::domain::time::{format_span_in_zone, parse_time_zone, zone_or_utc};
use crate::core::error::AppError;
use crate::core::registry::Topic;
use crate::core::server::accounts;
use crate::core::state::AppState;
use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap, HashSet};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
/// Proposals are for slots from an hour ahead up to a week ahead.
const LEAD_SECS: i64 = HOUR;
const HORIZON_SECS: i64 = 7 * DAY;
/// Reviews are open this long after a lunch; then it is done.
const REVIEW_SECS: i64 = 7 * DAY;
/// The first Bloom filter's capacity (pairs); each next one doubles it.
pub const BAD_PAIRS_FIRST_CAPACITY: u64 = 1_000;
pub const BAD_PAIRS_FALSE_POSITIVES: f64 = 0.01;

fn zone_of(user: &User) -> Tz {
    zone_or_utc(&user.time_zone)
}

fn actor(admin: &User) -> audit::Actor<'_> {
    audit::Actor::Admin { id: admin.id, email: &admin.email }
}

fn not_in_lunches() -> AppError {
    AppError::Conflict("Lunches are by invitation: join with a member's code first.".into())
}

/// Live topics: a lunch's attendees, one member's lunch list, the public feed.
pub fn lunch_topic(id: i64) -> Topic {
    Topic { kind: super::LUNCH_TOPIC, id }
}
pub fn member_topic(user_id: i64) -> Topic {
    Topic { kind: super::MEMBER_TOPIC, id: user_id }
}
pub fn feed_topic() -> Topic {
    Topic { kind: super::FEED_TOPIC, id: 0 }
}

/// The member's enrollment; admins are enrolled the first time they come (someone has to
/// make the first code).
async fn enrolled(state: &AppState, user: &User) -> Result<Option<store::Member>, AppError> {
    if let Some(m) = store::member(&state.db.pool, user.id).await? {
        return Ok(Some(m));
    }
    if user.is_admin() {
        let mut tx = state.db.begin_write().await?;
        store::enroll(&mut tx, user.id, None, db::now()).await?;
        tx.commit().await?;
        return Ok(store::member(&state.db.pool, user.id).await?);
    }
    Ok(None)
}

async fn member(state: &AppState, user: &User) -> Result<store::Member, AppError> {
    enrolled(state, user).await?.ok_or_else(not_in_lunches)
}

// ---- invitation codes ----

/// A new invitation code (shown once to its creator).
pub async fn create_code(state: &AppState, user: &User) -> Result<String, AppError> {
    if user.banned {
        return Err(AppError::Denied("Your account cannot invite: an admin has suspended it.".into()));
    }
    member(state, user).await?;
    let now = db::now();
    let code = fresh_code();
    let mut tx = state.db.begin_write().await?;
    if store::codes_since(&mut tx, user.id, now - DAY).await? >= CODES_PER_DAY {
        return Err(AppError::TooManyRequests("You are creating too many codes; try tomorrow.".into()));
    }
    store::insert_code(&mut tx, user.id, &token_hash(code.canonical()), &code.hint(), now, now + CODE_VALID_DAYS * DAY)
        .await?;
    tx.commit().await?;
    tracing::info!(member = user.id, "lunch invitation code created");
    Ok(code.grouped())
}

fn fresh_code() -> super::domain::InvitationCode {
    super::domain::InvitationCode::generate(&mut rand::thread_rng())
}

/// A newcomer (or any member not yet in) joins lunches with a code.
pub async fn join(state: &AppState, user: &User, typed: &str) -> Result<(), AppError> {
    let code = parse_code(typed).map_err(|e| AppError::invalid("code", e))?;
    let slow_down = "You have tried many codes in the last hour; please wait a while and check the code.";
    accounts::limit(state, &format!("lunch-code:member:{}", user.id), HOUR, 10, slow_down).await?;
    if store::member(&state.db.pool, user.id).await?.is_some() {
        return Err(AppError::Conflict("You are already in lunches: no code needed.".into()));
    }
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let by = match store::take_code(&mut tx, &token_hash(code.canonical()), user.id, now).await? {
        store::CodeFate::Taken { by } => by,
        store::CodeFate::Unknown => {
            return Err(AppError::invalid(
                "code",
                "We don't know that code. Please check it with whoever gave it to you.",
            ))
        }
        store::CodeFate::Used => return Err(AppError::invalid("code", "That code has already been used.")),
        store::CodeFate::Expired => return Err(AppError::invalid("code", "That code has expired: ask for a new one.")),
    };
    store::enroll(&mut tx, user.id, Some(by), now).await?;
    tx.commit().await?;
    tracing::info!(member = user.id, "joined lunches with a code");
    Ok(())
}

pub async fn join_page(state: &AppState, user: &User) -> Result<JoinView, AppError> {
    Ok(JoinView { enrolled: store::member(&state.db.pool, user.id).await?.is_some() })
}

// ---- profile and availability ----

pub async fn save_profile(
    state: &AppState,
    user: &User,
    location: Option<i64>,
    cannot_eat: &[i64],
) -> Result<(), AppError> {
    member(state, user).await?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let locations = store::list(&mut *tx, List::Locations).await?;
    if let Some(id) = location {
        let ok = locations.iter().any(|l| l.id == id && !l.retired);
        if !ok {
            return Err(AppError::invalid("location", "Please choose one of the locations in the list."));
        }
    }
    let foods = store::list(&mut *tx, List::Foods).await?;
    let known: HashSet<i64> = foods.iter().map(|f| f.id).collect();
    if cannot_eat.iter().any(|f| !known.contains(f)) {
        return Err(AppError::invalid("cannot_eat", "Please choose food types from the list."));
    }
    if !foods.iter().filter(|f| !f.retired).any(|f| !cannot_eat.contains(&f.id)) && !foods.is_empty() {
        return Err(AppError::invalid(
            "cannot_eat",
            "Leave at least one food type you can eat, or no lunch can be found for you.",
        ));
    }
    store::set_profile(&mut tx, user.id, location, cannot_eat, now).await?;
    jobs::matching_soon(&mut tx, state, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a window (or replaces `replace`), merged with the member's overlapping ones.
pub async fn save_window(
    state: &AppState,
    user: &User,
    replace: Option<i64>,
    repeat: &str,
    date: &str,
    from: &str,
    until: &str,
) -> Result<(), AppError> {
    member(state, user).await?;
    let now = db::now();
    let window = parse_window(repeat, date, from, until, zone_of(user), now).map_err(|e| {
        use availability::WindowError as E;
        let field = match &e {
            E::NoDay | E::BadWeekday(_) => "repeat",
            E::NoDate | E::BadDate(_) | E::DayPassed | E::TooFar => "date",
            E::NoStart => "from",
            E::BadTime(t) if from.contains(t.as_str()) && !until.contains(t.as_str()) => "from",
            _ => "until",
        };
        AppError::invalid(field, e)
    })?;
    let mut tx = state.db.begin_write().await?;
    if let Some(id) = replace {
        if !store::delete_window(&mut tx, user.id, id).await? {
            return Err(AppError::NotFound);
        }
    }
    let existing = store::windows(&mut *tx, user.id).await?;
    let (merged, absorbed) = availability::merge(&existing, window);
    for id in absorbed {
        store::delete_window(&mut tx, user.id, id).await?;
    }
    store::insert_window(&mut tx, user.id, &merged, now).await?;
    if this_week(&merged, now) {
        jobs::matching_soon(&mut tx, state, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn this_week(w: &Window, now: i64) -> bool {
    !occurrences(std::slice::from_ref(w), now, now + HORIZON_SECS).is_empty()
}

pub async fn delete_window(state: &AppState, user: &User, id: i64) -> Result<(), AppError> {
    let mut tx = state.db.begin_write().await?;
    if !store::delete_window(&mut tx, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

fn window_view(id: i64, w: &Window, viewer: Tz) -> WindowView {
    use availability::Repeat;
    let times = format!("{}–{}", w.from, w.until);
    let (label, repeat, date) = match w.repeat {
        Repeat::Weekly(day) => {
            let name = weekday_name(day);
            (format!("Every {name}, {times}"), w.repeat.as_key(), String::new())
        }
        Repeat::Once(d) => (format!("{}, {times}", d.format("%a %-d %b %Y")), "date".to_string(), d.to_string()),
    };
    WindowView {
        id,
        label,
        zone_note: (w.zone != viewer).then(|| format!("in {}", w.zone.name())),
        repeat,
        date,
        from: w.from.to_string(),
        until: w.until.to_string(),
    }
}

fn weekday_name(d: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match d {
        Mon => "Monday",
        Tue => "Tuesday",
        Wed => "Wednesday",
        Thu => "Thursday",
        Fri => "Friday",
        Sat => "Saturday",
        Sun => "Sunday",
    }
}

// ---- the member's page ----

fn card(l: &Lunch, answer: Answer, reviewed: bool, tz: Tz) -> LunchCard {
    LunchCard {
        id: l.id,
        when: format_span_in_zone(l.starts_at, l.ends_at, tz),
        location: l.location.clone(),
        food: l.food.clone(),
        state: l.state,
        state_label: l.state.label().to_string(),
        my_answer: answer,
        may_review: l.state == LunchState::AwaitingEvaluation && answer == Answer::Accepted && !reviewed,
    }
}

fn named_view(n: store::Named) -> NamedView {
    NamedView { id: n.id, name: n.name, time_zone: n.time_zone, retired: n.retired }
}

pub async fn page(state: &AppState, user: &User, new_code: Option<String>) -> Result<LunchesView, AppError> {
    let tz = zone_of(user);
    let now = db::now();
    let today = Utc.timestamp_opt(now, 0).single().map(|t| t.with_timezone(&tz).date_naive()).unwrap_or_default();
    let mut view = LunchesView {
        user_id: user.id,
        enrolled: false,
        banned: user.banned,
        viewer_zone: tz.name().to_string(),
        today: today.to_string(),
        location_id: None,
        locations: vec![],
        foods: vec![],
        cannot_eat: vec![],
        windows: vec![],
        week: vec![],
        crowds: vec![],
        proposed: vec![],
        upcoming: vec![],
        past: vec![],
        codes: vec![],
        new_code: None,
        join_link: None,
    };
    let Some(me) = enrolled(state, user).await? else { return Ok(view) };
    let pool = &state.db.pool;
    view.enrolled = true;
    view.location_id = me.location_id;
    view.locations =
        store::list(pool, List::Locations).await?.into_iter().filter(|l| !l.retired).map(named_view).collect();
    view.foods = store::list(pool, List::Foods).await?.into_iter().filter(|f| !f.retired).map(named_view).collect();
    view.cannot_eat = store::cannot_eat(pool, user.id).await?;
    let windows = store::windows(pool, user.id).await?;
    view.windows = windows.iter().map(|(id, w)| window_view(*id, w, tz)).collect();
    let plain: Vec<Window> = windows.into_iter().map(|(_, w)| w).collect();
    view.week = week_view(&plain, tz, today, 7)
        .into_iter()
        .map(|d| DayRow {
            label: d.date.format("%a %-d %b").to_string(),
            spans: d
                .spans
                .into_iter()
                .map(|(a, b)| SpanView { from_minute: a.get(), until_minute: b.get(), label: format!("{a}–{b}") })
                .collect(),
        })
        .collect();
    if let Some(loc) = me.location_id {
        let foods: Vec<i64> = view.foods.iter().map(|f| f.id).collect();
        view.crowds = crowds(state, user, loc, &foods, &view.cannot_eat, now, tz).await?;
    }
    for (l, answer, reviewed) in store::mine(pool, user.id).await? {
        let c = card(&l, answer, reviewed, tz);
        match l.state {
            LunchState::Proposed if l.starts_at > now => view.proposed.push(c),
            LunchState::Confirmed if l.ends_at > now => view.upcoming.push(c),
            _ => view.past.push(c),
        }
    }
    view.proposed.reverse();
    view.upcoming.reverse();
    view.codes = store::my_codes(pool, user.id)
        .await?
        .into_iter()
        .map(|c| CodeView {
            hint: c.hint,
            status: match c.used_by_name {
                Some(name) => format!("used by {name}"),
                None if c.expires_at <= now => "expired".into(),
                None => format!("valid until {}", crate::core::domain::time::format_in_zone(c.expires_at, tz)),
            },
        })
        .collect();
    view.join_link = new_code.as_ref().map(|c| format!("{}/lunches/join?code={c}", state.settings.base_url()));
    view.new_code = new_code;
    Ok(view)
}

/// The coming week's stretches where enough people the member could lunch with are free.
async fn crowds(
    state: &AppState,
    user: &User,
    location: i64,
    foods: &[i64],
    cannot_eat: &[i64],
    now: i64,
    tz: Tz,
) -> Result<Vec<CrowdView>, AppError> {
    // A read transaction (not `begin_write`: a page view takes no write lock).
    let mut tx = state.db.pool.begin().await?;
    let candidates = store::candidates(&mut tx).await?;
    let windows = store::all_windows(&mut *tx, Some(location)).await?;
    let rows = store::history(&mut tx).await?;
    let bad = load_bad_pairs(&mut tx).await?;
    tx.rollback().await?;
    let history = History::build(&rows, now, bad, state.settings.lunches.pair_key());
    let mut by_user: HashMap<i64, Vec<Window>> = HashMap::new();
    for (u, w) in windows {
        by_user.entry(u).or_default().push(w);
    }
    let others: Vec<Vec<availability::Interval>> = candidates
        .iter()
        .filter(|c| c.user_id != user.id && c.location_id == location)
        .filter(|c| foods.iter().any(|f| !cannot_eat.contains(f) && !c.cannot_eat.contains(f)))
        .filter(|c| !history.blocked(user.id, c.user_id))
        .filter_map(|c| by_user.get(&c.user_id))
        .map(|ws| occurrences(ws, now, now + HORIZON_SECS))
        .filter(|v| !v.is_empty())
        .collect();
    let need = DEFAULT_MIN - 1;
    Ok(crowded(&others, need, MIN_OVERLAP_SECS)
        .into_iter()
        .map(|c| CrowdView {
            when: format_span_in_zone(c.interval.start, c.interval.end, tz),
            count: if c.fewest == c.most { people(c.most) } else { format!("{}–{} people free", c.fewest, c.most) },
        })
        .collect())
}

fn people(n: usize) -> String {
    if n == 1 {
        "1 person free".into()
    } else {
        format!("{n} people free")
    }
}

// ---- one lunch ----

/// The attendee whose mailed one-tap link carries `token`, if it is for this lunch.
pub async fn token_holder(state: &AppState, lunch_id: i64, token: &str) -> Result<Option<i64>, AppError> {
    if !crypto::looks_like_token(token) {
        return Ok(None);
    }
    Ok(store::by_token(&state.db.pool, &token_hash(token)).await?.filter(|(l, _)| *l == lunch_id).map(|(_, u)| u))
}

/// Who is answering: the signed-in attendee, or the holder of a mailed link's token.
async fn attendee_id(
    state: &AppState,
    user: Option<&User>,
    token: Option<&str>,
    lunch_id: i64,
) -> Result<i64, AppError> {
    if let Some(t) = token {
        if let Some(uid) = token_holder(state, lunch_id, t).await? {
            return Ok(uid);
        }
    }
    let Some(user) = user else {
        return Err(if token.is_some() { AppError::NotFound } else { AppError::Unauthorized });
    };
    let people = store::attendees(&state.db.pool, lunch_id).await?;
    if people.iter().any(|p| p.user_id == user.id) {
        Ok(user.id)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn lunch_page(
    state: &AppState,
    user: Option<&User>,
    token: Option<&str>,
    id: i64,
) -> Result<LunchView, AppError> {
    let me = attendee_id(state, user, token, id).await?;
    let pool = &state.db.pool;
    let lunch = store::get(pool, id).await?.ok_or(AppError::NotFound)?;
    let people = store::attendees(pool, id).await?;
    let mine = people.iter().find(|p| p.user_id == me).ok_or(AppError::NotFound)?;
    let tz = zone_or_utc(&mine.time_zone);
    let now = db::now();
    Ok(LunchView {
        id,
        when: format_span_in_zone(lunch.starts_at, lunch.ends_at, tz),
        viewer_zone: tz.name().to_string(),
        location: lunch.location.clone(),
        food: lunch.food.clone(),
        state: lunch.state,
        state_label: lunch.state.label().to_string(),
        min_size: lunch.min_size,
        max_size: lunch.max_size,
        me,
        my_answer: mine.answer,
        may_answer: lunch.state.open() && now < lunch.starts_at,
        may_review: lunch.state == LunchState::AwaitingEvaluation && mine.answer == Answer::Accepted && !mine.reviewed,
        reviewed: mine.reviewed,
        people: people
            .iter()
            .map(|p| PersonView { user_id: p.user_id, name: p.name.clone(), answer: p.answer })
            .collect(),
        token: token.filter(|_| user.is_none_or(|u| u.id != me)).map(str::to_string),
        signed_in: user.is_some(),
    })
}

/// Accepts or declines a proposal (accepting declines the member's overlapping ones).
pub async fn answer(
    state: &AppState,
    user: Option<&User>,
    token: Option<&str>,
    id: i64,
    accept: bool,
) -> Result<LunchState, AppError> {
    let me = attendee_id(state, user, token, id).await?;
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let lunch = store::lock(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !lunch.state.open() {
        return Err(AppError::Conflict(
            match lunch.state {
                LunchState::Rejected => "This lunch was called off, so it can't be answered any more.",
                _ => "This lunch has already happened.",
            }
            .into(),
        ));
    }
    if now >= lunch.starts_at {
        return Err(AppError::Conflict("This lunch has already started: answers are closed.".into()));
    }
    let mut changed = vec![lunch_topic(id), member_topic(me)];
    let wanted = if accept { Answer::Accepted } else { Answer::Declined };
    store::set_answer(&mut tx, id, me, wanted, now).await?;
    if accept {
        for other in store::overlapping(&mut tx, me, id, lunch.starts_at, lunch.ends_at).await? {
            if let Some(o) = store::lock(&mut tx, other).await? {
                store::set_answer(&mut tx, other, me, Answer::Declined, now).await?;
                settle_in(&mut tx, &o, now, &mut changed).await?;
                changed.push(lunch_topic(other));
            }
        }
    }
    let state_now = settle_in(&mut tx, &lunch, now, &mut changed).await?;
    tx.commit().await?;
    tracing::info!(lunch_id = id, member = me, accept, "lunch answered");
    accounts::notify_changed(state, changed);
    Ok(state_now)
}

/// Applies what the answers make of the lunch; returns its state after.
async fn settle_in(tx: &mut db::Tx, lunch: &Lunch, now: i64, changed: &mut Vec<Topic>) -> Result<LunchState, AppError> {
    let people = store::attendees(&mut **tx, lunch.id).await?;
    let accepted = people.iter().filter(|p| p.answer == Answer::Accepted).count();
    let pending = people.iter().filter(|p| p.answer == Answer::Pending).count();
    let min = usize::try_from(lunch.min_size).unwrap_or(DEFAULT_MIN);
    match settle(lunch.state, min, accepted, pending) {
        Some(step) => apply(tx, lunch, &people, step, now, changed).await,
        None => Ok(lunch.state),
    }
}

/// Takes a step of the state machine (conditionally on the state it leaves) and mails it.
async fn apply(
    tx: &mut db::Tx,
    lunch: &Lunch,
    people: &[store::Attendee],
    step: Step,
    now: i64,
    changed: &mut Vec<Topic>,
) -> Result<LunchState, AppError> {
    let Some(to) = lunch.state.after(step) else { return Ok(lunch.state) };
    if !store::set_state(tx, lunch.id, lunch.state, to, now).await? {
        return Ok(lunch.state);
    }
    tracing::info!(lunch_id = lunch.id, from = lunch.state.as_str(), to = to.as_str(), "lunch state");
    let concerned = people.iter().filter(|p| p.answer != Answer::Declined);
    for p in concerned {
        let msg = match step {
            Step::Confirm => Some(LunchMail::LunchConfirmed { lunch_id: lunch.id, user_id: p.user_id }),
            Step::Reject => Some(LunchMail::LunchCancelled { lunch_id: lunch.id, user_id: p.user_id }),
            Step::SlotEnded if p.answer == Answer::Accepted => {
                Some(LunchMail::LunchReview { lunch_id: lunch.id, user_id: p.user_id })
            }
            _ => None,
        };
        if let Some(msg) = msg {
            db::outbox::enqueue(&mut **tx, &p.email, &msg, now).await?;
        }
        changed.push(member_topic(p.user_id));
    }
    if step == Step::SlotEnded {
        jobs::schedule_clock(tx, lunch.id, jobs::Clock::Close, lunch.ends_at + REVIEW_SECS).await?;
    }
    if matches!(step, Step::Confirm) || lunch.state == LunchState::Confirmed {
        changed.push(feed_topic());
    }
    changed.push(lunch_topic(lunch.id));
    Ok(to)
}

/// The clock: the slot's start (an unconfirmed proposal is called off), its end (reviews
/// open), the end of the review time (done).
pub async fn on_time(state: &AppState, id: i64, clock: jobs::Clock) -> Result<(), AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let Some(lunch) = store::lock(&mut tx, id).await? else { return Ok(()) };
    let step = match clock {
        jobs::Clock::Start | jobs::Clock::End => on_clock(lunch.state, now >= lunch.starts_at, now >= lunch.ends_at),
        jobs::Clock::Close => Some(Step::Close),
    };
    let mut changed = Vec::new();
    if let Some(step) = step {
        let people = store::attendees(&mut *tx, id).await?;
        apply(&mut tx, &lunch, &people, step, now, &mut changed).await?;
    }
    tx.commit().await?;
    accounts::notify_changed(state, changed);
    Ok(())
}

/// A review by someone who went: did they enjoy it, and (privately) whom they would
/// rather not lunch with again (into the Bloom filter, as keyed pair hashes only).
pub async fn review(state: &AppState, user: &User, id: i64, enjoyed: bool, avoid: &[i64]) -> Result<(), AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let lunch = store::lock(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let people = store::attendees(&mut *tx, id).await?;
    let mine = people.iter().find(|p| p.user_id == user.id).ok_or(AppError::NotFound)?;
    if mine.answer != Answer::Accepted {
        return Err(AppError::Conflict("You didn't go to this lunch, so there is nothing to review.".into()));
    }
    if mine.reviewed {
        return Err(AppError::Conflict("You have already reviewed this lunch.".into()));
    }
    match lunch.state {
        LunchState::AwaitingEvaluation => {}
        LunchState::Done => return Err(AppError::Conflict("The time to review this lunch is over.".into())),
        _ => return Err(AppError::Conflict("You can review this lunch once it has happened.".into())),
    }
    let others: HashSet<i64> =
        people.iter().filter(|p| p.user_id != user.id && p.answer == Answer::Accepted).map(|p| p.user_id).collect();
    if avoid.iter().any(|a| !others.contains(a)) {
        return Err(AppError::invalid("avoid", "You can only name people who were at this lunch."));
    }
    if !store::review(&mut tx, id, user.id, enjoyed, now).await? {
        return Err(AppError::Conflict("You have already reviewed this lunch.".into()));
    }
    if !avoid.is_empty() {
        let mut filter = match store::lock_bad_pairs(&mut tx).await? {
            Some(s) => decode_filter(&s),
            None => BadPairs::new(BAD_PAIRS_FIRST_CAPACITY, BAD_PAIRS_FALSE_POSITIVES),
        };
        let key = state.settings.lunches.pair_key();
        for other in avoid {
            filter.insert(&pair_digest(&key, user.id, *other));
        }
        store::save_bad_pairs(&mut tx, &encode_filter(&filter), now).await?;
    }
    let mut changed = vec![member_topic(user.id)];
    let everyone_reviewed =
        people.iter().filter(|p| p.answer == Answer::Accepted && p.user_id != user.id).all(|p| p.reviewed);
    if everyone_reviewed {
        apply(&mut tx, &lunch, &people, Step::Close, now, &mut changed).await?;
    }
    tx.commit().await?;
    accounts::notify_changed(state, changed);
    Ok(())
}

fn encode_filter(f: &BadPairs) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(f.to_bytes())
}

fn decode_filter(s: &str) -> BadPairs {
    use base64::Engine;
    match base64::engine::general_purpose::STANDARD.decode(s).ok().and_then(|b| BadPairs::from_bytes(&b).ok()) {
        Some(f) => f,
        None => {
            tracing::error!("the bad-pair filter could not be read; starting an empty one");
            BadPairs::new(BAD_PAIRS_FIRST_CAPACITY, BAD_PAIRS_FALSE_POSITIVES)
        }
    }
}

async fn load_bad_pairs(tx: &mut db::Tx) -> Result<BadPairs, AppError> {
    Ok(match store::bad_pairs(&mut **tx).await? {
        Some(s) => decode_filter(&s),
        None => BadPairs::new(BAD_PAIRS_FIRST_CAPACITY, BAD_PAIRS_FALSE_POSITIVES),
    })
}

// ---- the feed ----

pub async fn feed(state: &AppState, user: &User) -> Result<Vec<FeedItem>, AppError> {
    member(state, user).await?;
    let tz = zone_of(user);
    let now = db::now();
    let pool = &state.db.pool;
    let lunches = store::in_states(pool, &[LunchState::Confirmed], now, 50).await?;
    let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (lunch, name) in store::accepted_names(pool, now).await? {
        names.entry(lunch).or_default().push(initial(&name));
    }
    Ok(lunches
        .into_iter()
        .map(|l| FeedItem {
            id: l.id,
            initials: names.remove(&l.id).unwrap_or_default().join(", "),
            date: format_span_in_zone(l.starts_at, l.ends_at, tz),
            food: l.food,
            location: l.location,
        })
        .collect())
}

// ---- matching ----

/// What the matching knows about pairs: lunches together (recent ones and open proposals
/// block; all count as "met"), and the Bloom filter of bad pairs (keyed hashes).
struct History {
    blocked: HashSet<(i64, i64)>,
    met: HashMap<(i64, i64), u32>,
    bad: BadPairs,
    key: Vec<u8>,
}

fn ordered(a: i64, b: i64) -> (i64, i64) {
    if a < b {
        (a, b)
    } else {
        (b, a)
    }
}

impl History {
    fn build(rows: &[store::HistoryRow], now: i64, bad: BadPairs, key: Vec<u8>) -> History {
        let mut by_lunch: BTreeMap<i64, Vec<&store::HistoryRow>> = BTreeMap::new();
        for r in rows {
            by_lunch.entry(r.0).or_default().push(r);
        }
        let mut blocked = HashSet::new();
        let mut met = HashMap::new();
        for people in by_lunch.values() {
            for (i, a) in people.iter().enumerate() {
                for b in &people[i + 1..] {
                    let pair = ordered(a.1, b.1);
                    let state = LunchState::parse(&a.2).unwrap_or(LunchState::Rejected);
                    let both_went = a.4 == "accepted" && b.4 == "accepted";
                    if state.open() {
                        blocked.insert(pair);
                    }
                    if both_went && state != LunchState::Proposed {
                        *met.entry(pair).or_insert(0) += 1;
                        if a.3 > now - NO_REPEAT_DAYS * DAY {
                            blocked.insert(pair);
                        }
                    }
                }
            }
        }
        History { blocked, met, bad, key }
    }
}

impl PairHistory for History {
    fn blocked(&self, a: i64, b: i64) -> bool {
        self.blocked.contains(&ordered(a, b)) || self.bad.contains(&pair_digest(&self.key, a, b))
    }

    fn times_met(&self, a: i64, b: i64) -> u32 {
        self.met.get(&ordered(a, b)).copied().unwrap_or(0)
    }
}

/// One matching run: proposes lunches for the coming week and mails them, in one write
/// transaction that first takes the matching lock (two runs never interleave, and a run
/// never proposes a day a member is already busy). Returns how many lunches it proposed.
pub async fn run_matching(state: &AppState, now: i64) -> Result<usize, AppError> {
    let mut tx = state.db.begin_write().await?;
    store::lock_matching(&mut tx, now).await?;
    let zones: HashMap<i64, Tz> = store::list(&mut *tx, List::Locations)
        .await?
        .into_iter()
        .filter(|l| !l.retired)
        .map(|l| (l.id, l.time_zone.as_deref().map(zone_or_utc).unwrap_or(chrono_tz::UTC)))
        .collect();
    let foods: Vec<i64> =
        store::list(&mut *tx, List::Foods).await?.into_iter().filter(|f| !f.retired).map(|f| f.id).collect();
    let candidates = store::candidates(&mut tx).await?;
    let mut windows: HashMap<i64, Vec<Window>> = HashMap::new();
    for (u, w) in store::all_windows(&mut *tx, None).await? {
        windows.entry(u).or_default().push(w);
    }
    let rows = store::history(&mut tx).await?;
    let busy = busy_days(&rows);
    let history = History::build(&rows, now, load_bad_pairs(&mut tx).await?, state.settings.lunches.pair_key());
    let (from, until) = (now + LEAD_SECS, now + HORIZON_SECS);
    let people: Vec<Person> = candidates
        .iter()
        .filter_map(|c| {
            let tz = *zones.get(&c.location_id)?;
            let ws = windows.get(&c.user_id)?;
            let free: Vec<FreeTime> = occurrences(ws, from, until)
                .into_iter()
                .map(|iv| FreeTime {
                    day: local_day(iv.start.max(from), tz),
                    interval: availability::Interval { start: iv.start.max(from), ..iv },
                })
                .filter(|f| f.interval.end - f.interval.start >= MIN_OVERLAP_SECS)
                .filter(|f| !busy.contains(&(c.user_id, i64::from(f.day))))
                .collect();
            Some(Person { id: c.user_id, location: c.location_id, cannot_eat: c.cannot_eat.clone(), free })
        })
        .filter(|p| !p.free.is_empty())
        .collect();
    let seed = u64::try_from(now / DAY).unwrap_or(0);
    // The matching names the first food everyone can eat: start the list somewhere else
    // each day, so lunches do not all name the same food.
    let mut foods = foods;
    if !foods.is_empty() {
        let turn = usize::try_from(seed % foods.len() as u64).unwrap_or(0);
        foods.rotate_left(turn);
    }
    let proposals = matching::propose(&people, &foods, Rules::default(), &history, seed);
    let emails: HashMap<i64, String> = store::member_emails(&mut tx).await?.into_iter().collect();
    let mut changed = Vec::new();
    for p in &proposals {
        let id = store::insert_lunch(
            &mut tx,
            &store::NewLunch {
                location_id: p.location,
                food_type_id: p.food,
                local_day: i64::from(p.day),
                starts_at: p.slot.start,
                ends_at: p.slot.end,
                min_size: DEFAULT_MIN as i64,
                max_size: DEFAULT_MAX as i64,
            },
            now,
        )
        .await?;
        for m in &p.members {
            let token = crypto::new_token();
            store::insert_attendee(&mut tx, id, *m, &token_hash(&token)).await?;
            if let Some(email) = emails.get(m) {
                db::outbox::enqueue(
                    &mut *tx,
                    email,
                    &LunchMail::LunchProposed { lunch_id: id, user_id: *m, token },
                    now,
                )
                .await?;
            }
            changed.push(member_topic(*m));
        }
        jobs::schedule_clock(&mut tx, id, jobs::Clock::Start, p.slot.start).await?;
        jobs::schedule_clock(&mut tx, id, jobs::Clock::End, p.slot.end).await?;
    }
    tx.commit().await?;
    tracing::info!(proposed = proposals.len(), people = people.len(), "lunch matching ran");
    accounts::notify_changed(state, changed);
    Ok(proposals.len())
}

/// (member, local day) pairs where the member already has an open lunch.
fn busy_days(rows: &[store::HistoryRow]) -> HashSet<(i64, i64)> {
    rows.iter().filter(|r| LunchState::parse(&r.2).is_some_and(LunchState::open)).map(|r| (r.1, r.5)).collect()
}

// ---- admin ----

pub async fn admin_page(state: &AppState, admin: &User) -> Result<AdminLunchesView, AppError> {
    let pool = &state.db.pool;
    let tz = zone_of(admin);
    let lunches = store::in_states(pool, &LunchState::ALL, 0, 200).await?;
    let mut rows = Vec::with_capacity(lunches.len());
    for l in lunches {
        let people = store::attendees(pool, l.id).await?;
        let accepted = people.iter().filter(|p| p.answer == Answer::Accepted).count();
        rows.push(AdminLunchRow {
            id: l.id,
            when: format_span_in_zone(l.starts_at, l.ends_at, tz),
            location: l.location.clone(),
            food: l.food.clone(),
            state_label: l.state.label().to_string(),
            people: format!("{accepted} of {} accepted", people.len()),
        });
    }
    Ok(AdminLunchesView {
        foods: store::list(pool, List::Foods).await?.into_iter().map(named_view).collect(),
        locations: store::list(pool, List::Locations).await?.into_iter().map(named_view).collect(),
        lunches: rows,
        viewer_zone: tz.name().to_string(),
    })
}

/// Which admin list a form names ("foods" or "locations").
pub fn list_named(s: &str) -> Result<List, AppError> {
    match s {
        "foods" => Ok(List::Foods),
        "locations" => Ok(List::Locations),
        _ => Err(AppError::invalid("list", "Choose food types or locations.")),
    }
}

/// Adds (`id` None) or renames a food type or a location (locations: with a time zone).
pub async fn save_named(
    state: &AppState,
    admin: &User,
    list: List,
    id: Option<i64>,
    name: &str,
    time_zone: Option<&str>,
) -> Result<(), AppError> {
    let name = Name::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let zone = match list {
        List::Locations => {
            let tz = parse_time_zone(time_zone.unwrap_or("")).map_err(|e| AppError::invalid("time_zone", e))?;
            Some(tz.name().to_string())
        }
        List::Foods => None,
    };
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if store::name_taken(&mut tx, list, &name.key(), id).await? {
        return Err(AppError::invalid("name", format!("\"{}\" is already in the list.", name.as_str())));
    }
    let result = match id {
        None => store::insert_named(&mut tx, list, name.as_str(), &name.key(), zone.as_deref(), now).await.map(Some),
        Some(id) => store::rename(&mut tx, list, id, name.as_str(), &name.key(), zone.as_deref())
            .await
            .map(|ok| ok.then_some(id)),
    };
    let saved = match result {
        Ok(Some(id)) => id,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => {
            return Err(AppError::invalid("name", format!("\"{}\" is already in the list.", name.as_str())))
        }
        Err(e) => return Err(e.into()),
    };
    let what = if list == List::Foods { "food_type" } else { "lunch_location" };
    audit::record(&mut *tx, actor(admin), &format!("{what}.save"), &format!("{what} {saved}"), name.as_str(), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn retire_named(state: &AppState, admin: &User, list: List, id: i64, retired: bool) -> Result<(), AppError> {
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    if !store::set_retired(&mut tx, list, id, retired, now).await? {
        return Err(AppError::NotFound);
    }
    let what = if list == List::Foods { "food_type" } else { "lunch_location" };
    let action = if retired { "retire" } else { "restore" };
    audit::record(&mut *tx, actor(admin), &format!("{what}.{action}"), &format!("{what} {id}"), "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Admins: runs the matching now (what the nightly job does).
pub async fn match_now(state: &AppState, admin: &User) -> Result<usize, AppError> {
    let now = db::now();
    let n = run_matching(state, now).await?;
    let mut tx = state.db.begin_write().await?;
    audit::record(&mut *tx, actor(admin), "lunches.match", "lunches", &format!("{n} proposed"), now).await?;
    tx.commit().await?;
    Ok(n)
}

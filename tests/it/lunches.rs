//! Lunches over real HTTP, on SQLite and Postgres: invitation codes, the admins' lists,
//! availability input, the matching (proposes and mails; runs once with two workers),
//! answers (one-tap links, overlaps, two at once), reviews feeding the Bloom filter, and
//! the anonymised feed.
use crate::helpers::*;
use chrono::{Duration as Days, Utc};
use hearth::core::db;
use hearth::core::domain::account::Role;
use hearth::lunches::domain::LunchState;
use hearth::lunches::{jobs, service, store};
use reqwest::StatusCode;
use serde_json::Value;

async fn an_admin(app: &TestApp) -> Person {
    let admin = person(app, "Ada").await;
    db::users::set_role(&app.state.db.pool, admin.id, Role::Admin).await.unwrap();
    admin
}

async fn call_ok(app: &TestApp, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) {
    let res = app.call(client, endpoint, form).await;
    let status = res.status();
    assert!(status.is_success() || status.is_redirection(), "{endpoint}: {status} {}", res.text().await.unwrap());
}

/// The status and message of a refused call.
async fn refused(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let (status, body) = json(app.call(client, endpoint, form).await).await;
    assert!(status.is_client_error(), "{endpoint} should be refused: {status} {body}");
    (status, body.to_string())
}

/// Ada (admin) with a location "Office" (Europe/Paris) and two food types; returns the
/// ids (location, [foods]).
pub(crate) async fn lists(app: &TestApp, admin: &Person) -> (i64, Vec<i64>) {
    let c = &admin.client;
    call_ok(
        app,
        c,
        "save_lunch_list_item",
        &[("list", "locations"), ("name", "Office"), ("time_zone", "Europe/Paris")],
    )
    .await;
    call_ok(app, c, "save_lunch_list_item", &[("list", "foods"), ("name", "Vegan")]).await;
    call_ok(app, c, "save_lunch_list_item", &[("list", "foods"), ("name", "Pizza")]).await;
    let pool = &app.state.db.pool;
    let loc = store::list(pool, store::List::Locations).await.unwrap()[0].id;
    let foods = store::list(pool, store::List::Foods).await.unwrap().into_iter().map(|f| f.id).collect();
    (loc, foods)
}

/// A member enrolled (as a code would) with a location.
pub(crate) async fn luncher(app: &TestApp, name: &str, location: i64) -> Person {
    let p = person(app, name).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    store::enroll(&mut tx, p.id, None, db::now()).await.unwrap();
    tx.commit().await.unwrap();
    call_ok(app, &p.client, "save_lunch_profile", &[("location", &location.to_string())]).await;
    p
}

/// A date `days` from today in Paris, as a date input sends it.
fn paris_date(days: i64) -> String {
    let today = Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive();
    (today + Days::days(days)).to_string()
}

async fn free_on(app: &TestApp, p: &Person, date: &str, from: &str, until: &str) {
    call_ok(
        app,
        &p.client,
        "save_lunch_window",
        &[("repeat", "date"), ("date", date), ("from", from), ("until", until)],
    )
    .await;
}

async fn lunches_of(app: &TestApp, member: i64) -> Vec<store::Lunch> {
    store::mine(&app.state.db.pool, member).await.unwrap().into_iter().map(|(l, _, _)| l).collect()
}

/// The one-tap path (`/lunches/ID?t=…`) in the newest proposal mail to `name`.
async fn proposal_link(app: &TestApp, name: &str) -> String {
    let mail = mails_to(&app.state, &email_of(name))
        .await
        .into_iter()
        .find(|m| m.subject.starts_with("Lunch proposed"))
        .expect("a proposal mail");
    let base = app.state.settings.base_url().to_string();
    mail.text_body.split_whitespace().find_map(|w| w.strip_prefix(&base).map(str::to_string)).expect("a link")
}

fn token_of(link: &str) -> String {
    link.split("t=").nth(1).unwrap().to_string()
}

/// Moves a lunch's slot `secs` earlier (into the past).
async fn shift(app: &TestApp, id: i64, secs: i64) {
    sqlx::query("UPDATE lunches SET starts_at = starts_at - $2, ends_at = ends_at - $2 WHERE id = $1")
        .bind(id)
        .bind(secs)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

/// The code a page shows once after it was created.
fn new_code_on(page: &str) -> String {
    let at = page.find("data-testid=\"new-code\"").expect("the new code is shown");
    let from = at + page[at..].find('>').unwrap() + 1;
    page[from..from + 19].to_string()
}

#[tokio::test]
async fn an_invitation_code_enrolls_one_newcomer_and_bad_codes_say_what_is_wrong() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    // The code is shown once, on the page after creating it.
    call_ok(&app, &admin.client, "create_lunch_code", &[]).await;
    let page = app.get(&admin.client, "/lunches").await.text().await.unwrap();
    let code = new_code_on(&page);
    assert_eq!(code.len(), 19, "{code}");
    let again = app.get(&admin.client, "/lunches").await.text().await.unwrap();
    assert!(!again.contains(&code), "the code is shown once");

    // A newcomer signs up, then joins with it.
    let bob = person(&app, "Bob").await;
    let (status, body) = json(app.call(&bob.client, "create_lunch_code", &[]).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "not in lunches yet: {body}");
    call_ok(&app, &bob.client, "join_lunches", &[("code", &code.to_lowercase())]).await;
    assert!(store::member(&app.state.db.pool, bob.id).await.unwrap().is_some());

    let cara = person(&app, "Cara").await;
    let (status, body) = refused(&app, &cara.client, "join_lunches", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("already been used"), "{body}");
    let (_, body) = refused(&app, &cara.client, "join_lunches", &[("code", "ABCD-EFGH-JKMN-PQRS")]).await;
    assert!(body.contains("typo"), "{body}");
    let unknown = hearth::core::domain::codes::TypableCode::generate(&mut rand::thread_rng()).grouped();
    let (_, body) = refused(&app, &cara.client, "join_lunches", &[("code", &unknown)]).await;
    assert!(body.contains("don't know that code"), "{body}");

    // Bob's own code expires unused.
    call_ok(&app, &bob.client, "create_lunch_code", &[]).await;
    let page = app.get(&bob.client, "/lunches").await.text().await.unwrap();
    let bobs = new_code_on(&page);
    sqlx::query("UPDATE lunch_codes SET expires_at = 1 WHERE created_by = $1")
        .bind(bob.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, body) = refused(&app, &cara.client, "join_lunches", &[("code", &bobs)]).await;
    assert!(body.contains("expired"), "{body}");
    assert!(store::member(&app.state.db.pool, cara.id).await.unwrap().is_none(), "nothing changed for Cara");

    // Codes per day are limited; a banned member cannot invite.
    for _ in 1..hearth::lunches::domain::CODES_PER_DAY {
        call_ok(&app, &bob.client, "create_lunch_code", &[]).await;
    }
    let (status, body) = refused(&app, &bob.client, "create_lunch_code", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("You are creating too many codes; try tomorrow"), "{body}");
    db::users::set_banned(&app.state.db.pool, bob.id, Some(db::now())).await.unwrap();
    let (status, body) = refused(&app, &bob.client, "create_lunch_code", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Your account cannot invite"), "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn admins_keep_the_food_types_and_locations_and_nobody_else_sees_them() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let (loc, foods) = lists(&app, &admin).await;
    let bob = luncher(&app, "Bob", loc).await;
    for (endpoint, form) in [
        ("get_admin_lunches", vec![]),
        ("save_lunch_list_item", vec![("list", "foods"), ("name", "Sushi")]),
        ("run_lunch_matching", vec![]),
    ] {
        let (status, _) = json(app.call(&bob.client, endpoint, &form).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint} is for admins only");
    }
    assert_eq!(app.get(&bob.client, "/admin/lunches").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(store::list(&app.state.db.pool, store::List::Foods).await.unwrap().len(), 2, "no Sushi");

    let c = &admin.client;
    for (name, says) in [("vegan ", "already in the list"), ("   ", "type a name"), (&"x".repeat(41)[..], "at most 40")]
    {
        let (status, body) = refused(&app, c, "save_lunch_list_item", &[("list", "foods"), ("name", name)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains(says), "{name:?}: {body}");
    }
    let (_, body) = refused(
        &app,
        c,
        "save_lunch_list_item",
        &[("list", "locations"), ("name", "Moon"), ("time_zone", "Mars/Olympus")],
    )
    .await;
    assert!(body.contains("Mars/Olympus"), "{body}");
    // Rename, then retire what a profile names: it stays, but is no longer offered.
    let pizza = foods[0];
    call_ok(
        &app,
        c,
        "save_lunch_list_item",
        &[("list", "foods"), ("id", &pizza.to_string()), ("name", "Pizza & pasta")],
    )
    .await;
    call_ok(
        &app,
        &bob.client,
        "save_lunch_profile",
        &[("location", &loc.to_string()), ("cannot_eat[0]", &pizza.to_string())],
    )
    .await;
    call_ok(&app, c, "retire_lunch_list_item", &[("list", "foods"), ("id", &pizza.to_string()), ("retired", "yes")])
        .await;
    let all = store::list(&app.state.db.pool, store::List::Foods).await.unwrap();
    assert!(all.iter().any(|f| f.id == pizza && f.retired && f.name == "Pizza & pasta"));
    let (_, page) = json(app.call(&bob.client, "get_lunches_page", &[]).await).await;
    assert!(!page["foods"].to_string().contains("Pizza"), "retired food types are not offered: {}", page["foods"]);
    let admin_page = app.get(c, "/admin/lunches").await.text().await.unwrap();
    assert!(admin_page.contains("Pizza &amp; pasta") && admin_page.contains("retired"));
    app.shutdown().await;
}

#[tokio::test]
async fn windows_refuse_bad_times_and_merge_when_they_overlap() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let (loc, _) = lists(&app, &admin).await;
    let ann = luncher(&app, "Ann", loc).await;
    let tomorrow = paris_date(1);
    for (date, from, until, field, says) in [
        (tomorrow.as_str(), "13:00", "12:00", "until", "before the start"),
        (tomorrow.as_str(), "12:00", "12:00", "until", "the same"),
        (tomorrow.as_str(), "12:00", "25:00", "until", "more than a day"),
        ("2020-01-01", "12:00", "13:00", "date", "passed"),
        (tomorrow.as_str(), "noon", "13:00", "from", "noon"),
    ] {
        let (status, body) = json(
            app.call(
                &ann.client,
                "save_lunch_window",
                &[("repeat", "date"), ("date", date), ("from", from), ("until", until)],
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{from}-{until}: {body}");
        assert_eq!(body["Invalid"]["field"], Value::String(field.into()), "{body}");
        assert!(body.to_string().contains(says), "{says}: {body}");
    }
    assert!(store::windows(&app.state.db.pool, ann.id).await.unwrap().is_empty(), "nothing saved");
    free_on(&app, &ann, &tomorrow, "12:00", "13:00").await;
    free_on(&app, &ann, &tomorrow, "12:30", "14:00").await;
    call_ok(&app, &ann.client, "save_lunch_window", &[("repeat", "mon"), ("from", "12:00"), ("until", "13:00")]).await;
    let windows = store::windows(&app.state.db.pool, ann.id).await.unwrap();
    assert_eq!(windows.len(), 2, "the two overlapping windows became one: {windows:?}");
    let page = app.get(&ann.client, "/lunches").await.text().await.unwrap();
    assert!(page.contains("12:00–14:00") && page.contains("Every Monday, 12:00–13:00"), "merged and listed");
    // Someone else's window can't be deleted.
    let bob = luncher(&app, "Bob", loc).await;
    let (status, _) =
        json(app.call(&bob.client, "delete_lunch_window", &[("id", &windows[0].0.to_string())]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.shutdown().await;
}

#[tokio::test]
async fn the_matching_proposes_and_mails_both_accept_from_their_mail_and_the_feed_shows_initials_only() {
    on_every_db!(app, {
        let admin = an_admin(&app).await;
        let (loc, foods) = lists(&app, &admin).await;
        let ann = luncher(&app, "Ann", loc).await;
        let bob = luncher(&app, "Bob", loc).await;
        // Ann can't eat pizza: the lunch names the food both can eat.
        let pizza = foods.iter().copied().find(|f| *f != foods[1]).unwrap();
        let pizza_name = store::list(&app.state.db.pool, store::List::Foods)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.id == pizza)
            .unwrap()
            .name;
        call_ok(
            &app,
            &ann.client,
            "save_lunch_profile",
            &[("location", &loc.to_string()), ("cannot_eat[0]", &pizza.to_string())],
        )
        .await;
        let day = paris_date(2);
        free_on(&app, &ann, &day, "12:00", "13:30").await;
        free_on(&app, &bob, &day, "12:45", "14:00").await;
        // The page shows Ann that one person is free when she is.
        let page = app.get(&ann.client, "/lunches").await.text().await.unwrap();
        assert!(page.contains("1 person free"), "group availability");
        assert!(!page.contains("Bob"), "counts only, never names");

        assert_eq!(service::run_matching(&app.state, db::now()).await.unwrap(), 1);
        let lunch = lunches_of(&app, ann.id).await.pop().expect("a lunch for Ann");
        assert_eq!(lunches_of(&app, bob.id).await, vec![lunch.clone()]);
        assert_eq!(lunch.state, LunchState::Proposed);
        assert_eq!(lunch.ends_at - lunch.starts_at, 45 * 60, "the overlap, 12:45 to 13:30");
        assert_ne!(lunch.food_type_id, pizza);
        // Running it again proposes nothing new (they are busy that day).
        assert_eq!(service::run_matching(&app.state, db::now()).await.unwrap(), 0);

        // Both accept from their mail's link, without signing in (a fresh browser).
        for name in ["Ann", "Bob"] {
            let link = proposal_link(&app, name).await;
            assert!(link.starts_with(&format!("/lunches/{}?t=", lunch.id)), "{link}");
            let browser = app.new_client();
            let page = app.get(&browser, &link).await.text().await.unwrap();
            assert!(page.contains("Can you come?") && page.contains(if name == "Ann" { "Bob" } else { "Ann" }));
            call_ok(
                &app,
                &browser,
                "answer_lunch",
                &[("id", &lunch.id.to_string()), ("answer", "accept"), ("t", &token_of(&link))],
            )
            .await;
        }
        assert_eq!(store::get(&app.state.db.pool, lunch.id).await.unwrap().unwrap().state, LunchState::Confirmed);
        for name in ["Ann", "Bob"] {
            let confirmed = mails_to(&app.state, &email_of(name))
                .await
                .into_iter()
                .filter(|m| m.subject.starts_with("Lunch confirmed"))
                .count();
            assert_eq!(confirmed, 1, "{name} is told once");
        }
        // The feed: initials, date and food; never the names.
        let cara = luncher(&app, "Cara", loc).await;
        let (status, feed) = json(app.call(&cara.client, "get_lunch_feed", &[]).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(feed[0]["initials"], Value::String("A., B.".into()), "{feed}");
        assert!(!feed.to_string().contains("Ann") && !feed.to_string().contains("Bob"), "{feed}");
        assert!(!feed.to_string().contains(&pizza_name));
        let outsider = person(&app, "Dan").await;
        let (status, _) = json(app.call(&outsider.client, "get_lunch_feed", &[]).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "members only");
        app.shutdown().await;
    });
}

/// A lunch made by hand: (location, slot start in `hours` from now, 90 min), pending answers.
async fn lunch_for(app: &TestApp, loc: i64, food: i64, hours: i64, people: &[i64]) -> (i64, Vec<String>) {
    let start = db::now() + hours * 3600;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let id = store::insert_lunch(
        &mut tx,
        &store::NewLunch {
            location_id: loc,
            food_type_id: food,
            local_day: start / 86400,
            starts_at: start,
            ends_at: start + 5400,
            min_size: 2,
            max_size: 3,
        },
        db::now(),
    )
    .await
    .unwrap();
    let mut tokens = Vec::new();
    for p in people {
        let token = hearth::core::crypto::new_token();
        store::insert_attendee(&mut tx, id, *p, &hearth::core::crypto::token_hash(&token)).await.unwrap();
        tokens.push(token);
    }
    tx.commit().await.unwrap();
    (id, tokens)
}

#[tokio::test]
async fn accepting_one_lunch_declines_the_overlapping_one_and_outsiders_cannot_answer() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let (loc, foods) = lists(&app, &admin).await;
    let ann = luncher(&app, "Ann", loc).await;
    let bob = luncher(&app, "Bob", loc).await;
    let cara = luncher(&app, "Cara", loc).await;
    let (first, ann_tokens) = lunch_for(&app, loc, foods[0], 24, &[ann.id, bob.id]).await;
    let (second, tokens) = lunch_for(&app, loc, foods[0], 25, &[ann.id, cara.id]).await;
    // Without JavaScript, from the mail's page: back to the lunch, which says it is saved.
    let page = format!("/lunches/{first}?t={}", ann_tokens[0]);
    let back = plain_post(&app, &ann, "answer_lunch", &page, &[("id", &first.to_string()), ("answer", "accept")]).await;
    assert_eq!(back, format!("/lunches/{first}?done=answer_lunch"));
    let html = app.get(&ann.client, &back).await.text().await.unwrap();
    assert!(html.contains("Thanks, your answer is saved."), "the page says so");
    // Ann's place in the overlapping lunch is declined: it can't reach two, so it is off.
    assert_eq!(store::get(&app.state.db.pool, second).await.unwrap().unwrap().state, LunchState::Rejected);
    let called_off = mails_to(&app.state, &email_of("Cara")).await;
    assert!(called_off.iter().any(|m| m.subject.starts_with("Lunch called off")), "Cara is told");
    // Cara can't answer Ann's first lunch, not even with her token for the other one.
    let (status, _) =
        json(app.call(&cara.client, "answer_lunch", &[("id", &first.to_string()), ("answer", "accept")]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stranger = app.new_client();
    let (status, _) = json(
        app.call(&stranger, "answer_lunch", &[("id", &first.to_string()), ("answer", "accept"), ("t", &tokens[1])])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&cara.client, &format!("/lunches/{first}")).await.status(), StatusCode::NOT_FOUND);
    // An answer after the start is refused.
    shift(&app, first, 25 * 3600).await;
    let (status, body) =
        json(app.call(&bob.client, "answer_lunch", &[("id", &first.to_string()), ("answer", "accept")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.to_string().contains("already started"), "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn two_members_accepting_at_once_confirm_the_lunch_once() {
    on_every_db!(app, {
        let admin = an_admin(&app).await;
        let (loc, foods) = lists(&app, &admin).await;
        let ann = luncher(&app, "Ann", loc).await;
        let bob = luncher(&app, "Bob", loc).await;
        for round in 0..3 {
            let (id, _) = lunch_for(&app, loc, foods[0], 24 + round * 3, &[ann.id, bob.id]).await;
            let ids = id.to_string();
            let form = [("id", ids.as_str()), ("answer", "accept")];
            let (a, b) = tokio::join!(
                app.call(&ann.client, "answer_lunch", &form),
                app.call(&bob.client, "answer_lunch", &form)
            );
            assert!(a.status().is_success() || a.status().is_redirection(), "{}", a.status());
            assert!(b.status().is_success() || b.status().is_redirection(), "{}", b.status());
            let people = store::attendees(&app.state.db.pool, id).await.unwrap();
            assert!(people.iter().all(|p| p.answer == hearth::lunches::domain::Answer::Accepted));
            assert_eq!(store::get(&app.state.db.pool, id).await.unwrap().unwrap().state, LunchState::Confirmed);
        }
        let confirmed = mails_to(&app.state, &email_of("Ann"))
            .await
            .into_iter()
            .filter(|m| m.subject.starts_with("Lunch confirmed"))
            .count();
        assert_eq!(confirmed, 3, "one confirmation per lunch");
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_review_keeps_a_pair_apart_for_good_through_the_keyed_bloom_filter() {
    on_every_db!(app, {
        let admin = an_admin(&app).await;
        let (loc, foods) = lists(&app, &admin).await;
        let ann = luncher(&app, "Ann", loc).await;
        let bob = luncher(&app, "Bob", loc).await;
        let cara = luncher(&app, "Cara", loc).await;
        let (id, _) = lunch_for(&app, loc, foods[0], 2, &[ann.id, bob.id, cara.id]).await;
        for p in [&ann, &bob] {
            call_ok(&app, &p.client, "answer_lunch", &[("id", &id.to_string()), ("answer", "accept")]).await;
        }
        call_ok(&app, &cara.client, "answer_lunch", &[("id", &id.to_string()), ("answer", "decline")]).await;
        let (status, body) =
            json(app.call(&ann.client, "review_lunch", &[("id", &id.to_string()), ("enjoyed", "yes")]).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "not before it happened: {body}");
        // It happens; the clock opens the reviews.
        shift(&app, id, 4 * 3600).await;
        service::on_time(&app.state, id, jobs::Clock::End).await.unwrap();
        assert_eq!(store::get(&app.state.db.pool, id).await.unwrap().unwrap().state, LunchState::AwaitingEvaluation);
        assert!(mails_to(&app.state, &email_of("Ann")).await.iter().any(|m| m.subject == "How was your lunch?"));
        let (status, body) =
            json(app.call(&cara.client, "review_lunch", &[("id", &id.to_string()), ("enjoyed", "yes")]).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "Cara didn't go: {body}");
        let (status, _) = json(
            app.call(
                &ann.client,
                "review_lunch",
                &[("id", &id.to_string()), ("enjoyed", "no"), ("avoid[0]", &cara.id.to_string())],
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only people who were there");
        call_ok(
            &app,
            &ann.client,
            "review_lunch",
            &[("id", &id.to_string()), ("enjoyed", "no"), ("avoid[0]", &bob.id.to_string())],
        )
        .await;
        let (status, body) =
            json(app.call(&ann.client, "review_lunch", &[("id", &id.to_string()), ("enjoyed", "yes")]).await).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body.to_string().contains("already reviewed"), "{body}");
        call_ok(&app, &bob.client, "review_lunch", &[("id", &id.to_string()), ("enjoyed", "yes")]).await;
        assert_eq!(
            store::get(&app.state.db.pool, id).await.unwrap().unwrap().state,
            LunchState::Done,
            "everyone reviewed"
        );
        // The database holds bits only: no id of either in the stored filter.
        let stored: String =
            sqlx::query_scalar("SELECT filter FROM lunch_bad_pairs").fetch_one(&app.state.db.pool).await.unwrap();
        assert!(!stored.is_empty());

        // Two months later (past the 30 days), Ann and Bob are free together: no lunch.
        shift(&app, id, 60 * 86400).await;
        let day = paris_date(2);
        for p in [&ann, &bob] {
            free_on(&app, p, &day, "12:00", "13:30").await;
        }
        assert_eq!(service::run_matching(&app.state, db::now()).await.unwrap(), 0, "the bad pair is skipped");
        // Without the review (or with another key) they would have been paired.
        let mut other_key = app.state.clone();
        let mut settings = (*other_key.settings).clone();
        settings.lunches.pair_key = "another key, also 32 characters or more".into();
        other_key.settings = std::sync::Arc::new(settings);
        assert_eq!(service::run_matching(&other_key, db::now()).await.unwrap(), 1, "the filter is keyed");
        app.shutdown().await;
    });
}

#[tokio::test]
async fn people_who_lunched_in_the_past_30_days_are_not_paired_again() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let (loc, foods) = lists(&app, &admin).await;
    let ann = luncher(&app, "Ann", loc).await;
    let bob = luncher(&app, "Bob", loc).await;
    let (id, _) = lunch_for(&app, loc, foods[0], 2, &[ann.id, bob.id]).await;
    for p in [&ann, &bob] {
        call_ok(&app, &p.client, "answer_lunch", &[("id", &id.to_string()), ("answer", "accept")]).await;
    }
    shift(&app, id, 10 * 86400).await;
    service::on_time(&app.state, id, jobs::Clock::End).await.unwrap();
    let day = paris_date(2);
    for p in [&ann, &bob] {
        free_on(&app, p, &day, "12:00", "13:30").await;
    }
    assert_eq!(service::run_matching(&app.state, db::now()).await.unwrap(), 0, "ten days ago is too recent");
    shift(&app, id, 25 * 86400).await;
    assert_eq!(service::run_matching(&app.state, db::now()).await.unwrap(), 1, "35 days ago is fine");
    app.shutdown().await;
}

#[tokio::test]
async fn the_matching_job_runs_once_with_two_workers_and_a_proposal_not_confirmed_in_time_is_called_off() {
    on_every_db!(app, {
        let admin = an_admin(&app).await;
        let (loc, _) = lists(&app, &admin).await;
        let ann = luncher(&app, "Ann", loc).await;
        let bob = luncher(&app, "Bob", loc).await;
        let day = paris_date(2);
        for p in [&ann, &bob] {
            free_on(&app, p, &day, "12:00", "13:30").await;
        }
        // The window change scheduled a run (debounced): make it due now.
        sqlx::query("UPDATE timed_jobs SET run_at = 0 WHERE kind = $1 AND job_key LIKE 'lunch-matching:soon:%'")
            .bind(jobs::MATCHING)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let mut other = app.state.clone();
        other.instance = "second-worker".into();
        let (a, b) =
            tokio::join!(hearth::core::jobs::timed::run_due(&app.state), hearth::core::jobs::timed::run_due(&other));
        assert!(a.unwrap() + b.unwrap() >= 1);
        let lunches = lunches_of(&app, ann.id).await;
        assert_eq!(lunches.len(), 1, "one proposal, not two");
        let proposals = mails_to(&app.state, &email_of("Bob"))
            .await
            .into_iter()
            .filter(|m| m.subject.starts_with("Lunch proposed"))
            .count();
        assert_eq!(proposals, 1);
        let nightly: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM timed_jobs WHERE job_key LIKE 'lunch-matching:night:%' AND done_at IS NULL",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        assert_eq!(nightly, 1, "the next night's run is scheduled");
        // Nobody answers; at the start it is called off and both are told.
        shift(&app, lunches[0].id, 3 * 86400).await;
        service::on_time(&app.state, lunches[0].id, jobs::Clock::Start).await.unwrap();
        assert_eq!(store::get(&app.state.db.pool, lunches[0].id).await.unwrap().unwrap().state, LunchState::Rejected);
        assert!(mails_to(&app.state, &email_of("Ann")).await.iter().any(|m| m.subject.starts_with("Lunch called off")));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn an_open_lunch_page_hears_a_change_made_by_someone_else() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let (loc, foods) = lists(&app, &admin).await;
    let ann = luncher(&app, "Ann", loc).await;
    let bob = luncher(&app, "Bob", loc).await;
    let (id, tokens) = lunch_for(&app, loc, foods[0], 24, &[ann.id, bob.id]).await;
    // Bob's page, opened from his mail (no session), and Ann's lunch list.
    let browser = app.new_client();
    let mut lunch_stream = app.get(&browser, &format!("/api/live/lunch/{id}?t={}", tokens[1])).await;
    assert_eq!(lunch_stream.status(), StatusCode::OK);
    let mut list_stream = app.get(&ann.client, &format!("/api/live/lunch_member/{}", ann.id)).await;
    assert_eq!(list_stream.status(), StatusCode::OK);
    let stranger = app.get(&app.new_client(), &format!("/api/live/lunch/{id}?t={}", "x".repeat(43))).await;
    assert_ne!(stranger.status(), StatusCode::OK, "no token, no stream");
    call_ok(&app, &ann.client, "answer_lunch", &[("id", &id.to_string()), ("answer", "decline")]).await;
    assert!(read_until(&mut lunch_stream, "changed").await, "Bob's page hears Ann's answer");
    assert!(read_until(&mut list_stream, "changed").await, "the cancellation reaches Ann's list");
    app.shutdown().await;
}

#[tokio::test]
async fn one_code_taken_by_many_newcomers_at_once_enrolls_exactly_one() {
    on_every_db!(app, {
        let admin = an_admin(&app).await;
        let user = db::users::by_id(&app.state.db.pool, admin.id).await.unwrap().unwrap();
        let code = service::create_code(&app.state, &user).await.unwrap();
        let mut people = Vec::new();
        for i in 0..8 {
            people.push(person(&app, &format!("Newcomer{i}")).await);
        }
        let form = [("code", code.as_str())];
        let tries = people.iter().map(|p| app.call(&p.client, "join_lunches", &form));
        let answers = futures::future::join_all(tries).await;
        let mut joined = 0;
        for res in answers {
            let (status, body) = json(res).await;
            if status.is_success() || status.is_redirection() {
                joined += 1;
            } else {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
                assert!(body.to_string().contains("already been used"), "{body}");
            }
        }
        assert_eq!(joined, 1, "one newcomer gets the code");
        let enrolled: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM lunch_members").fetch_one(&app.state.db.pool).await.unwrap();
        assert_eq!(enrolled, 2, "Ada and the one newcomer");
        app.shutdown().await;
    });
}

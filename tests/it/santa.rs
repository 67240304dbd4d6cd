//! Secret Santa over real HTTP: invites, the draw, secrecy, gifts, the reveal, coal, shame.
use crate::helpers::*;
use hearth::db;
use reqwest::StatusCode;
use serde_json::Value;

const PW: &str = "correct horse battery";

/// A signed-in, verified person with their own cookie jar.
struct Person {
    id: i64,
    name: String,
    client: reqwest::Client,
}

async fn person(app: &TestApp, name: &str) -> Person {
    let client = app.new_client();
    let email = format!("{}@example.com", name.to_lowercase());
    let res = app
        .call(
            &client,
            "sign_up",
            &[("email", &email), ("display_name", name), ("password", PW), ("time_zone", "Europe/Paris")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    deliver_all(&app.state).await;
    let link = last_link_to(&app.state, &email).await;
    let res = app.call(&client, "continue_link", &[("token", link.rsplit('/').next().unwrap())]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = db::users::by_email(&app.state.db.pool, &email).await.unwrap().unwrap().id;
    Person { id, name: name.to_string(), client }
}

async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn create_exchange(app: &TestApp, p: &Person, name: &str) -> i64 {
    let res = app
        .call(&p.client, "create_exchange", &[("name", name), ("spending_note", "10 euros"), ("description", "")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let loc = res.headers().get("location").unwrap().to_str().unwrap().to_string();
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

async fn invite(app: &TestApp, p: &Person, id: i64, addresses: &str) -> (StatusCode, Value) {
    json(app.call(&p.client, "invite_to_exchange", &[("id", &id.to_string()), ("addresses", addresses)]).await).await
}

fn in_an_hour_local() -> String {
    let t = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris) + chrono::Duration::hours(1);
    t.format("%Y-%m-%dT%H:%M").to_string()
}

async fn draw(app: &TestApp, p: &Person, id: i64, when: &str) -> (StatusCode, Value) {
    json(app.call(&p.client, "draw_names", &[("id", &id.to_string()), ("reveal_at", when)]).await).await
}

/// Three members (Ann creates; Bob and Cy are invited), drawn.
async fn drawn_exchange(app: &TestApp) -> (i64, Vec<Person>) {
    let ann = person(app, "Ann").await;
    let bob = person(app, "Bob").await;
    let cy = person(app, "Cy").await;
    let id = create_exchange(app, &ann, "Office party").await;
    let (s, report) = invite(app, &ann, id, "bob@example.com, cy@example.com").await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["added"].as_array().unwrap().len(), 2);
    let (s, body) = draw(app, &ann, id, &in_an_hour_local()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    (id, vec![ann, bob, cy])
}

/// Who gives to whom (read straight from the database: tests only).
async fn drawn_pairs(app: &TestApp, id: i64) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT giver_id, receiver_id FROM exchange_assignments WHERE exchange_id = $1")
        .bind(id)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

/// Makes the reveal due now (the test's stand-in for waiting; not reachable in production).
async fn make_reveal_due(app: &TestApp, id: i64) {
    let now = db::now() - 1;
    sqlx::query("UPDATE exchanges SET reveal_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE timed_jobs SET run_at = $1 WHERE job_key = $2")
        .bind(now)
        .bind(format!("reveal:{id}"))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_invited_newcomer_is_in_the_exchange_once_they_verify() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let id = create_exchange(&app, &ann, "Family").await;
    let (s, report) = invite(&app, &ann, id, "dan@example.com\nDAN@example.com, nope").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(report["invited"], serde_json::json!(["dan@example.com"]));
    assert_eq!(report["duplicates"], serde_json::json!(["dan@example.com"]));
    assert_eq!(report["invalid"], serde_json::json!(["nope"]));
    // Inviting again changes nothing.
    let (_, again) = invite(&app, &ann, id, "dan@example.com").await;
    assert_eq!(again["already"], serde_json::json!(["dan@example.com"]));

    deliver_all(&app.state).await;
    let link = last_link_to(&app.state, "dan@example.com").await;
    assert_eq!(link, format!("/signup?email=dan%40example.com&next=/santa/{id}"));
    // Dan signs up from that link (next = the exchange) and verifies.
    let dan = app.new_client();
    let res = app
        .call(
            &dan,
            "sign_up",
            &[
                ("email", "dan@example.com"),
                ("display_name", "Dan"),
                ("password", PW),
                ("time_zone", "UTC"),
                ("next", &format!("/santa/{id}")),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (s, _) = json(app.call(&dan, "get_exchange", &[("id", &id.to_string())]).await).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    deliver_all(&app.state).await;
    let link = last_link_to(&app.state, "dan@example.com").await;
    let res = app.call(&dan, "continue_link", &[("token", link.rsplit('/').next().unwrap())]).await;
    assert_eq!(res.headers().get("location").unwrap(), &format!("/santa/{id}"));
    let (s, view) = json(app.call(&dan, "get_exchange", &[("id", &id.to_string())]).await).await;
    assert_eq!(s, StatusCode::OK, "{view}");
    let names: Vec<&str> = view["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ann", "Dan"]);
    app.shutdown().await;
}

#[tokio::test]
async fn before_the_reveal_nobody_learns_a_pair_but_their_own() {
    let app = spawn_app().await;
    let (id, people) = drawn_exchange(&app).await;
    let stranger = person(&app, "Zed").await;
    let pairs = drawn_pairs(&app, id).await;
    assert_eq!(pairs.len(), 3);
    let name = |uid: i64| people.iter().find(|p| p.id == uid).unwrap().name.clone();
    let sid = id.to_string();
    for p in people.iter().chain(std::iter::once(&stranger)) {
        let own = pairs.iter().find(|(g, _)| *g == p.id).map(|(_, r)| name(*r));
        let mut bodies = Vec::new();
        for (endpoint, args) in [
            ("get_exchange", vec![("id", sid.as_str())]),
            ("get_gift", vec![("id", sid.as_str())]),
            ("get_present", vec![("id", sid.as_str())]),
            ("get_wall", vec![("token", "not-a-real-token-xxxxx")]),
            ("my_exchanges", vec![]),
            ("boo_grinch", vec![("id", sid.as_str()), ("grinch_id", "1")]),
            ("draw_names", vec![("id", sid.as_str()), ("reveal_at", "2030-01-01T10:00")]),
            ("invite_to_exchange", vec![("id", sid.as_str()), ("addresses", "new@example.com")]),
            ("remove_member", vec![("id", sid.as_str()), ("member_id", "1")]),
            ("add_exclusion", vec![("id", sid.as_str()), ("giver_id", "1"), ("receiver_id", "2")]),
            ("add_household", vec![("id", sid.as_str()), ("member_ids[0]", "1"), ("member_ids[1]", "2")]),
            ("give_gift", vec![("id", sid.as_str()), ("emoji", "🎁"), ("message", "hi")]),
            ("set_wish_hint", vec![("id", sid.as_str()), ("hint", "tea")]),
            ("note_to_recipient", vec![("id", sid.as_str()), ("body", "psst")]),
            ("note_to_santa", vec![("id", sid.as_str()), ("body", "thanks")]),
            ("get_santa_chat", vec![("id", sid.as_str())]),
            ("start_again", vec![("id", sid.as_str())]),
        ] {
            let (status, body) = json(app.call(&p.client, endpoint, &args).await).await;
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{endpoint}: {body}");
            bodies.push((endpoint, body));
        }
        for (endpoint, body) in &bodies {
            // A recipient's name only ever appears as the caller's own recipient.
            if let Some(r) = body.get("my_recipient").or_else(|| body.get("recipient_name")) {
                assert_eq!(r.as_str().map(str::to_string), own.clone(), "{} via {endpoint}", p.name);
            }
            let text = body.to_string();
            assert!(!text.contains("giver_name"), "{} via {endpoint}: {text}", p.name);
            assert!(!text.contains("giver_id") && !text.contains("receiver_id"), "{endpoint}: {text}");
        }
        if p.id == stranger.id {
            for (endpoint, body) in &bodies[..3] {
                assert_eq!(
                    body.to_string(),
                    serde_json::to_string(&serde_json::json!("NotFound")).unwrap(),
                    "{endpoint}"
                );
            }
        }
    }
    // The creator sees no pairs either: their view holds only their own recipient.
    let (_, v) = json(app.call(&people[0].client, "get_exchange", &[("id", &sid)]).await).await;
    assert_eq!(
        v["my_recipient"].as_str().map(str::to_string),
        pairs.iter().find(|(g, _)| *g == people[0].id).map(|(_, r)| name(*r))
    );
    // Mail says "you have gifting to do" without naming anyone's recipient.
    deliver_all(&app.state).await;
    for m in db::outbox::dev_mailbox_list(&app.state.db.pool, 100).await.unwrap() {
        if m.subject == "You have gifting to do" {
            for p in &people {
                assert!(!m.text_body.contains(&format!("giving to {}", p.name)), "{}", m.text_body);
            }
        }
    }
    app.shutdown().await;
}

#[tokio::test]
async fn bad_santa_input_gets_a_clear_answer_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let bob = person(&app, "Bob").await;
    let id = create_exchange(&app, &ann, "Tiny").await;
    let sid = id.to_string();
    let (s, body) = json(
        app.call(
            &ann.client,
            "create_exchange",
            &[("name", "<script>x</script>"), ("spending_note", ""), ("description", "")],
        )
        .await,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    invite(&app, &ann, id, "bob@example.com").await;
    // Fewer than three members.
    let (s, body) = draw(&app, &ann, id, &in_an_hour_local()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.to_string().contains("at least 3"), "{body}");
    // Starting again needs the presents of this one to be open.
    assert_eq!(app.call(&ann.client, "start_again", &[("id", &sid)]).await.status(), StatusCode::CONFLICT);
    let cy = person(&app, "Cy").await;
    invite(&app, &ann, id, "cy@example.com").await;
    // Only the creator draws; reveal times must be future and within a year.
    assert_eq!(draw(&app, &bob, id, &in_an_hour_local()).await.0, StatusCode::FORBIDDEN);
    let (s, body) = draw(&app, &ann, id, "2001-01-01T10:00").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("future"), "{body}");
    assert_eq!(draw(&app, &ann, id, "2099-01-01T10:00").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(draw(&app, &ann, id, "tomorrow").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // Impossible exclusions name the member and change nothing.
    for (g, r) in [(bob.id, ann.id), (bob.id, cy.id)] {
        let res = app
            .call(
                &ann.client,
                "add_exclusion",
                &[("id", &sid), ("giver_id", &g.to_string()), ("receiver_id", &r.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (s, body) = draw(&app, &ann, id, &in_an_hour_local()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.to_string().contains("Bob"), "{body}");
    let state: String = sqlx::query_scalar("SELECT state FROM exchanges WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "gathering");
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM exchange_assignments").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 0);
    app.shutdown().await;
}

#[tokio::test]
async fn two_concurrent_draws_make_one_draw() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    for n in ["Bob", "Cy", "Dee"] {
        person(&app, n).await;
    }
    let id = create_exchange(&app, &ann, "Race").await;
    invite(&app, &ann, id, "bob@example.com cy@example.com dee@example.com").await;
    let when = in_an_hour_local();
    let (a, b) = tokio::join!(draw(&app, &ann, id, &when), draw(&app, &ann, id, &when));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_assignments WHERE exchange_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 4);
    // After the draw nobody can be removed.
    let bob = db::users::by_email(&app.state.db.pool, "bob@example.com").await.unwrap().unwrap();
    let res =
        app.call(&ann.client, "remove_member", &[("id", &id.to_string()), ("member_id", &bob.id.to_string())]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    app.shutdown().await;
}

#[tokio::test]
async fn gifts_are_one_emoji_and_a_short_plain_message() {
    let app = spawn_app().await;
    let (id, people) = drawn_exchange(&app).await;
    let sid = id.to_string();
    let giver = &people[1];
    for (emoji, message, field) in [
        ("socks", "Enjoy!", "NotOneEmoji|exactly one emoji"),
        ("🎁🎄", "Enjoy!", "exactly one emoji"),
        ("🎁", "<b>hi</b>", "HTML"),
        ("🎁", &"x".repeat(281), "280"),
        ("🎁", "   ", "fill in"),
    ] {
        let (s, body) =
            json(app.call(&giver.client, "give_gift", &[("id", &sid), ("emoji", emoji), ("message", message)]).await)
                .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{emoji} {message}: {body}");
        assert!(field.split('|').any(|f| body.to_string().contains(f)), "{body}");
    }
    let (s, _) =
        json(app.call(&giver.client, "give_gift", &[("id", &sid), ("emoji", "🧦"), ("message", "Warm feet!")]).await)
            .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = json(
        app.call(&giver.client, "give_gift", &[("id", &sid), ("emoji", "🧸"), ("message", "Changed my mind")]).await,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, g) = json(app.call(&giver.client, "get_gift", &[("id", &sid)]).await).await;
    assert_eq!((g["emoji"].as_str(), g["message"].as_str()), (Some("🧸"), Some("Changed my mind")));
    app.shutdown().await;
}

#[tokio::test]
async fn the_reveal_runs_once_with_two_workers_racing_and_brings_gifts_coal_and_shame() {
    for t in all_dbs().await {
        let app = spawn_app_with(t, |_| {}).await;
        let (id, people) = drawn_exchange(&app).await;
        let sid = id.to_string();
        // Two of three give.
        for p in &people[..2] {
            let (s, _) = json(
                app.call(
                    &p.client,
                    "give_gift",
                    &[("id", &sid), ("emoji", "🎁"), ("message", &format!("From {}", p.name))],
                )
                .await,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
        }
        make_reveal_due(&app, id).await;
        let (a, b) = tokio::join!(hearth::jobs::timed::run_due(&app.state), hearth::jobs::timed::run_due(&app.state));
        assert_eq!(a.unwrap() + b.unwrap(), 1, "the reveal job ran once");
        hearth::server::santa::reveal(&app.state, id).await.unwrap(); // a late duplicate does nothing
        let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE $1")
            .bind(format!("%|present:{id}"))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(mails, 3, "one 'time to open your present' per member");

        let grinch = &people[2];
        let pairs = drawn_pairs(&app, id).await;
        for p in &people {
            let (s, present) = json(app.call(&p.client, "get_present", &[("id", &sid)]).await).await;
            assert_eq!(s, StatusCode::OK);
            let giver = pairs.iter().find(|(_, r)| *r == p.id).unwrap().0;
            if giver == grinch.id {
                assert_eq!(present["present"]["Coal"]["giver_name"], "Cy", "{present}");
            } else {
                let giver_name = &people.iter().find(|x| x.id == giver).unwrap().name;
                assert_eq!(present["present"]["Gift"]["giver_name"].as_str(), Some(giver_name.as_str()), "{present}");
                assert_eq!(present["present"]["Gift"]["message"].as_str().unwrap(), format!("From {giver_name}"));
            }
        }
        // Gifts are closed after the reveal.
        let (s, _) =
            json(app.call(&people[0].client, "give_gift", &[("id", &sid), ("emoji", "🎁"), ("message", "late")]).await)
                .await;
        assert_eq!(s, StatusCode::CONFLICT);

        // The wall names only the grinch, signed out too; members boo once each. Its address
        // is unguessable: the exchange id alone finds nothing.
        let anonymous = app.new_client();
        let (_, view) = json(app.call(&people[0].client, "get_exchange", &[("id", &sid)]).await).await;
        let wall_path = view["wall_path"].as_str().unwrap().to_string();
        let token = wall_path.rsplit('/').next().unwrap().to_string();
        assert_eq!(json(app.call(&anonymous, "get_wall", &[("token", &sid)]).await).await.0, StatusCode::NOT_FOUND);
        let (s, wall) = json(app.call(&anonymous, "get_wall", &[("token", &token)]).await).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(wall["grinches"].as_array().unwrap().len(), 1);
        assert_eq!(wall["grinches"][0]["name"], "Cy");
        assert_eq!(wall["can_boo"], false);
        let page = anonymous.get(format!("{}{wall_path}", app.address)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Cy") && page.contains("og:title"), "the public page lists the grinch with a preview");
        let g = grinch.id.to_string();
        let (s, _) = json(app.call(&people[0].client, "boo_grinch", &[("id", &sid), ("grinch_id", &g)]).await).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = json(app.call(&people[0].client, "boo_grinch", &[("id", &sid), ("grinch_id", &g)]).await).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let not_grinch = people[0].id.to_string();
        let (s, _) =
            json(app.call(&people[1].client, "boo_grinch", &[("id", &sid), ("grinch_id", &not_grinch)]).await).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = json(app.call(&anonymous, "boo_grinch", &[("id", &sid), ("grinch_id", &g)]).await).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (_, wall) = json(app.call(&anonymous, "get_wall", &[("token", &token)]).await).await;
        assert_eq!(wall["grinches"][0]["boos"], 1);

        // Next year: same people, and nobody may draw whom they drew this time.
        assert_eq!(app.call(&people[1].client, "start_again", &[("id", &sid)]).await.status(), StatusCode::FORBIDDEN);
        let res = app.call(&people[0].client, "start_again", &[("id", &sid)]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let new_id: i64 = res.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
        let (_, v) = json(app.call(&people[2].client, "get_exchange", &[("id", &new_id.to_string())]).await).await;
        assert_eq!(v["members"].as_array().unwrap().len(), 3, "{v}");
        assert_eq!(v["state"], "Gathering");
        let excluded: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT giver_id, receiver_id FROM exchange_exclusions WHERE exchange_id = $1 ORDER BY giver_id",
        )
        .bind(new_id)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
        let mut last_year = pairs.clone();
        last_year.sort();
        assert_eq!(excluded, last_year);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn a_reveal_missed_while_the_server_was_down_happens_at_the_next_start() {
    let app = spawn_app_with(sqlite_db(), |_| {}).await;
    let (id, _people) = drawn_exchange(&app).await;
    make_reveal_due(&app, id).await;
    // This server's worker is off: the reveal time passes while nothing runs it.
    let kept = app.shutdown_keep_db().await;
    let app = spawn_app_with(kept, |s| s.worker.enabled = true).await;
    let pool = app.state.db.pool.clone();
    eventually("the missed reveal", 20, || {
        let pool = pool.clone();
        async move {
            let s: String = sqlx::query_scalar("SELECT state FROM exchanges WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            s == "revealed"
        }
    })
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn an_open_exchange_page_hears_when_someone_joins() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let bob = person(&app, "Bob").await;
    let id = create_exchange(&app, &ann, "Live").await;
    let url = format!("{}/api/live/exchange/{id}", app.address);
    // Outsiders hear nothing.
    assert_eq!(bob.client.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(app.new_client().get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let mut stream = ann.client.get(&url).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers().get("content-type").unwrap(), "text/event-stream");
    invite(&app, &ann, id, "bob@example.com").await;
    let got = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut text = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: changed") {
                return text;
            }
        }
        text
    })
    .await
    .expect("an event within 10 s");
    assert!(got.contains("event: changed"), "{got}");
    // Shutting down ends open streams instead of waiting for them.
    tokio::time::timeout(std::time::Duration::from_secs(10), app.shutdown())
        .await
        .expect("shutdown with a stream open");
}

#[tokio::test]
async fn wish_hints_and_notes_reach_the_other_side_without_naming_the_giver() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let bob = person(&app, "Bob").await;
    let cy = person(&app, "Cy").await;
    let id = create_exchange(&app, &ann, "Notes").await;
    let sid = id.to_string();
    invite(&app, &ann, id, "bob@example.com, cy@example.com").await;
    for p in [&ann, &bob, &cy] {
        let (s, _) = json(
            app.call(&p.client, "set_wish_hint", &[("id", &sid), ("hint", &format!("{} likes tea", p.name))]).await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, _) = json(app.call(&ann.client, "set_wish_hint", &[("id", &sid), ("hint", "<img src=x>")]).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // No notes before the draw.
    let (s, _) = json(app.call(&ann.client, "note_to_santa", &[("id", &sid), ("body", "hello?")]).await).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(draw(&app, &ann, id, &in_an_hour_local()).await.0, StatusCode::OK);

    let people = [&ann, &bob, &cy];
    for giver in people {
        let (_, gift) = json(app.call(&giver.client, "get_gift", &[("id", &sid)]).await).await;
        let recipient = people.iter().find(|p| p.name == gift["recipient_name"].as_str().unwrap()).unwrap();
        assert_eq!(gift["recipient_wish_hint"], format!("{} likes tea", recipient.name));
        let note = format!("Hello {}, guess who!", recipient.name);
        let (s, _) = json(app.call(&giver.client, "note_to_recipient", &[("id", &sid), ("body", &note)]).await).await;
        assert_eq!(s, StatusCode::OK);
        // The recipient sees it, and nothing in their answer names or numbers the giver.
        let (_, chat) = json(app.call(&recipient.client, "get_santa_chat", &[("id", &sid)]).await).await;
        assert_eq!(chat["notes"][0]["body"], note.as_str());
        assert_eq!(chat["notes"][0]["mine"], false);
        let text = chat.to_string();
        assert!(!text.contains(&giver.name) && !text.contains("giver"), "{text}");
        let reply = format!("Thanks, from {}", recipient.name);
        let (s, _) = json(app.call(&recipient.client, "note_to_santa", &[("id", &sid), ("body", &reply)]).await).await;
        assert_eq!(s, StatusCode::OK);
        let (_, gift) = json(app.call(&giver.client, "get_gift", &[("id", &sid)]).await).await;
        let bodies: Vec<&str> = gift["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, [note.as_str(), reply.as_str()]);
    }
    // After the reveal the conversation is closed.
    make_reveal_due(&app, id).await;
    hearth::jobs::timed::run_due(&app.state).await.unwrap();
    let (s, _) = json(app.call(&bob.client, "note_to_santa", &[("id", &sid), ("body", "late")]).await).await;
    assert_eq!(s, StatusCode::CONFLICT);
    app.shutdown().await;
}

#[tokio::test]
async fn nobody_draws_inside_their_household() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let mut others = Vec::new();
    for n in ["Bob", "Cy", "Dee", "Eve", "Fay"] {
        others.push(person(&app, n).await);
    }
    let id = create_exchange(&app, &ann, "Houses").await;
    let sid = id.to_string();
    invite(&app, &ann, id, "bob@example.com cy@example.com dee@example.com eve@example.com fay@example.com").await;
    // Ann, Bob and Cy live together (checkbox fields as the form sends them).
    let (a, b, c) = (ann.id.to_string(), others[0].id.to_string(), others[1].id.to_string());
    let form = [
        ("id", sid.as_str()),
        ("member_ids[0]", a.as_str()),
        ("member_ids[1]", b.as_str()),
        ("member_ids[3]", c.as_str()),
    ];
    let (s, body) = json(app.call(&ann.client, "add_household", &form).await).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, _) =
        json(app.call(&ann.client, "add_household", &[("id", sid.as_str()), ("member_ids[0]", a.as_str())]).await)
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "one person is not a household");
    let (s, _) = json(app.call(&ann.client, "add_household", &[("id", sid.as_str())]).await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_exclusions WHERE exchange_id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 6);
    assert_eq!(draw(&app, &ann, id, &in_an_hour_local()).await.0, StatusCode::OK);
    let house = [ann.id, others[0].id, others[1].id];
    let pairs = drawn_pairs(&app, id).await;
    assert_eq!(pairs.len(), 6);
    for (g, r) in pairs {
        assert!(!(house.contains(&g) && house.contains(&r)), "{g} drew {r} inside the household");
    }
    app.shutdown().await;
}

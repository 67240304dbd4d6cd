//! Secret Santa over real HTTP: invites, the draw, secrecy, gifts, the reveal, coal, shame.
use crate::helpers::*;
use hearth::core::db;
use reqwest::StatusCode;
use serde_json::Value;

pub(crate) async fn create_exchange(app: &TestApp, p: &Person, name: &str) -> i64 {
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

async fn join(app: &TestApp, p: &Person, id: i64) -> (StatusCode, Value) {
    json(app.call(&p.client, "join_exchange", &[("id", &id.to_string())]).await).await
}

/// The creator invites these people and each of them says yes.
async fn invite_and_join(app: &TestApp, creator: &Person, id: i64, people: &[&Person]) {
    let addresses: Vec<String> = people.iter().map(|p| email_of(&p.name)).collect();
    let (s, report) = invite(app, creator, id, &addresses.join(", ")).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    for p in people {
        let (s, body) = join(app, p, id).await;
        assert_eq!(s, StatusCode::OK, "{} joins: {body}", p.name);
    }
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
    assert_eq!(report["invited"].as_array().unwrap().len(), 2);
    for p in [&bob, &cy] {
        assert_eq!(join(app, p, id).await.0, StatusCode::OK);
    }
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
    on_every_db!(app, {
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
        let names: Vec<&str> =
            view["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Ann", "Dan"]);
        app.shutdown().await;
    });
}

/// Drops what every member may see about everyone (the member list, the creator's name),
/// so that any other name left in an answer is a leak.
fn without_public_names(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("members");
        o.remove("creator_name");
        o.remove("exclusions");
        o.remove("invites");
    }
    v
}

#[tokio::test]
async fn before_the_reveal_nobody_learns_a_pair_but_their_own() {
    on_every_db!(app, {
        // Distinctive names, so that finding one in a text is never a coincidence.
        let ann = person(&app, "Annabelle").await;
        let bob = person(&app, "Bartholomew").await;
        let cy = person(&app, "Cypriana").await;
        let id = create_exchange(&app, &ann, "Office party").await;
        invite_and_join(&app, &ann, id, &[&bob, &cy]).await;
        assert_eq!(draw(&app, &ann, id, &in_an_hour_local()).await.0, StatusCode::OK);
        let people = [ann, bob, cy];
        let stranger = person(&app, "Zebedee").await;
        let pairs = drawn_pairs(&app, id).await;
        assert_eq!(pairs.len(), 3);
        let (_, view) = json(app.call(&people[0].client, "get_exchange", &[("id", &id.to_string())]).await).await;
        let wall_token = view["wall_path"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let name = |uid: i64| people.iter().find(|p| p.id == uid).unwrap().name.clone();
        let sid = id.to_string();
        for p in people.iter().chain(std::iter::once(&stranger)) {
            let own = pairs.iter().find(|(g, _)| *g == p.id).map(|(_, r)| name(*r));
            // Each endpoint's expected status for the creator, another member, a stranger.
            let role = if p.id == people[0].id {
                0
            } else if p.id == stranger.id {
                2
            } else {
                1
            };
            let mut bodies = Vec::new();
            for (endpoint, args, expected) in [
                ("get_exchange", vec![("id", sid.as_str())], [200, 200, 404]),
                ("get_gift", vec![("id", sid.as_str())], [200, 200, 404]),
                ("get_present", vec![("id", sid.as_str())], [200, 200, 404]),
                ("get_wall", vec![("token", wall_token.as_str())], [200, 200, 200]),
                ("my_exchanges", vec![], [200, 200, 200]),
                ("my_invitations", vec![], [200, 200, 200]),
                ("get_invitation", vec![("id", sid.as_str())], [404, 404, 404]),
                ("boo_grinch", vec![("id", sid.as_str()), ("grinch_id", "1")], [409, 409, 404]),
                ("draw_names", vec![("id", sid.as_str()), ("reveal_at", "2030-01-01T10:00")], [409, 403, 404]),
                ("invite_to_exchange", vec![("id", sid.as_str()), ("addresses", "new@example.com")], [409, 403, 404]),
                ("remind_invitee", vec![("id", sid.as_str()), ("email", "new@example.com")], [409, 403, 404]),
                ("join_exchange", vec![("id", sid.as_str())], [404, 404, 404]),
                ("decline_invitation", vec![("id", sid.as_str())], [404, 404, 404]),
                ("remove_member", vec![("id", sid.as_str()), ("member_id", "1")], [409, 403, 404]),
                ("add_exclusion", vec![("id", sid.as_str()), ("giver_id", "1"), ("receiver_id", "2")], [409, 403, 404]),
                (
                    "add_household",
                    vec![("id", sid.as_str()), ("member_ids[0]", "1"), ("member_ids[1]", "2")],
                    [409, 403, 404],
                ),
                ("give_gift", vec![("id", sid.as_str()), ("emoji", "🎁"), ("message", "hi")], [200, 200, 404]),
                ("set_wish_hint", vec![("id", sid.as_str()), ("hint", "tea")], [200, 200, 404]),
                ("note_to_recipient", vec![("id", sid.as_str()), ("body", "psst")], [200, 200, 404]),
                ("note_to_santa", vec![("id", sid.as_str()), ("body", "thanks")], [200, 200, 404]),
                ("get_santa_chat", vec![("id", sid.as_str())], [200, 200, 404]),
                ("start_again", vec![("id", sid.as_str())], [409, 403, 404]),
            ] {
                let (status, body) = json(app.call(&p.client, endpoint, &args).await).await;
                assert_eq!(status.as_u16(), expected[role], "{} calls {endpoint}: {body}", p.name);
                bodies.push((endpoint, status, body));
            }
            for (endpoint, _, body) in &bodies {
                // Leaving aside the member list everyone sees, the only member name an
                // answer may carry is the caller's own recipient.
                let text = without_public_names(body.clone()).to_string();
                for other in &people {
                    if Some(&other.name) != own.as_ref() {
                        assert!(
                            !text.contains(&other.name),
                            "{} learns about {} via {endpoint}: {text}",
                            p.name,
                            other.name
                        );
                    }
                }
                assert!(!text.contains("giver_id") && !text.contains("receiver_id"), "{endpoint}: {text}");
            }
            if p.id != stranger.id {
                let (_, _, view) = bodies.iter().find(|(e, ..)| *e == "get_exchange").unwrap().clone();
                assert_eq!(view["my_recipient"].as_str().map(str::to_string), own, "{}", p.name);
            }
        }
        // Mail: nobody's mail names anyone's recipient (greetings name the addressee only).
        deliver_all(&app.state).await;
        for m in db::outbox::dev_mailbox_list(&app.state.db.pool, 1000).await.unwrap() {
            let Some(to) = people.iter().find(|p| email_of(&p.name) == m.recipient) else { continue };
            for other in &people {
                if other.id != to.id {
                    assert!(
                        !m.text_body.contains(&other.name) && !m.html_body.contains(&other.name),
                        "{}: {}",
                        m.subject,
                        m.text_body
                    );
                }
            }
        }
        app.shutdown().await;
    });
}

#[tokio::test]
async fn bad_santa_input_gets_a_clear_answer_and_changes_nothing() {
    on_every_db!(app, {
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
        invite_and_join(&app, &ann, id, &[&bob]).await;
        // Fewer than three members.
        let (s, body) = draw(&app, &ann, id, &in_an_hour_local()).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(body.to_string().contains("at least 3"), "{body}");
        // Starting again needs the presents of this one to be open.
        assert_eq!(app.call(&ann.client, "start_again", &[("id", &sid)]).await.status(), StatusCode::CONFLICT);
        let cy = person(&app, "Cy").await;
        invite_and_join(&app, &ann, id, &[&cy]).await;
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
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_assignments")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn two_concurrent_draws_make_one_draw() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let mut others = Vec::new();
        for n in ["Bob", "Cy", "Dee"] {
            others.push(person(&app, n).await);
        }
        let id = create_exchange(&app, &ann, "Race").await;
        invite_and_join(&app, &ann, id, &others.iter().collect::<Vec<_>>()).await;
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
        let res = app
            .call(&ann.client, "remove_member", &[("id", &id.to_string()), ("member_id", &bob.id.to_string())])
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn gifts_are_one_emoji_and_a_short_plain_message() {
    on_every_db!(app, {
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
            let (s, body) = json(
                app.call(&giver.client, "give_gift", &[("id", &sid), ("emoji", emoji), ("message", message)]).await,
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{emoji} {message}: {body}");
            assert!(field.split('|').any(|f| body.to_string().contains(f)), "{body}");
        }
        let (s, _) = json(
            app.call(&giver.client, "give_gift", &[("id", &sid), ("emoji", "🧦"), ("message", "Warm feet!")]).await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = json(
            app.call(&giver.client, "give_gift", &[("id", &sid), ("emoji", "🧸"), ("message", "Changed my mind")])
                .await,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, g) = json(app.call(&giver.client, "get_gift", &[("id", &sid)]).await).await;
        assert_eq!((g["emoji"].as_str(), g["message"].as_str()), (Some("🧸"), Some("Changed my mind")));
        let (_, page) = json(app.call(&giver.client, "get_exchange", &[("id", &sid)]).await).await;
        assert_eq!(page["my_gift_chosen"], true);
        app.shutdown().await;
    });
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
        let (a, b) = tokio::join!(
            hearth::core::jobs::timed::run_due(&app.state),
            hearth::core::jobs::timed::run_due(&app.state)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "the reveal job ran once");
        hearth::santa::service::reveal(&app.state, id).await.unwrap(); // a late duplicate does nothing
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
        // The others are invited again (they say yes again), not put in.
        let (s, _) = json(app.call(&people[2].client, "get_exchange", &[("id", &new_id.to_string())]).await).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        for p in &people[1..] {
            assert_eq!(join(&app, p, new_id).await.0, StatusCode::OK);
        }
        let (_, v) = json(app.call(&people[2].client, "get_exchange", &[("id", &new_id.to_string())]).await).await;
        assert_eq!(v["members"].as_array().unwrap().len(), 3, "{v}");
        assert_eq!(v["state"], "Gathering");
        // Last time's pairs are excluded, hidden: the creator's page lists none of them.
        let (_, creator_view) =
            json(app.call(&people[0].client, "get_exchange", &[("id", &new_id.to_string())]).await).await;
        assert_eq!(creator_view["exclusions"], serde_json::json!([]), "{creator_view}");
        let excluded: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT giver_id, receiver_id, hidden FROM exchange_exclusions WHERE exchange_id = $1 ORDER BY giver_id",
        )
        .bind(new_id)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
        let mut last_year: Vec<(i64, i64, i64)> = pairs.iter().map(|(g, r)| (*g, *r, 1)).collect();
        last_year.sort();
        assert_eq!(excluded, last_year);
        // And the next draw honours them.
        assert_eq!(draw(&app, &people[0], new_id, &in_an_hour_local()).await.0, StatusCode::OK);
        for pair in drawn_pairs(&app, new_id).await {
            assert!(!pairs.contains(&pair), "{pair:?} drawn two years running");
        }
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
async fn an_open_exchange_page_hears_when_someone_joins_and_a_removed_member_stops_hearing() {
    on_every_db!(app, {
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
        invite_and_join(&app, &ann, id, &[&bob]).await;
        assert!(read_until(&mut stream, "event: changed").await, "Ann's page hears Bob join");

        // Bob listens too; once removed, his stream ends (it does not keep hearing changes).
        let mut bobs = bob.client.get(&url).send().await.unwrap();
        assert_eq!(bobs.status(), StatusCode::OK);
        let res = app
            .call(&ann.client, "remove_member", &[("id", &id.to_string()), ("member_id", &bob.id.to_string())])
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(!read_until(&mut bobs, "event: changed").await, "a removed member's stream ends without an event");
        // Removed is not banned: the creator can invite them again.
        let (_, report) = invite(&app, &ann, id, "bob@example.com").await;
        assert_eq!(report["invited"], serde_json::json!(["bob@example.com"]), "{report}");
        // Shutting down ends open streams instead of waiting for them.
        tokio::time::timeout(std::time::Duration::from_secs(10), app.shutdown())
            .await
            .expect("shutdown with a stream open");
    });
}

#[tokio::test]
async fn a_registered_invitee_joins_only_by_saying_yes_and_may_decline() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let cy = person(&app, "Cy").await;
        let id = create_exchange(&app, &ann, "Consent").await;
        let sid = id.to_string();
        let (_, report) = invite(&app, &ann, id, "bob@example.com, cy@example.com, nobody@example.com").await;
        // The report tells nothing about who has an account.
        assert_eq!(report["invited"], serde_json::json!(["bob@example.com", "cy@example.com", "nobody@example.com"]));
        // Invited is not in: not a member, not drawn, cannot be shamed.
        assert_eq!(json(app.call(&bob.client, "get_exchange", &[("id", &sid)]).await).await.0, StatusCode::NOT_FOUND);
        let (s, inv) = json(app.call(&bob.client, "get_invitation", &[("id", &sid)]).await).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((inv["name"].as_str(), inv["creator_name"].as_str()), (Some("Consent"), Some("Ann")));
        let (_, mine) = json(app.call(&bob.client, "my_invitations", &[]).await).await;
        assert_eq!(mine[0]["id"], id);
        // The invitation mail leads to the exchange page, which offers "Join".
        deliver_all(&app.state).await;
        let link = last_link_to(&app.state, "bob@example.com").await;
        assert!(link.starts_with("/l/"), "{link}");
        let page = app.get(&bob.client, &format!("/santa/{id}")).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains(">Join</button>") && html.contains("Once you're in, you're in"), "{html}");
        // Bob declines; Cy joins.
        assert_eq!(json(app.call(&bob.client, "decline_invitation", &[("id", &sid)]).await).await.0, StatusCode::OK);
        assert_eq!(join(&app, &bob, id).await.0, StatusCode::NOT_FOUND, "a declined invitation cannot be joined");
        assert_eq!(join(&app, &cy, id).await.0, StatusCode::OK);
        assert_eq!(join(&app, &cy, id).await.0, StatusCode::NOT_FOUND, "joining twice changes nothing");
        let (_, view) = json(app.call(&ann.client, "get_exchange", &[("id", &sid)]).await).await;
        let names: Vec<&str> =
            view["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Ann", "Cy"]);
        let invites = view["invites"].as_array().unwrap();
        assert_eq!(invites.len(), 2, "{view}");
        assert_eq!(invites[0]["email"], "bob@example.com");
        assert_eq!(invites[0]["declined"], true);
        assert_eq!(invites[1]["can_remind"], false, "the invitation went out today");
        // A day later the creator may remind the one still pending, once.
        sqlx::query("UPDATE exchange_invites SET created_at = created_at - 90000")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let remind = |email: &'static str| {
            let (app, ann, sid) = (&app, &ann, sid.clone());
            async move { app.call(&ann.client, "remind_invitee", &[("id", sid.as_str()), ("email", email)]).await.status() }
        };
        assert_eq!(remind("nobody@example.com").await, StatusCode::OK);
        assert_eq!(remind("nobody@example.com").await, StatusCode::CONFLICT, "once a day");
        assert_eq!(remind("bob@example.com").await, StatusCode::CONFLICT, "not after declining");
        let reminders = mails_to(&app.state, "nobody@example.com").await;
        assert!(reminders[0].subject.starts_with("Reminder: "), "{}", reminders[0].subject);
        // Only members are drawn: Bob (declined) is not in any pair.
        let dee = person(&app, "Dee").await;
        invite_and_join(&app, &ann, id, &[&dee]).await;
        assert_eq!(draw(&app, &ann, id, &in_an_hour_local()).await.0, StatusCode::OK);
        let pairs = drawn_pairs(&app, id).await;
        assert_eq!(pairs.len(), 3);
        assert!(pairs.iter().all(|(g, r)| *g != bob.id && *r != bob.id));
        // After the draw an invitation can no longer be taken up.
        let (_, r) = invite(&app, &ann, id, "late@example.com").await;
        assert!(r.to_string().contains("already been drawn"), "{r}");
        app.shutdown().await;
    });
}

#[tokio::test]
async fn an_unverified_account_is_never_matched_by_an_invitation() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let id = create_exchange(&app, &ann, "Squat").await;
        // Someone registers the victim's address and never verifies it.
        let squatter = app.new_client();
        let res = app
            .call(
                &squatter,
                "sign_up",
                &[
                    ("email", "victim@example.com"),
                    ("display_name", "Squatter"),
                    ("password", PW),
                    ("time_zone", "UTC"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let (_, report) = invite(&app, &ann, id, "victim@example.com").await;
        assert_eq!(report["invited"], serde_json::json!(["victim@example.com"]));
        // The mail to the address is the newcomer's (sign up), not a signed link into the account.
        let m = mails_to(&app.state, "victim@example.com").await;
        assert!(m[0].text_body.contains("/signup?email=victim%40example.com"), "{}", m[0].text_body);
        let squatter_id = db::users::by_email(&app.state.db.pool, "victim@example.com").await.unwrap().unwrap().id;
        assert!(!hearth::santa::store::is_member(&app.state.db.pool, id, squatter_id).await.unwrap());
        let (_, view) = json(app.call(&ann.client, "get_exchange", &[("id", &id.to_string())]).await).await;
        assert_eq!(view["members"].as_array().unwrap().len(), 1);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_newcomer_who_proves_the_address_with_a_sign_in_link_joins_at_once() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let id = create_exchange(&app, &ann, "Links").await;
        invite(&app, &ann, id, "dan@example.com").await;
        // Dan signs up but never opens the verification mail; later he asks for a sign-in link.
        let dan = app.new_client();
        app.call(
            &dan,
            "sign_up",
            &[("email", "dan@example.com"), ("display_name", "Dan"), ("password", PW), ("time_zone", "UTC")],
        )
        .await;
        app.call(&dan, "request_sign_in_link", &[("email", "dan@example.com"), ("next", &format!("/santa/{id}"))])
            .await;
        deliver_all(&app.state).await;
        let link = last_link_to(&app.state, "dan@example.com").await;
        let res = app.call(&dan, "continue_link", &[("token", link.rsplit('/').next().unwrap())]).await;
        assert_eq!(res.headers().get("location").unwrap(), &format!("/santa/{id}"));
        let (s, view) = json(app.call(&dan, "get_exchange", &[("id", &id.to_string())]).await).await;
        assert_eq!(s, StatusCode::OK, "{view}");
        assert_eq!(view["members"].as_array().unwrap().len(), 2);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn joins_racing_the_draw_never_leave_a_member_outside_it() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let cy = person(&app, "Cy").await;
        let when = in_an_hour_local();
        let mut joined_in_time = 0;
        for round in 0..12 {
            let dee = person(&app, &format!("Dee{round}")).await;
            let id = create_exchange(&app, &ann, &format!("Race {round}")).await;
            invite_and_join(&app, &ann, id, &[&bob, &cy]).await;
            invite(&app, &ann, id, &email_of(&dee.name)).await;
            let ((draw_status, _), (join_status, _)) = tokio::join!(draw(&app, &ann, id, &when), join(&app, &dee, id));
            assert_eq!(draw_status, StatusCode::OK);
            let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_members WHERE exchange_id = $1")
                .bind(id)
                .fetch_one(&app.state.db.pool)
                .await
                .unwrap();
            let pairs = drawn_pairs(&app, id).await;
            assert_eq!(pairs.len() as i64, members, "round {round}: every member is in the draw");
            let dee_member = hearth::santa::store::is_member(&app.state.db.pool, id, dee.id).await.unwrap();
            assert_eq!(dee_member, join_status == StatusCode::OK, "round {round}: {join_status}");
            if dee_member {
                joined_in_time += 1;
                assert!(pairs.iter().any(|(g, _)| *g == dee.id) && pairs.iter().any(|(_, r)| *r == dee.id));
            } else {
                assert_eq!(join_status, StatusCode::CONFLICT);
            }
        }
        eprintln!("{joined_in_time} of 12 joins came before their draw");
        app.shutdown().await;
    });
}

#[tokio::test]
async fn mails_to_others_exchanges_and_notes_have_daily_limits() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let id = create_exchange(&app, &ann, "Spam").await;
        // Too many at once is refused and uses nothing up.
        let too_many: Vec<String> = (0..101).map(|i| format!("p{i}@example.com")).collect();
        let (s, _) = invite(&app, &ann, id, &too_many.join(" ")).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        let many: Vec<String> = (0..100).map(|i| format!("p{i}@example.com")).collect();
        let (s, body) = invite(&app, &ann, id, &many.join(" ")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (s, body) = invite(&app, &ann, id, "one-more@example.com").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(body.to_string().contains("too many invitations"), "{body}");
        // Reminders count against the same budget.
        sqlx::query("UPDATE exchange_invites SET created_at = created_at - 90000")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let res =
            app.call(&ann.client, "remind_invitee", &[("id", &id.to_string()), ("email", "p1@example.com")]).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        // Exchanges per day.
        for i in 1..20 {
            create_exchange(&app, &ann, &format!("E{i}")).await;
        }
        let res = app
            .call(
                &ann.client,
                "create_exchange",
                &[("name", "One too many"), ("spending_note", ""), ("description", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn notes_are_limited_per_hour() {
    on_every_db!(app, {
        let (id, people) = drawn_exchange(&app).await;
        let sid = id.to_string();
        for i in 0..30 {
            let (s, _) = json(
                app.call(&people[0].client, "note_to_recipient", &[("id", &sid), ("body", &format!("note {i}"))]).await,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
        }
        let (s, body) =
            json(app.call(&people[0].client, "note_to_santa", &[("id", &sid), ("body", "one more")]).await).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_failing_reveal_is_retried_until_it_succeeds_and_shows_as_revealing() {
    let app = spawn_app_with(sqlite_db(), |s| s.worker.max_attempts = 1).await;
    let (id, people) = drawn_exchange(&app).await;
    make_reveal_due(&app, id).await;
    // The reveal fails (here: an unreadable payload); with max_attempts = 1 a mail would be
    // dead-lettered, but a timed job is never given up.
    sqlx::query("UPDATE timed_jobs SET payload = 'broken' WHERE job_key = $1")
        .bind(format!("reveal:{id}"))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(hearth::core::jobs::timed::run_due(&app.state).await.unwrap(), 1);
    assert!(!db::jobs::is_done(&app.state.db.pool, &format!("reveal:{id}")).await.unwrap());
    let metrics = app.get(&app.client, "/metrics").await.text().await.unwrap();
    assert!(metrics.contains("hearth_jobs_failing 1"), "{metrics}");
    let (_, view) = json(app.call(&people[0].client, "get_exchange", &[("id", &id.to_string())]).await).await;
    assert_eq!((view["state"].as_str(), view["revealing"].as_bool()), (Some("Drawn"), Some(true)));
    let page = app.get(&people[0].client, &format!("/santa/{id}")).await.text().await.unwrap();
    assert!(page.contains("Revealing"), "the page says the presents are being opened");
    let present = app.get(&people[0].client, &format!("/santa/{id}/present")).await.text().await.unwrap();
    assert!(present.contains("Revealing…") && !present.contains("Not yet!"), "the present page says so too");
    // The cause goes away; the retry (due later) runs and reveals.
    sqlx::query("UPDATE timed_jobs SET payload = $1, run_at = $2 WHERE job_key = $3")
        .bind(format!("{{\"exchange_id\":{id}}}"))
        .bind(db::now() - 1)
        .bind(format!("reveal:{id}"))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
    let (_, view) = json(app.call(&people[0].client, "get_exchange", &[("id", &id.to_string())]).await).await;
    assert_eq!(view["state"], "Revealed");
    let metrics = app.get(&app.client, "/metrics").await.text().await.unwrap();
    assert!(metrics.contains("hearth_jobs_failing 0"), "{metrics}");
    app.shutdown().await;
}

#[tokio::test]
async fn pages_for_what_the_viewer_may_not_see_answer_404_and_santa_greets_strangers() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let id = create_exchange(&app, &ann, "Private").await;
        for path in [
            format!("/santa/{id}"),
            "/santa/999999".to_string(),
            format!("/santa/{id}/gift"),
            format!("/santa/{id}/present"),
        ] {
            let res = app.get(&bob.client, &path).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(!res.text().await.unwrap().contains("Private"), "{path}");
        }
        assert_eq!(app.get(&ann.client, &format!("/santa/{id}")).await.status(), StatusCode::OK);
        let signed_out = app.get(&app.new_client(), "/santa").await.text().await.unwrap();
        assert!(signed_out.contains("Create an account") && !signed_out.contains("Start an exchange"), "{signed_out}");
        let signed_in = app.get(&ann.client, "/santa").await.text().await.unwrap();
        assert!(signed_in.contains("Start an exchange"));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn wish_hints_and_notes_reach_the_other_side_without_naming_the_giver() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let cy = person(&app, "Cy").await;
        let id = create_exchange(&app, &ann, "Notes").await;
        let sid = id.to_string();
        invite_and_join(&app, &ann, id, &[&bob, &cy]).await;
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
            let (s, _) =
                json(app.call(&giver.client, "note_to_recipient", &[("id", &sid), ("body", &note)]).await).await;
            assert_eq!(s, StatusCode::OK);
            // The recipient sees it, and nothing in their answer names or numbers the giver.
            let (_, chat) = json(app.call(&recipient.client, "get_santa_chat", &[("id", &sid)]).await).await;
            assert_eq!(chat["notes"][0]["body"], note.as_str());
            assert_eq!(chat["notes"][0]["mine"], false);
            let text = chat.to_string();
            assert!(!text.contains(&giver.name) && !text.contains("giver"), "{text}");
            // The exchange page's one answer carries the same card.
            let (_, page) = json(app.call(&recipient.client, "get_exchange", &[("id", &sid)]).await).await;
            assert_eq!(page["my_santa"]["notes"][0]["body"], note.as_str());
            assert_eq!(page["my_santa"]["my_wish_hint"], format!("{} likes tea", recipient.name));
            let (_, mine) = json(app.call(&giver.client, "get_exchange", &[("id", &sid)]).await).await;
            assert_eq!(mine["my_recipient"], recipient.name.as_str());
            assert_eq!(mine["my_gift_chosen"], false);
            let reply = format!("Thanks, from {}", recipient.name);
            let (s, _) =
                json(app.call(&recipient.client, "note_to_santa", &[("id", &sid), ("body", &reply)]).await).await;
            assert_eq!(s, StatusCode::OK);
            let (_, gift) = json(app.call(&giver.client, "get_gift", &[("id", &sid)]).await).await;
            let bodies: Vec<&str> =
                gift["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
            assert_eq!(bodies, [note.as_str(), reply.as_str()]);
        }
        // After the reveal the conversation is closed.
        make_reveal_due(&app, id).await;
        hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
        let (s, _) = json(app.call(&bob.client, "note_to_santa", &[("id", &sid), ("body", "late")]).await).await;
        assert_eq!(s, StatusCode::CONFLICT);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn nobody_draws_inside_their_household() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let mut others = Vec::new();
        for n in ["Bob", "Cy", "Dee", "Eve", "Fay"] {
            others.push(person(&app, n).await);
        }
        let id = create_exchange(&app, &ann, "Houses").await;
        let sid = id.to_string();
        invite_and_join(&app, &ann, id, &others.iter().collect::<Vec<_>>()).await;
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
    });
}

#[tokio::test]
async fn when_last_times_hidden_pairs_make_a_draw_impossible_it_is_drawn_without_them() {
    let app = spawn_app().await;
    let (id, people) = drawn_exchange(&app).await;
    make_reveal_due(&app, id).await;
    hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
    let last_year = drawn_pairs(&app, id).await;
    let res = app.call(&people[0].client, "start_again", &[("id", &id.to_string())]).await;
    let new_id: i64 = res.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    for p in &people[1..] {
        assert_eq!(join(&app, p, new_id).await.0, StatusCode::OK);
    }
    // Ann may not draw the one person last year's hidden pairs leave her: nobody is left.
    let ann = &people[0];
    let drew = last_year.iter().find(|(g, _)| *g == ann.id).unwrap().1;
    let other = people.iter().find(|p| p.id != ann.id && p.id != drew).unwrap();
    let res = app
        .call(
            &ann.client,
            "add_exclusion",
            &[("id", &new_id.to_string()), ("giver_id", &ann.id.to_string()), ("receiver_id", &other.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (s, body) = draw(&app, ann, new_id, &in_an_hour_local()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let pairs = drawn_pairs(&app, new_id).await;
    assert!(!pairs.contains(&(ann.id, other.id)), "the visible exclusion still holds");
    app.shutdown().await;
}

#[tokio::test]
async fn concurrent_invitations_never_overspend_the_daily_budget() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let id = create_exchange(&app, &ann, "Budget").await;
        // Three invitations of 40 addresses at once: only two fit in the 100 a day.
        let lists: Vec<String> =
            (0..3).map(|k| (0..40).map(|i| format!("b{k}x{i}@example.com")).collect::<Vec<_>>().join(" ")).collect();
        let (a, b, c) = tokio::join!(
            invite(&app, &ann, id, &lists[0]),
            invite(&app, &ann, id, &lists[1]),
            invite(&app, &ann, id, &lists[2])
        );
        let ok = [a.0, b.0, c.0].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 2, "{:?}", [a.0, b.0, c.0]);
        let invited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_invites WHERE exchange_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(invited, 80);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn plain_form_posts_come_back_to_a_page_that_says_what_happened() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let bob = person(&app, "Bob").await;
    let id = create_exchange(&app, &ann, "Plain").await;
    let page = format!("/santa/{id}");
    let sid = id.to_string();
    let addresses = format!("{}, {}\nnot-an-address", email_of("Bob"), email_of("Bob"));
    let back = plain_post(&app, &ann, "invite_to_exchange", &page, &[("id", &sid), ("addresses", &addresses)]).await;
    assert_eq!(back, format!("{page}?done=invite_to_exchange"));
    // The report is shown once, on this page, to this browser.
    let html = app.get(&ann.client, &back).await.text().await.unwrap().replace("<!>", "");
    assert!(html.contains(&format!("Invited: {}", email_of("Bob"))), "{html}");
    assert!(html.contains(&format!("Listed twice (invited once): {}", email_of("Bob"))), "{html}");
    assert!(html.contains("Not email addresses, skipped: not-an-address"), "{html}");
    let again = app.get(&ann.client, &page).await.text().await.unwrap().replace("<!>", "");
    assert!(!again.contains("not-an-address"), "the report is read once");
    assert!(!app.get(&bob.client, &page).await.text().await.unwrap().contains("not-an-address"));

    // A saved wish hint says so; `done` never piles up in the address.
    let back = plain_post(&app, &ann, "set_wish_hint", &back, &[("id", &sid), ("hint", "tea")]).await;
    assert_eq!(back, format!("{page}?done=set_wish_hint"));
    let html = app.get(&ann.client, &back).await.text().await.unwrap().replace("<!>", "");
    assert!(html.contains("Wish hint saved."), "{html}");
    assert!(!app.get(&ann.client, &page).await.text().await.unwrap().contains("Wish hint saved."));

    // A long list is shortened to fit a cookie; what was left out is counted.
    let many: Vec<String> = (0..150).map(|i| format!("not.an.address.number.{i}")).collect();
    let back =
        plain_post(&app, &ann, "invite_to_exchange", &page, &[("id", &sid), ("addresses", &many.join(" "))]).await;
    let html = app.get(&ann.client, &back).await.text().await.unwrap().replace("<!>", "");
    assert!(html.contains("not.an.address.number.0,"), "{html}");
    assert!(!html.contains("not.an.address.number.149"), "{html}");
    assert!(html.contains("more."), "{html}");

    // A failed form comes back with what was typed; sent again right, it leads elsewhere (the
    // new exchange's page) and lands there with neither typed values nor `done`.
    let long_name = "N".repeat(200);
    let failed = plain_post(
        &app,
        &ann,
        "create_exchange",
        "/santa",
        &[("name", &long_name), ("spending_note", "homemade"), ("description", "")],
    )
    .await;
    assert!(failed.contains("__err=") && failed.contains("typed.spending_note=homemade"), "{failed}");
    let created = plain_post(
        &app,
        &ann,
        "create_exchange",
        &failed,
        &[("name", "Next"), ("spending_note", "homemade"), ("description", "")],
    )
    .await;
    assert!(created.starts_with("/santa/") && !created.contains('?'), "{created}");
    app.shutdown().await;
}

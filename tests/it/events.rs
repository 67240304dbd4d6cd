//! Virtual events over real HTTP, on SQLite and Postgres: drafts, publishing, invitations,
//! answers with a capacity and a waitlist, the roster job, calendar files.
use crate::helpers::*;
use hearth::core::db;
use reqwest::StatusCode;
use serde_json::Value;

/// A start `hours` from now, as the form's `datetime-local` value in Paris.
fn paris_in(minutes: i64) -> String {
    let t = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris) + chrono::Duration::minutes(minutes);
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn form<'a>(title: &'a str, start: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("title", title),
        ("description", "Bring a cup of tea."),
        ("online_link", "https://meet.example/book-club"),
        ("start_local", start),
        ("time_zone", "Europe/Paris"),
        ("duration_minutes", "90"),
        ("capacity", ""),
    ];
    for (k, v) in extra {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

/// Creates a draft starting `minutes` from now; returns its slug.
pub(crate) async fn create_event(
    app: &TestApp,
    p: &Person,
    title: &str,
    minutes: i64,
    extra: &[(&str, &str)],
) -> String {
    let start = paris_in(minutes);
    let res = app.call(&p.client, "create_event", &form(title, &start, extra)).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let loc = res.headers()["location"].to_str().unwrap().to_string();
    loc.strip_prefix("/events/").unwrap().to_string()
}

async fn call(app: &TestApp, client: &reqwest::Client, endpoint: &str, f: &[(&str, &str)]) -> (StatusCode, Value) {
    json(app.call(client, endpoint, f).await).await
}

async fn event_id(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT id FROM events WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// The RSVP token in the newest event invitation mailed to `to`.
async fn rsvp_token(app: &TestApp, to: &str) -> String {
    let mail = mails_to(&app.state, to).await.into_iter().find(|m| m.subject.starts_with("You are invited")).unwrap();
    let at = mail.text_body.find("&t=").expect("an answer link with a token");
    mail.text_body[at + 3..].split_whitespace().next().unwrap().to_string()
}

async fn answer(app: &TestApp, client: &reqwest::Client, slug: &str, choice: &str, t: &str) -> (StatusCode, Value) {
    call(app, client, "answer_event", &[("slug", slug), ("answer", choice), ("t", t)]).await
}

async fn standing(app: &TestApp, slug: &str, user_id: i64) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(
        "SELECT i.standing FROM event_invites i JOIN events e ON e.id = i.event_id WHERE e.slug = $1 AND i.user_id = $2",
    )
    .bind(slug)
    .bind(user_id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

/// Moves the event's start (as if time had passed).
async fn set_start(app: &TestApp, slug: &str, start: i64) {
    sqlx::query("UPDATE events SET start_at = $1 WHERE slug = $2")
        .bind(start)
        .bind(slug)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_event_input_gets_a_message_naming_its_field_and_saves_nothing() {
    let app = spawn_app().await;
    let ann = person(&app, "Ann").await;
    let past = paris_in(-10);
    let far = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris) + chrono::Duration::days(800))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let soon = paris_in(120);
    let long = "x".repeat(281);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (form("Club", &past, &[]), "start_local"),
        (form("Club", &far, &[]), "start_local"),
        (form("Club", "tomorrow", &[]), "start_local"),
        (form("Club", &soon, &[("duration_minutes", "0")]), "duration_minutes"),
        (form("Club", &soon, &[("duration_minutes", "1441")]), "duration_minutes"),
        (form("Club", &soon, &[("description", &long)]), "description"),
        (form("Club", &soon, &[("online_link", "javascript:alert(1)")]), "online_link"),
        (form("Club", &soon, &[("online_link", "not a link")]), "online_link"),
        (form("", &soon, &[]), "title"),
        (form("Club", &soon, &[("time_zone", "Mars/Olympus")]), "time_zone"),
        (form("Club", &soon, &[("capacity", "0")]), "capacity"),
    ];
    for (f, field) in cases {
        let (s, body) = call(&app, &ann.client, "create_event", &f).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["Invalid"]["field"], field, "{body}");
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 0);
    app.shutdown().await;
}

#[tokio::test]
async fn a_draft_is_its_organizers_alone_and_publishing_mails_each_invitee_once() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let slug = create_event(&app, &ann, "Book club", 3 * 24 * 60, &[]).await;

        // Nobody else learns that a draft exists: not its page, not its calendar file.
        let stranger = app.new_client();
        for client in [&bob.client, &stranger] {
            let (s, _) = call(&app, client, "get_event", &[("slug", &slug)]).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            let page = app.get(client, &format!("/events/{slug}")).await;
            assert_eq!(page.status(), StatusCode::NOT_FOUND);
            assert!(!page.text().await.unwrap().contains("Book club"));
            assert_eq!(app.get(client, &format!("/events/{slug}/calendar.ics")).await.status(), StatusCode::NOT_FOUND);
        }
        let (s, _) = call(&app, &bob.client, "publish_event", &[("slug", &slug)]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "only the organizer publishes");

        // Invitations on a draft wait for publishing.
        let (s, report) = call(
            &app,
            &ann.client,
            "invite_to_event",
            &[("slug", &slug), ("addresses", "bob@example.com, new@example.com, nope")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{report}");
        assert_eq!(report["invited"].as_array().unwrap().len(), 2, "{report}");
        assert_eq!(report["invalid"][0], "nope");
        assert!(mails_to(&app.state, &email_of("Bob")).await.iter().all(|m| !m.subject.contains("Book club")));

        let (s, body) = call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (s, _) = call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        assert_eq!(s, StatusCode::CONFLICT, "published once");
        for to in [email_of("Bob"), "new@example.com".to_string()] {
            let mails: Vec<_> = mails_to(&app.state, &to)
                .await
                .into_iter()
                .filter(|m| m.subject == "You are invited: Book club")
                .collect();
            assert_eq!(mails.len(), 1, "{to} is mailed once");
            let ics = &mails[0].attachments;
            assert!(ics.contains("BEGIN:VCALENDAR") && ics.contains("METHOD:REQUEST"), "{ics}");
            assert!(ics.contains("https://meet.example/book-club"), "the online link is in the calendar file");
            assert!(!ics.contains("ATTENDEE"), "no list of other attendees");
            let going = if to.starts_with("bob") {
                format!("/events/{slug}?rsvp=going&t=")
            } else {
                format!("/events/{slug}%3Frsvp%3Dgoing")
            };
            assert!(mails[0].text_body.contains(&going), "{}", mails[0].text_body);
        }
        let newcomer = mails_to(&app.state, "new@example.com").await;
        assert!(newcomer[0].text_body.contains("/signup?email=new%40example.com"), "{}", newcomer[0].text_body);

        // Bob sees the event now, with his answer buttons; a stranger sees only the preview.
        let (s, page) = call(&app, &bob.client, "get_event", &[("slug", &slug)]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["Full"]["can_answer"], true, "{page}");
        assert_eq!(page["Full"]["online_link"], Value::Null, "the link shows 15 minutes before the start");
        let (_, preview) = call(&app, &stranger, "get_event", &[("slug", &slug)]).await;
        assert_eq!(preview["Preview"]["title"], "Book club", "{preview}");
        let html = app.get(&stranger, &format!("/events/{slug}")).await.text().await.unwrap();
        assert!(html.contains("og:title") && html.contains("Book club"), "a public link preview");
        assert!(!html.contains("meet.example"), "the online link is not public");

        // A late invitee is mailed at once, once.
        let (s, _) =
            call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "late@example.com")]).await;
        assert_eq!(s, StatusCode::OK);
        let (s, report) =
            call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "late@example.com")]).await;
        assert_eq!((s, report["already"][0].as_str()), (StatusCode::OK, Some("late@example.com")));
        assert_eq!(mails_to(&app.state, "late@example.com").await.len(), 1);

        // After the start nobody can be added, and nobody can answer.
        set_start(&app, &slug, db::now() - 60).await;
        let (s, body) =
            call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "later@example.com")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert!(mails_to(&app.state, "later@example.com").await.is_empty());
        let (s, body) = call(&app, &bob.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("started"), "{body}");
        assert_eq!(standing(&app, &slug, bob.id).await, None);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn an_rsvp_link_opens_the_choice_to_confirm_and_only_the_post_answers() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let eve = person(&app, "Eve").await;
        let slug = create_event(&app, &ann, "Quiz night", 2 * 24 * 60, &[]).await;
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "bob@example.com")]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        let token = rsvp_token(&app, &email_of("Bob")).await;

        // A fresh browser opens the mailed link: the page proposes "going", nothing changes.
        let browser = app.new_client();
        let page = app.get(&browser, &format!("/events/{slug}?rsvp=going&t={token}")).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Yes, I&#x27;m going") || html.contains("Yes, I'm going"), "ready to confirm");
        assert!(html.contains("Answering as Bob"), "the link says whose answer it is");
        assert_eq!(standing(&app, &slug, bob.id).await, None, "opening the link changes nothing");
        // One tap (a POST with the token) answers, with no session.
        let (s, body) = answer(&app, &browser, &slug, "going", &token).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(standing(&app, &slug, bob.id).await.as_deref(), Some("going"));
        // A made-up token, or Bob's token on another event, answers nothing.
        let (s, _) = answer(&app, &app.new_client(), &slug, "maybe", "A".repeat(43).as_str()).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let other = create_event(&app, &ann, "Other", 2 * 24 * 60, &[]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &other)]).await;
        let (s, _) = answer(&app, &app.new_client(), &other, "going", &token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // Someone signed in but not invited gets a plain not-found.
        let (s, _) = call(&app, &eve.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Bob's names list shows him; Eve (not invited) sees only the preview, no names.
        let (_, page) = call(&app, &bob.client, "get_event", &[("slug", &slug)]).await;
        assert_eq!(page["Full"]["going"][0], "Bob");
        let (_, preview) = call(&app, &eve.client, "get_event", &[("slug", &slug)]).await;
        assert!(preview.get("Preview").is_some() && !preview.to_string().contains("Bob"), "{preview}");
        // The calendar file from the page, with the token, parses back to the right UTC time.
        let res = app.get(&browser, &format!("/events/{slug}/calendar.ics?t={token}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let ics = res.text().await.unwrap();
        let parsed: icalendar::Calendar = ics.parse().unwrap();
        let start = sqlx::query_scalar::<_, i64>("SELECT start_at FROM events WHERE slug = $1")
            .bind(&slug)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
        let ev = parsed.events().next().unwrap();
        assert_eq!(
            ev.get_start(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(chrono::DateTime::from_timestamp(start, 0).unwrap())))
        );
        assert_eq!(
            app.get(&app.new_client(), &format!("/events/{slug}/calendar.ics")).await.status(),
            StatusCode::NOT_FOUND
        );
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_full_event_waitlists_and_promotes_in_order_with_a_mail() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let people = [person(&app, "Bob").await, person(&app, "Cy").await, person(&app, "Di").await];
        let slug = create_event(&app, &ann, "Small talk", 2 * 24 * 60, &[("capacity", "1")]).await;
        let all = "bob@example.com cy@example.com di@example.com";
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", all)]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        for p in &people {
            let (s, body) = call(&app, &p.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
            assert_eq!(s, StatusCode::OK, "{body}");
        }
        assert_eq!(standing(&app, &slug, people[0].id).await.as_deref(), Some("going"));
        assert_eq!(standing(&app, &slug, people[1].id).await.as_deref(), Some("waitlisted"));
        assert_eq!(standing(&app, &slug, people[2].id).await.as_deref(), Some("waitlisted"));
        // Bob gives up his place: Cy (first in line) has it and is mailed; Di still waits.
        call(&app, &people[0].client, "answer_event", &[("slug", &slug), ("answer", "not_going")]).await;
        assert_eq!(standing(&app, &slug, people[1].id).await.as_deref(), Some("going"));
        assert_eq!(standing(&app, &slug, people[2].id).await.as_deref(), Some("waitlisted"));
        let cy_mail = mails_to(&app.state, &email_of("Cy")).await;
        assert!(cy_mail.iter().any(|m| m.subject.starts_with("A place opened up")), "Cy is told");
        assert!(!mails_to(&app.state, &email_of("Di"))
            .await
            .iter()
            .any(|m| m.subject.starts_with("A place opened up")));
        // The organizer raises the capacity: Di moves up.
        let start = paris_in(2 * 24 * 60);
        let (s, body) = call(
            &app,
            &ann.client,
            "update_event",
            &[form("Small talk", &start, &[("capacity", "2")]), vec![("slug", slug.as_str())]].concat(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(standing(&app, &slug, people[2].id).await.as_deref(), Some("going"));
        // And cannot lower it below those going.
        let (s, body) = call(
            &app,
            &ann.client,
            "update_event",
            &[form("Small talk", &start, &[("capacity", "1")]), vec![("slug", slug.as_str())]].concat(),
        )
        .await;
        assert_eq!((s, body["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("capacity")));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn two_people_taking_the_last_place_at_once_never_both_get_it() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let mut people = Vec::new();
        for i in 0..6 {
            people.push(person(&app, &format!("P{i}")).await);
        }
        for round in 0..3 {
            let slug = create_event(&app, &ann, &format!("Race {round}"), 2 * 24 * 60, &[("capacity", "1")]).await;
            let all: Vec<String> = people.iter().map(|p| email_of(&p.name)).collect();
            call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", &all.join(","))]).await;
            call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
            let answers =
                people.iter().map(|p| {
                    let slug = slug.clone();
                    let app = &app;
                    async move {
                        app.call(&p.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await.status()
                    }
                });
            let statuses = futures::future::join_all(answers).await;
            assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
            let going: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM event_invites i JOIN events e ON e.id = i.event_id WHERE e.slug = $1 AND i.standing = 'going'",
            )
            .bind(&slug)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
            assert_eq!(going, 1, "round {round}: exactly one person holds the one place");
        }
        app.shutdown().await;
    });
}

#[tokio::test]
async fn the_roster_is_mailed_once_with_two_workers_and_after_a_restart_past_its_time() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        // Published 30 minutes before its start: the roster goes at once.
        let soon = create_event(&app, &ann, "Soon", 30, &[]).await;
        call(&app, &ann.client, "invite_to_event", &[("slug", &soon), ("addresses", "bob@example.com")]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &soon)]).await;
        call(&app, &bob.client, "answer_event", &[("slug", &soon), ("answer", "going")]).await;
        let mut other = app.state.clone();
        other.instance = "second-worker".into();
        let (a, b) =
            tokio::join!(hearth::core::jobs::timed::run_due(&app.state), hearth::core::jobs::timed::run_due(&other));
        assert!(a.unwrap() + b.unwrap() >= 1);
        let rosters: Vec<_> = mails_to(&app.state, &email_of("Ann"))
            .await
            .into_iter()
            .filter(|m| m.subject == "Who's coming to Soon")
            .collect();
        assert_eq!(rosters.len(), 1, "one roster");
        assert!(rosters[0].text_body.contains("Bob (going)"), "{}", rosters[0].text_body);
        assert!(hearth::core::jobs::timed::run_due(&app.state).await.unwrap() == 0);

        // Three days ahead: the roster waits; the time moves, and so does its job.
        let later = create_event(&app, &ann, "Later", 3 * 24 * 60, &[]).await;
        call(&app, &ann.client, "invite_to_event", &[("slug", &later), ("addresses", "bob@example.com")]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &later)]).await;
        call(&app, &bob.client, "answer_event", &[("slug", &later), ("answer", "maybe")]).await;
        hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
        let roster_of = |title: &'static str| {
            let state = app.state.clone();
            async move {
                mails_to(&state, &email_of("Ann"))
                    .await
                    .into_iter()
                    .filter(|m| m.subject == format!("Who's coming to {title}"))
                    .count()
            }
        };
        assert_eq!(roster_of("Later").await, 0);
        let start = paris_in(4 * 24 * 60);
        let (s, body) = call(
            &app,
            &ann.client,
            "update_event",
            &[form("Later", &start, &[]), vec![("slug", later.as_str())]].concat(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let id = event_id(&app, &later).await;
        let bob_mails = mails_to(&app.state, &email_of("Bob")).await;
        let changed =
            bob_mails.iter().find(|m| m.subject == "New time: Later").expect("Bob (maybe) hears of the new time");
        assert!(changed.attachments.contains("SEQUENCE:1"), "{}", changed.attachments);
        let runs_at = |key: String| {
            let pool = app.state.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT run_at FROM timed_jobs WHERE job_key = $1 AND done_at IS NULL")
                    .bind(key)
                    .fetch_optional(&pool)
                    .await
                    .unwrap()
            }
        };
        let new_start: i64 = sqlx::query_scalar("SELECT start_at FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        let new_run = runs_at(format!("event-roster:{id}:{new_start}")).await.expect("a roster job for the new time");
        assert_eq!(new_run, new_start - 3600);

        // The server is down when the roster is due; at the next start it is sent, once.
        let t = app.shutdown_keep_db().await;
        let app = spawn_app_with(t, |_| {}).await;
        sqlx::query("UPDATE timed_jobs SET run_at = $1 WHERE job_key LIKE 'event-roster:%'")
            .bind(db::now() - 600)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
        hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
        let later_rosters: Vec<_> = mails_to(&app.state, &email_of("Ann"))
            .await
            .into_iter()
            .filter(|m| m.subject == "Who's coming to Later")
            .collect();
        assert_eq!(later_rosters.len(), 1, "the job for the old time sends nothing; the new one sends once");
        assert!(later_rosters[0].text_body.contains("Bob (maybe)"));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_newcomer_invited_to_an_event_answers_once_their_address_is_proven() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let slug = create_event(&app, &ann, "Welcome", 2 * 24 * 60, &[]).await;
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "nia@example.com")]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        // Nia signs up with the invited address (an unverified address is nobody yet).
        let nia = person(&app, "Nia").await;
        let (s, page) = call(&app, &nia.client, "get_event", &[("slug", &slug)]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["Full"]["can_answer"], true, "{page}");
        let (s, _) = call(&app, &nia.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
        assert_eq!(s, StatusCode::OK);
        let (_, page) = call(&app, &ann.client, "get_event", &[("slug", &slug)]).await;
        assert_eq!(page["Full"]["going"][0], "Nia");
        assert_eq!(page["Full"]["invitees"][0]["name"], "Nia");
        // Cancelling tells her with a CANCEL calendar file.
        let (s, _) = call(&app, &ann.client, "cancel_event", &[("slug", &slug), ("confirm", "yes")]).await;
        assert_eq!(s, StatusCode::OK);
        let cancel =
            mails_to(&app.state, "nia@example.com").await.into_iter().find(|m| m.subject == "Cancelled: Welcome");
        assert!(cancel.expect("Nia is told").attachments.contains("METHOD:CANCEL"));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn an_answer_waits_for_the_one_before_it_to_commit_so_the_last_place_goes_once() {
    // Deterministic interleaving: A takes the last place but has not committed when B
    // answers. B must wait for A and then see the event full; reading the roster without
    // taking the event row first, B would also take the place (fails on Postgres).
    use hearth::events::domain::Rsvp;
    use hearth::events::service::record_answer;
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let (bob, cy) = (person(&app, "Bob").await, person(&app, "Cy").await);
        let slug = create_event(&app, &ann, "One seat", 2 * 24 * 60, &[("capacity", "1")]).await;
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "bob@example.com cy@example.com")])
            .await;
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        let id = event_id(&app, &slug).await;
        let now = db::now();
        let mut a = app.state.db.begin_write().await.unwrap();
        let first = record_answer(&mut a, id, bob.id, Rsvp::Going, now).await.unwrap().unwrap();
        assert_eq!(first.standing, hearth::events::domain::Standing::Going);
        let state = app.state.clone();
        let cy_id = cy.id;
        let b = tokio::spawn(async move {
            let mut b = state.db.begin_write().await.unwrap();
            let second = record_answer(&mut b, id, cy_id, Rsvp::Going, now).await.unwrap().unwrap();
            b.commit().await.unwrap();
            second.standing
        });
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        a.commit().await.unwrap();
        assert_eq!(b.await.unwrap(), hearth::events::domain::Standing::Waitlisted, "the place was taken");
        assert_eq!(standing(&app, &slug, bob.id).await.as_deref(), Some("going"));
        assert_eq!(standing(&app, &slug, cy.id).await.as_deref(), Some("waitlisted"));
        app.shutdown().await;
    });
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A minimal MP4 as far as sniffing goes (an `ftyp` box), with a GPS position in its
/// metadata (`moov/udta/©xyz`, as phones write it), then filler media data.
fn mp4(len: usize) -> Vec<u8> {
    fn boxed(kind: &[u8], content: &[u8]) -> Vec<u8> {
        [&((content.len() + 8) as u32).to_be_bytes()[..], kind, content].concat()
    }
    let ftyp = boxed(b"ftyp", b"mp42\0\0\0\0mp42isom");
    let moov = boxed(b"moov", &boxed(b"udta", &boxed(b"\xa9xyz", b"+48.8584+002.2945/")));
    let head = [ftyp, moov].concat();
    [head.clone(), boxed(b"mdat", &vec![7u8; len - head.len() - 8])].concat()
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    role: &str,
    name: &str,
    bytes: Vec<u8>,
    declared: &str,
) -> String {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(declared).unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = client.post(format!("{}/events/{slug}/media/{role}", app.address)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn media_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM event_media").fetch_one(&app.state.db.pool).await.unwrap()
}

/// Every file under the media directory.
fn media_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out);
            } else {
                out.push(e.path());
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new(&app.state.settings.media.dir), &mut out);
    out
}

#[tokio::test]
async fn uploads_are_checked_by_their_bytes_and_a_drafts_media_is_its_organizers_alone() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let slug = create_event(&app, &ann, "Film night", 2 * 24 * 60, &[]).await;

        // Whatever the name or declared type says, the bytes decide.
        let loc = upload(&app, &ann.client, &slug, "video", "clip.mp4", png(32, 32), "video/mp4").await;
        assert!(loc.ends_with("upload_error=not_video"), "a PNG renamed .mp4: {loc}");
        let loc = upload(
            &app,
            &ann.client,
            &slug,
            "cover",
            "photo.jpg",
            b"just some text, not a photo".repeat(40),
            "image/jpeg",
        )
        .await;
        assert!(loc.ends_with("upload_error=type"), "a text file renamed .jpg: {loc}");
        assert_eq!(media_rows(&app).await, 0);
        assert!(media_files(&app).is_empty(), "refused uploads leave no file: {:?}", media_files(&app));
        // Only the organizer uploads.
        let res = bob
            .client
            .post(format!("{}/events/{slug}/media/cover", app.address))
            .multipart(
                reqwest::multipart::Form::new()
                    .part("file", reqwest::multipart::Part::bytes(png(8, 8)).file_name("a.png")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        // A real photo: stored phone-sized and as a thumbnail, JPEG, no original kept.
        let loc = upload(&app, &ann.client, &slug, "cover", "cover.png", png(2000, 1000), "image/png").await;
        assert_eq!(loc, format!("/events/{slug}"));
        let (_, page) = call(&app, &ann.client, "get_event", &[("slug", &slug)]).await;
        let cover = page["Full"]["cover"]["url"].as_str().unwrap().to_string();
        let thumb = page["Full"]["cover"]["thumb_url"].as_str().unwrap().to_string();
        assert_eq!(page["Full"]["cover"]["width"], 1280, "{page}");
        assert_eq!(media_files(&app).len(), 2, "phone size and thumbnail only: {:?}", media_files(&app));
        let res = app.get(&ann.client, &cover).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert!(res.headers()["cache-control"].to_str().unwrap().contains("private"));
        // A draft's media: nobody else, not even by its address.
        for client in [&bob.client, &app.new_client()] {
            assert_eq!(app.get(client, &cover).await.status(), StatusCode::NOT_FOUND);
            assert_eq!(app.get(client, &thumb).await.status(), StatusCode::NOT_FOUND);
        }

        // A new cover replaces the old one, whose files go.
        let loc = upload(&app, &ann.client, &slug, "cover", "other.png", png(1000, 600), "image/png").await;
        assert_eq!(loc, format!("/events/{slug}"));
        assert_eq!(media_files(&app).len(), 2, "the replaced cover's files are deleted: {:?}", media_files(&app));
        assert_eq!(app.get(&ann.client, &cover).await.status(), StatusCode::NOT_FOUND);
        let (_, page) = call(&app, &ann.client, "get_event", &[("slug", &slug)]).await;
        let cover = page["Full"]["cover"]["url"].as_str().unwrap().to_string();

        // A video; once published, media are public and seekable (range requests).
        let loc = upload(&app, &ann.client, &slug, "video", "clip.mov", mp4(300_000), "application/octet-stream").await;
        assert_eq!(loc, format!("/events/{slug}"));
        let stored =
            media_files(&app).into_iter().find(|p| p.extension().is_some_and(|e| e == "mp4")).expect("the video");
        let bytes = std::fs::read(&stored).unwrap();
        assert_eq!(bytes.len(), 300_000, "nothing moved");
        assert!(!bytes.windows(8).any(|w| w == b"+48.8584"), "the video's GPS position is stripped");
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        let (_, page) = call(&app, &ann.client, "get_event", &[("slug", &slug)]).await;
        let video = page["Full"]["video"]["url"].as_str().unwrap().to_string();
        let res =
            app.new_client().get(format!("{}{video}", app.address)).header("Range", "bytes=0-9").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(res.headers()["content-range"], "bytes 0-9/300000");
        assert_eq!(res.headers()["content-type"], "video/mp4");
        assert_eq!(res.bytes().await.unwrap().len(), 10);
        let res = app.get(&app.new_client(), &cover).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        let html = app.get(&app.new_client(), &format!("/events/{slug}")).await.text().await.unwrap();
        assert!(
            html.contains(&format!("og:image\" content=\"{}{cover}", app.state.settings.base_url())),
            "the preview shows the cover"
        );
        app.shutdown().await;
    });
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

#[tokio::test]
async fn a_one_gigabyte_upload_is_cut_off_at_the_limit_without_the_memory_growing() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let slug = create_event(&app, &ann, "Big file", 2 * 24 * 60, &[]).await;
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let head = png(16, 16);
        const CHUNK: usize = 1024 * 1024;
        const GIGABYTE: u64 = 1024 * 1024 * 1024;
        let chunks = futures::stream::iter(0..(GIGABYTE / CHUNK as u64)).map(move |i| {
            counter.fetch_add(CHUNK as u64, Ordering::Relaxed);
            let mut c = vec![0u8; CHUNK];
            if i == 0 {
                c[..head.len()].copy_from_slice(&head);
            }
            Ok::<_, std::io::Error>(c)
        });
        use futures::StreamExt;
        let before = rss_bytes();
        let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), GIGABYTE)
            .file_name("huge.png")
            .mime_str("image/png")
            .unwrap();
        let res = ann
            .client
            .post(format!("{}/events/{slug}/media/cover", app.address))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await;
        let pulled = sent.load(Ordering::Relaxed);
        eprintln!("sent {pulled} bytes; answer: {:?}", res.as_ref().map(|r| r.headers().get("location").cloned()));
        // The server stopped reading: it has answered, or closed the connection on the sender.
        assert!(pulled > 10 * 1024 * 1024, "the upload really started ({pulled} bytes)");
        if let Ok(res) = res {
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            assert!(res.headers()["location"].to_str().unwrap().ends_with("upload_error=too_large"));
        }
        assert!(
            pulled < 200 * 1024 * 1024,
            "the server stopped reading near the 10 MB limit, not at 1 GB ({pulled} bytes sent)"
        );
        let grown = rss_bytes().saturating_sub(before);
        assert!(grown < 100 * 1024 * 1024, "memory grew by {grown} bytes");
        assert_eq!(media_rows(&app).await, 0);
        assert!(media_files(&app).is_empty(), "{:?}", media_files(&app));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn an_invitee_answering_from_a_mailed_link_hears_changes_without_a_session() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let (bob, cy, eve) = (person(&app, "Bob").await, person(&app, "Cy").await, person(&app, "Eve").await);
        let slug = create_event(&app, &ann, "Live", 2 * 24 * 60, &[]).await;
        let id = event_id(&app, &slug).await;
        let url = format!("{}/api/live/event/{id}", app.address);
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", "bob@example.com cy@example.com")])
            .await;
        // A draft is heard by its organizer only.
        assert_eq!(bob.client.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        let token = rsvp_token(&app, &email_of("Bob")).await;
        // Strangers and made-up tokens hear nothing.
        assert_eq!(eve.client.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        let fake = format!("{url}?t={}", "A".repeat(43));
        assert_eq!(app.new_client().get(&fake).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        // Bob's mailed link, in a browser without a session, hears Cy answer.
        let mut stream = app.new_client().get(format!("{url}?t={token}")).send().await.unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        let (s, _) = call(&app, &cy.client, "answer_event", &[("slug", &slug), ("answer", "maybe")]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(read_until(&mut stream, "event: changed").await, "Bob's page hears Cy's answer");
        tokio::time::timeout(std::time::Duration::from_secs(10), app.shutdown())
            .await
            .expect("shutdown with a stream open");
    });
}

#[tokio::test]
async fn a_cancelled_draft_is_deleted_and_a_cancelled_event_tells_everyone_invited_except_who_said_no() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let (bob, cy, di) = (person(&app, "Bob").await, person(&app, "Cy").await, person(&app, "Di").await);
        // A draft with an invitee and a cover: cancelling deletes it all; nobody ever sees it.
        let draft = create_event(&app, &ann, "Secret plan", 2 * 24 * 60, &[]).await;
        call(&app, &ann.client, "invite_to_event", &[("slug", &draft), ("addresses", "bob@example.com")]).await;
        upload(&app, &ann.client, &draft, "cover", "c.png", png(800, 600), "image/png").await;
        let (s, body) = call(&app, &ann.client, "cancel_event", &[("slug", &draft)]).await;
        assert_eq!((s, body["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("confirm")));
        let res = app.call(&ann.client, "cancel_event", &[("slug", &draft), ("confirm", "yes")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["location"], "/events");
        for client in [&ann.client, &bob.client, &app.new_client()] {
            assert_eq!(call(&app, client, "get_event", &[("slug", &draft)]).await.0, StatusCode::NOT_FOUND);
        }
        let (_, mine) = call(&app, &bob.client, "list_my_events", &[]).await;
        assert!(!mine.to_string().contains("Secret plan"), "{mine}");
        assert!(media_files(&app).is_empty(), "its media went: {:?}", media_files(&app));

        // A published event: Bob (no answer yet), Cy (going) and a newcomer hear of the new
        // time and of the cancellation; Di said no and is left alone.
        let slug = create_event(&app, &ann, "Party", 2 * 24 * 60, &[]).await;
        let all = "bob@example.com cy@example.com di@example.com new@example.com";
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", all)]).await;
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        call(&app, &cy.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
        call(&app, &di.client, "answer_event", &[("slug", &slug), ("answer", "not_going")]).await;
        let start = paris_in(3 * 24 * 60);
        let (s, _) = call(
            &app,
            &ann.client,
            "update_event",
            &[form("Party", &start, &[]), vec![("slug", slug.as_str())]].concat(),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = call(&app, &ann.client, "cancel_event", &[("slug", &slug), ("confirm", "yes")]).await;
        assert_eq!(s, StatusCode::OK);
        for (to, told) in
            [(email_of("Bob"), true), (email_of("Cy"), true), ("new@example.com".into(), true), (email_of("Di"), false)]
        {
            let mails = mails_to(&app.state, &to).await;
            let moved = mails.iter().find(|m| m.subject == "New time: Party");
            let cancelled = mails.iter().find(|m| m.subject == "Cancelled: Party");
            assert_eq!((moved.is_some(), cancelled.is_some()), (told, told), "{to}");
            if let Some(c) = cancelled {
                assert!(
                    c.attachments.contains("METHOD:CANCEL") && c.attachments.contains("SEQUENCE:2"),
                    "{}",
                    c.attachments
                );
            }
        }
        // A registered person's follow-up signs them in on the way to the page.
        let cy_mail =
            mails_to(&app.state, &email_of("Cy")).await.into_iter().find(|m| m.subject == "Cancelled: Party").unwrap();
        assert!(cy_mail.text_body.contains("/l/"), "{}", cy_mail.text_body);
        let (_, page) = call(&app, &cy.client, "get_event", &[("slug", &slug)]).await;
        assert_eq!(page["Full"]["phase"], "Cancelled");
        assert_eq!(page["Full"]["can_answer"], false);
        app.shutdown().await;
    });
}

#[tokio::test]
async fn uploading_a_copy_of_someone_elses_cover_never_deletes_it() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let eve = person(&app, "Eve").await;
        let slug = create_event(&app, &ann, "Ann's", 2 * 24 * 60, &[]).await;
        upload(&app, &ann.client, &slug, "cover", "c.png", png(1600, 900), "image/png").await;
        call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await;
        let (_, preview) = call(&app, &eve.client, "get_event", &[("slug", &slug)]).await;
        let cover = preview["Preview"]["cover"]["url"].as_str().unwrap().to_string();
        let thumb = preview["Preview"]["cover"]["thumb_url"].as_str().unwrap().to_string();
        // Eve downloads the public cover and its thumbnail and uploads them to her draft.
        let mine = create_event(&app, &eve, "Eve's", 2 * 24 * 60, &[]).await;
        for path in [&cover, &thumb] {
            let bytes = app.get(&eve.client, path).await.bytes().await.unwrap().to_vec();
            let loc = upload(&app, &eve.client, &mine, "cover", "copy.jpg", bytes, "image/jpeg").await;
            assert_eq!(loc, format!("/events/{mine}"));
        }
        for path in [&cover, &thumb] {
            assert_eq!(app.get(&app.new_client(), path).await.status(), StatusCode::OK, "{path} is still served");
        }
        app.shutdown().await;
    });
}

// ---------------------------------------------------------------------------------------
// Paid events: the ticket from the attendee's credit to the organizer, once.

async fn add_credit(app: &TestApp, key: i64, member: i64, minor: i64) {
    use hearth::core::domain::ledger::Entry;
    use hearth::core::domain::money::{Currency, Money};
    let eur = Money::new(minor, Currency::Eur);
    let mut tx = app.state.db.begin_write().await.unwrap();
    db::ledger::record(&mut tx, &Entry::voucher_purchased(key, eur, eur), "test", 1).await.unwrap();
    db::ledger::record(&mut tx, &Entry::voucher_redeemed(key, member, eur), "test", 1).await.unwrap();
    tx.commit().await.unwrap();
}

async fn credit_of(app: &TestApp, member: i64) -> i64 {
    db::ledger::credit(&app.state.db.pool, member, hearth::core::domain::money::Currency::Eur).await.unwrap().minor
}

async fn earnings_of(app: &TestApp, member: i64) -> i64 {
    use hearth::core::domain::ledger::Account;
    db::ledger::balance(&app.state.db.pool, Account::Earnings(member), hearth::core::domain::money::Currency::Eur)
        .await
        .unwrap()
}

async fn paid_event(
    app: &TestApp,
    organizer: &Person,
    title: &str,
    extra: &[(&str, &str)],
    guests: &[&Person],
) -> String {
    let mut fields = vec![("ticket_price", "8")];
    fields.extend_from_slice(extra);
    let slug = create_event(app, organizer, title, 2 * 24 * 60, &fields).await;
    let all: Vec<String> = guests.iter().map(|p| email_of(&p.name)).collect();
    let (s, _) =
        call(app, &organizer.client, "invite_to_event", &[("slug", &slug), ("addresses", &all.join(","))]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(app, &organizer.client, "publish_event", &[("slug", &slug)]).await;
    assert_eq!(s, StatusCode::OK);
    slug
}

#[tokio::test]
async fn going_to_a_paid_event_pays_the_ticket_once_and_too_little_credit_is_refused() {
    for t in all_dbs().await {
        let app = spawn_app_with(t, |_| {}).await;
        // Boxed: this body's future is larger than a test thread's stack.
        Box::pin(pay_once_and_refuse_short_credit(&app)).await;
        app.shutdown().await;
    }
}

async fn pay_once_and_refuse_short_credit(app: &TestApp) {
    {
        let ann = person(app, "Ann").await;
        let bob = person(app, "Bob").await;
        // Bad prices, each on its field.
        for bad in ["-3", "0", "abc", "1000000", "8.555"] {
            let start = paris_in(600);
            let res = app.call(&ann.client, "create_event", &form("Bad", &start, &[("ticket_price", bad)])).await;
            let (s, body) = json(res).await;
            assert_eq!(
                (s, body["Invalid"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("ticket_price")),
                "{bad}"
            );
        }
        let slug = paid_event(app, &ann, "Paid talk", &[], &[&bob]).await;
        // Bob's RSVP link, forwarded to someone without his session, never pays with his
        // credit, and the page it opens does not show his credit.
        deliver_all(&app.state).await;
        let token = rsvp_token(app, &email_of("Bob")).await;
        add_credit(app, 7, bob.id, 500).await;
        let stranger = app.new_client();
        let (s, _) = answer(app, &stranger, &slug, "going", &token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let page = app.get(&stranger, &format!("/events/{slug}?t={token}")).await.text().await.unwrap();
        assert!(
            page.contains("log in to say you're going") && !page.contains("€5.00"),
            "no credit shown to a link holder"
        );
        assert_eq!(credit_of(app, bob.id).await, 500);
        // No credit: refused, with the price and the credit; nothing is kept.
        let (s, body) = call(app, &bob.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("This costs €8.00, and you have €5.00."), "{body}");
        let page = app.get(&bob.client, &format!("/events/{slug}")).await.text().await.unwrap();
        assert!(page.contains("This costs €8.00; you have €5.00."), "the price is shown before the tap");
        assert!(page.contains("No answer yet") || page.contains("Your answer: No answer"), "no answer was kept");
        add_credit(app, 1, bob.id, 1_500).await;
        let (s, body) = call(app, &bob.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!((credit_of(app, bob.id).await, earnings_of(app, ann.id).await), (1_200, 800));
        // Going again, or after changing one's mind, never pays twice.
        for answer in ["going", "not_going", "going"] {
            let (s, _) = call(app, &bob.client, "answer_event", &[("slug", &slug), ("answer", answer)]).await;
            assert_eq!(s, StatusCode::OK);
        }
        assert_eq!((credit_of(app, bob.id).await, earnings_of(app, ann.id).await), (1_200, 800));
        let page = app.get(&bob.client, &format!("/events/{slug}")).await.text().await.unwrap();
        assert!(page.contains("Ticket €8.00: paid."), "{page}");
        let page = app.get(&ann.client, &format!("/events/{slug}")).await.text().await.unwrap();
        assert!(page.contains("Your earnings: 1 ticket paid: €8.00"), "the organizer sees the earnings");
        // The price is fixed once published.
        let start = paris_in(2 * 24 * 60);
        let edit = form("Paid talk", &start, &[("ticket_price", "5")]);
        let mut edit: Vec<(&str, &str)> = edit;
        edit.push(("slug", &slug));
        let (s, body) = call(app, &ann.client, "update_event", &edit).await;
        assert_eq!((s, body["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ticket_price")));
        // Taken down by an admin, the event becomes a draft again; with paid tickets it can't
        // be deleted (a new event must never inherit its id, and with it the tickets).
        let ada = person(app, "Ada").await;
        db::users::set_role(&app.state.db.pool, ada.id, hearth::core::domain::account::Role::Admin).await.unwrap();
        let (s, _) = call(app, &ada.client, "admin_unpublish_event", &[("slug", &slug), ("reason", "Test")]).await;
        assert_eq!(s, StatusCode::OK);
        let (s, body) = call(app, &ann.client, "cancel_event", &[("slug", &slug), ("confirm", "yes")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("paid tickets"), "{body}");
        assert_eq!(earnings_of(app, ann.id).await, 800);
    }
}

#[tokio::test]
async fn credit_for_one_ticket_buys_exactly_one_of_two_paid_events_answered_at_once() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        for round in 0..3 {
            let first = paid_event(&app, &ann, &format!("First {round}"), &[], &[&bob]).await;
            let second = paid_event(&app, &ann, &format!("Second {round}"), &[], &[&bob]).await;
            // Credit for one ticket (8.00) and a little more.
            add_credit(&app, 100 + round, bob.id, 1_000 - credit_of(&app, bob.id).await).await;
            let (fa, fb) =
                ([("slug", first.as_str()), ("answer", "going")], [("slug", second.as_str()), ("answer", "going")]);
            let (a, b) = tokio::join!(
                call(&app, &bob.client, "answer_event", &fa),
                call(&app, &bob.client, "answer_event", &fb),
            );
            let mut statuses = [a.0, b.0];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}: {a:?} {b:?}");
            assert_eq!(credit_of(&app, bob.id).await, 200, "round {round}");
        }
        assert_eq!(earnings_of(&app, ann.id).await, 3 * 800);
        let (unbalanced, drifted, total) = db::ledger::audit(&app.state.db.pool).await.unwrap();
        assert_eq!((unbalanced, drifted, total), (0, 0, 0));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_waitlisted_person_pays_when_promoted_or_is_passed_over_and_told() {
    on_every_db!(app, {
        let ann = person(&app, "Ann").await;
        let bob = person(&app, "Bob").await;
        let cy = person(&app, "Cy").await;
        let di = person(&app, "Di").await;
        let slug = paid_event(&app, &ann, "Tiny paid", &[("capacity", "1")], &[&bob, &cy, &di]).await;
        add_credit(&app, 1, bob.id, 800).await;
        add_credit(&app, 2, di.id, 800).await;
        for p in [&bob, &cy, &di] {
            let (s, body) = call(&app, &p.client, "answer_event", &[("slug", &slug), ("answer", "going")]).await;
            assert_eq!(s, StatusCode::OK, "{}: {body}", p.name);
        }
        // Waiting costs nothing.
        assert_eq!((credit_of(&app, bob.id).await, credit_of(&app, di.id).await), (0, 800));
        // Bob gives up his place (no refund): Cy, first in line, cannot pay and is passed
        // over (and told); Di gets the place and pays.
        let (s, _) = call(&app, &bob.client, "answer_event", &[("slug", &slug), ("answer", "not_going")]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((credit_of(&app, bob.id).await, credit_of(&app, di.id).await), (0, 0));
        assert_eq!(earnings_of(&app, ann.id).await, 1_600);
        let id = event_id(&app, &slug).await;
        let standing = |uid: i64| {
            let pool = app.state.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT standing FROM event_invites WHERE event_id = $1 AND user_id = $2",
                )
                .bind(id)
                .bind(uid)
                .fetch_one(&pool)
                .await
                .unwrap()
            }
        };
        assert_eq!(standing(di.id).await, "going");
        assert_eq!(standing(cy.id).await, "waitlisted");
        deliver_all(&app.state).await;
        let told = mails_to(&app.state, &email_of("Cy")).await;
        assert!(
            told.iter().any(|m| m.subject == "A place opened up at Tiny paid, but your credit is short"),
            "{told:?}"
        );
        assert!(mails_to(&app.state, &email_of("Di"))
            .await
            .iter()
            .any(|m| m.subject.starts_with("A place opened up: you're going")));
        app.shutdown().await;
    });
}

#[tokio::test]
async fn an_admin_takes_an_event_down_with_a_reason_mailed_to_its_organizer() {
    let app = spawn_app().await;
    let admin = person(&app, "Ada").await;
    db::users::set_role(&app.state.db.pool, admin.id, hearth::core::domain::account::Role::Admin).await.unwrap();
    let ann = person(&app, "Ann").await;
    let bob = person(&app, "Bob").await;
    let slug = create_event(&app, &ann, "Dubious sale", 2 * 24 * 60, &[]).await;
    assert_eq!(
        call(&app, &ann.client, "invite_to_event", &[("slug", &slug), ("addresses", &email_of("Bob"))]).await.0,
        StatusCode::OK
    );
    assert_eq!(call(&app, &ann.client, "publish_event", &[("slug", &slug)]).await.0, StatusCode::OK);
    assert_eq!(app.get(&bob.client, &format!("/events/{slug}")).await.status(), StatusCode::OK);
    // Members can't; the admin page lists it.
    assert_eq!(app.get(&bob.client, "/admin/events").await.status(), StatusCode::NOT_FOUND);
    let (status, _) =
        json(app.call(&bob.client, "admin_unpublish_event", &[("slug", &slug), ("reason", "no")]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = app.get(&admin.client, "/admin/events").await.text().await.unwrap();
    assert!(page.contains("Dubious sale") && page.contains(&email_of("Ann")), "every event, with its organizer");
    // A reason is required.
    let (status, body) =
        json(app.call(&admin.client, "admin_unpublish_event", &[("slug", &slug), ("reason", " ")]).await).await;
    assert_eq!((status, body["Invalid"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    let (status, body) =
        call(&app, &admin.client, "admin_unpublish_event", &[("slug", &slug), ("reason", "Selling fake tickets")])
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The invitee no longer sees it; the organizer still does, and is told why.
    assert_eq!(app.get(&bob.client, &format!("/events/{slug}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&ann.client, &format!("/events/{slug}")).await.status(), StatusCode::OK);
    deliver_all(&app.state).await;
    let mail =
        mails_to(&app.state, &email_of("Ann")).await.into_iter().find(|m| m.subject == "Taken down: Dubious sale");
    assert!(mail.is_some_and(|m| m.text_body.contains("Selling fake tickets")));
    let log = db::audit::recent(&app.state.db.pool, 5).await.unwrap();
    assert!(log
        .iter()
        .any(|a| a.action == "event.unpublish" && a.detail == "Selling fake tickets" && a.actor == email_of("Ada")));
    // Twice: nothing more happens.
    let (status, _) =
        json(app.call(&admin.client, "admin_unpublish_event", &[("slug", &slug), ("reason", "again")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.shutdown().await;
}

//! Vouchers, credit and the admin surface over real HTTP, on SQLite and Postgres: the
//! ledger under concurrent spending, codes redeemed exactly once, bad input, admins only,
//! and card payments against localstripe (a fake, stateful Stripe on loopback).
use crate::helpers::*;
use hearth::core::db::{self, ledger};
use hearth::core::domain::account::Role;
use hearth::core::domain::ledger::{Account, Entry, Recorded};
use hearth::core::domain::money::{Currency, Money};
use hearth::vouchers::{service, store};
use reqwest::StatusCode;

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::Eur)
}

async fn make_admin(app: &TestApp, p: &Person) {
    db::users::set_role(&app.state.db.pool, p.id, Role::Admin).await.unwrap();
}

/// Ada, signed in, made an admin.
async fn an_admin(app: &TestApp) -> Person {
    let admin = person(app, "Ada").await;
    make_admin(app, &admin).await;
    admin
}

/// Gives `member` `amount` of credit through a voucher bought and redeemed (ledger only).
async fn give_credit(app: &TestApp, key: i64, member: i64, amount: i64) {
    let mut tx = app.state.db.begin_write().await.unwrap();
    ledger::record(&mut tx, &Entry::voucher_purchased(key, eur(amount), eur(amount)), "test", 1).await.unwrap();
    ledger::record(&mut tx, &Entry::voucher_redeemed(key, member, eur(amount)), "test", 1).await.unwrap();
    tx.commit().await.unwrap();
}

async fn assert_books_balance(app: &TestApp) {
    let (unbalanced, drifted, total) = ledger::audit(&app.state.db.pool).await.unwrap();
    assert_eq!(
        (unbalanced, drifted, total),
        (0, 0, 0),
        "every entry balances, caches match postings, all sums to zero"
    );
}

async fn call_ok(app: &TestApp, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) {
    let res = app.call(client, endpoint, form).await;
    let status = res.status();
    assert!(status.is_success() || status.is_redirection(), "{endpoint}: {status} {}", res.text().await.unwrap());
}

/// An admin's template; returns its id.
async fn template(app: &TestApp, admin: &Person, title: &str, price: &str) -> i64 {
    call_ok(
        app,
        &admin.client,
        "save_voucher_template",
        &[("title", title), ("price", price), ("value", ""), ("validity_days", "30")],
    )
    .await;
    store::templates(&app.state.db.pool, false).await.unwrap().into_iter().find(|t| t.title == title).unwrap().id
}

/// The code in the newest voucher mail to `to`.
async fn mailed_code(app: &TestApp, to: &str) -> String {
    deliver_all(&app.state).await;
    let mail =
        mails_to(&app.state, to).await.into_iter().rev().find(|m| m.text_body.contains("code is")).expect("code mail");
    let at = mail.text_body.find("code is ").unwrap() + "code is ".len();
    mail.text_body[at..at + 19].to_string()
}

#[tokio::test]
async fn credit_is_never_spent_twice_when_tickets_are_paid_at_the_same_moment() {
    on_every_db!(app, {
        let member = person(&app, "Ann").await;
        // Credit for three tickets of 8.00, and 20 tickets asked for at once.
        give_credit(&app, 1, member.id, 2_500).await;
        let tries = (0..20).map(|event| {
            let state = app.state.clone();
            let id = member.id;
            async move {
                let mut tx = state.db.begin_write().await.unwrap();
                match ledger::record(&mut tx, &Entry::ticket(event, id, 999, eur(800)), "ticket", 2).await {
                    Ok(r) => {
                        tx.commit().await.unwrap();
                        r == Recorded::Moved
                    }
                    Err(ledger::RecordError::Refused(_)) => false,
                    Err(e) => panic!("{e}"),
                }
            }
        });
        let results = futures::future::join_all(tries).await;
        let paid: Vec<i64> = (0..20).filter(|e| results[*e as usize]).collect();
        assert_eq!(paid.len(), 3, "three tickets fit in 25.00");
        let credit = ledger::credit(&app.state.db.pool, member.id, Currency::Eur).await.unwrap();
        assert_eq!(credit, eur(100));
        assert_eq!(ledger::balance(&app.state.db.pool, Account::Earnings(999), Currency::Eur).await.unwrap(), 2_400);
        // The same entry again moves nothing.
        let mut tx = app.state.db.begin_write().await.unwrap();
        let again =
            ledger::record(&mut tx, &Entry::ticket(paid[0], member.id, 999, eur(800)), "ticket", 3).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(again, Recorded::AlreadyRecorded);
        assert_books_balance(&app).await;
        app.shutdown().await;
    });
}

#[tokio::test]
async fn twenty_people_redeeming_one_code_at_once_exactly_one_gets_it() {
    on_every_db!(app, {
        let admin = an_admin(&app).await;
        let buyer = person(&app, "Bob").await;
        let t = template(&app, &admin, "Twenty", "20").await;
        call_ok(&app, &buyer.client, "buy_voucher", &[("template", &t.to_string()), ("gift_email", "")]).await;
        let voucher = store::of_buyer(&app.state.db.pool, buyer.id).await.unwrap().remove(0);
        assert!(voucher.code_hint.is_none(), "no code before payment");
        call_ok(
            &app,
            &admin.client,
            "voucher_transition",
            &[("voucher", &voucher.id.to_string()), ("transition", "pay")],
        )
        .await;
        let code = mailed_code(&app, &email_of("Bob")).await;
        // Twenty accounts (made directly: the race is the point, not the sign-ups).
        let mut members = Vec::new();
        for i in 0..20 {
            let email = format!("racer{i}@example.com");
            let id = db::users::insert(
                &app.state.db.pool,
                &db::users::NewUser { email: &email, display_name: "Racer", password_hash: "x", time_zone: "UTC" },
                1,
            )
            .await
            .unwrap();
            members.push(db::users::by_id(&app.state.db.pool, id).await.unwrap().unwrap());
        }
        let attempts = members.iter().enumerate().map(|(i, m)| {
            let state = app.state.clone();
            let code = code.clone();
            async move { service::redeem(&state, m, &format!("10.0.0.{i}"), &code).await }
        });
        let results = futures::future::join_all(attempts).await;
        let winners: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        for r in results.iter().filter(|r| r.is_err()) {
            assert_eq!(
                r.as_ref().err().map(|e| e.to_string()).as_deref(),
                Some("That code has already been redeemed.")
            );
        }
        let credits: i64 = {
            let mut sum = 0;
            for m in &members {
                sum += ledger::credit(&app.state.db.pool, m.id, Currency::Eur).await.unwrap().minor;
            }
            sum
        };
        assert_eq!(credits, 2_000, "the value was credited once");
        assert_books_balance(&app).await;
        app.shutdown().await;
    });
}

#[tokio::test]
async fn a_gift_is_mailed_redeemed_once_and_every_bad_code_is_refused_with_a_reason() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let buyer = person(&app, "Bob").await;
    let t = template(&app, &admin, "Coffee", "8.50").await;
    // A gift to an address with no account yet, with a note.
    call_ok(
        &app,
        &buyer.client,
        "buy_voucher",
        &[("template", &t.to_string()), ("gift_email", "Newcomer@Example.com"), ("gift_message", "Enjoy!")],
    )
    .await;
    let voucher = store::of_buyer(&app.state.db.pool, buyer.id).await.unwrap().remove(0);
    call_ok(&app, &admin.client, "voucher_transition", &[("voucher", &voucher.id.to_string()), ("transition", "pay")])
        .await;
    deliver_all(&app.state).await;
    let gift = mails_to(&app.state, "newcomer@example.com").await.pop().expect("gift mail");
    assert_eq!(gift.subject, "Bob sent you a gift: Coffee");
    assert!(gift.text_body.contains("Enjoy!") && gift.text_body.contains("€8.50"), "{}", gift.text_body);
    assert!(
        gift.text_body.contains("/signup?email=newcomer%40example.com&next=/vouchers/redeem%3Fcode%3D"),
        "{}",
        gift.text_body
    );
    let code = mailed_code(&app, "newcomer@example.com").await;
    // The buyer's own mail names no code (the gift's secret goes to the recipient only).
    assert!(mails_to(&app.state, &email_of("Bob")).await.iter().all(|m| !m.text_body.contains(&code)));

    let newcomer = person(&app, "Newcomer").await;
    // A typo is caught by the check character.
    let mut typo: Vec<char> = code.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let (status, body) = json(app.call(&newcomer.client, "redeem_voucher", &[("code", &typo)]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("typo"), "{body}");
    // A well-formed code nobody issued.
    let unknown = hearth::vouchers::domain::VoucherCode::generate(&mut rand::thread_rng()).grouped();
    let (status, body) = json(app.call(&newcomer.client, "redeem_voucher", &[("code", &unknown)]).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("We don't know that code"), "{body}");
    // The real one, typed in lower case with spaces.
    let typed = code.to_lowercase().replace('-', " ");
    call_ok(&app, &newcomer.client, "redeem_voucher", &[("code", &typed)]).await;
    assert_eq!(ledger::credit(&app.state.db.pool, newcomer.id, Currency::Eur).await.unwrap(), eur(850));
    let (status, body) = json(app.call(&buyer.client, "redeem_voucher", &[("code", &code)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.to_string().contains("already been redeemed"), "{body}");
    // The credit page shows the credit, formatted for the reader.
    let page = app.get(&newcomer.client, "/vouchers").await.text().await.unwrap();
    assert!(page.contains("€8.50"), "credit shown");
    // Too many attempts: the member is slowed down.
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = app.call(&newcomer.client, "redeem_voucher", &[("code", &unknown)]).await.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // An admin cancels nothing that was redeemed.
    let (status, _) = json(
        app.call(
            &admin.client,
            "voucher_transition",
            &[("voucher", &voucher.id.to_string()), ("transition", "cancel")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_books_balance(&app).await;
    app.shutdown().await;
}

#[tokio::test]
async fn admin_pages_and_functions_are_not_found_for_members_and_every_action_is_audited() {
    let app = spawn_app().await;
    let member = person(&app, "Mo").await;
    let admin = an_admin(&app).await;
    for path in ["/admin", "/admin/vouchers"] {
        assert_eq!(app.get(&member.client, path).await.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.get(&app.new_client(), path).await.status(), StatusCode::NOT_FOUND, "{path} signed out");
        assert_eq!(app.get(&admin.client, path).await.status(), StatusCode::OK, "{path} for the admin");
    }
    for (endpoint, form) in [
        ("get_admin_home", vec![]),
        ("admin_set_banned", vec![("user", "1"), ("banned", "yes")]),
        ("save_voucher_template", vec![("title", "Free"), ("price", "1"), ("validity_days", "1")]),
        ("voucher_transition", vec![("voucher", "1"), ("transition", "pay")]),
    ] {
        let status = app.call(&member.client, endpoint, &form).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}");
    }
    assert!(store::templates(&app.state.db.pool, true).await.unwrap().is_empty(), "nothing was created");
    // Bad template input, each with its field.
    for (price, value, days, field) in [
        ("-5", "", "30", "price"),
        ("0", "", "30", "price"),
        ("9999999", "", "30", "price"),
        ("5", "x", "30", "value"),
        ("5", "", "0", "validity_days"),
    ] {
        let (status, body) = json(
            app.call(
                &admin.client,
                "save_voucher_template",
                &[("title", "T"), ("price", price), ("value", value), ("validity_days", days)],
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{price} {value} {days}: {body}");
        assert_eq!(body["Invalid"]["field"], field, "{body}");
    }
    // A ban stops buying and inviting; the audit log says who did it.
    let t = template(&app, &admin, "Lunch", "12").await;
    call_ok(&app, &admin.client, "admin_set_banned", &[("user", &member.id.to_string()), ("banned", "yes")]).await;
    let member = person_again(&app, "Mo").await;
    let (status, body) = json(app.call(&member.client, "buy_voucher", &[("template", &t.to_string())]).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body, serde_json::json!("Suspended"), "the page says: {}", hearth::core::error::AppError::Suspended);
    let log = db::audit::recent(&app.state.db.pool, 10).await.unwrap();
    assert!(
        log.iter().any(|a| a.action == "user.ban" && a.actor == email_of("Ada") && a.subject.contains(&email_of("Mo"))),
        "{log:?}"
    );
    assert!(log.iter().any(|a| a.action == "voucher_template.save"), "{log:?}");
    let page = app.get(&admin.client, "/admin").await.text().await.unwrap();
    assert!(page.contains("user.ban") && page.contains(&email_of("Mo")), "the admin page shows the log");
    app.shutdown().await;
}

/// Logs an existing person in again (a ban signs them out everywhere).
async fn person_again(app: &TestApp, name: &str) -> Person {
    let client = app.new_client();
    let res = app.call(&client, "log_in", &[("email", &email_of(name)), ("password", PW)]).await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let id = db::users::by_email(&app.state.db.pool, &email_of(name)).await.unwrap().unwrap().id;
    Person { id, name: name.to_string(), client }
}

// ---------------------------------------------------------------------------------------
// Card payments against localstripe

const WEBHOOK_SECRET: &str = "whsec_hearth_test";

/// The localstripe this run started (scripts/test), or None (skipped unless required).
fn localstripe() -> Option<String> {
    match std::env::var("HEARTH_TEST_STRIPE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("HEARTH_REQUIRE_STRIPE").is_err(),
                "HEARTH_REQUIRE_STRIPE is set but HEARTH_TEST_STRIPE_URL is not"
            );
            eprintln!("skipped: no localstripe (HEARTH_TEST_STRIPE_URL); scripts/test starts one");
            None
        }
    }
}

async fn stripe_app(stripe: &str) -> TestApp {
    let app = spawn_app_with(sqlite_db(), |s| {
        s.payments.stripe_api_base = stripe.to_string();
        s.payments.stripe_secret_key = "sk_test_hearth".into();
        s.payments.stripe_webhook_secret = WEBHOOK_SECRET.into();
    })
    .await;
    // localstripe posts every event to the webhook registered under this app's name.
    let res = reqwest::Client::new()
        .post(format!("{stripe}/_config/webhooks/{}", app.address.replace([':', '/', '.'], "_")))
        .form(&[("url", format!("{}/api/payments/stripe", app.address)), ("secret", WEBHOOK_SECRET.to_string())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "registering the webhook: {}", res.status());
    app
}

/// What the card form does in the browser: attach a test card, confirm.
async fn pay_with_test_card(stripe: &str, intent: &str) {
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{stripe}/v1/payment_intents/{intent}"))
        .basic_auth("sk_test_hearth", Some(""))
        .form(&[("payment_method", "pm_card_visa")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let res = client
        .post(format!("{stripe}/v1/payment_intents/{intent}/confirm"))
        .basic_auth("sk_test_hearth", Some(""))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

async fn post_webhook(app: &TestApp, body: &str, signature: &str) -> (StatusCode, String) {
    let res = app
        .client
        .post(format!("{}/api/payments/stripe", app.address))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn intent_event(event_id: &str, intent: &str, voucher_id: i64, amount: i64) -> String {
    serde_json::json!({
        "id": event_id,
        "type": "payment_intent.succeeded",
        "data": { "object": {
            "id": intent, "object": "payment_intent", "amount": amount, "currency": "eur",
            "metadata": { "voucher_id": voucher_id.to_string() }
        }}
    })
    .to_string()
}

#[tokio::test]
async fn a_card_purchase_completes_only_on_the_signed_webhook() {
    let Some(stripe) = localstripe() else { return };
    let app = stripe_app(&stripe).await;
    let admin = an_admin(&app).await;
    let buyer = person(&app, "Bob").await;
    let t = template(&app, &admin, "Card voucher", "15").await;
    let res = app.call(&buyer.client, "buy_voucher", &[("template", &t.to_string())]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let voucher = store::of_buyer(&app.state.db.pool, buyer.id).await.unwrap().remove(0);
    let intent = voucher.payment_ref.clone().expect("a PaymentIntent was created");
    assert!(intent.starts_with("pi_"));
    // The card page gets the intent's client secret from Stripe.
    let page = app.get(&buyer.client, &format!("/vouchers/{}/pay", voucher.id)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("data-secret=\"{intent}_secret_")), "the card form confirms this intent");
    assert!(html.contains("src=\"https://js.stripe.com/v3/\"") && html.contains("src=\"/pay.js\""));
    assert!(csp.contains("script-src 'self'") && csp.contains(" https://js.stripe.com;"), "{csp}");
    assert!(csp.contains(&format!("connect-src 'self' {stripe};")), "{csp}");
    assert!(csp.contains("frame-src https://js.stripe.com https://hooks.stripe.com;"), "{csp}");
    // Every other page keeps the strict policy, and only the buyer sees the card form.
    let other = app.get(&buyer.client, "/vouchers").await;
    let strict = other.headers()["content-security-policy"].to_str().unwrap();
    assert!(!strict.contains("stripe") && !strict.contains("frame-src"), "{strict}");
    assert_eq!(app.get(&admin.client, &format!("/vouchers/{}/pay", voucher.id)).await.status(), StatusCode::NOT_FOUND);
    // The browser saying it paid changes nothing, and neither may an admin.
    let (status, _) = json(
        app.call(&admin.client, "voucher_transition", &[("voucher", &voucher.id.to_string()), ("transition", "pay")])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(store::get(&app.state.db.pool, voucher.id).await.unwrap().unwrap().status.as_str(), "pending_payment");

    pay_with_test_card(&stripe, &intent).await;
    eventually("the webhook completes the purchase", 20, || async {
        store::get(&app.state.db.pool, voucher.id).await.unwrap().unwrap().status.as_str() == "purchased"
    })
    .await;
    let code = mailed_code(&app, &email_of("Bob")).await;
    assert_eq!(code.len(), 19);
    assert_eq!(ledger::balance(&app.state.db.pool, Account::VoucherLiability, Currency::Eur).await.unwrap(), 1_500);

    // A second voucher, completed by a webhook we sign ourselves: forged, stale, replayed.
    let res = app.call(&buyer.client, "buy_voucher", &[("template", &t.to_string())]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let second = store::of_buyer(&app.state.db.pool, buyer.id).await.unwrap().remove(0);
    let second_intent = second.payment_ref.clone().unwrap();
    let now = chrono::Utc::now().timestamp();
    let body = intent_event("evt_hearth_1", &second_intent, second.id, 1_500);
    let forged = hearth::vouchers::stripe::sign(body.as_bytes(), "whsec_wrong", now);
    assert_eq!(post_webhook(&app, &body, &forged).await.0, StatusCode::BAD_REQUEST);
    let stale = hearth::vouchers::stripe::sign(body.as_bytes(), WEBHOOK_SECRET, now - 3_600);
    assert_eq!(post_webhook(&app, &body, &stale).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(post_webhook(&app, &body, "t=1,v1=nothex").await.0, StatusCode::BAD_REQUEST);
    // A signed event whose amount is not the price changes nothing.
    let cheap = intent_event("evt_hearth_cheap", &second_intent, second.id, 1);
    let (status, said) =
        post_webhook(&app, &cheap, &hearth::vouchers::stripe::sign(cheap.as_bytes(), WEBHOOK_SECRET, now)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(said.contains("ignored"), "{said}");
    // An unknown intent.
    let unknown = intent_event("evt_hearth_unknown", "pi_unknown", 999_999, 1_500);
    let (status, said) =
        post_webhook(&app, &unknown, &hearth::vouchers::stripe::sign(unknown.as_bytes(), WEBHOOK_SECRET, now)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(said.contains("ignored"), "{said}");
    assert_eq!(store::get(&app.state.db.pool, second.id).await.unwrap().unwrap().status.as_str(), "pending_payment");
    // The good one completes it; the same delivery again does nothing.
    let signed = hearth::vouchers::stripe::sign(body.as_bytes(), WEBHOOK_SECRET, now);
    let (status, said) = post_webhook(&app, &body, &signed).await;
    assert_eq!(status, StatusCode::OK, "{said}");
    assert!(said.contains(&format!("voucher {} purchased", second.id)), "{said}");
    let (status, said) = post_webhook(&app, &body, &signed).await;
    assert_eq!(status, StatusCode::OK);
    assert!(said.contains("already handled"), "{said}");
    assert_eq!(ledger::balance(&app.state.db.pool, Account::VoucherLiability, Currency::Eur).await.unwrap(), 3_000);

    // Cancel and refund the first one through localstripe.
    let id = voucher.id.to_string();
    call_ok(&app, &admin.client, "voucher_transition", &[("voucher", &id), ("transition", "cancel")]).await;
    call_ok(&app, &admin.client, "voucher_transition", &[("voucher", &id), ("transition", "refund")]).await;
    let refunded: Option<String> = sqlx::query_scalar("SELECT refund_ref FROM vouchers WHERE id = $1")
        .bind(voucher.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(refunded.as_deref().is_some_and(|r| r.starts_with("re_")), "{refunded:?}");
    let (status, _) =
        json(app.call(&admin.client, "voucher_transition", &[("voucher", &id), ("transition", "refund")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "refunded once");
    // The refunded voucher's code no longer works.
    let (status, body) = json(app.call(&buyer.client, "redeem_voucher", &[("code", &code)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.to_string().contains("cancelled"), "{body}");
    assert_eq!(ledger::balance(&app.state.db.pool, Account::Refunds, Currency::Eur).await.unwrap(), 0);
    assert_eq!(ledger::balance(&app.state.db.pool, Account::Clearing, Currency::Eur).await.unwrap(), -1_500);
    assert_books_balance(&app).await;
    app.shutdown().await;
}

#[tokio::test]
async fn a_voucher_expires_at_its_time_and_its_value_returns_to_the_site() {
    let app = spawn_app().await;
    let admin = an_admin(&app).await;
    let buyer = person(&app, "Bob").await;
    let t = template(&app, &admin, "Short-lived", "5").await;
    call_ok(&app, &buyer.client, "buy_voucher", &[("template", &t.to_string())]).await;
    let voucher = store::of_buyer(&app.state.db.pool, buyer.id).await.unwrap().remove(0);
    call_ok(&app, &admin.client, "voucher_transition", &[("voucher", &voucher.id.to_string()), ("transition", "pay")])
        .await;
    let code = mailed_code(&app, &email_of("Bob")).await;
    // Not due yet: the job does nothing.
    hearth::core::jobs::timed::run_due(&app.state).await.unwrap();
    assert_eq!(store::get(&app.state.db.pool, voucher.id).await.unwrap().unwrap().status.as_str(), "purchased");
    // Its time comes (moved to the past here instead of waiting 30 days).
    let past = chrono::Utc::now().timestamp() - 1;
    sqlx::query("UPDATE vouchers SET expires_at = $1 WHERE id = $2")
        .bind(past)
        .bind(voucher.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE timed_jobs SET run_at = $1 WHERE job_key = $2")
        .bind(past)
        .bind(format!("voucher-expiry:{}", voucher.id))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    // Even before the job runs, an expired code is refused.
    let (status, body) = json(app.call(&buyer.client, "redeem_voucher", &[("code", &code)]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.to_string().contains("expired"), "{body}");
    assert!(hearth::core::jobs::timed::run_due(&app.state).await.unwrap() >= 1);
    assert_eq!(store::get(&app.state.db.pool, voucher.id).await.unwrap().unwrap().status.as_str(), "expired");
    assert_eq!(ledger::balance(&app.state.db.pool, Account::VoucherLiability, Currency::Eur).await.unwrap(), 0);
    assert_eq!(ledger::balance(&app.state.db.pool, Account::Site, Currency::Eur).await.unwrap(), 500);
    assert_books_balance(&app).await;
    // An expired voucher can't be cancelled either.
    let (status, _) = json(
        app.call(
            &admin.client,
            "voucher_transition",
            &[("voucher", &voucher.id.to_string()), ("transition", "cancel")],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.shutdown().await;
}

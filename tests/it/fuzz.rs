//! Every `#[server]` endpoint, read from the source (and checked against the ones the server
//! registered, so a new one cannot be left out), called with generated input as a stranger,
//! a member and an admin: missing fields, wrong types, huge and negative numbers, 100 KB
//! strings, invalid UTF-8 percent-encodings, emoji and right-to-left text, SQL and HTML.
//! No answer may be a 5xx, nothing may panic, and every 4xx says what went wrong in
//! words a person reads. The seed is printed; `HEARTH_FUZZ_SEED` replays a run.
use crate::helpers::*;
use futures::StreamExt;
use hearth::core::db;
use hearth::core::domain::account::Role;
use hearth::core::error::AppError;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
struct Param {
    name: String,
    ty: String,
}

#[derive(Clone, Debug)]
struct Endpoint {
    name: String,
    params: Vec<Param>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Splits at commas outside `<>`, `()` and `[]`.
fn split_top_level(s: &str) -> Vec<String> {
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for c in s.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// Every `#[server(prefix = "/api", endpoint = "…")]` function in `src/`, with its
/// parameters (name and type) as written.
fn endpoints_in_source() -> Vec<Endpoint> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("#[server(") {
            let after = &rest[at..];
            let attr = &after[..after.find(")]").expect("a closed #[server(…)]")];
            let name = attr
                .split("endpoint = \"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("{}: a #[server] without endpoint = \"…\"", file.display()))
                .to_string();
            let sig = &after[after.find("fn ").unwrap()..];
            let open = sig.find('(').unwrap();
            let mut depth = 0;
            let mut close = open;
            for (i, c) in sig[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            close = open + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let params = split_top_level(&sig[open + 1..close])
                .into_iter()
                .map(|p| {
                    let p: String =
                        p.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join(" ");
                    let (name, ty) = p.split_once(':').unwrap_or_else(|| panic!("parameter {p:?} of {name}"));
                    Param { name: name.trim().to_string(), ty: ty.split_whitespace().collect() }
                })
                .collect();
            found.push(Endpoint { name, params });
            rest = &after[1..];
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// What a generated value may refer to: real ids and names, so that calls also get past the
/// "not found" checks and into the code behind them.
struct Fixtures {
    ids: Vec<i64>,
    slugs: Vec<String>,
    emails: Vec<String>,
}

const HOSTILE: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "-9223372036854775808",
    "9223372036854775807",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "abc",
    "true",
    "null",
    "[]",
    "{}",
    "🎅🏽👨‍👩‍👧‍👦🎁",
    "مرحبا بالعالم",
    "\u{202E}gnp.exe\u{202C} שלום",
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "\"><svg onload=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "../../../../etc/passwd",
    "\0",
    "a\r\nBcc: victim@example.com",
    "%00",
    "2027-02-30T25:61",
    "Not/A_Zone",
    "ann@example.com",
    "HRTH-0000-0000-0000",
];

/// Raw (already percent-encoded) values that are not valid UTF-8 or not valid encoding.
const RAW_BAD: &[&str] = &["%FF%FE", "%C3%28", "%E2%82", "%", "%zz", "%F0%9F%8E", "%ED%A0%80"];

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn plausible(p: &Param, rng: &mut StdRng, fx: &Fixtures) -> String {
    let n = p.name.as_str();
    let int = p.ty.contains("i64") || p.ty.contains("i32") || p.ty.contains("u32") || p.ty.contains("u64");
    if int {
        return fx.ids.choose(rng).unwrap().to_string();
    }
    if p.ty.contains("bool") {
        return ["true", "false", "on"].choose(rng).unwrap().to_string();
    }
    let pick = |v: &[&str], rng: &mut StdRng| v.choose(rng).unwrap().to_string();
    if n.contains("email") || n == "addresses" {
        return fx.emails.choose(rng).unwrap().clone();
    }
    if n.contains("slug") {
        return fx.slugs.choose(rng).unwrap().clone();
    }
    if n.contains("password") {
        return pick(&["correct horse battery staple", "short", "password"], rng);
    }
    if n.contains("zone") {
        return pick(&["Europe/Paris", "UTC", "America/New_York"], rng);
    }
    if n.contains("date") || n.ends_with("_at") || n.contains("start") || n.contains("day") {
        return pick(&["2027-01-15T12:00", "2027-01-15", "2020-01-01T00:00", "monday"], rng);
    }
    if n.contains("from") || n.contains("until") || n.contains("time") {
        return pick(&["12:00", "13:30", "23:59", "00:00"], rng);
    }
    if n.contains("amount") || n.contains("price") {
        return pick(&["10", "10.50", "0", "1000000"], rng);
    }
    if n.contains("currency") {
        return pick(&["EUR", "USD", "XXX"], rng);
    }
    pick(&["Ann", "Team lunch", "A kind note", "Office", "Vegan", "10 euros"], rng)
}

/// A value for one parameter, already encoded for a form body (None: the field is left out).
fn value(p: &Param, rng: &mut StdRng, fx: &Fixtures) -> Option<String> {
    match rng.gen_range(0..100) {
        0..10 => None,
        10..50 => Some(enc(&plausible(p, rng, fx))),
        50..58 => Some(RAW_BAD.choose(rng).unwrap().to_string()),
        58..63 => Some(enc(&"x".repeat(100_000))),
        63..66 => Some(enc(&"🎅".repeat(5_000))),
        _ => Some(enc(HOSTILE.choose(rng).unwrap())),
    }
}

/// One form body for an endpoint.
fn body(e: &Endpoint, rng: &mut StdRng, fx: &Fixtures) -> String {
    if rng.gen_range(0..100) < 3 {
        return ["%%%", "=&=&", "a=%ZZ&&&", "\u{0}\u{1}", "x".repeat(200_000).as_str()]
            .choose(rng)
            .unwrap()
            .to_string();
    }
    let mut pairs: Vec<String> = Vec::new();
    for p in &e.params {
        let Some(v) = value(p, rng, fx) else { continue };
        if p.ty.contains("Vec<") {
            match rng.gen_range(0..4) {
                0 => pairs.push(format!("{}={v}", p.name)),
                1 => pairs.push(format!("{}[]={v}", p.name)),
                2 => pairs.push(format!("{}[x]={v}", p.name)),
                _ => {
                    for i in 0..rng.gen_range(1..4) {
                        let v = self::value(p, rng, fx).unwrap_or_default();
                        pairs.push(format!("{}[{i}]={v}", p.name));
                    }
                }
            }
        } else {
            pairs.push(format!("{}={v}", p.name));
        }
        if rng.gen_range(0..100) < 4 {
            pairs.push(format!("{}={}", p.name, enc(HOSTILE.choose(rng).unwrap())));
        }
    }
    if rng.gen_range(0..100) < 5 {
        pairs.push(format!("unexpected_field={}", enc("<b>hi</b>")));
    }
    pairs.join("&")
}

/// The words a person would read for a refused call, or why there are none.
fn message_of(body: &str) -> Result<String, String> {
    let text = match serde_json::from_str::<AppError>(body) {
        Ok(e) => e.to_string(),
        Err(_) => body.trim().to_string(),
    };
    let starts_well = text.chars().next().is_some_and(|c| c.is_uppercase());
    let ends_well = text.ends_with(['.', '!', '?']);
    let leaks = ["`", "Error", "error:", "serde", "sqlx", "panicked", "invalid type", "ServerFn", "unwrap"]
        .iter()
        .find(|w| text.contains(**w));
    if !starts_well || !ends_well || leaks.is_some() || text.len() > 400 {
        return Err(text);
    }
    Ok(text)
}

#[derive(Default)]
struct Tally {
    calls: usize,
    by_status: BTreeMap<u16, usize>,
    server_errors: Vec<String>,
    unreadable: Vec<String>,
    messages: BTreeSet<String>,
    per_endpoint: BTreeMap<String, usize>,
    pages: usize,
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Stranger,
    Member,
    Admin,
}

async fn fuzz_on(t: TestDb, calls: usize, seed: u64) -> Tally {
    let app = spawn_app_with(t, |s| s.worker.enabled = false).await;
    let pool = app.state.db.pool.clone();

    // The server registered exactly the functions the source declares.
    let endpoints = endpoints_in_source();
    let declared: BTreeSet<String> = endpoints.iter().map(|e| format!("/api/{}", e.name)).collect();
    let registered: BTreeSet<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_string()).collect();
    assert_eq!(declared, registered, "the fuzzer reads every registered server function from the source");
    assert!(endpoints.len() > 50, "found {} endpoints", endpoints.len());

    // A member with an exchange, an event and lunches; an admin; real ids to aim at.
    let ann = person(&app, "Ann").await;
    let bob = person(&app, "Bob").await;
    let ada = person(&app, "Ada").await;
    db::users::set_role(&pool, ada.id, Role::Admin).await.unwrap();
    let exchange = crate::santa::create_exchange(&app, &ann, "Fuzzed exchange").await;
    let slug = crate::events::create_event(&app, &ann, "Fuzzed event", 24 * 60, &[]).await;
    let (location, _) = crate::lunches::lists(&app, &ada).await;
    let _ = crate::lunches::luncher(&app, "Cy", location).await;
    let mut ids: Vec<i64> = vec![1, 2, 3, exchange, location, ann.id, bob.id, ada.id];
    for table in ["events", "lunch_locations", "food_types", "users", "exchanges"] {
        let more: Vec<i64> =
            sqlx::query_scalar(&format!("SELECT id FROM {table}")).fetch_all(&pool).await.unwrap_or_default();
        ids.extend(more);
    }
    let fx = Fixtures {
        ids,
        slugs: vec![slug, "no-such-event".into()],
        emails: vec!["ann@example.com".into(), "new@example.com".into(), "a@b.c, d@e.f".into(), "not an email".into()],
    };

    // Sessions we hold by value: a fuzzed log-out or password change ends them; they are
    // put back before each round.
    let sessions: Vec<(Who, Option<(String, i64)>)> = vec![
        (Who::Stranger, None),
        (Who::Member, Some((hearth::core::crypto::new_token(), ann.id))),
        (Who::Admin, Some((hearth::core::crypto::new_token(), ada.id))),
    ];
    // No kept-alive connections: the server closes one after refusing an oversized body
    // unread, and a reused one would fail for the next call's sake, not the server's.
    let limit = app.state.settings.server.body_limit_bytes;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .build()
        .unwrap();

    let mut rng = StdRng::seed_from_u64(seed);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut done = 0;
    while done < calls {
        for (_, s) in &sessions {
            if let Some((token, user)) = s {
                let hash = hearth::core::crypto::token_hash(token);
                if db::sessions::user_of(&pool, &hash, db::now()).await.unwrap().is_none() {
                    let _ = db::sessions::delete(&pool, &hash).await;
                    db::sessions::insert(&pool, &hash, *user, db::now(), db::now() + 86_400).await.unwrap();
                }
            }
        }
        // Ann and Ada may have been suspended or demoted by a fuzzed admin call: undo it.
        db::users::set_role(&pool, ada.id, Role::Admin).await.unwrap();
        let round: Vec<_> = (0..(calls - done).min(200))
            .map(|_| {
                let e = endpoints.choose(&mut rng).unwrap().clone();
                let (who, session) = sessions.choose(&mut rng).unwrap().clone();
                let form = body(&e, &mut rng, &fx);
                let js = rng.gen_range(0..100) < 70;
                let content_type = match rng.gen_range(0..100) {
                    0..3 => "text/plain",
                    3..5 => "application/json",
                    5..7 => "multipart/form-data; boundary=x",
                    _ => "application/x-www-form-urlencoded",
                };
                // As browsers do, sometimes: the answer comes compressed (only its status is read).
                let compressed = rng.gen_range(0..100) < 20;
                (e, who, session, form, js, content_type, compressed)
            })
            .collect();
        done += round.len();
        let address = app.address.clone();
        futures::stream::iter(round)
            .for_each_concurrent(6, |(e, who, session, form, js, content_type, compressed)| {
                let client = client.clone();
                let tally = tally.clone();
                let address = address.clone();
                async move {
                    let mut req = client
                        .post(format!("{address}/api/{}", e.name))
                        .header("Content-Type", content_type)
                        .header("Accept", if js { "application/json" } else { "text/html" })
                        .header("Referer", format!("{address}/"))
                        .body(form.clone());
                    if let Some((token, _)) = &session {
                        req = req.header("Cookie", format!("hearth_session={token}"));
                    }
                    if compressed {
                        req = req.header("Accept-Encoding", "gzip, br");
                    }
                    let what = || {
                        let shown: String = form.chars().take(160).collect();
                        format!("{who:?} POST /api/{} [{content_type}] {shown}", e.name)
                    };
                    let res = match req.send().await {
                        Ok(r) => r,
                        // Over the limit, the server may answer 413 and close before the
                        // client has finished writing: the client sees a broken pipe.
                        Err(_) if form.len() > limit => {
                            let mut t = tally.lock().unwrap();
                            t.calls += 1;
                            *t.by_status.entry(413).or_default() += 1;
                            *t.per_endpoint.entry(e.name.clone()).or_default() += 1;
                            return;
                        }
                        Err(err) => {
                            let mut chain = format!("{err}");
                            let mut source = std::error::Error::source(&err);
                            while let Some(s) = source {
                                chain.push_str(&format!(": {s}"));
                                source = s.source();
                            }
                            tally.lock().unwrap().server_errors.push(format!("no answer ({chain}): {}", what()));
                            return;
                        }
                    };
                    let status = res.status().as_u16();
                    // A plain form post's error rides back to its page in `__err`.
                    let sent_back = res
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .and_then(|l| url::Url::parse(&format!("http://x{l}")).ok())
                        .and_then(|u| u.query_pairs().find(|(k, _)| k == "__err").map(|(_, v)| v.into_owned()));
                    let text = res.text().await.unwrap_or_default();
                    let mut t = tally.lock().unwrap();
                    t.calls += 1;
                    *t.by_status.entry(status).or_default() += 1;
                    *t.per_endpoint.entry(e.name.clone()).or_default() += 1;
                    if let Some(err) = sent_back {
                        use base64::Engine;
                        let decoded = base64::engine::general_purpose::URL_SAFE
                            .decode(err.as_bytes())
                            .ok()
                            .and_then(|b| String::from_utf8(b).ok())
                            .unwrap_or_default();
                        match message_of(&decoded) {
                            Ok(m) => {
                                t.messages.insert(format!("{status} (back to the form) {m}"));
                            }
                            Err(m) => t.unreadable.push(format!("{status} __err {m:?} for {}", what())),
                        }
                        if decoded.contains("Internal") {
                            t.server_errors.push(format!("an internal error sent back to the form: {}", what()));
                        }
                    }
                    if status >= 500 {
                        t.server_errors.push(format!(
                            "{status} {}: {}",
                            what(),
                            text.chars().take(200).collect::<String>()
                        ));
                    } else if (400..500).contains(&status) && !compressed {
                        match message_of(&text) {
                            Ok(m) => {
                                t.messages.insert(format!("{status} {m}"));
                            }
                            Err(m) => t.unreadable.push(format!("{status} {m:?} for {}", what())),
                        }
                    }
                }
            })
            .await;
    }
    // Every page of the route table, with hostile path parameters and query strings.
    let routes: Vec<String> =
        hearth::core::server::startup::route_list().iter().map(|r| r.path().to_string()).collect();
    assert!(routes.len() > 20, "{routes:?}");
    let mut pages = Vec::new();
    for route in &routes {
        for _ in 0..12 {
            let path: Vec<String> = route
                .split('/')
                .map(|seg| {
                    if seg.starts_with(':') || seg.starts_with('{') || seg.starts_with('*') {
                        match rng.gen_range(0..3) {
                            0 => fx.ids.choose(&mut rng).unwrap().to_string(),
                            1 => RAW_BAD.choose(&mut rng).unwrap().to_string(),
                            _ => enc(HOSTILE.choose(&mut rng).unwrap()).replace('+', "%20"),
                        }
                    } else {
                        seg.to_string()
                    }
                })
                .collect();
            let query = match rng.gen_range(0..4) {
                0 => String::new(),
                1 => {
                    format!("?t={}&code={}", enc(HOSTILE.choose(&mut rng).unwrap()), RAW_BAD.choose(&mut rng).unwrap())
                }
                2 => format!("?__err={}&__path=/api/sign_up", enc(HOSTILE.choose(&mut rng).unwrap())),
                _ => format!("?next={}&typed.name={}", enc(HOSTILE.choose(&mut rng).unwrap()), "%FF"),
            };
            let (who, session) = sessions.choose(&mut rng).unwrap().clone();
            pages.push((format!("{}{query}", path.join("/")), who, session));
        }
    }
    let page_calls = pages.len();
    futures::stream::iter(pages)
        .for_each_concurrent(6, |(path, who, session)| {
            let client = client.clone();
            let tally = tally.clone();
            let url = format!("{}{path}", app.address);
            async move {
                let mut req = client.get(&url);
                if let Some((token, _)) = &session {
                    req = req.header("Cookie", format!("hearth_session={token}"));
                }
                let mut t_status = None;
                match req.send().await {
                    Ok(res) => t_status = Some(res.status().as_u16()),
                    Err(e) => tally.lock().unwrap().server_errors.push(format!("no answer ({e}): {who:?} GET {path}")),
                }
                if let Some(status) = t_status {
                    let mut t = tally.lock().unwrap();
                    t.pages += 1;
                    if status >= 500 {
                        t.server_errors.push(format!("{status} {who:?} GET {path}"));
                    }
                }
            }
        })
        .await;
    assert_eq!(tally.lock().unwrap().pages, page_calls, "every page answered");
    let served_5xx = app.state.metrics.responses_5xx.load(Ordering::Relaxed);
    app.shutdown().await;
    let mut t = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
    if served_5xx > 0 && t.server_errors.is_empty() {
        t.server_errors.push(format!("{served_5xx} 5xx counted by the server"));
    }
    for e in &endpoints {
        t.per_endpoint.entry(e.name.clone()).or_default();
    }
    t
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_server_function_survives_10_000_hostile_calls_without_a_5xx_or_a_panic() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let seed = std::env::var("HEARTH_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    eprintln!("fuzz seed {seed} (HEARTH_FUZZ_SEED={seed} replays this run)");
    let mut runs = vec![(sqlite_db(), 10_000)];
    if let Some(pg) = postgres_db().await {
        runs.push((pg, 10_000));
    }
    for (t, calls) in runs {
        let name = t.name;
        let tally = fuzz_on(t, calls, seed).await;
        eprintln!("{name}: {} calls, statuses {:?}; {} page loads", tally.calls, tally.by_status, tally.pages);
        eprintln!("{name}: {} distinct refusals, e.g.:", tally.messages.len());
        for m in tally.messages.iter().take(40) {
            eprintln!("  {m}");
        }
        let never: Vec<_> = tally.per_endpoint.iter().filter(|(_, n)| **n == 0).map(|(e, _)| e).collect();
        assert!(never.is_empty() || calls < 1_000, "{name}: endpoints never called: {never:?}");
        assert!(
            tally.server_errors.is_empty(),
            "{name}: {} 5xx answers:\n{}",
            tally.server_errors.len(),
            tally.server_errors.join("\n")
        );
        assert!(
            tally.unreadable.is_empty(),
            "{name}: {} refusals a person cannot read:\n{}",
            tally.unreadable.len(),
            tally.unreadable.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
        );
        assert_eq!(tally.calls, calls, "{name}: every call was answered");
    }
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "no panic while fuzzing (see the log above)");
}

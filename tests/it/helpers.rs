//! Spawning the application, databases and an SMTP server for tests.
use hearth::core::config::{MailTransport, Settings};
use hearth::core::db::{self, Db};
use hearth::core::server::startup::Application;
use hearth::core::state::AppState;
use reqwest::StatusCode;
use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

/// A database for one test: a fresh SQLite file, or a fresh Postgres database.
pub struct TestDb {
    pub url: String,
    pub name: &'static str,
    /// The SQLite file (for SQLite) and the uploaded media live here.
    dir: TempDir,
}

impl TestDb {
    pub fn media_dir(&self) -> String {
        self.dir.path().join("media").display().to_string()
    }
}

pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/hearth.db", dir.path().display());
    TestDb { url, name: "sqlite", dir }
}

/// A new, empty Postgres database on the server the test command started.
pub async fn postgres_db() -> Option<TestDb> {
    let Ok(base) = std::env::var("HEARTH_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("HEARTH_REQUIRE_POSTGRES").is_err(),
            "HEARTH_REQUIRE_POSTGRES is set but HEARTH_TEST_POSTGRES_URL is not"
        );
        eprintln!("note: HEARTH_TEST_POSTGRES_URL not set; Postgres half of this test skipped (scripts/test sets it)");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("hearth_t_{}", &hearth::core::crypto::token_hash(&hearth::core::crypto::new_token())[..16]);
    let pool = sqlx::AnyPool::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    pool.close().await;
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("bad HEARTH_TEST_POSTGRES_URL"),
    };
    Some(TestDb { url, name: "postgres", dir: tempfile::tempdir().unwrap() })
}

/// Every backend available to this run: SQLite always, Postgres when the test command
/// started one (it always does; see scripts/test).
pub async fn all_dbs() -> Vec<TestDb> {
    let mut v = vec![sqlite_db()];
    if let Some(pg) = postgres_db().await {
        v.push(pg);
    }
    v
}

pub async fn connect(db: &TestDb) -> Db {
    let d = Db::connect(&db.url, 8).await.unwrap();
    d.migrate().await.unwrap();
    d
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn settings_for(db: &TestDb) -> Settings {
    let mut s = Settings::default();
    s.server.addr = "127.0.0.1:0".into();
    s.database.url = db.url.clone();
    s.media.dir = db.media_dir();
    s.mail.transport = MailTransport::DevMailbox;
    s.worker.enabled = false;
    s.worker.poll_interval_ms = 50;
    s.worker.backoff_base_secs = 60;
    s.lunches.pair_key = "integration tests: a key of 32+ characters".into();
    s
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub client: reqwest::Client,
    db: Option<TestDb>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Every HTTP call a test makes gives up after this long: a server that stops answering
/// fails the test with the address it was waiting for, instead of hanging it.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A browser-like client: its own cookie jar, no automatic redirects, a time limit.
pub fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .build()
        .unwrap()
}

impl TestApp {
    /// A second browser (its own cookie jar).
    pub fn new_client(&self) -> reqwest::Client {
        test_client()
    }

    /// Calls a server function the way a JS client does (form body, JSON answer).
    pub async fn call(&self, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client
            .post(format!("{}/api/{endpoint}", self.address))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint} got no answer: {e}"))
    }

    /// GETs a page (or any path) of this app.
    pub async fn get(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} got no answer: {e}"))
    }

    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }

    /// Stops the server but keeps its database, to start another server on it.
    pub async fn shutdown_keep_db(mut self) -> TestDb {
        let db = self.db.take().expect("database");
        self.state.db.pool.close().await;
        self.shutdown().await;
        db
    }
}

pub async fn spawn_app_with(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = settings_for(&db);
    tweak(&mut settings);
    let app = Application::build(settings, hearth::GATHERINGS).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_with_shutdown(async move {
        let _ = rx.await;
    }));
    let client = test_client();
    TestApp { address, state, client, db: Some(db), stop: Some(tx), handle: Some(handle) }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(sqlite_db(), |_| {}).await
}

/// The link in the newest dev-mailbox mail to `to`, as a path (`/l/…` or `/reset/…`).
pub async fn last_link_to(state: &AppState, to: &str) -> String {
    let mails = hearth::core::db::outbox::dev_mailbox_list(&state.db.pool, 100).await.unwrap();
    let mail = mails.into_iter().find(|m| m.recipient == to).expect("no mail to that address");
    let base = state.settings.base_url().to_string();
    mail.text_body
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&base).map(str::to_string))
        .expect("no link in the mail")
}

/// Every mail delivered to `to` (after delivering what is due), newest first.
pub async fn mails_to(state: &AppState, to: &str) -> Vec<hearth::core::db::outbox::DevMail> {
    deliver_all(state).await;
    hearth::core::db::outbox::dev_mailbox_list(&state.db.pool, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == to)
        .collect()
}

/// Sends everything due, through the app's own worker code.
pub async fn deliver_all(state: &AppState) {
    while let hearth::core::jobs::outbox::Outcome::Sent(_) =
        hearth::core::jobs::outbox::dispatch_once(state).await.unwrap()
    {}
}

/// Polls `f` until it is true or the time is up.
pub async fn eventually<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// A real SMTP server (Python's aiosmtpd) on loopback, writing each message to a maildir.
pub struct SmtpServer {
    pub port: u16,
    pub maildir: PathBuf,
    child: Child,
    _dir: TempDir,
}

impl SmtpServer {
    pub fn start_on(port: u16) -> Self {
        let python = std::env::var("HEARTH_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd (pip install aiosmtpd; scripts/test installs it)");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { port, maildir, child, _dir: dir }
    }

    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Every message received so far, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a header in a raw message (first occurrence, unfolded).
pub fn header(raw: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    raw.lines().find(|l| l.to_ascii_lowercase().starts_with(&prefix)).map(|l| l[prefix.len()..].trim().to_string())
}

pub const PW: &str = "correct horse battery";

/// A signed-in, verified person with their own cookie jar.
pub struct Person {
    pub id: i64,
    pub name: String,
    pub client: reqwest::Client,
}

pub async fn person(app: &TestApp, name: &str) -> Person {
    let client = app.new_client();
    let email = email_of(name);
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

pub async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub fn email_of(name: &str) -> String {
    format!("{}@example.com", name.to_lowercase())
}

/// Runs a test body once on SQLite and once on Postgres.
macro_rules! on_every_db {
    ($app:ident, $body:block) => {
        for t in all_dbs().await {
            let $app = spawn_app_with(t, |_| {}).await;
            $body
        }
    };
}

/// Reads a server-sent event stream until `what` appears (true) or the stream ends (false).
pub async fn read_until(stream: &mut reqwest::Response, what: &str) -> bool {
    let mut text = String::new();
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), stream.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                text.push_str(&String::from_utf8_lossy(&chunk));
                if text.contains(what) {
                    return true;
                }
            }
            Ok(_) => return false,
            Err(_) => panic!("no event and no end of stream within 10 s (waiting for {what:?}); got {text:?}"),
        }
    }
}

/// Posts a form as a browser without JavaScript does (every form outside an island).
pub async fn plain_post(app: &TestApp, p: &Person, endpoint: &str, page: &str, form: &[(&str, &str)]) -> String {
    let res = p
        .client
        .post(format!("{}/api/{endpoint}", app.address))
        .header("Accept", "text/html,application/xhtml+xml")
        .header("Referer", format!("{}{page}", app.address))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "{endpoint}");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    location.strip_prefix(&app.address).unwrap_or(&location).to_string()
}

/// The real `hearth` binary on a port of its own, sending mail to `smtp_port`, with small
/// batches and a short lease (so a killed instance's claims are taken over quickly).
pub struct HearthProcess {
    pub port: u16,
    pub child: Child,
}

impl HearthProcess {
    pub fn start(db_url: &str, smtp_port: u16) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_hearth"))
            .env("HEARTH_CONFIG", "/nonexistent/hearth.toml")
            .env("HEARTH_DATABASE__URL", db_url)
            .env("HEARTH_SERVER__ADDR", format!("127.0.0.1:{port}"))
            .env("HEARTH_MAIL__TRANSPORT", "smtp")
            .env("HEARTH_MAIL__SMTP_PORT", smtp_port.to_string())
            .env("HEARTH_WORKER__BATCH_SIZE", "5")
            .env("HEARTH_WORKER__LEASE_SECS", "5")
            .env("HEARTH_MAIL__SMTP_TIMEOUT_SECS", "2")
            .env("HEARTH_WORKER__POLL_INTERVAL_MS", "50")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the hearth binary");
        Self { port, child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until it answers /healthz.
    pub async fn ready(&self) {
        let client = test_client();
        let url = self.url("/healthz");
        eventually("the hearth process to answer /healthz", 60, || {
            let req = client.get(&url).send();
            async move { req.await.is_ok_and(|r| r.status() == StatusCode::OK) }
        })
        .await;
    }

    /// A counter from its /metrics.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = test_client().get(self.url("/metrics")).send().await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{name} in /metrics: {text}"))
            .parse()
            .unwrap()
    }

    /// SIGKILL: no shutdown, no lease released.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for HearthProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

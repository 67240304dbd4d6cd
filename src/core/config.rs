//! Typed runtime configuration: built-in defaults, then `Leptos.toml`, then environment
//! variables (`HEARTH_SECTION__KEY`, e.g. `HEARTH_DATABASE__URL`). See the README.
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub worker: WorkerSettings,
    pub auth: AuthSettings,
    pub media: MediaSettings,
    pub payments: PaymentSettings,
    pub lunches: LunchSettings,
}

/// Lunches: the key of the bad-pair hashes, and how soon availability changes are matched.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LunchSettings {
    /// The secret the bad-pair Bloom filter hashes pairs with (HEARTH_LUNCHES__PAIR_KEY, at
    /// least 32 characters). It is never stored in the database, so a dump of the database
    /// does not say who would rather not lunch with whom. Required unless in dev mode.
    pub pair_key: String,
    /// A change to availability for the coming week runs the matching at most this many
    /// seconds later (changes within that time share one run).
    pub matching_debounce_secs: u64,
}

impl Default for LunchSettings {
    fn default() -> Self {
        Self { pair_key: String::new(), matching_debounce_secs: 60 }
    }
}

/// The key is never printed.
impl std::fmt::Debug for LunchSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LunchSettings")
            .field("pair_key", &if self.pair_key.is_empty() { "(not set)" } else { "(set)" })
            .field("matching_debounce_secs", &self.matching_debounce_secs)
            .finish()
    }
}

/// Used when no key is configured in dev mode (a dev database's pairs are not secret).
const DEV_PAIR_KEY: &str = "hearth dev mode: not a secret, set lunches.pair_key";
pub const PAIR_KEY_MIN_LEN: usize = 32;

impl LunchSettings {
    /// The key's bytes (the dev key when none is set; `validate` refuses that outside dev mode).
    pub fn pair_key(&self) -> Vec<u8> {
        if self.pair_key.is_empty() {
            DEV_PAIR_KEY.as_bytes().to_vec()
        } else {
            self.pair_key.as_bytes().to_vec()
        }
    }
}

/// Money: the site's one currency and how cards are paid. With no Stripe secret key the
/// `manual` provider is used: an admin marks a purchase paid.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentSettings {
    /// ISO 4217 code of every price and credit on this site.
    pub currency: String,
    /// Stripe's API (a local fake such as localstripe in tests).
    pub stripe_api_base: String,
    /// Secret key (set it through HEARTH_PAYMENTS__STRIPE_SECRET_KEY); empty: no card payments.
    pub stripe_secret_key: String,
    /// The webhook endpoint's signing secret (HEARTH_PAYMENTS__STRIPE_WEBHOOK_SECRET).
    pub stripe_webhook_secret: String,
    /// The publishable key the card form uses in the browser.
    pub stripe_publishable_key: String,
    /// Where the browser loads Stripe.js from.
    pub stripe_js_url: String,
    /// How old a signed webhook may be (its timestamp), in seconds.
    pub webhook_tolerance_secs: i64,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        Self {
            currency: "EUR".into(),
            stripe_api_base: "https://api.stripe.com".into(),
            stripe_secret_key: String::new(),
            stripe_webhook_secret: String::new(),
            stripe_publishable_key: String::new(),
            stripe_js_url: "https://js.stripe.com/v3/".into(),
            webhook_tolerance_secs: 300,
        }
    }
}

/// The secrets are never printed.
impl std::fmt::Debug for PaymentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: &str| if s.trim().is_empty() { "unset" } else { "set" };
        f.debug_struct("PaymentSettings")
            .field("currency", &self.currency)
            .field("stripe_api_base", &self.stripe_api_base)
            .field("stripe_secret_key", &set(&self.stripe_secret_key))
            .field("stripe_webhook_secret", &set(&self.stripe_webhook_secret))
            .field("stripe_js_url", &self.stripe_js_url)
            .finish_non_exhaustive()
    }
}

impl PaymentSettings {
    /// The site currency (checked at start by `validate`; EUR if unknown).
    pub fn currency(&self) -> crate::core::domain::money::Currency {
        crate::core::domain::money::Currency::from_code(&self.currency)
            .unwrap_or(crate::core::domain::money::Currency::Eur)
    }

    /// Whether cards are paid through Stripe (a secret key is configured).
    pub fn stripe_enabled(&self) -> bool {
        !self.stripe_secret_key.trim().is_empty()
    }
}

/// Where uploaded photos and videos are kept.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct MediaSettings {
    /// A local directory (created at start).
    pub dir: String,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self { dir: "data/media".into() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Address to listen on (port 0 picks a free port).
    pub addr: String,
    /// Public address of the site, used in emailed links.
    pub base_url: String,
    /// Where the built site (pkg/, icons, manifest, service worker) lives.
    pub site_root: String,
    pub site_pkg_dir: String,
    /// Dev mode: the dev mailbox page exists (answering loopback clients only).
    pub dev_mode: bool,
    /// Dev mode is refused at start when `addr` is not a loopback address, unless this is
    /// set (logged as a warning).
    pub allow_dev_mode_on_network: bool,
    /// Reverse proxies (CIDRs) whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Log format: "pretty" or "json".
    pub log_format: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:3000".into(),
            base_url: "http://127.0.0.1:3000".into(),
            site_root: "target/site".into(),
            site_pkg_dir: "pkg".into(),
            dev_mode: true,
            allow_dev_mode_on_network: false,
            trusted_proxies: Vec::new(),
            body_limit_bytes: 64 * 1024,
            log_format: "pretty".into(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (embedded, default) or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self { url: "sqlite://data/hearth.db".into(), max_connections: 8 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    /// Keeps sent mail in the database, readable at /dev/mailbox.
    DevMailbox,
    Smtp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_timeout_secs: u64,
    /// SMTP connections kept open and used at once by each instance's worker.
    pub smtp_connections: usize,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("transport", &self.transport)
            .field("from", &self.from)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransport::DevMailbox,
            from: "Hearth <hearth@localhost>".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            smtp_tls: SmtpTls::None,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_secs: 15,
            smtp_connections: 4,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// Run the background worker (mail delivery, timed jobs) in this process.
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub batch_size: i64,
    pub lease_secs: i64,
    pub max_attempts: i64,
    pub backoff_base_secs: i64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            poll_interval_ms: 1000,
            batch_size: 100,
            lease_secs: 120,
            max_attempts: 8,
            backoff_base_secs: 30,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    pub session_days: i64,
    /// Failed logins per address before each further attempt must wait (doubling), and
    /// login attempts per IP per 15 minutes.
    pub login_per_address: i64,
    pub login_per_ip: i64,
    /// Emailed-link requests (sign-in links, resets, sign-ups) per address, then per IP, per hour.
    pub links_per_address: i64,
    pub links_per_ip: i64,
    /// Password-reset submissions per IP per hour.
    pub resets_per_ip: i64,
    /// OpenID Connect providers offered as "Continue with …" (none: no buttons).
    pub oidc: Vec<OidcProvider>,
}

/// One OpenID Connect provider (`[[auth.oidc]]` in Leptos.toml).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OidcProvider {
    /// Short name in addresses (`/auth/oidc/{id}/callback`): lowercase letters, digits, `-`.
    pub id: String,
    /// Shown on the button: "Continue with {name}".
    pub name: String,
    /// The issuer URL; its `.well-known/openid-configuration` is read at first use.
    pub issuer: String,
    pub client_id: String,
    /// The environment variable holding the client secret (the secret never goes in a file).
    pub client_secret_env: String,
    /// Scopes asked for; `openid email profile` when empty.
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl OidcProvider {
    /// The client secret, read from `client_secret_env`.
    pub fn client_secret(&self) -> Option<String> {
        std::env::var(&self.client_secret_env).ok().filter(|s| !s.is_empty())
    }

    pub fn scopes(&self) -> Vec<String> {
        if self.scopes.is_empty() {
            ["openid", "email", "profile"].map(String::from).to_vec()
        } else {
            self.scopes.clone()
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_days: 30,
            login_per_address: 10,
            login_per_ip: 50,
            links_per_address: 5,
            links_per_ip: 30,
            resets_per_ip: 20,
            oidc: Vec::new(),
        }
    }
}

impl Settings {
    /// Defaults, then the file named by `HEARTH_CONFIG` (default `Leptos.toml`), then env.
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var("HEARTH_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        Self::figment(&path).extract().map_err(|e| anyhow::anyhow!("configuration error: {e}"))
    }

    pub fn figment(path: &str) -> Figment {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(path))
            .merge(Env::prefixed("HEARTH_").split("__").ignore(&["config"]))
    }

    /// Checks what cannot be expressed by types: a dev mailbox reachable from the network
    /// is refused unless explicitly allowed; trusted proxies must be CIDRs.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.trusted_proxy_nets()?;
        if self.worker.lease_secs <= 2 * self.mail.smtp_timeout_secs as i64 {
            anyhow::bail!(
                "worker.lease_secs ({}) must be more than twice mail.smtp_timeout_secs ({}): a lease has to outlive the \
                 sending of the one message it covers",
                self.worker.lease_secs,
                self.mail.smtp_timeout_secs
            );
        }
        self.check_oidc()?;
        self.check_payments()?;
        let key = self.lunches.pair_key.trim();
        if key.is_empty() && !self.server.dev_mode {
            anyhow::bail!(
                "lunches.pair_key is not set: set HEARTH_LUNCHES__PAIR_KEY to a random secret of at least {PAIR_KEY_MIN_LEN} \
                 characters (for example the output of `openssl rand -hex 32`); it keys the hashes of bad lunch pairs"
            );
        }
        if !key.is_empty() && key.len() < PAIR_KEY_MIN_LEN {
            anyhow::bail!(
                "lunches.pair_key is too short: use a random secret of at least {PAIR_KEY_MIN_LEN} characters"
            );
        }
        if self.server.dev_mode && !listens_on_loopback(&self.server.addr) {
            if !self.server.allow_dev_mode_on_network {
                anyhow::bail!(
                    "server.dev_mode is on and server.addr ({}) is not a loopback address: the dev mailbox \
                     would show sign-in links to the network. Turn dev mode off (HEARTH_SERVER__DEV_MODE=false) \
                     and configure SMTP, or set server.allow_dev_mode_on_network = true if you really mean it.",
                    self.server.addr
                );
            }
            tracing::warn!(addr = %self.server.addr, "dev mode is on while listening on the network (allow_dev_mode_on_network)");
        }
        Ok(())
    }

    /// A known currency; Stripe configured whole (a webhook secret with the key, an http(s) base).
    fn check_payments(&self) -> anyhow::Result<()> {
        let p = &self.payments;
        if crate::core::domain::money::Currency::from_code(&p.currency).is_none() {
            anyhow::bail!(
                "payments.currency \"{}\" is not one this site can use (EUR, USD, GBP, CHF, SEK, NOK, DKK, PLN, CAD, AUD, JPY)",
                p.currency
            );
        }
        if p.stripe_enabled() {
            if p.stripe_webhook_secret.trim().is_empty() {
                anyhow::bail!(
                    "payments.stripe_secret_key is set but payments.stripe_webhook_secret is not: purchases complete only \
                     on Stripe's signed webhook (set HEARTH_PAYMENTS__STRIPE_WEBHOOK_SECRET)"
                );
            }
            if !(p.stripe_api_base.starts_with("https://") || p.stripe_api_base.starts_with("http://")) {
                anyhow::bail!("payments.stripe_api_base must be an http(s) URL");
            }
            if p.webhook_tolerance_secs < 1 {
                anyhow::bail!("payments.webhook_tolerance_secs must be at least 1");
            }
        }
        Ok(())
    }

    /// Each provider: a safe unique id, an http(s) issuer, a client id, its secret present.
    fn check_oidc(&self) -> anyhow::Result<()> {
        let mut seen = Vec::new();
        for p in &self.auth.oidc {
            let id_ok = !p.id.is_empty()
                && p.id.len() <= 32
                && p.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !id_ok || seen.contains(&p.id) {
                anyhow::bail!("auth.oidc: id \"{}\" must be unique, 1-32 lowercase letters, digits or '-'", p.id);
            }
            seen.push(p.id.clone());
            let issuer = url::Url::parse(&p.issuer).ok();
            let scheme = issuer.as_ref().map(|u| u.scheme().to_string()).unwrap_or_default();
            let loopback = issuer.as_ref().and_then(|u| u.host_str().map(str::to_string)).is_some_and(|h| {
                h == "localhost"
                    || h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
            });
            if !(scheme == "https" || (scheme == "http" && (loopback || self.server.dev_mode)))
                || p.client_id.is_empty()
            {
                anyhow::bail!(
                    "auth.oidc \"{}\": the issuer must be an https URL (http only on this machine or in dev mode) \
                     and client_id must be set",
                    p.id
                );
            }
            if p.client_secret().is_none() {
                anyhow::bail!(
                    "auth.oidc \"{}\": the client secret is read from the environment variable named by \
                     client_secret_env (\"{}\"), which is not set",
                    p.id,
                    p.client_secret_env
                );
            }
        }
        Ok(())
    }

    pub fn trusted_proxy_nets(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.server
            .trusted_proxies
            .iter()
            .map(|s| {
                let s = s.trim();
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| anyhow::anyhow!("server.trusted_proxies: {s:?} is not an IP address or CIDR"))
            })
            .collect()
    }

    pub fn secure_cookies(&self) -> bool {
        self.server.base_url.starts_with("https://")
    }

    pub fn base_url(&self) -> &str {
        self.server.base_url.trim_end_matches('/')
    }
}

/// Whether a listen address only accepts connections from this machine.
pub fn listens_on_loopback(addr: &str) -> bool {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(a) => a.ip().is_loopback(),
        Err(_) => addr.rsplit_once(':').is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_provider_needs_its_secret_and_https_away_from_this_machine() {
        let mut s = Settings::default();
        s.server.dev_mode = false;
        s.lunches.pair_key = PRODUCTION_KEY.into();
        let provider = |issuer: &str, secret_env: &str| OidcProvider {
            id: "corp".into(),
            name: "Corp".into(),
            issuer: issuer.into(),
            client_id: "hearth".into(),
            client_secret_env: secret_env.into(),
            scopes: Vec::new(),
        };
        // PATH is set in every environment; a name nobody sets stands for a missing secret.
        s.auth.oidc = vec![provider("https://id.example.com", "PATH")];
        assert!(s.validate().is_ok());
        s.auth.oidc = vec![provider("https://id.example.com", "HEARTH_SURELY_UNSET_SECRET_VAR")];
        assert!(s.validate().unwrap_err().to_string().contains("HEARTH_SURELY_UNSET_SECRET_VAR"));
        s.auth.oidc = vec![provider("http://id.example.com", "PATH")];
        assert!(s.validate().unwrap_err().to_string().contains("https"), "plain http on the network is refused");
        s.auth.oidc = vec![provider("http://127.0.0.1:4000", "PATH")];
        assert!(s.validate().is_ok(), "a provider on this machine may speak http");
        s.auth.oidc = vec![provider("https://a.example", "PATH"), provider("https://b.example", "PATH")];
        assert!(s.validate().unwrap_err().to_string().contains("unique"), "two providers with one id");
    }

    const PRODUCTION_KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_lunch_pair_key_is_required_outside_dev_mode_and_never_printed() {
        let mut s = Settings::default();
        assert!(s.validate().is_ok(), "dev mode: the dev key is used");
        assert_eq!(s.lunches.pair_key(), DEV_PAIR_KEY.as_bytes());
        s.server.dev_mode = false;
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("HEARTH_LUNCHES__PAIR_KEY"), "{err}");
        s.lunches.pair_key = "short".into();
        assert!(s.validate().unwrap_err().to_string().contains("too short"));
        s.lunches.pair_key = PRODUCTION_KEY.into();
        assert!(s.validate().is_ok());
        assert_eq!(s.lunches.pair_key(), PRODUCTION_KEY.as_bytes());
        assert!(!format!("{s:?}").contains(PRODUCTION_KEY), "the key is never printed");
    }

    #[test]
    fn dev_mode_on_the_network_is_refused_unless_allowed() {
        let mut s = Settings::default();
        assert!(s.validate().is_ok(), "the default (loopback, dev mode) starts");
        s.server.addr = "0.0.0.0:3000".into();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("dev_mode"), "{err}");
        s.server.allow_dev_mode_on_network = true;
        assert!(s.validate().is_ok());
        s.server.dev_mode = false;
        s.server.allow_dev_mode_on_network = false;
        s.lunches.pair_key = PRODUCTION_KEY.into();
        assert!(s.validate().is_ok(), "production on the network");
        assert!(listens_on_loopback("[::1]:80") && listens_on_loopback("localhost:3000"));
        assert!(!listens_on_loopback("192.168.1.2:3000") && !listens_on_loopback("[::]:3000"));
        s.server.trusted_proxies = vec!["10.0.0.0/8".into(), "127.0.0.1".into()];
        assert_eq!(s.trusted_proxy_nets().unwrap().len(), 2);
        s.server.trusted_proxies = vec!["not a net".into()];
        assert!(s.validate().is_err());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its large error type
    fn the_repository_leptos_toml_parses_and_env_overrides_it() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("Leptos.toml", include_str!("../../Leptos.toml"))?;
            jail.set_env("HEARTH_DATABASE__URL", "postgres://x@127.0.0.1/y");
            jail.set_env("HEARTH_WORKER__BATCH_SIZE", "3");
            jail.set_env("HEARTH_SERVER__TRUSTED_PROXIES", r#"["10.0.0.0/8", "127.0.0.1"]"#);
            let s: Settings = Settings::figment("Leptos.toml").extract()?;
            assert_eq!(s.database.url, "postgres://x@127.0.0.1/y");
            assert_eq!(s.worker.batch_size, 3);
            assert_eq!(s.server.trusted_proxies, ["10.0.0.0/8", "127.0.0.1"]);
            assert!(s.validate().is_ok(), "the shipped configuration starts");
            assert_eq!(s.mail.transport, MailTransport::DevMailbox);
            Ok(())
        });
    }

    #[test]
    fn debug_output_hides_the_smtp_password() {
        let m = MailSettings { smtp_password: Some("hunter2".into()), ..Default::default() };
        assert!(!format!("{m:?}").contains("hunter2"));
    }
}

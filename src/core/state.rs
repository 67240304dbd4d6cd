//! The state every handler, server function and job reads.
use crate::core::config::Settings;
use crate::core::db::Db;
use crate::core::mail::Mailer;
use crate::core::metrics::Metrics;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub mailer: Mailer,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// Wakes the worker when mail was enqueued, so it is sent without waiting a poll.
    pub worker_wake: Arc<Notify>,
    /// This process's name in leases (`host-pid-random`).
    #[from_ref(skip)]
    pub instance: Arc<str>,
    /// The built shell assets and their version (names the service worker's cache).
    #[from_ref(skip)]
    pub assets: Arc<crate::core::assets::Assets>,
    /// Open pages listening for changes to their topic (in this process; on Postgres the
    /// other instances' changes arrive here through `server::live::relay`).
    pub live: tokio::sync::broadcast::Sender<crate::core::registry::LiveSignal>,
    /// What the gatherings registered (job kinds, live topics, mail kinds, hooks).
    #[from_ref(skip)]
    pub gatherings: &'static [&'static crate::core::registry::Gathering],
    /// The OpenID Connect providers' discovery documents.
    #[from_ref(skip)]
    pub oidc: Arc<crate::core::oidc_discovery::Discovery>,
    /// Uploaded media (`media.dir`): content-addressed objects.
    #[from_ref(skip)]
    pub media: Arc<dyn object_store::ObjectStore>,
    /// `server.trusted_proxies`, parsed.
    #[from_ref(skip)]
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Bounds the memory-heavy work done at once: password hashes (19 MiB each) and photo
    /// decoding (up to hundreds of MB).
    #[from_ref(skip)]
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Fired at shutdown: the worker stops and live streams end.
    pub shutdown: tokio_util::sync::CancellationToken,
}

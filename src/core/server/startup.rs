//! Builds the application (database, mailer, router, worker) and runs it until a signal.
use super::security;
use crate::app::{shell, App};
use crate::core::assets::Assets;
use crate::core::config::Settings;
use crate::core::db::{self, Db};
use crate::core::mail::Mailer;
use crate::core::metrics::Metrics;
use crate::core::state::AppState;
use anyhow::Context;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::config::Env;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;

use crate::core::domain::outbox::AccountMail;
use crate::core::registry::Gathering;

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects and migrates the database, binds the listener, builds the router, with what
    /// `gatherings` register (`hearth::GATHERINGS`: the core names none of them).
    pub async fn build(settings: Settings, gatherings: &'static [&'static Gathering]) -> anyhow::Result<Self> {
        settings.validate()?;
        crate::core::registry::check(gatherings, AccountMail::KINDS).map_err(anyhow::Error::msg)?;
        let db = Db::connect(&settings.database.url, settings.database.max_connections).await?;
        db.migrate().await?;
        let mailer = Mailer::from_settings(&settings.mail, &db)?;
        let listener = TcpListener::bind(&settings.server.addr)
            .await
            .with_context(|| format!("binding {}", settings.server.addr))?;
        let addr = listener.local_addr()?;
        let assets = Assets::of_this_build(
            "hearth",
            &settings.server.site_pkg_dir,
            std::path::Path::new(&settings.server.site_root),
        );
        let leptos_options = LeptosOptions::builder()
            .output_name("hearth")
            .site_root(settings.server.site_root.clone())
            .site_pkg_dir(settings.server.site_pkg_dir.clone())
            .hash_files(assets.hashed)
            .site_addr(addr)
            .env(if settings.server.dev_mode { Env::DEV } else { Env::PROD })
            .build();
        let instance = format!("{}-{}", std::process::id(), &crate::core::crypto::new_token()[..8]);
        let trusted_proxies = settings.trusted_proxy_nets()?;
        std::fs::create_dir_all(&settings.media.dir)
            .with_context(|| format!("creating the media directory {}", settings.media.dir))?;
        let media: Arc<dyn object_store::ObjectStore> =
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(&settings.media.dir)?);
        let state = AppState {
            leptos_options,
            db,
            mailer,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            worker_wake: Arc::new(Notify::new()),
            instance: instance.into(),
            assets: Arc::new(assets),
            live: tokio::sync::broadcast::channel(256).0,
            gatherings,
            trusted_proxies: trusted_proxies.into(),
            media,
            oidc: Arc::new(crate::core::oidc_discovery::Discovery::new()?),
            hashing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            )),
            shutdown: CancellationToken::new(),
        };
        let router = router(state.clone());
        tracing::info!(%addr, backend = ?state.db.backend, "Hearth is listening on http://{addr}");
        Ok(Self { listener, router, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    /// Serves until `signal` completes; then stops taking jobs, releases leases and
    /// finishes in-flight requests.
    pub async fn run_with_shutdown(self, signal: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let cancel = self.state.shutdown.clone();
        let worker =
            self.state.settings.worker.enabled.then(|| crate::core::jobs::spawn(self.state.clone(), cancel.clone()));
        // Postgres: other instances' changes reach this instance's open pages.
        if self.state.db.backend == db::Backend::Postgres {
            tokio::spawn(super::live::relay(self.state.clone()));
        }
        let stop = cancel.clone();
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                signal.await;
                tracing::info!("shutting down");
                stop.cancel();
            })
            .await?;
        cancel.cancel();
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        Ok(())
    }
}

/// The app's route list, generated once per process. Generating it switches on a
/// process-wide flag in leptos_server (`SuppressResourceLoad`) that parks every Resource
/// created meanwhile forever; a second `Application::build` in a process that already
/// serves (the integration tests run many) would hang the requests rendering at that moment.
pub fn route_list() -> &'static [AxumRouteListing] {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

fn router(state: AppState) -> Router {
    let routes = route_list().to_vec();
    let options = state.leptos_options.clone();
    let limit = state.settings.server.body_limit_bytes;
    let not_found = {
        let state = state.clone();
        let options = options.clone();
        let handler = leptos_axum::render_app_to_stream_with_context(
            move || provide_context(state.clone()),
            move || shell(options.clone()),
        );
        tower::service_fn(move |req| {
            let handler = handler.clone();
            async move { Ok::<_, Infallible>(handler(req).await) }
        })
    };
    let static_files = ServeDir::new(&*options.site_root).precompressed_br().precompressed_gzip().fallback(not_found);
    // The gatherings' own routes keep their own body limits (an upload is larger than a form).
    let own_routes =
        state.gatherings.iter().filter_map(|g| g.routes).fold(Router::new(), |r, routes| r.merge(routes()));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/sw.js", get(service_worker))
        .route("/api/live/{kind}/{id}", get(super::live::events))
        .route("/auth/oidc/{id}/start", get(super::oidc::start))
        .route("/auth/oidc/{id}/callback", get(super::oidc::callback))
        .leptos_routes_with_context(
            &state,
            routes,
            || provide_context(super::context::RequestUser::default()),
            move || shell(options.clone()),
        )
        .fallback_service(static_files)
        .layer(axum::middleware::from_fn(security::restatus))
        // Pages and API answers; static files are served precompressed by ServeDir.
        .layer(CompressionLayer::new())
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .merge(own_routes)
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::guard))
        .with_state(state)
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let depth = db::outbox::depth(&state.db.pool).await.unwrap_or(-1);
    let lag = db::jobs::lag_secs(&state.db.pool, db::now()).await.unwrap_or(-1);
    let failing = db::jobs::failing(&state.db.pool).await.unwrap_or(-1);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(depth, lag, failing))
}

/// The service worker, stamped with a version derived from the built assets so that each
/// deploy gets a fresh cache.
async fn service_worker(State(state): State<AppState>) -> impl IntoResponse {
    let root = std::path::Path::new(&*state.leptos_options.site_root);
    let Ok(template) = tokio::fs::read_to_string(root.join("sw.js")).await else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain")], String::new());
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/javascript")],
        template.replace("__HEARTH_BUILD__", &state.assets.version).replace(
            "\"__HEARTH_ASSETS__\"",
            // Only content-named files are precached (served from the cache without asking).
            &state
                .assets
                .files
                .iter()
                .filter(|_| state.assets.hashed)
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    )
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

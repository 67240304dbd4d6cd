//! Live topics: an open page hears "changed" (server-sent events) when the thing it shows
//! changed, and reloads. Topics are (kind, id); a gathering registers its kinds and who
//! may listen (`registry::LiveTopic`), asked again at every change, so a listener who lost
//! access stops hearing. The event carries no content.
//!
//! Within a process the signal is a broadcast channel. On Postgres, `notify` also sends
//! `NOTIFY hearth_live, '<instance> <kind> <id>'` and every instance's [`relay`] LISTENs and
//! passes the others' changes to its own open pages; a relay that lost its connection
//! listens again and tells every open page to reload once (changes in between were missed).
//! SQLite is one process by nature and keeps the broadcast alone.
use super::context::user_from_headers;
use crate::core::db::Backend;
use crate::core::registry::{self, LiveSignal, Topic};
use crate::core::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::convert::Infallible;
use tokio_stream::wrappers::BroadcastStream;

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    t: Option<String>,
}

/// The Postgres channel the instances tell each other on.
pub const CHANNEL: &str = "hearth_live";

/// Tells the open pages of a topic that it changed, on this instance and (Postgres) on
/// every other one. Called after the change committed.
pub fn notify(state: &AppState, topic: Topic) {
    let _ = state.live.send(LiveSignal::Changed(topic));
    if state.db.backend == Backend::Postgres {
        let pool = state.db.pool.clone();
        let payload = payload(&state.instance, topic);
        tokio::spawn(async move {
            // pg_notify returns `void`, which the Any driver cannot decode: count it instead.
            let sent = sqlx::query("SELECT COUNT(*) FROM (SELECT pg_notify($1, $2)) AS sent")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "live: could not tell the other instances");
            }
        });
    }
}

/// `<instance> <kind> <id>`: who sent it (its own relay skips it) and what changed.
fn payload(instance: &str, topic: Topic) -> String {
    format!("{instance} {} {}", topic.kind, topic.id)
}

/// Reads a payload: `(instance, kind, id)`, or None for anything else.
fn parse_payload(payload: &str) -> Option<(&str, &str, i64)> {
    let mut parts = payload.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(from), Some(kind), Some(id), None) if !from.is_empty() => Some((from, kind, id.parse().ok()?)),
        _ => None,
    }
}

/// Postgres only: hears the other instances' changes and passes them to this instance's
/// open pages, until shutdown. Reconnects on its own (backing off up to 5 s); once
/// listening again after a loss, every open page reloads once.
pub async fn relay(state: AppState) {
    let cancel = state.shutdown.clone();
    let mut missed = false;
    let mut wait = std::time::Duration::from_millis(200);
    loop {
        let listening = tokio::select! {
            _ = cancel.cancelled() => return,
            l = listen(&state) => l,
        };
        let mut listener = match listening {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live relay: cannot LISTEN on Postgres; trying again");
                missed = true;
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
                wait = (wait * 2).min(std::time::Duration::from_secs(5));
                continue;
            }
        };
        wait = std::time::Duration::from_millis(200);
        if missed {
            tracing::info!("live relay: listening again; open pages reload once");
            let _ = state.live.send(LiveSignal::Everything);
        }
        // From here on, coming back to the top of the loop means the connection was lost.
        missed = true;
        loop {
            let next = tokio::select! {
                _ = cancel.cancelled() => return,
                n = listener.try_recv() => n,
            };
            match next {
                Ok(Some(n)) => forward(&state, n.payload()),
                Ok(None) => {
                    tracing::warn!("live relay: the Postgres connection was lost; reconnecting");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: reading notifications failed; reconnecting");
                    break;
                }
            }
        }
    }
}

/// One connection of its own (named `hearth-live-<instance>` in pg_stat_activity) that
/// LISTENs on [`CHANNEL`].
async fn listen(state: &AppState) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    use std::str::FromStr;
    let options = sqlx::postgres::PgConnectOptions::from_str(&state.settings.database.url)?
        .application_name(&format!("hearth-live-{}", state.instance));
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options)
        .await?;
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
    listener.ignore_pool_close_event(true);
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Passes another instance's change to this instance's open pages (a kind this build does
/// not serve, or its own echo, is dropped).
fn forward(state: &AppState, payload: &str) {
    let Some((from, kind, id)) = parse_payload(payload) else {
        tracing::warn!(payload, "live relay: a notification it cannot read");
        return;
    };
    if from == &*state.instance {
        return;
    }
    if let Some(topic) = registry::live_topic(state.gatherings, kind) {
        let _ = state.live.send(LiveSignal::Changed(Topic { kind: topic.kind, id }));
    }
}

/// `GET /api/live/{kind}/{id}[?t=token]`: for those the topic's gathering lets listen.
pub async fn events(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, i64)>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(topic) = registry::live_topic(state.gatherings, &kind) else {
        return (StatusCode::NOT_FOUND, "Not found.").into_response();
    };
    // A session, else a capability token the topic's gathering recognises.
    let user_id = match user_from_headers(&state, &headers).await {
        Ok(Some(u)) => Some(u.id),
        Ok(None) => match (topic.token_holder, query.t.as_deref()) {
            (Some(holder), Some(t)) => match holder(&state, id, t).await {
                Ok(found) => found,
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            },
            _ => None,
        },
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let Some(user_id) = user_id else {
        return (StatusCode::UNAUTHORIZED, "Please log in.").into_response();
    };
    match (topic.may_listen)(&state, id, user_id).await {
        Ok(true) => {}
        Ok(false) => return (StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, kind, "live stream access check");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let listening = state.clone();
    let stream = BroadcastStream::new(state.live.subscribe())
        .filter_map(move |msg| {
            let kind = kind.clone();
            async move {
                match msg {
                    Ok(LiveSignal::Changed(t)) if t.kind != kind || t.id != id => None,
                    // Everything, or a lagging listener that may have missed its event:
                    // tell it to reload anyway.
                    _ => Some(()),
                }
            }
        })
        .then(move |()| {
            let state = listening.clone();
            async move { (topic.may_listen)(&state, id, user_id).await.unwrap_or(false) }
        })
        .take_while(|still_allowed| std::future::ready(*still_allowed))
        .map(|_| Ok::<_, Infallible>(Event::default().event("changed").data("1")))
        .take_until(state.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_its_sender_and_topic_and_reads_back() {
        let p = payload("123-abcd_e-f", Topic { kind: "exchange", id: 42 });
        assert_eq!(p, "123-abcd_e-f exchange 42");
        assert_eq!(parse_payload(&p), Some(("123-abcd_e-f", "exchange", 42)));
    }

    #[test]
    fn anything_else_is_not_a_payload() {
        for bad in [
            "",
            "x",
            "a exchange",
            "a exchange nine",
            "a exchange 1 extra",
            " exchange 1",
            "a exchange 99999999999999999999",
        ] {
            assert_eq!(parse_payload(bad), None, "{bad:?}");
        }
    }
}

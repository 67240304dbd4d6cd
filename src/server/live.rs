//! Live exchange pages: a member's open page hears "changed" (server-sent events) when
//! someone joins, the draw happens or the presents open, and reloads its data. The event
//! carries no content, only that the exchange changed. In-process only: with several
//! instances a page hears the changes made through its own instance.
use super::context::user_from_headers;
use super::state::AppState;
use crate::db;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::convert::Infallible;
use tokio_stream::wrappers::BroadcastStream;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExchangeChanged(pub i64);

/// Tells the open pages of an exchange that it changed.
pub fn notify(state: &AppState, exchange_id: i64) {
    let _ = state.live.send(ExchangeChanged(exchange_id));
}

/// `GET /api/live/exchange/{id}`: members only.
pub async fn exchange_events(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let user = match user_from_headers(&state, &headers).await {
        Ok(Some(u)) => u,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Please log in.").into_response(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    match db::santa::is_member(&state.db.pool, id, user.id).await {
        Ok(true) => {}
        Ok(false) => return (StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "live stream membership check");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let pool = state.db.pool.clone();
    let user_id = user.id;
    let stream = BroadcastStream::new(state.live.subscribe())
        .filter_map(move |msg| async move {
            match msg {
                Ok(ExchangeChanged(e)) if e != id => None,
                // A lagging listener may have missed its event: tell it to reload anyway.
                _ => Some(()),
            }
        })
        // Membership is checked again at every change: a removed member's stream ends.
        .then(move |()| {
            let pool = pool.clone();
            async move { db::santa::is_member(&pool, id, user_id).await.unwrap_or(false) }
        })
        .take_while(|still_member| std::future::ready(*still_member))
        .map(|_| Ok::<_, Infallible>(Event::default().event("changed").data("1")))
        .take_until(state.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

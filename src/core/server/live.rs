//! Live topics: an open page hears "changed" (server-sent events) when the thing it shows
//! changed, and reloads. Topics are (kind, id); a gathering registers its kinds and who
//! may listen (`registry::LiveTopic`), asked again at every change, so a listener who lost
//! access stops hearing. The event carries no content. In-process only: with several
//! instances a page hears the changes made through its own instance.
use super::context::user_from_headers;
use crate::core::registry::{self, Topic};
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

/// Tells the open pages of a topic that it changed.
pub fn notify(state: &AppState, topic: Topic) {
    let _ = state.live.send(topic);
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
                    Ok(t) if t.kind != kind || t.id != id => None,
                    // A lagging listener may have missed its event: tell it to reload anyway.
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

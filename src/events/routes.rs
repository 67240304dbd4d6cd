//! Events' own HTTP routes beside its pages: the calendar download.
use crate::core::error::AppError;
use crate::core::server::context::user_from_headers;
use crate::core::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

#[derive(serde::Deserialize)]
struct TokenQuery {
    t: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/events/{slug}/calendar.ics", get(calendar))
}

/// `GET /events/{slug}/calendar.ics`: for the organizer and invitees; 404 for anyone else.
async fn calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let user = match user_from_headers(&state, &headers).await {
        Ok(u) => u,
        Err(e) => return error(e),
    };
    match super::service::calendar(&state, user.as_ref(), &slug, q.t.as_deref()).await {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"event.ics\""),
            ],
            ics,
        )
            .into_response(),
        Err(e) => error(e),
    }
}

fn error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, e.to_string()).into_response()
}

//! Vouchers' own HTTP route: the card provider's webhook (`POST /api/payments/stripe`).
//! Only a body whose signature verifies is read; every understood delivery is answered
//! 200 so the provider does not retry it, a bad signature 400.
use super::service::{self, WebhookOutcome};
use super::stripe;
use crate::core::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

pub const WEBHOOK_PATH: &str = "/api/payments/stripe";

pub fn routes() -> Router<AppState> {
    Router::new().route(WEBHOOK_PATH, post(webhook).layer(DefaultBodyLimit::max(256 * 1024)))
}

async fn webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let settings = &state.settings.payments;
    if !settings.stripe_enabled() {
        return (StatusCode::NOT_FOUND, "Card payments are not configured.").into_response();
    }
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = stripe::verify_signature(
        signature,
        &body,
        settings.stripe_webhook_secret.trim(),
        settings.webhook_tolerance_secs,
        crate::core::db::now(),
    ) {
        tracing::warn!(error = %e, "webhook refused");
        return (StatusCode::BAD_REQUEST, format!("Signature refused: {e}.")).into_response();
    }
    let event: stripe::Event = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(_) => return (StatusCode::BAD_REQUEST, "Not a webhook event.").into_response(),
    };
    match service::on_stripe_event(&state, &event).await {
        Ok(outcome) => {
            tracing::info!(event_id = %event.id, kind = %event.kind, ?outcome, "webhook handled");
            let said = match outcome {
                WebhookOutcome::Completed(id) => format!("voucher {id} purchased"),
                WebhookOutcome::Replayed => "event already handled".into(),
                WebhookOutcome::AlreadyPaid => "voucher already paid".into(),
                WebhookOutcome::Ignored(why) => format!("ignored: {why}"),
            };
            (StatusCode::OK, said).into_response()
        }
        // Not handled (the database failed): the provider retries later.
        Err(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string())
            .into_response(),
    }
}

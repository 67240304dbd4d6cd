//! Secret Santa's timed job: the reveal, at the time the creator chose (registered with the
//! core's timed jobs as kind "reveal").
use crate::core::registry::{BoxFuture, JobKind};
use crate::core::state::AppState;

pub const REVEAL: &str = "reveal";

/// One reveal job per exchange.
pub fn reveal_key(exchange_id: i64) -> String {
    format!("reveal:{exchange_id}")
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RevealPayload {
    exchange_id: i64,
}

/// The reveal job's payload, as `reveal` reads it back.
pub fn reveal_payload(exchange_id: i64) -> String {
    serde_json::json!(RevealPayload { exchange_id }).to_string()
}

fn reveal<'a>(state: &'a AppState, payload: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
    Box::pin(async move {
        let p: RevealPayload = serde_json::from_str(payload)?;
        super::service::reveal(state, p.exchange_id).await
    })
}

pub const JOB_KINDS: &[JobKind] = &[JobKind { kind: REVEAL, run: reveal }];

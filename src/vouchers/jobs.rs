//! Vouchers' timed job: a voucher expires at its expiry (kind "voucher_expiry", one job per
//! voucher, scheduled in the transaction that made it purchased).
use crate::core::db;
use crate::core::registry::{BoxFuture, JobKind};
use crate::core::state::AppState;
use serde::{Deserialize, Serialize};

pub const EXPIRY: &str = "voucher_expiry";

#[derive(Serialize, Deserialize)]
struct ExpiryPayload {
    voucher_id: i64,
}

pub async fn schedule_expiry(tx: &mut db::Tx, voucher_id: i64, at: i64) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(&ExpiryPayload { voucher_id }).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    db::jobs::schedule(&mut **tx, &format!("voucher-expiry:{voucher_id}"), EXPIRY, &payload, at).await?;
    Ok(())
}

fn expiry<'a>(state: &'a AppState, payload: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
    Box::pin(async move {
        let p: ExpiryPayload = serde_json::from_str(payload)?;
        let expired = super::service::expire(state, p.voucher_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        tracing::info!(voucher_id = p.voucher_id, expired, "voucher expiry");
        Ok(())
    })
}

pub const JOB_KINDS: &[JobKind] = &[JobKind { kind: EXPIRY, run: expiry }];

//! Stripe, through its HTTP API (form-encoded requests, a secret key): PaymentIntents for
//! purchases, refunds for cancelled vouchers, and the signed webhook that completes a
//! purchase. The browser's word that it paid is never taken: only a webhook whose
//! `Stripe-Signature` verifies with the endpoint secret, within the tolerance, counts.
use crate::core::config::PaymentSettings;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use std::sync::OnceLock;
use std::time::Duration;

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    #[error("the card provider could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the card provider answered {status}: {message}")]
    Refused { status: u16, message: String },
    #[error("the card provider's answer was not understood: {0}")]
    Unexpected(#[from] serde_json::Error),
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub amount: i64,
    pub currency: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Refund {
    pub id: String,
    pub status: String,
}

async fn post<T: serde::de::DeserializeOwned>(
    settings: &PaymentSettings,
    path: &str,
    idempotency_key: &str,
    form: &[(&str, String)],
) -> Result<T, StripeError> {
    let url = format!("{}{path}", settings.stripe_api_base.trim_end_matches('/'));
    let response = client()
        .post(url)
        .basic_auth(settings.stripe_secret_key.trim(), Some(""))
        .header("Idempotency-Key", idempotency_key)
        .form(form)
        .send()
        .await?;
    decode(response).await
}

/// Stripe's answer: the object, or its error message with the status.
async fn decode<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, StripeError> {
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        let message = serde_json::from_str::<ErrorBody>(&body).map(|b| b.error.message).unwrap_or_default();
        return Err(StripeError::Refused { status: status.as_u16(), message });
    }
    Ok(serde_json::from_str(&body)?)
}

/// A PaymentIntent for a voucher (the key makes a retried purchase reuse it); the card
/// form confirms it in the browser.
pub async fn create_payment_intent(
    settings: &PaymentSettings,
    voucher_id: i64,
    amount: i64,
    currency: &str,
) -> Result<PaymentIntent, StripeError> {
    let form = [
        ("amount", amount.to_string()),
        ("currency", currency.to_ascii_lowercase()),
        ("metadata[voucher_id]", voucher_id.to_string()),
    ];
    post(settings, "/v1/payment_intents", &format!("hearth-voucher-{voucher_id}"), &form).await
}

/// A PaymentIntent as Stripe has it now (its client secret lets the card form confirm it).
pub async fn retrieve_payment_intent(settings: &PaymentSettings, id: &str) -> Result<PaymentIntent, StripeError> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StripeError::Refused { status: 400, message: "not a payment id".into() });
    }
    let url = format!("{}/v1/payment_intents/{id}", settings.stripe_api_base.trim_end_matches('/'));
    decode(client().get(url).basic_auth(settings.stripe_secret_key.trim(), Some("")).send().await?).await
}

/// Refunds the whole payment of a voucher (once: the key names the voucher).
pub async fn refund(settings: &PaymentSettings, voucher_id: i64, payment_intent: &str) -> Result<Refund, StripeError> {
    post(
        settings,
        "/v1/refunds",
        &format!("hearth-refund-voucher-{voucher_id}"),
        &[("payment_intent", payment_intent.to_string())],
    )
    .await
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Verifies a webhook body against its `Stripe-Signature` header (`t=<unix>,v1=<hex>`,
/// possibly several `v1`): HMAC-SHA256 of `"{t}.{body}"` with the endpoint secret,
/// compared in constant time, and `t` within `tolerance` seconds of `now`.
pub fn verify_signature(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    tolerance: i64,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(hex::decode(sig).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let matches = signatures.iter().any(|sig| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(sig).is_ok()
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if (now - t).abs() > tolerance {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// The signature header Stripe would send for `body` at `t` (tests and local tools).
pub fn sign(body: &[u8], secret: &str, t: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The part of a webhook event this app reads.
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Clone, Debug, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_fresh_signature_with_the_secret_verifies() {
        let body = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
        let header = sign(body, "whsec_test", 1_000);
        assert_eq!(verify_signature(Some(&header), body, "whsec_test", 300, 1_100), Ok(()));
        assert_eq!(verify_signature(Some(&header), body, "whsec_other", 300, 1_100), Err(SignatureError::Mismatch));
        assert_eq!(
            verify_signature(Some(&header), b"{\"id\":\"evt_2\"}", "whsec_test", 300, 1_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify_signature(Some(&header), body, "whsec_test", 300, 1_301), Err(SignatureError::Stale));
        assert_eq!(verify_signature(None, body, "whsec_test", 300, 1_000), Err(SignatureError::Missing));
        assert_eq!(verify_signature(Some("t=1000"), body, "whsec_test", 300, 1_000), Err(SignatureError::Malformed));
        assert_eq!(verify_signature(Some("v1=zz,t=1"), body, "whsec_test", 300, 1), Err(SignatureError::Malformed));
        // Several v1 values (a secret being rolled): one match is enough.
        let two = format!("{header},v1={}", "00".repeat(32));
        assert_eq!(verify_signature(Some(&two), body, "whsec_test", 300, 1_000), Ok(()));
    }
}

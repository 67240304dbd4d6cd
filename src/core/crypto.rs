//! Random tokens, their hashes, and password hashing (argon2id, off the async runtime).
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// 32 random bytes, base64url: the secret in a cookie or an emailed link.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored instead of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The unguessable part of a public address (a wall of shame): 22 base64url characters
/// (132 random bits).
pub fn new_share_token() -> String {
    new_token()[..SHARE_TOKEN_LEN].to_string()
}

const SHARE_TOKEN_LEN: usize = 22;

pub fn looks_like_share_token(s: &str) -> bool {
    s.len() == SHARE_TOKEN_LEN && is_base64url(s)
}

fn is_base64url(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a string could be one of our tokens (cheap check before touching the database).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == 43 && is_base64url(s)
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Hashes with argon2id (the crate default) on the blocking pool, at most as many at once
/// as `permits` allows (each hash holds 19 MiB; the rest wait their turn).
pub async fn hash_password(permits: &Semaphore, password: String) -> anyhow::Result<String> {
    let _permit = permits.acquire().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Verifies against `hash`, or against a dummy hash when there is none (so that a login
/// for an unknown address takes as long as one for a known address).
pub async fn verify_password(permits: &Semaphore, password: String, hash: Option<String>) -> bool {
    let Ok(_permit) = permits.acquire().await else { return false };
    tokio::task::spawn_blocking(move || {
        let ok = verify_blocking(&password, hash.as_deref().unwrap_or_else(|| dummy_hash()));
        ok && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when an address has no account so that
/// a failed login takes as long either way.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&new_token()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let permits = Semaphore::new(1);
        let h = hash_password(&permits, "correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&permits, "correct horse".into(), Some(h.clone())).await);
        assert!(!verify_password(&permits, "wrong horse".into(), Some(h)).await);
        assert!(!verify_password(&permits, "x".into(), Some("not a hash".into())).await);
        assert!(!verify_password(&permits, "x".into(), None).await);
    }

    #[tokio::test]
    async fn a_hash_waits_while_every_permit_is_taken() {
        let permits = Semaphore::new(1);
        let held = permits.acquire().await.unwrap();
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(300), hash_password(&permits, "pw".into())).await;
        assert!(waited.is_err(), "no hash starts without a permit");
        drop(held);
        assert!(hash_password(&permits, "pw".into()).await.unwrap().starts_with("$argon2id$"));
    }

    proptest! {
        #[test]
        fn hashing_is_deterministic_and_never_returns_the_token(s in "[A-Za-z0-9_-]{43}") {
            prop_assert_eq!(token_hash(&s), token_hash(&s));
            prop_assert_ne!(token_hash(&s), s.clone());
            prop_assert!(looks_like_token(&s));
        }
    }
}

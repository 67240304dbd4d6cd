//! OpenID Connect providers' discovery documents (and signing keys), fetched at first use
//! and kept for an hour; an HTTP client that never follows redirects (a provider's answer
//! that redirects is an error, not a hop to wherever it points).
use crate::core::config::OidcProvider;
use openidconnect::core::CoreProviderMetadata;
use openidconnect::IssuerUrl;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const KEEP: Duration = Duration::from_secs(3600);

pub struct Discovery {
    http: openidconnect::reqwest::Client,
    cache: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Discovery")
    }
}

impl Discovery {
    pub fn new() -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self { http, cache: Mutex::new(HashMap::new()) })
    }

    pub fn http(&self) -> &openidconnect::reqwest::Client {
        &self.http
    }

    /// The provider's metadata and keys (cached for an hour; `fresh` fetches them again,
    /// e.g. when a token names a key we don't know yet).
    pub async fn metadata(&self, provider: &OidcProvider, fresh: bool) -> anyhow::Result<CoreProviderMetadata> {
        if !fresh {
            if let Some((at, meta)) = self.cache.lock().await.get(&provider.id) {
                if at.elapsed() < KEEP {
                    return Ok(meta.clone());
                }
            }
        }
        // Fetched without holding the lock: a slow provider holds up only its own sign-ins.
        let issuer = IssuerUrl::new(provider.issuer.clone())?;
        let meta = CoreProviderMetadata::discover_async(issuer, &self.http).await?;
        self.cache.lock().await.insert(provider.id.clone(), (Instant::now(), meta.clone()));
        Ok(meta)
    }
}

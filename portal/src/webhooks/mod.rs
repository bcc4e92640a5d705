//! Webhooks: masters subscribe an app (the super admin, the whole installation) to events, and
//! Lyre POSTs each event, signed, to the address until it is answered (see [`deliver`]); where
//! they may point is checked by [`target`].

pub mod deliver;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

use lyre_store::secrets::{KeyRing, WEBHOOKS};

use url::Url;

use crate::proxies::Networks;
pub use target::Reach;

/// How webhooks are delivered.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Which addresses they may reach.
    pub reach: Reach,
    /// Whether this build can send HTTPS.
    pub https: bool,
    /// The pause after the first failed attempt; doubled after each further one.
    pub first_retry: Duration,
    /// How long a delivery is tried before it is given up.
    pub give_up_after: Duration,
    /// Seals the webhooks' signing secrets in the database (none: they are stored as they are).
    pub secrets: Arc<KeyRing>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            reach: Reach::default(),
            https: false,
            first_retry: Duration::from_secs(10),
            give_up_after: Duration::from_secs(24 * 3600),
            secrets: Arc::default(),
        }
    }
}

impl WebhookSettings {
    /// A new signing secret as stored: sealed when keys are configured.
    pub(crate) fn store_secret(&self, secret: &str) -> Result<String, String> {
        if self.secrets.is_empty() {
            return Ok(secret.to_owned());
        }
        self.secrets
            .seal(WEBHOOKS, "webhooks", secret)
            .map_err(|e| e.to_string())
    }

    /// A stored signing secret in the clear.
    pub(crate) fn signing_secret(&self, stored: &str) -> Result<String, String> {
        if lyre_protocol::secret::is_sealed(stored) {
            self.secrets
                .open(WEBHOOKS, stored)
                .map_err(|e| format!("the webhook's secret cannot be opened: {e}"))
        } else {
            Ok(stored.to_owned())
        }
    }

    /// Settings allowing the blocks `allowed` (addresses or CIDR blocks inside the network).
    pub fn allowing(allowed: &[String]) -> Result<Self, String> {
        Ok(Self {
            reach: Reach {
                allowed: Networks::parse(allowed, "allowed webhook network")?,
            },
            ..Self::default()
        })
    }

    /// Checks a webhook address as written (see [`Reach::check_url`]), and that this build can
    /// reach its scheme.
    pub fn check_url(&self, raw: &str) -> Result<Url, String> {
        let url = self.reach.check_url(raw)?;
        self.check_scheme(&url)?;
        Ok(url)
    }

    /// Checks a webhook address and what its name resolves to now (see [`Reach::check`]).
    pub async fn check(&self, raw: &str) -> Result<Url, String> {
        let url = self.reach.check(raw).await?;
        self.check_scheme(&url)?;
        Ok(url)
    }

    fn check_scheme(&self, url: &Url) -> Result<(), String> {
        if url.scheme() == "https" && !self.https {
            return Err(
                "`url` is https, and this lyre was built without TLS (the `tls` feature, on in \
                 the container image)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// A new webhook secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", crate::hex(&bytes))
}

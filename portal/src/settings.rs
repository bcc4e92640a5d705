//! The portal's part of the configuration.

use std::collections::BTreeMap;
use std::time::Duration;

/// What the portal needs to know at start.
#[derive(Clone)]
pub struct PortalSettings {
    /// The environments, in order (e.g. `DEV`, `PRO`).
    pub envs: Vec<String>,
    /// Base URL of the meta server; an environment's meta server is `{meta_url}/{ENV}` unless
    /// `meta_urls` names another.
    pub meta_url: String,
    /// Per-environment meta server URLs, overriding `meta_url`.
    pub meta_urls: BTreeMap<String, String>,
    /// How long a session lasts after signing in.
    pub session_ttl: Duration,
    /// Whether the session cookie is marked `Secure` (set when the portal is served over HTTPS).
    pub cookie_secure: bool,
    /// Where the web UI comes from: built into the binary, or a folder.
    pub ui: crate::ui::UiSource,
    /// Password of the super admin created at first start; random when `None`.
    pub admin_password: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (for sign-in throttling and sessions).
    pub trusted_proxies: crate::TrustedProxies,
    /// How people sign in: local passwords, OpenID Connect, LDAP, and group mappings.
    pub sign_in: crate::SignIn,
    /// Where webhooks may point and how their deliveries are retried.
    pub webhooks: crate::WebhookSettings,
}

impl std::fmt::Debug for PortalSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalSettings")
            .field("envs", &self.envs)
            .field("meta_url", &self.meta_url)
            .field("meta_urls", &self.meta_urls)
            .field("session_ttl", &self.session_ttl)
            .field("cookie_secure", &self.cookie_secure)
            .field("ui", &self.ui)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("sign_in", &self.sign_in)
            .field("webhooks", &self.webhooks)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl PortalSettings {
    /// The meta server URL of `env`, without a trailing `/`.
    pub fn meta_url_for(&self, env: &str) -> String {
        match self.meta_urls.get(env) {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("{}/{env}", self.meta_url.trim_end_matches('/')),
        }
    }
}

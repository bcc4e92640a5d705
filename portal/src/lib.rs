//! The portal: where people sign in, and (in time) manage apps, reviews and permissions; also
//! the Open API that CI uses. It serves the web UI from `portal-ui/dist`.
//!
//! The portal owns accounts, sessions and roles in the database; it reaches configuration
//! data only through the admin operations ([`AdminLink`]): in this process when it runs with
//! the admin service, otherwise over HTTP with the admin service credential, found through
//! each environment's meta server.

mod actor;
mod admin;
mod auth;
mod bootstrap;
mod envs;
mod error;
pub mod permissions;
mod proxies;
mod rbac;
mod router;
mod routes;
mod settings;
mod sso;
mod ui;
pub mod webhooks;

use std::sync::Arc;

use lyre_service_kit::peer::PeerAddr;
use lyre_store::sea_orm::DatabaseConnection;

pub use admin::AdminLink;
pub use bootstrap::{Bootstrap, bootstrap};
pub use error::PortalError;
pub use proxies::TrustedProxies;
pub use router::{openapi, router};
pub use settings::PortalSettings;
pub use sso::{LdapSettings, LocalSignIn, OidcSettings, SignIn, SignInSettings};
pub use ui::{UiFile, UiSource};
pub use webhooks::WebhookSettings;

/// The portal's shared state: cheap to clone.
#[derive(Clone)]
pub struct PortalState(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    settings: PortalSettings,
    tokens: auth::TokenKeys,
    throttle: auth::throttle::Throttle,
    rates: auth::rate::RateLimits,
    http: reqwest::Client,
    admins: admin::Admins,
}

impl std::fmt::Debug for PortalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalState")
            .field("settings", &self.0.settings)
            .finish_non_exhaustive()
    }
}

impl PortalState {
    /// State over `db`, signing session tokens with `jwt_secret` (see [`bootstrap`]) and
    /// reaching the admin operations through `admin`.
    pub fn new(
        db: DatabaseConnection,
        settings: PortalSettings,
        jwt_secret: &str,
        admin: AdminLink,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .unwrap_or_default();
        Self(Arc::new(Inner {
            db,
            tokens: auth::TokenKeys::new(jwt_secret.as_bytes()),
            throttle: auth::throttle::Throttle::default(),
            rates: auth::rate::RateLimits::default(),
            admins: admin::Admins::new(settings.clone(), admin),
            settings,
            http,
        }))
    }

    fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    fn settings(&self) -> &PortalSettings {
        &self.0.settings
    }

    fn admins(&self) -> &admin::Admins {
        &self.0.admins
    }

    /// The client's address: the connection's, or the one a trusted proxy forwarded for.
    fn client_address(&self, peer: &PeerAddr, headers: &axum::http::HeaderMap) -> String {
        self.0
            .settings
            .trusted_proxies
            .client(peer.0.map(|a| a.ip()), headers)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

/// `bytes` in lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

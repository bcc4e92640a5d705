//! The meta server: tells clients where the config and admin services are.
//!
//! Instances announce themselves in the service registry with heartbeats (see
//! `lyre_service_kit::heartbeat`); `GET /services/config` and `GET /services/admin` answer the
//! ones heard from within the expiry, in Apollo's format. The meta server is served on the
//! config service's port, under the same environment prefixes (`/PRO/services/config`), and
//! the config URLs it gives out carry that prefix, so a client keeps talking to the
//! environment it was pointed at.
//!
//! Admin service addresses are given only to callers that present the admin service
//! credential (see `lyre_service_kit::credential`): the admin service changes configuration,
//! and nobody but a portal needs to know where it is.

mod routes;

pub use routes::DEFAULT_EXPIRY;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use lyre_service_kit::credential::ServiceCredential;
use lyre_store::sea_orm::DatabaseConnection;

/// The meta server's shared state.
#[derive(Clone, Debug)]
pub struct MetaState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    db: DatabaseConnection,
    expiry: Duration,
    admin_callers: ServiceCredential,
}

impl MetaState {
    /// State over `db`; instances silent for longer than `expiry` are not listed. Admin
    /// services are listed to callers holding `admin_callers` (nobody, by default).
    pub fn new(db: DatabaseConnection, expiry: Duration) -> Self {
        Self(Arc::new(Inner {
            db,
            expiry,
            admin_callers: ServiceCredential::default(),
        }))
    }

    /// The same state, listing admin services to the holders of `credential`.
    pub fn with_admin_callers(self, credential: ServiceCredential) -> Self {
        Self(Arc::new(Inner {
            db: self.0.db.clone(),
            expiry: self.0.expiry,
            admin_callers: credential,
        }))
    }
}

/// The meta server's routes, to be merged into the config service's router (which adds
/// environment prefixes, tracing and health).
pub fn router(state: MetaState) -> Router {
    routes::router(state)
}

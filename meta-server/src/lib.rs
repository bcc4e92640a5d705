//! The meta server: tells clients where the config and admin services are.
//!
//! Instances announce themselves in the service registry with heartbeats (see
//! `lyre_service_kit::heartbeat`); `GET /services/config` and `GET /services/admin` answer the
//! ones heard from within the expiry, in Apollo's format. The meta server is served on the
//! config service's port, under the same environment prefixes (`/PRO/services/config`), and
//! the config URLs it gives out carry that prefix, so a client keeps talking to the
//! environment it was pointed at.

mod routes;

pub use routes::DEFAULT_EXPIRY;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use lyre_store::sea_orm::DatabaseConnection;

/// The meta server's shared state.
#[derive(Clone, Debug)]
pub struct MetaState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    db: DatabaseConnection,
    expiry: Duration,
}

impl MetaState {
    /// State over `db`; instances silent for longer than `expiry` are not listed.
    pub fn new(db: DatabaseConnection, expiry: Duration) -> Self {
        Self(Arc::new(Inner { db, expiry }))
    }
}

/// The meta server's routes, to be merged into the config service's router (which adds
/// environment prefixes, tracing and health).
pub fn router(state: MetaState) -> Router {
    routes::router(state)
}

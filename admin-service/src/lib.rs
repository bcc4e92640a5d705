//! The admin service: it owns every write to configuration data (apps, clusters, namespaces,
//! items, releases, rollbacks, locks) and records each in the audit log. The portal (and its
//! Open API) calls it in process when both run in one `lyre`, or over HTTP with the admin
//! service credential when they run apart; it knows nothing of people beyond the `operator`
//! named in each request.
//!
//! Every change to a namespace runs in one transaction that first locks the namespace's row,
//! so concurrent edits and publishes of one namespace are serialised on every backend.

mod actor;
mod domain;
mod error;
pub mod ops;
mod params;
pub mod retention;
mod router;
mod routes;
mod view;

use std::sync::Arc;

use lyre_store::bus::{ReleaseBus, Released};
use lyre_store::entity::release_message;
use lyre_store::sea_orm::DatabaseConnection;
use lyre_store::secrets::KeyRing;

pub use error::{AdminError, SchemaViolationBody};
pub use ops::rollouts::spawn_driver;
pub use retention::{RetentionPolicy, spawn_retention};
pub use router::{SERVICE_NAME, listening_router, openapi, router};

/// Apollo's default limit on key length.
pub const DEFAULT_KEY_MAX_LENGTH: usize = 128;
/// Apollo's default limit on value length.
pub const DEFAULT_VALUE_MAX_LENGTH: usize = 20_000;
/// The longest key the schema can hold, hence the highest key limit allowed.
pub const KEY_MAX_LENGTH_LIMIT: usize = 512;

/// What the admin service needs to know at start.
#[derive(Clone, Debug)]
pub struct AdminSettings {
    /// The environments served, canonical names (upper case).
    pub envs: Vec<String>,
    /// Longest item key accepted, in characters.
    pub key_max_length: usize,
    /// Longest item value accepted, in characters (a non-properties namespace's whole content).
    pub value_max_length: usize,
    /// The keys that seal and open secret item values (none: secrets cannot be written).
    pub secrets: Arc<KeyRing>,
}

impl AdminSettings {
    /// Settings with Apollo's default limits.
    pub fn new(envs: Vec<String>) -> Self {
        Self {
            envs,
            key_max_length: DEFAULT_KEY_MAX_LENGTH,
            value_max_length: DEFAULT_VALUE_MAX_LENGTH,
            secrets: Arc::default(),
        }
    }
}

/// The admin service's shared state: cheap to clone.
#[derive(Clone, Debug)]
pub struct AdminState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    db: DatabaseConnection,
    settings: AdminSettings,
    bus: Option<ReleaseBus>,
    /// Writers of one namespace in this process wait here, not in the database: a burst of
    /// writes to one namespace then holds one pooled connection instead of all of them.
    gates: lyre_service_kit::keyed::KeyedLocks,
}

impl AdminState {
    /// State over `db`.
    pub fn new(db: DatabaseConnection, settings: AdminSettings) -> Self {
        Self(Arc::new(Inner {
            db,
            settings,
            bus: None,
            gates: lyre_service_kit::keyed::KeyedLocks::default(),
        }))
    }

    /// State that also announces committed release messages on `bus`, for config services
    /// in the same process.
    pub fn with_bus(db: DatabaseConnection, settings: AdminSettings, bus: ReleaseBus) -> Self {
        Self(Arc::new(Inner {
            db,
            settings,
            bus: Some(bus),
            gates: lyre_service_kit::keyed::KeyedLocks::default(),
        }))
    }

    /// Announces release messages whose transaction has committed.
    fn announce(&self, messages: Vec<release_message::Model>) {
        if let Some(bus) = &self.0.bus {
            bus.publish(messages.into_iter().map(|m| Released {
                id: m.id,
                env: m.env,
                message: m.message,
            }));
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    fn gates(&self) -> &lyre_service_kit::keyed::KeyedLocks {
        &self.0.gates
    }

    fn settings(&self) -> &AdminSettings {
        &self.0.settings
    }

    fn secrets(&self) -> &KeyRing {
        &self.0.settings.secrets
    }
}

/// Counts a release that was published (and committed), by environment and kind.
pub(crate) fn published(env: &str, kind: &'static str) {
    lyre_service_kit::metrics::registry().count(
        "lyre_releases_published_total",
        "Releases published, by environment and kind (normal, gray, merge, rollback).",
        vec![("env", env.to_owned()), ("kind", kind.to_owned())],
        1,
    );
}

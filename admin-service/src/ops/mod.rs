//! The admin operations as a library: each a command or query and one function that owns its
//! rules. The admin service's HTTP routes call them, and so does the portal when it runs in the
//! same process (see `lyre_portal::AdminLink`), so a rule lives in one place whoever calls.
//!
//! Groups move here from the routes one at a time; those not here yet are reached through the
//! admin service's router.

pub mod access_keys;
pub mod app_namespaces;
pub mod apps;
pub mod audits;
pub mod branches;
pub mod call;
pub mod clusters;
pub mod instances;
pub mod items;
pub mod namespaces;
pub mod releases;
pub mod rollouts;
pub mod schemas;
pub mod search;
pub mod settings;
pub mod text;

pub use crate::actor::acting_as;
pub use access_keys::AppIn;

use crate::params::{NamespaceAt, app_id, cluster_name, namespace_name};
use crate::{AdminError, AdminState};

/// Whether the admin operations can serve: `None` when their database answers and is
/// migrated, otherwise why not (what the admin service's `/ready` says).
pub async fn readiness(state: &AdminState) -> Option<String> {
    lyre_service_kit::health::Readiness::new(crate::SERVICE_NAME, state.db().clone())
        .check()
        .await
}

/// A namespace as the caller names it (each operation checks the names).
#[derive(Clone, Copy, Debug)]
pub struct Ns<'a> {
    /// The environment.
    pub env: &'a str,
    /// The app.
    pub app_id: &'a str,
    /// The cluster (or gray branch).
    pub cluster: &'a str,
    /// The namespace.
    pub namespace: &'a str,
}

impl Ns<'_> {
    pub(crate) fn check(&self, state: &AdminState) -> Result<NamespaceAt, AdminError> {
        Ok(NamespaceAt {
            env: state.env(self.env)?,
            app_id: app_id(self.app_id)?,
            cluster: cluster_name(self.cluster)?,
            namespace: namespace_name(self.namespace)?,
        })
    }
}

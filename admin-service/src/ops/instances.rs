//! Which client instances read a namespace recently, or hold a release, and which release
//! each got.

use lyre_protocol::admin::{Instance, Page};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::{instances, releases};
use lyre_store::page::{PageRequest, Paged};
use lyre_store::time::now_millis;

use super::Ns;
use super::namespaces::existing;
use super::releases::release_not_found;
use crate::{AdminError, AdminState};

/// Instances seen within this many hours (24 when `None`).
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recent {
    /// The window, in hours.
    pub within_hours: Option<u32>,
}

impl Recent {
    pub(crate) fn since(self) -> i64 {
        now_millis() - i64::from(self.within_hours.unwrap_or(24)) * 3_600_000
    }
}

fn view(v: instances::InstanceView) -> Instance {
    Instance {
        app_id: v.instance.app_id,
        cluster_name: v.instance.cluster_name,
        data_center: v.instance.data_center,
        ip: v.instance.ip,
        label: v.instance.label,
        config_cluster_name: v.config.config_cluster_name,
        release_key: v.config.release_key,
        release_delivered_at: rfc3339(v.config.release_delivered_at),
        last_seen_at: rfc3339(v.config.updated_at),
    }
}

/// One page of instances, as answered.
pub(crate) fn page_of(found: Paged<instances::InstanceView>, page: PageRequest) -> Page<Instance> {
    Page {
        items: found.items.into_iter().map(view).collect(),
        page: page.page,
        size: page.size,
        total: found.total,
    }
}

/// Instances that read the namespace recently, most recent first, with the release each holds.
pub async fn of_namespace(
    state: &AdminState,
    ns: Ns<'_>,
    recent: Recent,
    page: PageRequest,
) -> Result<Page<Instance>, AdminError> {
    let at = ns.check(state)?;
    existing(state.db(), &at).await?;
    let found = instances::of_namespace(
        state.db(),
        &at.env,
        at.app_id.as_str(),
        Some(at.cluster.as_str()),
        at.namespace.as_str(),
        recent.since(),
        page,
    )
    .await?;
    Ok(page_of(found, page))
}

/// Instances that hold release `id` of `env` (alone or under an app's overrides of a public
/// namespace).
pub async fn of_release(
    state: &AdminState,
    env: &str,
    id: i64,
    recent: Recent,
    page: PageRequest,
) -> Result<Page<Instance>, AdminError> {
    let env = state.env(env)?;
    let release = releases::find(state.db(), &env, id)
        .await?
        .ok_or_else(|| release_not_found(&env, id))?;
    let found =
        instances::of_release(state.db(), &env, &release.release_key, recent.since(), page).await?;
    Ok(page_of(found, page))
}

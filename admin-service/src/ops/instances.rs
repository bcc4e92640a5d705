//! Which client instances read a namespace recently, or hold a release, and which release
//! each got.

use std::collections::{BTreeMap, HashMap};

use lyre_protocol::admin::{Adoption, Applied, Instance, Page, ReleaseAdoption};
use lyre_protocol::schema_hash;
use lyre_service_kit::time::rfc3339;
use lyre_store::config::{instances, releases, schemas};
use lyre_store::page::{PageRequest, Paged};
use lyre_store::sea_orm::ConnectionTrait;
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

/// The versions of an app's namespace's schema, by hash (see [`lyre_protocol::schema_hash`]).
#[derive(Debug, Default)]
pub(crate) struct SchemaVersions(HashMap<String, i64>);

impl SchemaVersions {
    pub(crate) async fn of(
        db: &impl ConnectionTrait,
        app: &str,
        namespace: &str,
    ) -> Result<Self, AdminError> {
        let mut by_hash = HashMap::new();
        for version in schemas::history(db, app, namespace).await? {
            // A version that is not JSON cannot be matched; reading it says so elsewhere.
            if let Ok(document) = serde_json::from_str(&version.document) {
                by_hash
                    .entry(schema_hash::of(&document))
                    .or_insert(version.version);
            }
        }
        Ok(Self(by_hash))
    }
}

fn view(v: instances::InstanceView, versions: &SchemaVersions) -> Instance {
    let schema_hash = Some(v.config.schema_hash).filter(|h| !h.is_empty());
    let applied = (!v.config.apply_status.is_empty()).then(|| Applied {
        release_key: v.config.applied_release_key,
        status: v.config.apply_status,
        reason: v.config.apply_reason,
        at: rfc3339(v.config.applied_at),
    });
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
        schema_version: schema_hash
            .as_ref()
            .and_then(|h| versions.0.get(h).copied()),
        schema_hash,
        applied,
    }
}

/// One page of instances, as answered.
pub(crate) fn page_of(
    found: Paged<instances::InstanceView>,
    page: PageRequest,
    versions: &SchemaVersions,
) -> Page<Instance> {
    Page {
        items: found.items.into_iter().map(|v| view(v, versions)).collect(),
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
    let versions =
        SchemaVersions::of(state.db(), at.app_id.as_str(), at.namespace.as_str()).await?;
    Ok(page_of(found, page, &versions))
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
    let versions = SchemaVersions::of(state.db(), &release.app_id, &release.namespace_name).await?;
    Ok(page_of(found, page, &versions))
}

/// How far the namespace's releases reached the instances that read it recently: per release
/// held, how many hold it and how many reported it applied or rejected.
pub async fn adoption(
    state: &AdminState,
    ns: Ns<'_>,
    recent: Recent,
) -> Result<Adoption, AdminError> {
    let at = ns.check(state)?;
    existing(state.db(), &at).await?;
    let reads = instances::reads_of_namespace(
        state.db(),
        &at.env,
        at.app_id.as_str(),
        at.namespace.as_str(),
        recent.since(),
    )
    .await?;
    let mut by_key: BTreeMap<String, ReleaseAdoption> = BTreeMap::new();
    for read in &reads {
        let reported = read.applied_release_key == read.release_key;
        for key in read.release_key.split('+').filter(|k| !k.is_empty()) {
            let counts = by_key
                .entry(key.to_owned())
                .or_insert_with(|| ReleaseAdoption {
                    release_key: key.to_owned(),
                    release_id: None,
                    read: 0,
                    applied: 0,
                    rejected: 0,
                });
            counts.read += 1;
            match read.apply_status.as_str() {
                "applied" if reported => counts.applied += 1,
                "rejected" if reported => counts.rejected += 1,
                _ => {}
            }
        }
    }
    let keys: Vec<&str> = by_key.keys().map(String::as_str).collect();
    let ids: HashMap<String, i64> = releases::ids_by_key(state.db(), &at.env, &keys)
        .await?
        .into_iter()
        .collect();
    let mut releases: Vec<ReleaseAdoption> = by_key
        .into_values()
        .map(|mut r| {
            r.release_id = ids.get(&r.release_key).copied();
            r
        })
        .collect();
    // The newest first (ids grow with time; a release no longer kept goes last).
    releases.sort_by_key(|r| std::cmp::Reverse(r.release_id.unwrap_or(0)));
    Ok(Adoption {
        live: reads.len() as u64,
        releases,
    })
}

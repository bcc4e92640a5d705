//! Which client instances read a namespace recently, or hold a release, and which release
//! each got.

use std::collections::{BTreeMap, HashMap};

use lyre_protocol::admin::{
    Adoption, Applied, BlastRadius, BlastRadiusRequest, Instance, Page, RadiusCount, RadiusSchema,
    ReleaseAdoption,
};
use lyre_protocol::config::Configurations;
use lyre_protocol::gray::{self, GrayRuleItem};
use lyre_protocol::schema::Schema;
use lyre_protocol::schema_hash;
use lyre_service_kit::time::rfc3339;
use lyre_store::config::{
    access_keys, branches as branch_rows, instances, namespaces, releases, schemas,
};
use lyre_store::page::{PageRequest, Paged};
use lyre_store::sea_orm::ConnectionTrait;
use lyre_store::time::now_millis;

use super::Ns;
use super::namespaces::existing;
use super::releases::release_not_found;
use crate::domain::gray_configuration;
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

fn view(v: instances::InstanceView, versions: &SchemaVersions, withheld: bool) -> Instance {
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
        secrets_withheld: withheld,
    }
}

/// One page of instances of `env`, as answered.
pub(crate) async fn page_of(
    db: &impl ConnectionTrait,
    env: &str,
    found: Paged<instances::InstanceView>,
    page: PageRequest,
    versions: &SchemaVersions,
) -> Result<Page<Instance>, AdminError> {
    // Secret values reach an instance only when its app enforces an access key.
    let held: Vec<&str> = found
        .items
        .iter()
        .flat_map(|v| v.config.release_key.split('+'))
        .collect();
    let sealed = releases::with_secrets(db, env, &held).await?;
    let mut unsigned: HashMap<String, bool> = HashMap::new();
    let mut items = Vec::with_capacity(found.items.len());
    for v in found.items {
        let has_secrets = v
            .config
            .release_key
            .split('+')
            .any(|k| sealed.iter().any(|s| s == k));
        let withheld = if has_secrets {
            let app = &v.instance.app_id;
            match unsigned.get(app) {
                Some(u) => *u,
                None => {
                    let u = !access_keys::enforced(db, env, app).await?;
                    unsigned.insert(app.clone(), u);
                    u
                }
            }
        } else {
            false
        };
        items.push(view(v, versions, withheld));
    }
    Ok(Page {
        items,
        page: page.page,
        size: page.size,
        total: found.total,
    })
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
    page_of(state.db(), &at.env, found, page, &versions).await
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
    page_of(state.db(), &env, found, page, &versions).await
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

/// Which live instances a publish of the namespace would send a new release, and, where they
/// say which schema their typed views were built with, how many of those schemas would refuse
/// it. Main's publish reaches the instances served main's release and those served its gray
/// branch (republished on the new main); a branch's publish, the instances its rules (or the
/// given share) select among them.
pub async fn blast_radius(
    state: &AdminState,
    ns: Ns<'_>,
    request: &BlastRadiusRequest,
) -> Result<BlastRadius, AdminError> {
    let at = ns.check(state)?;
    let db = state.db();
    existing(db, &at).await?;
    let since = now_millis() - instances::LIVE_WITHIN_MS;
    let live = instances::live_of_namespace(
        db,
        &at.env,
        at.app_id.as_str(),
        at.namespace.as_str(),
        since,
    )
    .await?;
    let active = branch_rows::active(db, at.r()).await?;
    let cluster = at.cluster.as_str();
    let format = crate::domain::definition(db, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .map_or(lyre_protocol::format::Format::Properties, |d| d.format());
    let (receiving, configuration): (Vec<&instances::InstanceView>, Configurations) = match &request
        .branch_name
    {
        None => {
            let branch = active
                .as_ref()
                .filter(|r| r.release_id != 0)
                .map(|r| r.branch_name.as_str());
            let on = |c: &str| c == cluster || Some(c) == branch;
            let receiving = live
                .iter()
                .filter(|v| on(&v.config.config_cluster_name))
                .collect();
            // The saved items are read only when no configuration is given.
            let configuration = match &request.configurations {
                Some(given) => given.clone(),
                None => crate::ops::schemas::saved(db, &at).await?.1,
            };
            (receiving, configuration)
        }
        Some(name) => {
            let rule = active
                .as_ref()
                .filter(|r| r.branch_name == *name)
                .ok_or_else(|| crate::ops::branches::no_branch(&at, Some(name)))?;
            if request.percentage.is_some_and(|p| p > 100) {
                return Err(AdminError::Invalid(
                    "`percentage` is between 0 and 100".into(),
                ));
            }
            let rules = match request.percentage {
                Some(p) => vec![GrayRuleItem {
                    client_app_id: at.app_id.as_str().to_owned(),
                    percentage: Some(p),
                    ..Default::default()
                }],
                None => crate::ops::branches::rule_items(rule),
            };
            let receiving = live
                .iter()
                .filter(|v| {
                    let c = v.config.config_cluster_name.as_str();
                    (c == cluster || c == name)
                        && gray::selects(
                            &rules,
                            &gray::Client {
                                app_id: &v.instance.app_id,
                                ip: &v.instance.ip,
                                label: &v.instance.label,
                            },
                        )
                })
                .collect();
            let configuration = match &request.configurations {
                Some(given) => given.clone(),
                None => {
                    let branch_at = crate::ops::branches::branch_at(&at, name)?;
                    let branch = namespaces::find(db, branch_at.r())
                        .await?
                        .ok_or_else(|| crate::ops::branches::no_branch(&at, Some(name)))?;
                    let (base, _) = crate::ops::branches::main_configuration(db, at.r()).await?;
                    let overrides = crate::ops::branches::overrides_of(db, &branch).await?;
                    gray_configuration(&base, &overrides)
                }
            };
            (receiving, configuration)
        }
    };

    let count = |names: Vec<String>| -> Vec<RadiusCount> {
        let mut by: BTreeMap<String, u64> = BTreeMap::new();
        for name in names {
            *by.entry(name).or_default() += 1;
        }
        let mut counts: Vec<RadiusCount> = by
            .into_iter()
            .map(|(name, instances)| RadiusCount { name, instances })
            .collect();
        counts.sort_by(|a, b| b.instances.cmp(&a.instances).then(a.name.cmp(&b.name)));
        counts
    };
    let clusters = count(
        receiving
            .iter()
            .map(|v| v.instance.cluster_name.clone())
            .collect(),
    );
    let branch_name = active.as_ref().map(|r| r.branch_name.as_str());
    let branches = count(
        receiving
            .iter()
            .filter(|v| Some(v.config.config_cluster_name.as_str()) == branch_name)
            .map(|v| v.config.config_cluster_name.clone())
            .collect(),
    );
    let labels = count(receiving.iter().map(|v| v.instance.label.clone()).collect());
    let mut ips: Vec<String> = receiving.iter().map(|v| v.instance.ip.clone()).collect();
    ips.sort();
    ips.dedup();
    ips.truncate(1000);

    // Each schema the receivers run, checked against what they would receive.
    let mut by_hash: BTreeMap<&str, u64> = BTreeMap::new();
    for v in &receiving {
        if !v.config.schema_hash.is_empty() {
            *by_hash.entry(v.config.schema_hash.as_str()).or_default() += 1;
        }
    }
    let mut documents: HashMap<String, (i64, serde_json::Value)> = HashMap::new();
    if !by_hash.is_empty() {
        for version in schemas::history(db, at.app_id.as_str(), at.namespace.as_str()).await? {
            if let Ok(document) = serde_json::from_str::<serde_json::Value>(&version.document) {
                documents
                    .entry(schema_hash::of(&document))
                    .or_insert((version.version, document));
            }
        }
    }
    let mut radius_schemas = Vec::new();
    let mut rejecting = 0;
    for (hash, instances) in by_hash {
        let known = documents.get(hash);
        let mut problems = match known.map(|(_, d)| Schema::new(d.clone())) {
            Some(Ok(checker)) if format.is_properties() => {
                checker.check_properties(configuration.iter())
            }
            Some(Ok(checker)) => {
                checker.check_content(format, configuration.get("content").unwrap_or_default())
            }
            // A schema Lyre does not hold (never pushed) cannot be checked here.
            _ => Vec::new(),
        };
        if !problems.is_empty() {
            rejecting += instances;
        }
        problems.truncate(20);
        radius_schemas.push(RadiusSchema {
            hash: hash.to_owned(),
            version: known.map(|(v, _)| *v),
            instances,
            problems,
        });
    }
    Ok(BlastRadius {
        live_within_seconds: u64::try_from(instances::LIVE_WITHIN_MS / 1000).unwrap_or(0),
        live: live.len() as u64,
        receiving: receiving.len() as u64,
        clusters,
        branches,
        labels,
        ips,
        schemas: radius_schemas,
        rejecting,
    })
}

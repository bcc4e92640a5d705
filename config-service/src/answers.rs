//! Answers to configuration reads, from memory.
//!
//! Three caches: the latest release of each (environment, app, cluster, namespace), the
//! published gray branch (with its rules) of each, and the rendered answer of each distinct
//! request. Every entry remembers the message ids of the watch keys it was built from, and is
//! valid while the hub's ids for those keys are the same: a new release message makes exactly
//! the entries that depend on it stale, with no other bookkeeping. A valid cached read touches
//! no database.
//!
//! Gray branches: at each step of the cluster fallback, a published branch whose rules select
//! the client is read instead of the cluster. Which branches select a client is part of the
//! answer's cache key, so a gray client never gets a main answer and a main client never gets
//! a gray one. A branch's releases and rule changes are announced on its parent cluster's key.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use bytes::Bytes;
use lyre_protocol::client::ApolloConfig;
use lyre_protocol::config::Configurations;
use lyre_protocol::format::Format;
use lyre_protocol::gray::{Client, GrayRuleItem, selects};
use lyre_protocol::secret::is_sealed;
use lyre_service_kit::keyed::{KeyedGuard, KeyedLocks};
use lyre_service_kit::metrics::Counter;
use lyre_store::config::branches;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::releases::{self, message_key};
use lyre_store::sea_orm::{DatabaseConnection, DbErr};
use lyre_store::secrets::KeyRing;

use crate::definitions::Resolved;
use crate::hub::Hub;

/// Entries each cache keeps before it starts afresh, unless configured otherwise.
pub const DEFAULT_CACHE_ENTRIES: usize = 200_000;

/// The cluster everything falls back to.
pub(crate) const DEFAULT_CLUSTER: &str = "default";

/// A read, as the client asked.
#[derive(Clone, Debug)]
pub(crate) struct Read<'a> {
    pub env: &'a str,
    pub app_id: &'a str,
    pub cluster: &'a str,
    /// The namespace as the client spelled it.
    pub namespace: &'a str,
    pub data_center: Option<&'a str>,
    /// The client's IP, for gray rules.
    pub ip: &'a str,
    /// The client's label ("" when none), for gray rules.
    pub label: &'a str,
    /// Whether the client signed with an enforced access key of the app: secret values are
    /// served to it opened, and withheld from everyone else.
    pub secrets: bool,
}

impl Read<'_> {
    fn cache_key(&self, selection: &str) -> String {
        [
            self.env,
            self.app_id,
            self.cluster,
            self.namespace,
            self.data_center.unwrap_or(""),
            selection,
            if self.secrets { "s" } else { "" },
        ]
        .join("\u{1f}")
    }
}

/// The latest active release of one namespace in one cluster (or branch).
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub release_key: String,
    pub cluster: String,
    pub configurations: Configurations,
}

/// A published gray branch and its rules.
#[derive(Debug)]
pub(crate) struct GrayBranch {
    name: String,
    rules: Vec<GrayRuleItem>,
}

/// One step of the cluster fallback: the cluster, or the branch of it that selects the client.
#[derive(Debug)]
struct Step<'a> {
    cluster: &'a str,
    branch: Option<String>,
}

/// What a read answers.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The release keys joined with `+`, the app's own first.
    pub release_key: String,
    /// The namespace's canonical name.
    pub namespace: String,
    /// The cluster (or gray branch) whose release the app's part came from.
    pub cluster: String,
    pub format: Format,
    /// The merged keys and values.
    pub configurations: Configurations,
    /// The `/configs` body, rendered once.
    pub body: Bytes,
    text: OnceLock<Bytes>,
    json: OnceLock<Bytes>,
}

impl Answer {
    /// The configuration as properties text (`/configfiles`).
    pub(crate) fn text(&self) -> Bytes {
        self.text
            .get_or_init(|| {
                lyre_protocol::properties::render_map(self.configurations.iter()).into()
            })
            .clone()
    }

    /// The configuration as a JSON object (`/configfiles/json`).
    pub(crate) fn json(&self) -> Bytes {
        self.json
            .get_or_init(|| {
                serde_json::to_vec(&self.configurations)
                    .unwrap_or_default()
                    .into()
            })
            .clone()
    }

    /// The file itself for a file namespace, else the properties text (`/configfiles/raw`).
    pub(crate) fn raw(&self) -> Bytes {
        if self.format.is_properties() {
            self.text()
        } else {
            Bytes::from(
                self.configurations
                    .get("content")
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    }
}

#[derive(Debug)]
struct Entry<T> {
    /// The message ids of the watch keys the value was built from.
    deps: Vec<(String, i64)>,
    /// The generation of the namespace definitions it was resolved with (0 for releases and
    /// branches, which do not depend on them).
    generation: u64,
    value: T,
}

impl<T> Entry<T> {
    fn is_current(&self, hub: &Hub, env: &str, generation: u64) -> bool {
        self.generation == generation
            && self
                .deps
                .iter()
                .all(|(key, id)| hub.latest(env, key) == *id)
    }
}

/// A cached value (or a cached absence).
type CacheEntry<T> = Entry<Option<Arc<T>>>;

/// Cached values (or cached absences) by key.
type Cache<T> = RwLock<HashMap<String, Arc<CacheEntry<T>>>>;

/// What a cache had for a key.
enum Lookup<T> {
    /// A current value (or absence).
    Hit(Option<Arc<T>>),
    /// Nothing current: load it, holding `flight` (none for `fresh` reads) so that other
    /// readers of the key wait for this load. `stale` is what the cache had, for answering
    /// while the database is away.
    Load {
        stale: Option<Arc<CacheEntry<T>>>,
        flight: Option<KeyedGuard>,
    },
}

/// The caches.
#[derive(Debug)]
pub(crate) struct Answers {
    answers: Cache<Answer>,
    releases: Cache<Snapshot>,
    branches: Cache<GrayBranch>,
    /// Entries each cache keeps; a full cache starts afresh (a crude bound against clients
    /// that ask for endless distinct keys).
    max_entries: usize,
    /// Loads under way: when a release makes an entry stale, the many clients that re-read at
    /// once wait for one load instead of each reading the database.
    flights: KeyedLocks,
    /// Opens secret values; answers hold them opened, releases (and their cache) sealed.
    secrets: Arc<KeyRing>,
}

/// The clusters a read falls back through: the cluster asked for (unless `default`), the data
/// center (when given and different), then `default`.
pub(crate) fn cluster_chain<'a>(cluster: &'a str, data_center: Option<&'a str>) -> Vec<&'a str> {
    let mut chain = Vec::with_capacity(3);
    if cluster != DEFAULT_CLUSTER {
        chain.push(cluster);
    }
    if let Some(dc) = data_center.filter(|dc| !dc.is_empty() && *dc != cluster) {
        chain.push(dc);
    }
    chain.push(DEFAULT_CLUSTER);
    chain
}

fn insert_bounded<T>(map: &RwLock<HashMap<String, T>>, max: usize, key: String, value: T) {
    let mut map = map.write().unwrap_or_else(|e| e.into_inner());
    if map.len() >= max {
        map.clear();
    }
    map.insert(key, value);
}

/// The fallback steps of one app: its parts of the read.
struct Plan<'a> {
    own: Vec<Step<'a>>,
    public: Vec<Step<'a>>,
}

impl Answers {
    /// `key` in `cache` (of kind `kind`) when `current` says it is, counting the
    /// hit or the miss. A miss takes the key's flight first and looks again, so a release that
    /// makes an entry stale costs one load however many readers come; `fresh` reads skip the
    /// cache and the flight.
    async fn lookup<T>(
        &self,
        cache: &Cache<T>,
        kind: CacheKind,
        key: &str,
        fresh: bool,
        current: impl Fn(&CacheEntry<T>) -> bool,
    ) -> Lookup<T> {
        let get = || {
            cache
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(key)
                .cloned()
        };
        let found = |cached: &Option<Arc<CacheEntry<T>>>| {
            cached
                .as_ref()
                .filter(|entry| !fresh && current(entry))
                .map(|entry| entry.value.clone())
        };
        let mut cached = get();
        if let Some(value) = found(&cached) {
            hit(kind);
            return Lookup::Hit(value);
        }
        let flight = if fresh {
            None
        } else {
            let flight = self
                .flights
                .lock(format!("{}\u{1f}{key}", kind.name()))
                .await;
            // Loaded by another request while this one waited?
            cached = get();
            if let Some(value) = found(&cached) {
                hit(kind);
                return Lookup::Hit(value);
            }
            Some(flight)
        };
        miss(kind);
        Lookup::Load {
            stale: cached,
            flight,
        }
    }

    pub(crate) fn new(max_entries: usize, secrets: Arc<KeyRing>) -> Self {
        Self {
            answers: RwLock::default(),
            releases: RwLock::default(),
            branches: RwLock::default(),
            max_entries: max_entries.max(1),
            flights: KeyedLocks::default(),
            secrets,
        }
    }

    /// The answer to `read` for the namespace `resolved`, from memory when current.
    /// `fresh` skips the caches (the client has seen a message this instance has not).
    pub(crate) async fn answer(
        &self,
        db: &DatabaseConnection,
        hub: &Hub,
        read: &Read<'_>,
        resolved: &Resolved,
        generation: u64,
        fresh: bool,
    ) -> Result<Option<Arc<Answer>>, DbErr> {
        let chain = cluster_chain(read.cluster, read.data_center);
        let client = Client {
            app_id: read.app_id,
            ip: read.ip,
            label: read.label,
        };
        let plan = Plan {
            own: self
                .steps(
                    db,
                    hub,
                    read.env,
                    read.app_id,
                    &chain,
                    &resolved.name,
                    &client,
                )
                .await?,
            public: match &resolved.public_owner {
                Some(owner) => {
                    self.steps(db, hub, read.env, owner, &chain, &resolved.name, &client)
                        .await?
                }
                None => Vec::new(),
            },
        };
        let selection: Vec<&str> = plan
            .own
            .iter()
            .chain(&plan.public)
            .map(|s| s.branch.as_deref().unwrap_or(""))
            .collect();
        let key = read.cache_key(&selection.join("|"));
        let current = |entry: &CacheEntry<Answer>| entry.is_current(hub, read.env, generation);
        let (cached, _flight) = match self
            .lookup(&self.answers, CacheKind::Answer, &key, fresh, current)
            .await
        {
            Lookup::Hit(value) => return Ok(value),
            Lookup::Load { stale, flight } => (stale, flight),
        };
        match self
            .build(db, hub, read, resolved, &plan, generation, fresh)
            .await
        {
            Ok(entry) => {
                let value = entry.value.clone();
                insert_bounded(&self.answers, self.max_entries, key, Arc::new(entry));
                Ok(value)
            }
            // The database is away: an answer that may be stale beats none.
            Err(e) => match cached {
                Some(entry) => {
                    tracing::debug!(error = %e, "database unreachable; answering from cache");
                    Ok(entry.value.clone())
                }
                None => Err(e),
            },
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the read, its plan and the caches"
    )]
    async fn build(
        &self,
        db: &DatabaseConnection,
        hub: &Hub,
        read: &Read<'_>,
        resolved: &Resolved,
        plan: &Plan<'_>,
        generation: u64,
        fresh: bool,
    ) -> Result<Entry<Option<Arc<Answer>>>, DbErr> {
        let mut deps = Vec::new();
        let own = self
            .first_release(
                db,
                hub,
                read.env,
                read.app_id,
                &plan.own,
                &resolved.name,
                fresh,
                &mut deps,
            )
            .await?;
        let public = match &resolved.public_owner {
            Some(owner) => {
                self.first_release(
                    db,
                    hub,
                    read.env,
                    owner,
                    &plan.public,
                    &resolved.name,
                    fresh,
                    &mut deps,
                )
                .await?
            }
            None => None,
        };
        if own.is_none() && public.is_none() {
            return Ok(Entry {
                deps,
                generation,
                value: None,
            });
        }
        // The public release first, the app's own keys over it; each value's app (the one
        // whose release holds it) is the one its secret was sealed for.
        let mut configurations = public
            .as_ref()
            .map(|p| p.configurations.clone())
            .unwrap_or_default();
        let owner = resolved.public_owner.as_deref().unwrap_or(read.app_id);
        let mut apps = vec![owner; configurations.0.len()];
        if let Some(own) = &own {
            for (k, v) in own.configurations.iter() {
                match configurations.0.iter().position(|(key, _)| key == k) {
                    Some(i) => {
                        v.clone_into(&mut configurations.0[i].1);
                        apps[i] = read.app_id;
                    }
                    None => {
                        configurations.0.push((k.to_owned(), v.to_owned()));
                        apps.push(read.app_id);
                    }
                }
            }
        }
        self.unseal(read, &apps, &mut configurations);
        let release_key = [own.as_ref(), public.as_ref()]
            .into_iter()
            .flatten()
            .map(|s| s.release_key.as_str())
            .collect::<Vec<_>>()
            .join("+");
        let cluster = own
            .as_ref()
            .or(public.as_ref())
            .map(|s| s.cluster.clone())
            .unwrap_or_default();
        let body = ApolloConfig {
            app_id: read.app_id.to_owned(),
            cluster: cluster.clone(),
            namespace_name: read.namespace.to_owned(),
            configurations,
            release_key: release_key.clone(),
        };
        let bytes = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
        Ok(Entry {
            deps,
            generation,
            value: Some(Arc::new(Answer {
                release_key,
                namespace: resolved.name.clone(),
                cluster,
                format: resolved.format,
                configurations: body.configurations,
                body: bytes,
                text: OnceLock::new(),
                json: OnceLock::new(),
            })),
        })
    }

    /// Opens the secret values of `configurations` (each sealed for the app `apps` names at
    /// its index) for a client trusted with them; removes them for any other (and any that
    /// does not open, which is logged without its value).
    fn unseal(&self, read: &Read<'_>, apps: &[&str], configurations: &mut Configurations) {
        let mut apps = apps.iter();
        configurations.0.retain_mut(|(key, value)| {
            let app = apps.next().copied().unwrap_or(read.app_id);
            if !is_sealed(value) {
                return true;
            }
            if !read.secrets {
                return false;
            }
            match self.secrets.open(app, value) {
                Ok(plain) => {
                    *value = plain;
                    true
                }
                Err(e) => {
                    tracing::warn!(
                        env = read.env,
                        app = read.app_id,
                        namespace = read.namespace,
                        key = %key,
                        error = %e,
                        "a secret value could not be opened; the key is left out of the answer"
                    );
                    false
                }
            }
        });
    }

    /// The fallback steps for `app_id`, each with the branch (if any) that selects `client`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the namespace's coordinates and the client"
    )]
    async fn steps<'a>(
        &self,
        db: &DatabaseConnection,
        hub: &Hub,
        env: &str,
        app_id: &str,
        chain: &[&'a str],
        namespace: &str,
        client: &Client<'_>,
    ) -> Result<Vec<Step<'a>>, DbErr> {
        let mut steps = Vec::with_capacity(chain.len());
        for cluster in chain {
            let branch = self
                .branch(db, hub, env, app_id, cluster, namespace)
                .await?;
            steps.push(Step {
                cluster,
                branch: branch
                    .filter(|b| selects(&b.rules, client))
                    .map(|b| b.name.clone()),
            });
        }
        Ok(steps)
    }

    /// The first release found along `steps` for `app_id`'s `namespace`; records the ids of
    /// every watch key looked at in `deps`.
    #[expect(
        clippy::too_many_arguments,
        reason = "one lookup's whole context; called twice"
    )]
    async fn first_release(
        &self,
        db: &DatabaseConnection,
        hub: &Hub,
        env: &str,
        app_id: &str,
        steps: &[Step<'_>],
        namespace: &str,
        fresh: bool,
        deps: &mut Vec<(String, i64)>,
    ) -> Result<Option<Arc<Snapshot>>, DbErr> {
        let mut found = None;
        for step in steps {
            let watch = message_key(app_id, step.cluster, namespace);
            deps.push((watch.clone(), hub.latest(env, &watch)));
            if found.is_none() {
                let cluster = step.branch.as_deref().unwrap_or(step.cluster);
                found = self
                    .release(db, hub, env, app_id, cluster, namespace, watch, fresh)
                    .await?;
            }
        }
        Ok(found)
    }

    /// The published gray branch of one namespace in one cluster, from memory when current.
    async fn branch(
        &self,
        db: &DatabaseConnection,
        hub: &Hub,
        env: &str,
        app_id: &str,
        cluster: &str,
        namespace: &str,
    ) -> Result<Option<Arc<GrayBranch>>, DbErr> {
        let key = [env, app_id, cluster, namespace].join("\u{1f}");
        let current = |entry: &CacheEntry<GrayBranch>| entry.is_current(hub, env, 0);
        let (cached, _flight) = match self
            .lookup(&self.branches, CacheKind::Branch, &key, false, current)
            .await
        {
            Lookup::Hit(value) => return Ok(value),
            Lookup::Load { stale, flight } => (stale, flight),
        };
        let watch = message_key(app_id, cluster, namespace);
        let id = hub.latest(env, &watch);
        let r = NamespaceRef {
            env,
            app_id,
            cluster,
            namespace,
        };
        let branch = match branches::active(db, r).await {
            Ok(found) => found.filter(|b| b.release_id != 0).map(|b| {
                Arc::new(GrayBranch {
                    rules: serde_json::from_str(&b.rules).unwrap_or_default(),
                    name: b.branch_name,
                })
            }),
            // The database is away: what was known beats nothing.
            Err(e) => return cached.map(|entry| entry.value.clone()).ok_or(e),
        };
        let entry = Entry {
            deps: vec![(watch, id)],
            generation: 0,
            value: branch.clone(),
        };
        insert_bounded(&self.branches, self.max_entries, key, Arc::new(entry));
        Ok(branch)
    }

    /// The latest active release of one namespace in `cluster` (a cluster or a branch), from
    /// memory while `watch` (the key its releases are announced on) is unchanged.
    #[expect(
        clippy::too_many_arguments,
        reason = "the namespace's coordinates and the caches"
    )]
    async fn release(
        &self,
        db: &DatabaseConnection,
        hub: &Hub,
        env: &str,
        app_id: &str,
        cluster: &str,
        namespace: &str,
        watch: String,
        fresh: bool,
    ) -> Result<Option<Arc<Snapshot>>, DbErr> {
        let key = [env, app_id, cluster, namespace].join("\u{1f}");
        let current = |entry: &CacheEntry<Snapshot>| entry.is_current(hub, env, 0);
        let (cached, _flight) = match self
            .lookup(&self.releases, CacheKind::Release, &key, fresh, current)
            .await
        {
            Lookup::Hit(value) => return Ok(value),
            Lookup::Load { stale, flight } => (stale, flight),
        };
        // Read the id before the release: a message landing in between makes the entry stale.
        let id = hub.latest(env, &watch);
        let r = NamespaceRef {
            env,
            app_id,
            cluster,
            namespace,
        };
        let snapshot = match releases::latest_active(db, r).await {
            Ok(found) => found.map(|release| {
                Arc::new(Snapshot {
                    configurations: serde_json::from_str(&release.configurations)
                        .unwrap_or_default(),
                    release_key: release.release_key,
                    cluster: release.cluster_name,
                })
            }),
            // The database is away: what was known beats nothing.
            Err(e) => return cached.map(|entry| entry.value.clone()).ok_or(e),
        };
        let entry = Entry {
            deps: vec![(watch, id)],
            generation: 0,
            value: snapshot.clone(),
        };
        insert_bounded(&self.releases, self.max_entries, key, Arc::new(entry));
        Ok(snapshot)
    }
}

/// The caches a read may be served from.
#[derive(Clone, Copy)]
enum CacheKind {
    Answer,
    Release,
    Branch,
}

impl CacheKind {
    const ALL: [Self; 3] = [Self::Answer, Self::Release, Self::Branch];

    /// As the metrics and the load locks name it.
    const fn name(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Release => "release",
            Self::Branch => "branch",
        }
    }
}

/// Per cache (indexed by [`CacheKind`]): reads it served and reads it could not serve.
fn cache_counters() -> &'static [(Counter, Counter); 3] {
    static COUNTERS: OnceLock<[(Counter, Counter); 3]> = OnceLock::new();
    COUNTERS.get_or_init(|| {
        let registry = lyre_service_kit::metrics::registry();
        CacheKind::ALL.map(|kind| {
            let labels = || vec![("cache", kind.name().to_owned())];
            (
                registry.counter(
                    "lyre_release_cache_hits_total",
                    "Reads served from the config service's caches, by cache.",
                    labels(),
                ),
                registry.counter(
                    "lyre_release_cache_misses_total",
                    "Reads the config service's caches could not serve, by cache.",
                    labels(),
                ),
            )
        })
    })
}

/// Counts a read served from the cache of `kind`.
fn hit(kind: CacheKind) {
    cache_counters()[kind as usize].0.add(1);
}

/// Counts a read the cache of `kind` could not serve (read from the database).
fn miss(kind: CacheKind) {
    cache_counters()[kind as usize].1.add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_through_cluster_data_center_and_default() {
        assert_eq!(cluster_chain("default", None), ["default"]);
        assert_eq!(cluster_chain("east", None), ["east", "default"]);
        assert_eq!(
            cluster_chain("east", Some("dc1")),
            ["east", "dc1", "default"]
        );
        assert_eq!(cluster_chain("default", Some("dc1")), ["dc1", "default"]);
        assert_eq!(cluster_chain("dc1", Some("dc1")), ["dc1", "default"]);
        assert_eq!(cluster_chain("east", Some("")), ["east", "default"]);
    }
}

//! The client: namespaces kept current in memory, typed views of them, and the background work
//! that keeps them current.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use arc_swap::ArcSwap;
use lyre_protocol::client::{
    ApolloConfig, ApplyReport, ApplyReports, ApplyStatus, ChangedNamespace, NotificationMessages,
    WatchedNamespace,
};
use lyre_protocol::config::Configurations;
use lyre_protocol::format::Format;
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use crate::transport::{Transport, base, encode, local_ip};
use lyre_protocol::keys;

use crate::{Error, cache};

/// How a key changed between two releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The key is new.
    Added,
    /// The key's value changed.
    Modified,
    /// The key is gone.
    Deleted,
}

/// One key's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The key.
    pub key: String,
    /// Added, modified or deleted.
    pub kind: ChangeKind,
    /// The value before (`None` when added).
    pub old_value: Option<String>,
    /// The value after (`None` when deleted).
    pub new_value: Option<String>,
}

/// A namespace changed: which keys, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeEvent {
    /// The namespace, as the app named it.
    pub namespace: String,
    /// The release now held.
    pub release_key: String,
    /// The keys that changed.
    pub changes: Vec<Change>,
}

/// A namespace's configuration as last received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The release key (keys joined with `+` for a public namespace; empty when nothing was
    /// ever released).
    pub release_key: String,
    /// The keys and values; a yaml, json, xml or txt namespace holds one key, `content`.
    pub configurations: Configurations,
    /// Whether it came from the local cache rather than a config service.
    pub from_cache: bool,
}

/// Settings, as the builder collected them.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub app_id: String,
    pub cluster: String,
    pub data_center: Option<String>,
    pub label: Option<String>,
    pub cache_dir: Option<PathBuf>,
    pub require_server: bool,
    pub report_applies: bool,
    pub configs_with_notifications: bool,
    pub request_timeout: Duration,
    pub long_poll_timeout: Duration,
    pub refresh_interval: Duration,
    pub discovery_interval: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

/// A typed view's reading of a new release: why it could not read it, if it could not.
type Listener = Box<dyn Fn(&Snapshot) -> Result<(), String> + Send + Sync>;

/// One namespace the client keeps current.
pub(crate) struct NamespaceState {
    name: String,
    format: Format,
    current: ArcSwap<Snapshot>,
    notification_id: AtomicI64,
    listeners: Mutex<Vec<Listener>>,
}

pub(crate) struct Inner {
    options: Options,
    transport: Transport,
    namespaces: RwLock<BTreeMap<String, Arc<NamespaceState>>>,
    changes: broadcast::Sender<ChangeEvent>,
    added: Notify,
    /// Serialises loading of namespaces added at run time.
    loading: tokio::sync::Mutex<()>,
    /// Per namespace, the hash of the schema of its typed view, sent with each read (see
    /// `Client::watch_with_schema`).
    schema_hashes: RwLock<BTreeMap<String, String>>,
    /// Per namespace, what this instance made of its latest release, not yet sent (see
    /// [`report_applies`]).
    reports: Mutex<BTreeMap<String, ApplyReport>>,
    reported: Notify,
}

/// Aborts the background tasks when the last `Client` clone is dropped.
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// A Lyre (or Apollo) configuration client; cheap to clone. Build one with
/// [`Client::builder`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    _tasks: Arc<Tasks>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("app_id", &self.inner.options.app_id)
            .field("cluster", &self.inner.options.cluster)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
///
/// ```no_run
/// # async fn run() -> Result<(), lyre_client::Error> {
/// let client = lyre_client::Client::builder()
///     .meta_server("http://localhost:8080/DEV")
///     .app_id("shop")
///     .namespaces(["application", "datasources.yaml"])
///     .cache_dir("/var/cache/shop/lyre")
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    meta_servers: Vec<String>,
    config_services: Vec<String>,
    app_id: Option<String>,
    cluster: String,
    data_center: Option<String>,
    label: Option<String>,
    ip: Option<String>,
    secret: Option<String>,
    namespaces: Vec<String>,
    cache_dir: Option<PathBuf>,
    require_server: bool,
    report_applies: bool,
    configs_with_notifications: bool,
    connect_timeout: Duration,
    request_timeout: Duration,
    long_poll_timeout: Duration,
    refresh_interval: Duration,
    discovery_interval: Duration,
    min_backoff: Duration,
    max_backoff: Duration,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            meta_servers: Vec::new(),
            config_services: Vec::new(),
            app_id: None,
            cluster: "default".into(),
            data_center: None,
            label: None,
            ip: None,
            secret: None,
            namespaces: vec!["application".into()],
            cache_dir: None,
            require_server: false,
            report_applies: true,
            configs_with_notifications: true,
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(5),
            long_poll_timeout: Duration::from_secs(90),
            refresh_interval: Duration::from_secs(300),
            discovery_interval: Duration::from_secs(300),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(120),
        }
    }
}

impl ClientBuilder {
    /// A meta server (e.g. `http://lyre:8080/PRO`): config services are found through it and
    /// found again every five minutes. May be given several times.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().meta_server("http://lyre:8080/PRO");
    /// ```
    pub fn meta_server(mut self, url: impl Into<String>) -> Self {
        self.meta_servers.push(url.into());
        self
    }

    /// A config service to use directly (without discovery, or when discovery finds none).
    /// May be given several times; reads fail over between them.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().config_service("http://config-1:8080/PRO");
    /// ```
    pub fn config_service(mut self, url: impl Into<String>) -> Self {
        self.config_services.push(url.into());
        self
    }

    /// The app whose configuration to read (required).
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().app_id("shop");
    /// ```
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The cluster (default `default`); reads fall back to the data center, then `default`.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().cluster("shanghai");
    /// ```
    pub fn cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = cluster.into();
        self
    }

    /// The data center this instance runs in, a fallback cluster.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().data_center("dc1");
    /// ```
    pub fn data_center(mut self, data_center: impl Into<String>) -> Self {
        self.data_center = Some(data_center.into());
        self
    }

    /// This instance's label, which gray rules can select.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().label("canary");
    /// ```
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// This instance's IP as servers should see it (default: detected).
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().ip("10.0.0.7");
    /// ```
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// The app's access-key secret: every request is then signed.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().secret("df23df3f59884980844ff3dada30fa97");
    /// ```
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The namespaces to load at start (default `application`); others load when first asked
    /// for.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().namespaces(["application", "datasources.yaml"]);
    /// ```
    pub fn namespaces<I, S>(mut self, namespaces: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.namespaces = namespaces.into_iter().map(Into::into).collect();
        self
    }

    /// Where to keep the last configuration received, to start from when no server answers.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().cache_dir("/var/cache/shop/lyre");
    /// ```
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Fail to start unless a config service answers, instead of starting from the cache.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().require_server(true);
    /// ```
    pub fn require_server(mut self, require: bool) -> Self {
        self.require_server = require;
        self
    }

    /// Whether to tell Lyre what this instance made of each release it reads (on by default):
    /// `applied`, or `rejected` when a typed view cannot read it. A program that applies
    /// configuration in its own way turns this off and reports with [`Client::report`].
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().report_applies(false);
    /// ```
    pub fn report_applies(mut self, report: bool) -> Self {
        self.report_applies = report;
        self
    }

    /// Whether a long poll asks Lyre for the changed configuration with the notification (on by
    /// default): one exchange per change instead of a notification and then a read. A server
    /// that does not carry it (Apollo's) is read as before, so this only needs turning off to
    /// make a Lyre config service answer exactly as it answers Apollo's clients.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder().configs_with_notifications(false);
    /// ```
    pub fn configs_with_notifications(mut self, carried: bool) -> Self {
        self.configs_with_notifications = carried;
        self
    }

    /// How long to wait for a connection (default 1 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = lyre_client::Client::builder().connect_timeout(Duration::from_millis(500));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a read may take (default 5 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = lyre_client::Client::builder().request_timeout(Duration::from_secs(3));
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long to wait for a long poll's answer (default 90 s, longer than servers hold one).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = lyre_client::Client::builder().long_poll_timeout(Duration::from_secs(70));
    /// ```
    pub fn long_poll_timeout(mut self, timeout: Duration) -> Self {
        self.long_poll_timeout = timeout;
        self
    }

    /// How often every namespace is read again even without a notification (default 5 min):
    /// a safety net.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = lyre_client::Client::builder().refresh_interval(Duration::from_secs(60));
    /// ```
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// How long to wait after a failed long poll: from `min` (default 1 s), doubling up to
    /// `max` (default 120 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = lyre_client::Client::builder().backoff(Duration::from_millis(200), Duration::from_secs(10));
    /// ```
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// Starts the client: finds config services, loads the namespaces (from the cache when no
    /// server answers, unless the server is required), and starts keeping them current.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), lyre_client::Error> {
    /// let client = lyre_client::Client::builder()
    ///     .config_service("http://localhost:8080")
    ///     .app_id("shop")
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn build(self) -> Result<Client, Error> {
        let app_id = self
            .app_id
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| Error::Settings("`app_id` is required".into()))?;
        if self.meta_servers.is_empty() && self.config_services.is_empty() {
            return Err(Error::Settings(
                "give a meta server or a config service".into(),
            ));
        }
        let parse = |urls: &[String]| {
            urls.iter()
                .map(|u| base(u).map_err(Error::Settings))
                .collect::<Result<Vec<_>, _>>()
        };
        let transport = Transport::new(
            parse(&self.meta_servers)?,
            parse(&self.config_services)?,
            app_id.clone(),
            self.secret.clone(),
            self.ip.clone().unwrap_or_else(local_ip),
            self.connect_timeout,
        )
        .map_err(Error::Settings)?;
        let inner = Arc::new(Inner {
            options: Options {
                app_id,
                cluster: self.cluster,
                data_center: self.data_center,
                label: self.label,
                cache_dir: self.cache_dir,
                require_server: self.require_server,
                report_applies: self.report_applies,
                configs_with_notifications: self.configs_with_notifications,
                request_timeout: self.request_timeout,
                long_poll_timeout: self.long_poll_timeout,
                refresh_interval: self.refresh_interval,
                discovery_interval: self.discovery_interval,
                min_backoff: self.min_backoff,
                max_backoff: self.max_backoff,
            },
            transport,
            namespaces: RwLock::default(),
            changes: broadcast::channel(256).0,
            added: Notify::new(),
            loading: tokio::sync::Mutex::new(()),
            schema_hashes: RwLock::default(),
            reports: Mutex::default(),
            reported: Notify::new(),
        });
        if inner.transport.uses_meta()
            && let Err(e) = inner
                .transport
                .discover(inner.options.request_timeout)
                .await
        {
            tracing::warn!(error = %e, "config service discovery failed; using the configured config services");
        }
        for namespace in self.namespaces {
            inner.load(&namespace).await?;
        }
        let tasks = vec![
            tokio::spawn(poll(inner.clone())),
            tokio::spawn(refresh(inner.clone())),
            tokio::spawn(report_applies(inner.clone())),
        ];
        Ok(Client {
            inner,
            _tasks: Arc::new(Tasks(tasks)),
        })
    }
}

impl Inner {
    fn state(&self, namespace: &str) -> Option<Arc<NamespaceState>> {
        self.namespaces
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(namespace)
            .cloned()
    }

    fn cache_file(&self, namespace: &str) -> Option<PathBuf> {
        let o = &self.options;
        o.cache_dir
            .as_ref()
            .map(|dir| cache::file(dir, &o.app_id, &o.cluster, namespace))
    }

    /// `/configs` for `namespace`: `Ok(None)` when `known_key` is still current.
    async fn fetch(
        &self,
        namespace: &str,
        known_key: &str,
        messages: Option<&NotificationMessages>,
    ) -> Result<Option<ApolloConfig>, String> {
        let o = &self.options;
        let mut path = format!(
            "configs/{}/{}/{}?releaseKey={}&ip={}",
            encode(&o.app_id),
            encode(&o.cluster),
            encode(namespace),
            encode(if known_key.is_empty() {
                "-1"
            } else {
                known_key
            }),
            encode(&self.transport.ip)
        );
        if let Some(dc) = &o.data_center {
            path.push_str(&format!("&dataCenter={}", encode(dc)));
        }
        if let Some(label) = &o.label {
            path.push_str(&format!("&label={}", encode(label)));
        }
        if let Some(messages) = messages {
            let json = serde_json::to_string(messages).unwrap_or_default();
            path.push_str(&format!("&messages={}", encode(&json)));
        }
        if let Some(hash) = self
            .schema_hashes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(namespace)
        {
            path.push_str(&format!("&schemaHash={}", encode(hash)));
        }
        let answer = self.transport.get(&path, o.request_timeout).await?;
        match answer.status {
            200 => serde_json::from_slice(&answer.body)
                .map(Some)
                .map_err(|e| format!("unreadable /configs answer: {e}")),
            304 => Ok(None),
            // Never released: an empty configuration, not an error.
            404 => Ok(Some(ApolloConfig {
                app_id: o.app_id.clone(),
                cluster: o.cluster.clone(),
                namespace_name: namespace.to_owned(),
                configurations: Configurations::default(),
                release_key: String::new(),
            })),
            status => Err(format!(
                "/configs answered {status}: {}",
                String::from_utf8_lossy(&answer.body)
            )),
        }
    }

    /// Loads a namespace the first time: from a config service, else (unless the server is
    /// required) from the cache, else empty.
    async fn load(self: &Arc<Self>, namespace: &str) -> Result<Arc<NamespaceState>, Error> {
        let _guard = self.loading.lock().await;
        if let Some(state) = self.state(namespace) {
            return Ok(state);
        }
        let snapshot = match self.fetch(namespace, "", None).await {
            Ok(Some(config)) => {
                self.write_cache(namespace, &config).await;
                Snapshot {
                    release_key: config.release_key,
                    configurations: config.configurations,
                    from_cache: false,
                }
            }
            Ok(None) => Snapshot {
                release_key: String::new(),
                configurations: Configurations::default(),
                from_cache: false,
            },
            Err(reason) if self.options.require_server => {
                return Err(Error::Unavailable {
                    namespace: namespace.to_owned(),
                    reason,
                });
            }
            Err(reason) => self.load_cached(namespace, &reason).await,
        };
        if !snapshot.from_cache {
            self.note_apply(namespace, &snapshot.release_key, Ok(()));
        }
        let state = Arc::new(NamespaceState {
            name: namespace.to_owned(),
            format: Format::of_namespace(namespace),
            current: ArcSwap::from_pointee(snapshot),
            notification_id: AtomicI64::new(-1),
            listeners: Mutex::default(),
        });
        self.namespaces
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(namespace.to_owned(), state.clone());
        self.added.notify_one();
        Ok(state)
    }

    async fn load_cached(&self, namespace: &str, reason: &str) -> Snapshot {
        let empty = Snapshot {
            release_key: String::new(),
            configurations: Configurations::default(),
            from_cache: false,
        };
        let Some(path) = self.cache_file(namespace) else {
            tracing::warn!(
                namespace,
                error = reason,
                "no config service answered and there is no cache: starting empty"
            );
            return empty;
        };
        match cache::read(&path).await {
            Ok(Some(config)) => {
                tracing::warn!(namespace, error = reason, cache = %path.display(), "no config service answered: starting from the cache");
                Snapshot {
                    release_key: config.release_key,
                    configurations: config.configurations,
                    from_cache: true,
                }
            }
            Ok(None) => {
                tracing::warn!(
                    namespace,
                    error = reason,
                    "no config service answered and nothing is cached: starting empty"
                );
                empty
            }
            Err(e) => {
                tracing::error!(namespace, error = %e, "the cached configuration is corrupt and was ignored: starting empty");
                empty
            }
        }
    }

    async fn write_cache(&self, namespace: &str, config: &ApolloConfig) {
        if let Some(path) = self.cache_file(namespace)
            && let Err(e) = cache::write(&path, config).await
        {
            tracing::warn!(namespace, error = %e, cache = %path.display(), "cannot write the local cache");
        }
    }

    /// Notes what this instance made of a release of `namespace`, to be reported (the latest
    /// per namespace wins; nothing for a namespace never released).
    fn note_apply(&self, namespace: &str, release_key: &str, result: Result<(), String>) {
        if self.options.report_applies {
            self.queue_report(namespace, release_key, result);
        }
    }

    /// Queues a report for [`report_applies`] to send.
    fn queue_report(&self, namespace: &str, release_key: &str, result: Result<(), String>) {
        if release_key.is_empty() {
            return;
        }
        let (status, reason) = match result {
            Ok(()) => (ApplyStatus::Applied, String::new()),
            Err(reason) => (ApplyStatus::Rejected, reason),
        };
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                namespace.to_owned(),
                ApplyReport {
                    namespace_name: namespace.to_owned(),
                    release_key: release_key.to_owned(),
                    status,
                    reason,
                },
            );
        self.reported.notify_one();
    }

    /// Reads a namespace again; installs and announces what changed.
    async fn reload(
        &self,
        state: &NamespaceState,
        messages: Option<&NotificationMessages>,
    ) -> Result<(), String> {
        let known = state.current.load().release_key.clone();
        let Some(config) = self.fetch(&state.name, &known, messages).await? else {
            return Ok(());
        };
        self.install(state, config).await;
        Ok(())
    }

    /// Installs a namespace's configuration as read; announces what changed.
    async fn install(&self, state: &NamespaceState, config: ApolloConfig) {
        self.write_cache(&state.name, &config).await;
        let before = state.current.load_full();
        if before.release_key == config.release_key
            && !before.from_cache
            && before.configurations == config.configurations
        {
            return;
        }
        let after = Snapshot {
            release_key: config.release_key,
            configurations: config.configurations,
            from_cache: false,
        };
        let changes = diff(&before.configurations, &after.configurations);
        state.current.store(Arc::new(after.clone()));
        let rejected: Vec<String> = state
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|listener| listener(&after).err())
            .collect();
        self.note_apply(
            &state.name,
            &after.release_key,
            if rejected.is_empty() {
                Ok(())
            } else {
                Err(rejected.join("; "))
            },
        );
        if !changes.is_empty() {
            let _ = self.changes.send(ChangeEvent {
                namespace: state.name.clone(),
                release_key: after.release_key,
                changes,
            });
        }
    }
}

fn diff(old: &Configurations, new: &Configurations) -> Vec<Change> {
    let mut changes: Vec<Change> = new
        .iter()
        .filter_map(|(key, value)| match old.get(key) {
            None => Some(Change {
                key: key.to_owned(),
                kind: ChangeKind::Added,
                old_value: None,
                new_value: Some(value.to_owned()),
            }),
            Some(before) if before != value => Some(Change {
                key: key.to_owned(),
                kind: ChangeKind::Modified,
                old_value: Some(before.to_owned()),
                new_value: Some(value.to_owned()),
            }),
            Some(_) => None,
        })
        .collect();
    changes.extend(
        old.iter()
            .filter(|(k, _)| new.get(k).is_none())
            .map(|(key, value)| Change {
                key: key.to_owned(),
                kind: ChangeKind::Deleted,
                old_value: Some(value.to_owned()),
                new_value: None,
            }),
    );
    changes
}

/// How long reports gather before they are sent, in one request.
const REPORT_DELAY: Duration = Duration::from_secs(1);

/// Sends what this instance made of each release it read (`POST /reports`, a Lyre extension
/// that Apollo config services do not have): batched, off the app's path, retried with the
/// long poll's back-off while no config service takes them.
async fn report_applies(inner: Arc<Inner>) {
    let mut backoff = inner.options.min_backoff;
    loop {
        inner.reported.notified().await;
        tokio::time::sleep(REPORT_DELAY).await;
        let reports = std::mem::take(&mut *inner.reports.lock().unwrap_or_else(|e| e.into_inner()));
        if reports.is_empty() {
            continue;
        }
        let o = &inner.options;
        let body = ApplyReports {
            app_id: o.app_id.clone(),
            cluster: o.cluster.clone(),
            ip: inner.transport.ip.clone(),
            data_center: o.data_center.clone(),
            reports: reports.values().cloned().collect(),
        };
        let sent = inner
            .transport
            .post(
                "reports",
                serde_json::to_vec(&body).unwrap_or_default(),
                o.request_timeout,
            )
            .await;
        match sent {
            Ok(answer) if answer.status < 300 => backoff = o.min_backoff,
            // A config service without reports (Apollo's): nothing to retry.
            Ok(answer) if answer.status == 404 || answer.status == 405 => {
                tracing::debug!(
                    status = answer.status,
                    "the config service takes no apply reports"
                );
            }
            // Refused (a bad signature, say): the same reports would be refused again.
            Ok(answer) if answer.status < 500 => {
                tracing::warn!(
                    status = answer.status,
                    body = %String::from_utf8_lossy(&answer.body),
                    "apply reports were refused"
                );
            }
            failed => {
                tracing::debug!(?failed, "apply reports not taken; trying again");
                {
                    let mut pending = inner.reports.lock().unwrap_or_else(|e| e.into_inner());
                    for (namespace, report) in reports {
                        pending.entry(namespace).or_insert(report);
                    }
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(o.max_backoff);
                inner.reported.notify_one();
            }
        }
    }
}

/// The long-poll loop: waits for notifications, reads what changed, backs off on failures.
async fn poll(inner: Arc<Inner>) {
    let mut backoff = inner.options.min_backoff;
    loop {
        let namespaces: Vec<Arc<NamespaceState>> = inner
            .namespaces
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        let o = &inner.options;
        let carried = o.configs_with_notifications;
        let watched: Vec<WatchedNamespace> = {
            let hashes = inner
                .schema_hashes
                .read()
                .unwrap_or_else(|e| e.into_inner());
            namespaces
                .iter()
                .map(|n| WatchedNamespace {
                    namespace_name: n.name.clone(),
                    notification_id: n.notification_id.load(Ordering::Relaxed),
                    schema_hash: hashes.get(&n.name).filter(|_| carried).cloned(),
                })
                .collect()
        };
        let mut path = format!(
            "notifications/v2?appId={}&cluster={}&notifications={}&ip={}",
            encode(&o.app_id),
            encode(&o.cluster),
            encode(&serde_json::to_string(&watched).unwrap_or_default()),
            encode(&inner.transport.ip)
        );
        if let Some(dc) = &o.data_center {
            path.push_str(&format!("&dataCenter={}", encode(dc)));
        }
        if carried {
            // What `/configs` would be told, for the configuration the answer carries.
            path.push_str("&withConfigs=true");
            if let Some(label) = &o.label {
                path.push_str(&format!("&label={}", encode(label)));
            }
        }
        let outcome = tokio::select! {
            answer = inner.transport.get(&path, o.long_poll_timeout) => answer,
            // A namespace was added: poll again with it.
            () = inner.added.notified() => continue,
        };
        match outcome {
            Ok(answer) if answer.status == 200 => {
                backoff = o.min_backoff;
                let changed: Vec<ChangedNamespace> =
                    serde_json::from_slice(&answer.body).unwrap_or_default();
                for ChangedNamespace {
                    notification,
                    configuration,
                } in changed
                {
                    let Some(state) = namespaces
                        .iter()
                        .find(|n| n.name == notification.namespace_name)
                    else {
                        continue;
                    };
                    let installed = match configuration {
                        Some(config) => {
                            inner.install(state, config).await;
                            Ok(())
                        }
                        None => inner.reload(state, notification.messages.as_ref()).await,
                    };
                    match installed {
                        Ok(()) => state
                            .notification_id
                            .store(notification.notification_id, Ordering::Relaxed),
                        Err(e) => {
                            tracing::warn!(namespace = %state.name, error = %e, "cannot read a changed namespace; retrying")
                        }
                    }
                }
            }
            Ok(answer) if answer.status == 304 => backoff = o.min_backoff,
            Ok(answer) => {
                tracing::warn!(status = answer.status, "long poll refused; backing off");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(o.max_backoff);
            }
            Err(e) => {
                tracing::warn!(error = %e, wait_secs = backoff.as_secs_f64(), "long poll failed; backing off");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(o.max_backoff);
            }
        }
    }
}

/// The safety net: reads every namespace again now and then, and finds config services again.
async fn refresh(inner: Arc<Inner>) {
    let mut reread = tokio::time::interval(inner.options.refresh_interval);
    let mut rediscover = tokio::time::interval(inner.options.discovery_interval);
    reread.tick().await;
    rediscover.tick().await;
    loop {
        tokio::select! {
            _ = reread.tick() => {
                let namespaces: Vec<Arc<NamespaceState>> =
                    inner.namespaces.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
                for state in namespaces {
                    if let Err(e) = inner.reload(&state, None).await {
                        tracing::debug!(namespace = %state.name, error = %e, "periodic re-read failed");
                    }
                }
            }
            _ = rediscover.tick(), if inner.transport.uses_meta() => {
                if let Err(e) = inner.transport.discover(inner.options.request_timeout).await {
                    tracing::debug!(error = %e, "config service discovery failed; keeping the known ones");
                }
            }
        }
    }
}

/// A live, typed view of one namespace.
pub struct Watch<T> {
    view: Arc<View<T>>,
    changes: watch::Receiver<u64>,
}

struct View<T> {
    value: ArcSwap<T>,
    error: Mutex<Option<Arc<Error>>>,
    version: watch::Sender<u64>,
}

impl<T> Clone for Watch<T> {
    fn clone(&self) -> Self {
        Self {
            view: self.view.clone(),
            changes: self.changes.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> Watch<T> {
    /// The current value: an atomic load of a shared pointer, with no lock and no allocation.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct App { timeout_ms: u64 }
    /// let app = client.watch::<App>("application").await?;
    /// let timeout = app.get().timeout_ms;
    /// # Ok(()) }
    /// ```
    pub fn get(&self) -> Arc<T> {
        self.view.value.load_full()
    }

    /// Resolves when a new value is installed (not when a release does not fit `T`).
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// # #[derive(serde::Deserialize)] struct App { timeout_ms: u64 }
    /// let mut app = client.watch::<App>("application").await?;
    /// app.changed().await;
    /// println!("timeout is now {} ms", app.get().timeout_ms);
    /// # Ok(()) }
    /// ```
    pub async fn changed(&mut self) {
        if self.changes.changed().await.is_err() {
            // The view lives as long as this handle; the sender cannot go away first.
            std::future::pending::<()>().await;
        }
    }

    /// Why the latest release did not fit `T`, if it did not (the last good value stays).
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// # #[derive(serde::Deserialize)] struct App { timeout_ms: u64 }
    /// let app = client.watch::<App>("application").await?;
    /// if let Some(problem) = app.last_error() {
    ///     eprintln!("keeping the previous configuration: {problem}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn last_error(&self) -> Option<Arc<Error>> {
        self.view
            .error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// `T` from a namespace's configuration, by the namespace's format.
fn convert<T: DeserializeOwned>(
    namespace: &str,
    format: Format,
    snapshot: &Snapshot,
) -> Result<T, Error> {
    let mismatch = |reason: String| Error::Mismatch {
        namespace: namespace.to_owned(),
        release_key: snapshot.release_key.clone(),
        reason,
    };
    let content = || snapshot.configurations.get("content").unwrap_or_default();
    match format {
        Format::Properties => {
            keys::from_pairs(snapshot.configurations.iter()).map_err(|e| mismatch(e.to_string()))
        }
        Format::Json => serde_json::from_str(content()).map_err(|e| mismatch(e.to_string())),
        Format::Yaml | Format::Yml => {
            serde_saphyr::from_str(content()).map_err(|e| mismatch(e.to_string()))
        }
        Format::Txt => {
            let text: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
                serde::de::IntoDeserializer::into_deserializer(content());
            T::deserialize(text).map_err(|e| mismatch(e.to_string()))
        }
        Format::Xml => Err(mismatch(
            "xml namespaces are not read into types; read the `content` key as a string".into(),
        )),
    }
}

/// One namespace, read without a type.
#[derive(Clone)]
pub struct Namespace {
    state: Arc<NamespaceState>,
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.state.name)
            .finish_non_exhaustive()
    }
}

impl Namespace {
    /// The value of `key`.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// let application = client.namespace("application").await?;
    /// let url = application.get_string("db.url").unwrap_or_default();
    /// # Ok(()) }
    /// ```
    pub fn get_string(&self, key: &str) -> Option<String> {
        self.state
            .current
            .load()
            .configurations
            .get(key)
            .map(str::to_owned)
    }

    /// The value of `key` parsed as `V`: `None` when the key is absent.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// let application = client.namespace("application").await?;
    /// let port: u16 = application.get("port").transpose()?.unwrap_or(8080);
    /// # Ok(()) }
    /// ```
    pub fn get<V>(&self, key: &str) -> Option<Result<V, Error>>
    where
        V: std::str::FromStr,
        V::Err: std::fmt::Display,
    {
        let value = self.get_string(key)?;
        Some(value.trim().parse::<V>().map_err(|e| Error::Parse {
            namespace: self.state.name.clone(),
            key: key.to_owned(),
            value: value.clone(),
            reason: e.to_string(),
        }))
    }

    /// Every key and value as received, with the release key.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// let snapshot = client.namespace("application").await?.snapshot();
    /// for (key, value) in snapshot.configurations.iter() {
    ///     println!("{key} = {value}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.state.current.load_full()
    }
}

impl Client {
    /// A builder.
    ///
    /// ```
    /// let builder = lyre_client::Client::builder();
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A namespace, loaded now if it was not among those given to the builder.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// let flags = client.namespace("feature-flags").await?;
    /// # Ok(()) }
    /// ```
    pub async fn namespace(&self, namespace: &str) -> Result<Namespace, Error> {
        let state = match self.inner.state(namespace) {
            Some(state) => state,
            None => self.inner.load(namespace).await?,
        };
        Ok(Namespace { state })
    }

    /// A key of the `application` namespace.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// let greeting = client.get_string("greeting").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_string(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.namespace("application").await?.get_string(key))
    }

    /// A key of the `application` namespace, parsed as `V`.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// let retries: Option<u32> = client.get("retries").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get<V>(&self, key: &str) -> Result<Option<V>, Error>
    where
        V: std::str::FromStr,
        V::Err: std::fmt::Display,
    {
        self.namespace("application").await?.get(key).transpose()
    }

    /// Change events of every namespace, from now on.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) {
    /// let mut events = client.changes();
    /// while let Ok(event) = events.recv().await {
    ///     for change in &event.changes {
    ///         println!("{}: {} {:?} -> {:?}", event.namespace, change.key, change.old_value, change.new_value);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn changes(&self) -> broadcast::Receiver<ChangeEvent> {
        self.inner.changes.subscribe()
    }

    /// Tells Lyre what this instance made of release `release_key` of `namespace`: `Ok` when
    /// it is in use, `Err(reason)` when it could not be (for programs that apply configuration
    /// themselves and turned [`ClientBuilder::report_applies`] off). Sent in the background.
    pub fn report(&self, namespace: &str, release_key: &str, result: Result<(), String>) {
        self.inner.queue_report(namespace, release_key, result);
    }

    /// A live view of `namespace` as `T`. Properties keys map onto nested fields (`db.url`,
    /// `db.pool-size` fill `db: Db { url, pool_size }`); json and yaml namespaces deserialize
    /// directly. It fails if the current configuration does not fit `T`; later releases that
    /// do not fit keep the last good value and are reported by [`Watch::last_error`] and the
    /// log.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Db { url: String, pool_size: u32 }
    /// #[derive(serde::Deserialize)]
    /// struct App { db: Db }
    /// let app = client.watch::<App>("application").await?;
    /// println!("{} connections to {}", app.get().db.pool_size, app.get().db.url);
    /// # Ok(()) }
    /// ```
    pub async fn watch<T>(&self, namespace: &str) -> Result<Watch<T>, Error>
    where
        T: DeserializeOwned + Send + Sync + 'static,
    {
        let state = self.namespace(namespace).await?.state;
        let current = state.current.load_full();
        let initial: T = match convert(&state.name, state.format, &current) {
            Ok(initial) => initial,
            Err(error) => {
                if !current.from_cache {
                    self.inner.note_apply(
                        &state.name,
                        &current.release_key,
                        Err(error.to_string()),
                    );
                }
                return Err(error);
            }
        };
        let view = Arc::new(View {
            value: ArcSwap::from_pointee(initial),
            error: Mutex::new(None),
            version: watch::Sender::new(0),
        });
        let changes = view.version.subscribe();
        let weak = Arc::downgrade(&view);
        let (name, format) = (state.name.clone(), state.format);
        state.listeners.lock().unwrap_or_else(|e| e.into_inner()).push(Box::new(move |snapshot: &Snapshot| {
            let Some(view) = weak.upgrade() else { return Ok(()) };
            match convert::<T>(&name, format, snapshot) {
                Ok(value) => {
                    view.value.store(Arc::new(value));
                    *view.error.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    view.version.send_modify(|v| *v += 1);
                    Ok(())
                }
                Err(error) => {
                    tracing::warn!(error = %error, "a new release does not fit the configuration type; keeping the previous value");
                    let reason = error.to_string();
                    *view.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(error));
                    Err(reason)
                }
            }
        }));
        Ok(Watch { view, changes })
    }

    /// Like [`Client::watch`], and tells Lyre which schema the view was built with: the hash
    /// of `T`'s JSON Schema (as [`crate::schema::of`] writes it) goes with every read of the
    /// namespace, so the portal's instance view shows which version of the namespace's schema
    /// each instance runs, and where a newer one was pushed before every instance was upgraded.
    /// Apollo config services ignore it.
    ///
    /// ```no_run
    /// # async fn run(client: lyre_client::Client) -> Result<(), lyre_client::Error> {
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct App { port: u16 }
    /// let app = client.watch_with_schema::<App>("application").await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "schema")]
    pub async fn watch_with_schema<T>(&self, namespace: &str) -> Result<Watch<T>, Error>
    where
        T: DeserializeOwned + schemars::JsonSchema + Send + Sync + 'static,
    {
        let hash = lyre_protocol::schema_hash::of(&crate::schema::of::<T>());
        let before = self
            .inner
            .schema_hashes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(namespace.to_owned(), hash.clone());
        if before.as_deref() != Some(hash.as_str())
            && let Some(state) = self.inner.state(namespace)
            && let Err(reason) = self.inner.reload(&state, None).await
        {
            // Read before without the hash: the next read names it instead.
            tracing::debug!(
                namespace,
                error = reason,
                "cannot name the schema of a typed view yet"
            );
        }
        self.watch(namespace).await
    }
}

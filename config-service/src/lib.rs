//! The config service: what applications read. It speaks Apollo's client protocol
//! (`/configs`, `/configfiles`, `/notifications/v2`), serves releases from memory, holds long
//! polls until a release arrives, checks access keys and records which instance read what.
//!
//! It only reads the database (and writes instance records). Releases reach it through the
//! in-process bus, PostgreSQL `NOTIFY` and a scan of release messages (see `propagation`).

mod access;
mod answers;
mod definitions;
mod hub;
mod instances;
mod propagation;
mod query;
mod router;
mod routes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lyre_service_kit::Shutdown;
use lyre_store::bus::ReleaseBus;
use lyre_store::sea_orm::DatabaseConnection;
use lyre_store::secrets::KeyRing;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

pub use answers::DEFAULT_CACHE_ENTRIES;
pub use router::{SERVICE_NAME, router};

/// Apollo's default long-poll hold time.
pub const DEFAULT_LONG_POLL_TIMEOUT: Duration = Duration::from_secs(60);
/// How often release messages are scanned by default.
pub const DEFAULT_SCAN_INTERVAL: Duration = Duration::from_millis(100);

/// What the config service needs to know at start.
#[derive(Clone, Debug)]
pub struct ConfigSettings {
    /// The environments served.
    pub envs: Vec<String>,
    /// How long a long poll waits before answering `304` (1 to 90 s).
    pub long_poll_timeout: Duration,
    /// How often release messages are scanned.
    pub scan_interval: Duration,
    /// Entries each in-memory cache (releases, gray branches, rendered answers) keeps before
    /// it starts afresh.
    pub cache_entries: usize,
    /// How long an instance not seen again is remembered.
    pub instance_retention: Duration,
    /// Instances recorded per app and environment at the most; further ones are not recorded.
    pub instances_per_app: u64,
    /// The keys that open secret values for clients signed with an enforced access key.
    pub secrets: Arc<KeyRing>,
}

impl ConfigSettings {
    /// Settings with the defaults.
    pub fn new(envs: Vec<String>) -> Self {
        Self {
            envs,
            long_poll_timeout: DEFAULT_LONG_POLL_TIMEOUT,
            scan_interval: DEFAULT_SCAN_INTERVAL,
            cache_entries: answers::DEFAULT_CACHE_ENTRIES,
            instance_retention: instances::DEFAULT_RETENTION,
            instances_per_app: instances::DEFAULT_PER_APP,
            secrets: Arc::default(),
        }
    }
}

/// The config service's shared state: cheap to clone.
#[derive(Clone, Debug)]
pub struct ConfigState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    db: DatabaseConnection,
    settings: ConfigSettings,
    hub: hub::Hub,
    definitions: definitions::DefinitionCache,
    answers: answers::Answers,
    access: access::AccessKeys,
    recorder: instances::Recorder,
    pending_deliveries: Mutex<Option<mpsc::Receiver<instances::Note>>>,
    scan: Notify,
    reload_definitions: AtomicBool,
    loaded: tokio::sync::watch::Sender<bool>,
    /// When definitions were last reloaded because a read named an unknown namespace.
    last_on_demand_reload: tokio::sync::Mutex<Option<std::time::Instant>>,
}

impl ConfigState {
    /// State over `db`. Nothing is served from memory until [`spawn`] has loaded it.
    pub fn new(db: DatabaseConnection, settings: ConfigSettings) -> Self {
        let (recorder, deliveries) = instances::Recorder::new();
        let answers = answers::Answers::new(settings.cache_entries, settings.secrets.clone());
        let state = Self(Arc::new(Inner {
            db,
            settings,
            hub: hub::Hub::default(),
            definitions: definitions::DefinitionCache::default(),
            answers,
            access: access::AccessKeys::default(),
            recorder,
            pending_deliveries: Mutex::new(Some(deliveries)),
            scan: Notify::new(),
            reload_definitions: AtomicBool::new(false),
            loaded: tokio::sync::watch::Sender::new(false),
            last_on_demand_reload: tokio::sync::Mutex::new(None),
        }));
        let weak = Arc::downgrade(&state.0);
        lyre_service_kit::metrics::registry().gauge(
            "lyre_long_polls_held",
            "Long polls (/notifications/v2) waiting for a change right now.",
            move || {
                weak.upgrade()
                    .map(|inner| vec![(vec![], inner.hub.waiting() as f64)])
                    .unwrap_or_default()
            },
        );
        state
    }

    fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    fn settings(&self) -> &ConfigSettings {
        &self.0.settings
    }

    fn hub(&self) -> &hub::Hub {
        &self.0.hub
    }

    fn definitions(&self) -> &definitions::DefinitionCache {
        &self.0.definitions
    }

    fn answers(&self) -> &answers::Answers {
        &self.0.answers
    }

    fn access(&self) -> &access::AccessKeys {
        &self.0.access
    }

    fn recorder(&self) -> &instances::Recorder {
        &self.0.recorder
    }

    /// Asks the propagation task to scan release messages now.
    fn request_scan(&self) {
        self.0.scan.notify_one();
    }

    async fn scan_requested(&self) {
        self.0.scan.notified().await;
    }

    fn request_definition_reload(&self) {
        self.0.reload_definitions.store(true, Ordering::Relaxed);
        self.request_scan();
    }

    /// The definitions to resolve `namespace` of `app_id` with. A name the definitions do not
    /// know (a namespace created moments ago, say) reloads them first, at most once a second.
    async fn definitions_for(
        &self,
        app_id: &str,
        namespace: &str,
    ) -> (u64, Arc<definitions::Definitions>) {
        let snapshot = self.definitions().snapshot();
        let stripped = lyre_protocol::names::NamespaceName::strip_properties_suffix(namespace);
        if snapshot.1.knows(app_id, stripped) {
            return snapshot;
        }
        let mut last = self.0.last_on_demand_reload.lock().await;
        if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
            *last = Some(std::time::Instant::now());
            if let Err(e) = propagation::load_definitions(self).await {
                tracing::debug!(error = %e, "could not reload namespace definitions");
            }
        }
        drop(last);
        self.definitions().snapshot()
    }

    fn take_definition_reload(&self) -> bool {
        self.0.reload_definitions.swap(false, Ordering::Relaxed)
    }

    /// Whether the first load from the database (definitions, access keys, message ids) is
    /// done; until then `/ready` answers 503.
    pub fn is_loaded(&self) -> bool {
        *self.0.loaded.borrow()
    }

    /// Waits for the first load from the database.
    pub async fn loaded(&self) {
        let _ = self.0.loaded.subscribe().wait_for(|loaded| *loaded).await;
    }

    fn mark_loaded(&self) {
        self.0.loaded.send_replace(true);
    }

    /// How many long polls are waiting now.
    pub fn long_polls_waiting(&self) -> u64 {
        self.hub().waiting()
    }
}

/// Starts the background work: propagation of releases (from `bus` too, when the admin service
/// runs in this process), PostgreSQL `LISTEN`, instance recording, and answering every waiting
/// long poll at shutdown.
pub fn spawn(
    state: &ConfigState,
    bus: Option<ReleaseBus>,
    shutdown: Shutdown,
) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        tokio::spawn(propagation::run(state.clone(), bus, shutdown.clone())),
        tokio::spawn(propagation::listen(state.clone(), shutdown.clone())),
    ];
    let deliveries = state
        .0
        .pending_deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(deliveries) = deliveries {
        let db = state.db().clone();
        let per_app = state.0.settings.instances_per_app;
        tasks.push(tokio::spawn(instances::write(
            db.clone(),
            deliveries,
            per_app,
            shutdown.clone(),
        )));
        let retention = state.0.settings.instance_retention;
        tasks.push(tokio::spawn(instances::prune(
            db,
            retention,
            shutdown.clone(),
        )));
    }
    let closing = state.clone();
    tasks.push(tokio::spawn(async move {
        shutdown.wait().await;
        closing.hub().close();
    }));
    tasks
}

//! How releases reach this config service: at once from the in-process bus (when the admin
//! service runs in this process), at once from PostgreSQL `NOTIFY` (on PostgreSQL), and by
//! scanning the release message table every `scan_interval` (on every backend).
//!
//! A message id can be allocated by a transaction that commits after a later id is already
//! visible; the scan remembers the ids it skipped and looks for them again for a minute, so no
//! release is missed. If the database goes away, the service keeps answering from memory,
//! says so in the log, and catches up by itself when the database returns.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lyre_service_kit::Shutdown;
use lyre_store::bus::{ReleaseBus, Released};
use lyre_store::config::releases::NOTIFY_CHANNEL;
use lyre_store::config::{access_keys, messages};
use lyre_store::entity::{app_namespace, release_message};
use lyre_store::sea_orm::{ColumnTrait, DbBackend, DbErr, EntityTrait, QueryFilter, sqlx};

use crate::ConfigState;
use crate::definitions::Definitions;

/// Messages read per scan query.
const BATCH: u64 = 500;
/// How long a skipped id is looked for again.
const GAP_PATIENCE: Duration = Duration::from_secs(60);
/// At most this many skipped ids are tracked (a huge jump is not a gap worth tracking whole).
const MAX_GAPS: i64 = 1_000;
/// How often access keys are reloaded.
const ACCESS_KEY_REFRESH: Duration = Duration::from_secs(1);
/// How often definitions are reloaded even when no message asks for it.
const DEFINITION_REFRESH: Duration = Duration::from_secs(30);

/// Whether the database answered last time; logs each change once.
#[derive(Default)]
struct Health {
    failing: bool,
}

impl Health {
    fn ok(&mut self) {
        if self.failing {
            self.failing = false;
            tracing::info!("database reachable again: catching up with releases");
        }
    }

    fn failed(&mut self, error: &DbErr) {
        if !self.failing {
            self.failing = true;
            tracing::warn!(
                error = %error,
                "database unreachable: serving configuration from memory and holding long polls; retrying"
            );
        }
    }
}

/// Applies one message: the hub learns the key's new id (waking its long polls); a namespace
/// this service has no definition of makes the definitions reload.
fn apply(state: &ConfigState, env: &str, message: &str, id: i64) {
    if state.hub().advance(env, message, id) {
        let mut parts = message.splitn(3, '+');
        let (Some(app_id), Some(_), Some(namespace)) = (parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        if !state.definitions().snapshot().1.knows(app_id, namespace) {
            state.request_definition_reload();
        }
    }
}

pub(crate) async fn load_definitions(state: &ConfigState) -> Result<(), DbErr> {
    let rows = app_namespace::Entity::find()
        .filter(app_namespace::Column::DeletedAt.eq(0))
        .all(state.db())
        .await?;
    state.definitions().replace(Definitions::from_rows(rows));
    Ok(())
}

/// Everything this service learns from the database: definitions, access keys and the latest
/// id of every watch key. Returns the highest message id.
async fn load_all(state: &ConfigState) -> Result<i64, DbErr> {
    load_definitions(state).await?;
    state
        .access()
        .replace(access_keys::all_enabled(state.db()).await?);
    let mut highest = 0;
    for latest in messages::latest_ids(state.db()).await? {
        highest = highest.max(latest.id);
        state.hub().advance(&latest.env, &latest.message, latest.id);
    }
    Ok(highest)
}

/// The scan's position and the ids it skipped.
struct Scanner {
    cursor: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Scanner {
    async fn scan(&mut self, state: &ConfigState) -> Result<(), DbErr> {
        loop {
            let batch = messages::after(state.db(), self.cursor, BATCH).await?;
            let full = batch.len() as u64 == BATCH;
            for message in batch {
                self.see(state, &message);
            }
            if !full {
                break;
            }
        }
        if !self.gaps.is_empty() {
            self.gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
            let ids: Vec<i64> = self.gaps.keys().copied().collect();
            for message in messages::by_ids(state.db(), &ids).await? {
                self.gaps.remove(&message.id);
                apply(state, &message.env, &message.message, message.id);
            }
        }
        Ok(())
    }

    fn see(&mut self, state: &ConfigState, message: &release_message::Model) {
        if message.id > self.cursor + 1 {
            let first_missing = (self.cursor + 1).max(message.id - MAX_GAPS);
            let now = Instant::now();
            for missing in first_missing..message.id {
                self.gaps.insert(missing, now);
            }
        }
        self.gaps.remove(&message.id);
        self.cursor = self.cursor.max(message.id);
        apply(state, &message.env, &message.message, message.id);
    }
}

/// Runs until shutdown: keeps the hub, definitions and access keys current.
pub(crate) async fn run(state: ConfigState, bus: Option<ReleaseBus>, shutdown: Shutdown) {
    let mut health = Health::default();
    let cursor = loop {
        match load_all(&state).await {
            Ok(cursor) => break cursor,
            Err(e) => {
                health.failed(&e);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    () = shutdown.clone().wait() => return,
                }
            }
        }
    };
    health.ok();
    state.mark_loaded();
    let mut scanner = Scanner {
        cursor,
        gaps: BTreeMap::new(),
    };
    if let Some(bus) = bus {
        let listener = state.clone();
        bus.listen(move |m: &Released| apply(&listener, &m.env, &m.message, m.id));
    }
    let mut scan_tick = tokio::time::interval(state.settings().scan_interval);
    scan_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut refresh_tick = tokio::time::interval(ACCESS_KEY_REFRESH);
    refresh_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut definitions_loaded = Instant::now();
    loop {
        let scan = tokio::select! {
            () = shutdown.clone().wait() => return,
            () = state.scan_requested() => true,
            _ = scan_tick.tick() => true,
            _ = refresh_tick.tick() => {
                if let Err(e) = access_keys::all_enabled(state.db()).await.map(|keys| state.access().replace(keys)) {
                    health.failed(&e);
                }
                if definitions_loaded.elapsed() >= DEFINITION_REFRESH {
                    state.request_definition_reload();
                }
                false
            }
        };
        if scan {
            match scanner.scan(&state).await {
                Ok(()) => health.ok(),
                Err(e) => health.failed(&e),
            }
        }
        if state.take_definition_reload() {
            match load_definitions(&state).await {
                Ok(()) => definitions_loaded = Instant::now(),
                Err(e) => health.failed(&e),
            }
        }
    }
}

/// On PostgreSQL: listens for the ids announced by publishing transactions and asks for a scan
/// at once, so releases arrive without waiting for the next scan.
pub(crate) async fn listen(state: ConfigState, shutdown: Shutdown) {
    if state.db().get_database_backend() != DbBackend::Postgres {
        return;
    }
    loop {
        let pool = state.db().get_postgres_connection_pool();
        let listener = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
            listener.listen(NOTIFY_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            () = shutdown.clone().wait() => return,
            result = listener => match result {
                Ok(listener) => listener,
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        // Anything announced while not listening is found by this scan.
        state.request_scan();
        loop {
            tokio::select! {
                () = shutdown.clone().wait() => return,
                notification = listener.recv() => match notification {
                    Ok(_) => state.request_scan(),
                    Err(_) => break,
                },
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

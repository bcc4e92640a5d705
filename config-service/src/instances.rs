//! Recording which client instances read which release, without touching the database on the
//! read path: deliveries are noted in memory and written by a background task, and an
//! instance that keeps reading the same release is written again only every few minutes.
//! Anyone may read (and name any `ip`), so what is kept is bounded: instances per app are
//! capped, and those not seen for a while are forgotten.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lyre_service_kit::Shutdown;
use lyre_store::config::instances::{self, Delivery, Report, Seen};
use lyre_store::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::mpsc;

/// How often an unchanged delivery is written again (it refreshes "last seen").
const REFRESH: Duration = Duration::from_secs(300);
/// How often an instance's long polls refresh its "last seen": an instance that waits for
/// changes is seen at least this often, so "live" can mean "seen within a few minutes" (see
/// `lyre_store::config::instances::LIVE_WITHIN`).
const LIVE_REFRESH: Duration = Duration::from_secs(60);
/// Deliveries waiting to be written; beyond this, new ones are dropped (and logged).
const QUEUE: usize = 10_000;
/// Distinct (instance, namespace) pairs remembered before the memory starts afresh.
const REMEMBERED: usize = 200_000;
/// How long an instance not seen again is remembered, by default: a week.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Instances recorded per app and environment, by default.
pub const DEFAULT_PER_APP: u64 = 10_000;

/// Which instance read which release: what tells a repeated read from one to write.
pub(crate) struct Sighting<'a> {
    pub env: &'a str,
    pub app_id: &'a str,
    pub cluster: &'a str,
    pub data_center: &'a str,
    pub ip: &'a str,
    pub config_namespace: &'a str,
    pub release_key: &'a str,
    pub schema_hash: &'a str,
}

/// Notes deliveries; a background task writes them.
/// What the writer task writes, in the order noted (an instance's read before its report).
#[derive(Debug)]
pub(crate) enum Note {
    /// An instance received a release.
    Delivery(Delivery),
    /// An instance said what it made of a release.
    Report(Report),
    /// An instance waits for changes.
    Seen(Seen),
}

#[derive(Debug)]
pub(crate) struct Recorder {
    tx: mpsc::Sender<Note>,
    /// Per (instance, namespace): the release key and schema hash last written, and when.
    seen: Mutex<HashMap<String, (String, Instant)>>,
    /// Per instance: when its long polls last refreshed it.
    alive: Mutex<HashMap<String, Instant>>,
}

impl Recorder {
    /// A recorder and the receiving end its writer task drains (see [`write`]).
    pub(crate) fn new() -> (Self, mpsc::Receiver<Note>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (
            Self {
                tx,
                seen: Mutex::default(),
                alive: Mutex::default(),
            },
            rx,
        )
    }

    /// Notes that an instance received a release; cheap, never blocks. The delivery is made
    /// (`delivery`) only when it is to be written: an instance that reads the release it read
    /// last, within [`REFRESH`], costs a lookup and nothing else.
    pub(crate) fn note(&self, read: &Sighting<'_>, delivery: impl FnOnce() -> Delivery) {
        let key = [
            read.env,
            read.app_id,
            read.cluster,
            read.data_center,
            read.ip,
            read.config_namespace,
        ]
        .join("\u{1f}");
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((before, at)) = seen.get(&key)
                && before.split_once('\u{1f}') == Some((read.release_key, read.schema_hash))
                && at.elapsed() < REFRESH
            {
                return;
            }
            if seen.len() >= REMEMBERED {
                seen.clear();
            }
            let held = [read.release_key, read.schema_hash].join("\u{1f}");
            seen.insert(key, (held, Instant::now()));
        }
        if self.tx.try_send(Note::Delivery(delivery())).is_err() {
            tracing::debug!("instance recording queue is full; a delivery was not recorded");
        }
    }

    /// Notes that an instance waits for changes (a long poll); cheap, never blocks, and written
    /// at most once a minute per instance.
    pub(crate) fn alive(
        &self,
        env: &str,
        app_id: &str,
        cluster: &str,
        data_center: &str,
        ip: &str,
    ) {
        // Most polls come within the minute: they cost a lookup, nothing is built for them.
        let key = [env, app_id, cluster, data_center, ip].join("\u{1f}");
        {
            let mut alive = self.alive.lock().unwrap_or_else(|e| e.into_inner());
            if alive
                .get(&key)
                .is_some_and(|at| at.elapsed() < LIVE_REFRESH)
            {
                return;
            }
            if alive.len() >= REMEMBERED {
                alive.clear();
            }
            alive.insert(key, Instant::now());
        }
        let seen = Seen {
            env: env.to_owned(),
            app_id: app_id.to_owned(),
            cluster: cluster.to_owned(),
            data_center: data_center.to_owned(),
            ip: ip.to_owned(),
            at: lyre_store::time::now_millis(),
        };
        if self.tx.try_send(Note::Seen(seen)).is_err() {
            tracing::debug!("instance recording queue is full; a long poll was not recorded");
        }
    }

    /// Notes an instance's report on a release; cheap, never blocks.
    pub(crate) fn report(&self, report: Report) {
        if self.tx.try_send(Note::Report(report)).is_err() {
            tracing::debug!("instance recording queue is full; a report was not recorded");
        }
    }
}

/// Notes written in one transaction at most: a burst (a release re-read by every instance,
/// reports after it) costs one commit per hundred notes instead of one per note.
const BATCH: usize = 100;
/// How long the writer waits for more notes to share a transaction with the first: recording
/// is never urgent, and a commit per note is what it costs most.
const LINGER: Duration = Duration::from_millis(20);

/// Writes one note: whether it was recorded.
async fn write_note(
    db: &impl ConnectionTrait,
    note: &Note,
    per_app: u64,
) -> Result<bool, lyre_store::sea_orm::DbErr> {
    match note {
        Note::Delivery(delivery) => instances::record(db, delivery, per_app).await,
        // A report on a read that is not recorded (capped, forgotten) is dropped: it counts
        // as recorded, so the cap's warning stays about instances.
        Note::Report(report) => instances::report(db, report).await.map(|_| true),
        // Likewise a long poll of an instance that has not read anything recorded yet.
        Note::Seen(seen) => instances::touch(db, seen).await.map(|_| true),
    }
}

/// Writes `batch` in one transaction; should that fail (a unique key raced by another config
/// service, a lost connection), one note at a time. Each note's outcome, in order.
async fn write_batch(
    db: &DatabaseConnection,
    batch: &[Note],
    per_app: u64,
) -> Vec<Result<bool, DbErr>> {
    if batch.len() > 1
        && let Ok(txn) = db.begin().await
    {
        let mut outcomes = Vec::with_capacity(batch.len());
        for note in batch {
            match write_note(&txn, note, per_app).await {
                Ok(recorded) => outcomes.push(Ok(recorded)),
                Err(_) => break,
            }
        }
        if outcomes.len() == batch.len() && txn.commit().await.is_ok() {
            return outcomes;
        }
        // Dropped unfinished: rolled back.
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for note in batch {
        outcomes.push(write_note(db, note, per_app).await);
    }
    outcomes
}

/// Writes noted deliveries until shutdown, then what is already queued.
pub(crate) async fn write(
    db: DatabaseConnection,
    mut rx: mpsc::Receiver<Note>,
    per_app: u64,
    shutdown: Shutdown,
) {
    let mut capped_warned = false;
    let mut failing = false;
    loop {
        let first = tokio::select! {
            received = rx.recv() => match received {
                Some(note) => note,
                None => return,
            },
            () = shutdown.clone().wait() => break,
        };
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + LINGER;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(note)) => batch.push(note),
                Ok(None) | Err(_) => break,
            }
        }
        let outcomes = write_batch(&db, &batch, per_app).await;
        for (note, outcome) in batch.iter().zip(outcomes) {
            note_outcome(note, outcome, per_app, &mut capped_warned, &mut failing);
        }
    }
    // Shutting down: the queue is bounded, so this ends; a dead database ends it sooner.
    while let Ok(note) = rx.try_recv() {
        if write_note(&db, &note, per_app).await.is_err() {
            return;
        }
    }
}

/// Logs what a note's write says about recording: the cap reached (once), the database failing
/// (once until it works again).
fn note_outcome(
    note: &Note,
    outcome: Result<bool, DbErr>,
    per_app: u64,
    capped_warned: &mut bool,
    failing: &mut bool,
) {
    match outcome {
        Ok(recorded) if *failing => {
            *failing = false;
            tracing::info!(recorded, "recording instances works again");
        }
        Ok(false) if !*capped_warned => {
            let Note::Delivery(delivery) = note else {
                return;
            };
            *capped_warned = true;
            tracing::warn!(
                app = %delivery.app_id,
                env = %delivery.env,
                per_app,
                "an app has as many instances recorded as instances_per_app allows; new ones are not recorded until old ones are forgotten"
            );
        }
        Ok(_) => {}
        Err(e) if !*failing => {
            *failing = true;
            tracing::warn!(error = %e, "cannot record instances; deliveries are dropped until the database answers");
        }
        Err(_) => {}
    }
}

/// Forgets instances not seen for `retention`, now and then, until shutdown.
pub(crate) async fn prune(db: DatabaseConnection, retention: Duration, shutdown: Shutdown) {
    let every = (retention / 10).clamp(Duration::from_secs(1), Duration::from_secs(600));
    loop {
        let before = lyre_store::time::now_millis()
            - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX / 2);
        match instances::prune(&db, before).await {
            Ok(0) => {}
            Ok(gone) => tracing::debug!(gone, "forgot instances not seen for a while"),
            Err(e) => tracing::warn!(error = %e, "cannot forget old instances"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.clone().wait() => return,
        }
    }
}

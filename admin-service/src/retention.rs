//! The retention job: it keeps the database small by deleting what the policy no longer keeps
//! (see `lyre_store::retention` for what always stays). It runs in every process with the
//! admin operations and works in one at a time (a lease in the database), every `interval`, in
//! batches of [`BATCH`] rows with a pause after each, so a publish never waits long behind it.

use std::time::{Duration, Instant};

use lyre_service_kit::server::Shutdown;
use lyre_store::retention;
use lyre_store::sea_orm::{DatabaseConnection, DbErr};
use lyre_store::time::{millis, now_millis};
use tokio::task::JoinHandle;

/// Rows deleted per statement.
pub const BATCH: u64 = 50;
/// The pause after each batch, for writers to go first.
const PAUSE: Duration = Duration::from_millis(20);
/// How long a run's lease lasts; renewed after every batch.
const LEASE: Duration = Duration::from_secs(120);
/// The lease's name.
const JOB: &str = "retention";

/// What is kept.
#[derive(Clone, Debug)]
pub struct RetentionPolicy {
    /// Releases kept per namespace and gray branch, beyond those always kept; 0 keeps all.
    pub releases: u64,
    /// How long commits (the change history of items) are kept; `None` keeps them.
    pub commits: Option<Duration>,
    /// How long audit rows are kept; `None` keeps them.
    pub audit: Option<Duration>,
    /// How long webhook deliveries that were sent or given up, and their events, are kept.
    pub deliveries: Duration,
    /// How often the job runs.
    pub interval: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            releases: 0,
            commits: None,
            audit: None,
            deliveries: Duration::from_secs(30 * 24 * 3600),
            interval: Duration::from_secs(600),
        }
    }
}

/// What one run deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    pub releases: u64,
    pub messages: u64,
    pub commits: u64,
    pub audit: u64,
    pub deliveries: u64,
}

/// Starts the job until `shutdown`.
pub fn spawn_retention(
    db: DatabaseConnection,
    policy: RetentionPolicy,
    shutdown: Shutdown,
) -> JoinHandle<()> {
    let owner = lyre_service_kit::net::process_name();
    tokio::spawn(async move {
        let stopped = shutdown.wait();
        tokio::pin!(stopped);
        // The first run is due at once; another process may hold the lease, until its next
        // run is due or (when it died mid-run) until its lease runs out.
        let mut wait = Duration::ZERO;
        loop {
            tokio::select! {
                () = &mut stopped => break,
                () = tokio::time::sleep(wait) => {}
            }
            let run = async {
                if !held(&db, &owner).await? {
                    return Ok(None);
                }
                let trimmed = run(&db, &policy, &owner).await?;
                // Hold the lease until the next run is due, so that with several processes
                // the job still runs once an interval.
                let due = now_millis() + millis(policy.interval);
                retention::take_lease(&db, JOB, &owner, due).await?;
                Ok::<_, DbErr>(Some(trimmed))
            };
            tokio::select! {
                () = &mut stopped => break,
                result = run => {
                    wait = match result {
                        Ok(Some(t)) => {
                            if t != Trimmed::default() {
                                tracing::info!(
                                    releases = t.releases,
                                    messages = t.messages,
                                    commits = t.commits,
                                    audit = t.audit,
                                    deliveries = t.deliveries,
                                    "retention deleted old rows"
                                );
                            }
                            policy.interval
                        }
                        Ok(None) => policy.interval.min(LEASE),
                        Err(e) => {
                            tracing::warn!(error = %e, "the retention job failed; it runs again later");
                            policy.interval.min(LEASE)
                        }
                    };
                }
            }
        }
        if let Err(e) = retention::release_lease(&db, JOB, &owner).await {
            tracing::debug!(error = %e, "could not give the retention lease back");
        }
    })
}

/// Takes or renews the job's lease: whether this process holds it.
async fn held(db: &DatabaseConnection, owner: &str) -> Result<bool, DbErr> {
    let until = now_millis() + millis(LEASE);
    retention::take_lease(db, JOB, owner, until).await
}

/// One run: every kind of row, batch by batch, until nothing more may go (or the lease is
/// lost to another process).
pub async fn run(
    db: &DatabaseConnection,
    policy: &RetentionPolicy,
    owner: &str,
) -> Result<Trimmed, DbErr> {
    let started = Instant::now();
    let mut t = Trimmed::default();
    if policy.releases > 0 {
        for ns in retention::crowded(db, policy.releases).await? {
            t.releases += drain(db, owner, "releases", ns.excess, |batch| {
                retention::trim_releases(db, &ns, policy.releases, batch)
            })
            .await?;
        }
    }
    t.messages = drain(db, owner, "release_messages", u64::MAX, |batch| {
        retention::trim_messages(db, batch)
    })
    .await?;
    if let Some(age) = policy.commits {
        let before = before(age);
        t.commits = drain(db, owner, "commits", u64::MAX, |batch| {
            retention::trim_commits(db, before, batch)
        })
        .await?;
    }
    if let Some(age) = policy.audit {
        let before = before(age);
        t.audit = drain(db, owner, "audits", u64::MAX, |batch| {
            retention::trim_audit(db, before, batch)
        })
        .await?;
    }
    let before_deliveries = before(policy.deliveries);
    t.deliveries = drain(db, owner, "webhook_deliveries", u64::MAX, |batch| {
        retention::trim_deliveries(db, before_deliveries, batch)
    })
    .await?;
    let registry = lyre_service_kit::metrics::registry();
    registry.count(
        "lyre_retention_runs_total",
        "Runs of the retention job in this process.",
        Vec::new(),
        1,
    );
    registry.observe(
        "lyre_retention_run_seconds",
        "How long a run of the retention job took, pauses included.",
        Vec::new(),
        started.elapsed().as_secs_f64(),
    );
    Ok(t)
}

/// Runs `trim` (given how many rows it may delete, at most [`BATCH`]) until it deletes nothing
/// or `cap` rows went, pausing after each batch and renewing the lease: the rows deleted,
/// counted in `lyre_retention_deleted_total{table}`.
async fn drain<F, Fut>(
    db: &DatabaseConnection,
    owner: &str,
    table: &'static str,
    cap: u64,
    mut trim: F,
) -> Result<u64, DbErr>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<u64, DbErr>>,
{
    let mut total = 0;
    loop {
        let batch = BATCH.min(cap.saturating_sub(total));
        if batch == 0 {
            return Ok(total);
        }
        let gone = trim(batch).await?;
        if gone == 0 {
            return Ok(total);
        }
        total += gone;
        lyre_service_kit::metrics::registry().count(
            "lyre_retention_deleted_total",
            "Rows the retention job deleted, by table.",
            vec![("table", table.to_owned())],
            gone,
        );
        tokio::time::sleep(PAUSE).await;
        if !held(db, owner).await? {
            return Ok(total);
        }
    }
}

fn before(age: Duration) -> i64 {
    now_millis() - millis(age)
}

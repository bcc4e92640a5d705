//! `lyre agent`: keeps configuration files current on hosts that cannot link the SDK, and
//! tells the programs that read them to reload.
//!
//! The agent is a `lyre-client` application: it long-polls the config services, caches what
//! it receives (so it starts with the servers down), and shows in the portal's instance view
//! under its label (the host name by default) with the release it received and when it was last
//! seen. A file is written only from a real release: before the first one arrives, or while
//! no server answers and nothing is cached, files stay exactly as they are.
//!
//! It reports each release of a namespace `applied` once every file of the namespace is written
//! and their reload commands succeeded, or `rejected` with the first reason one did not (a
//! template error, a file that cannot be written, a command's exit status and output).

pub mod commands;
pub mod config;
pub mod files;
pub mod render;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use lyre_client::Client;
use tokio::sync::{broadcast, mpsc};

use self::commands::{Commands, Policy, Waiting};
use self::config::{AgentConfig, Target};

/// What the agent has to report of one namespace of one client, for one release.
#[derive(Default)]
struct Outcome {
    release_key: String,
    /// Per file (by its entry's name), why it could not be brought to the release.
    files: BTreeMap<String, String>,
    /// Reload commands started for the release and not finished yet.
    commands: usize,
    /// Why a reload command failed.
    command: Option<String>,
    /// What was last reported of the release (reported again only when it changes).
    reported: Option<Result<(), String>>,
}

/// The outcomes, per (client, namespace).
#[derive(Default)]
struct Outcomes(BTreeMap<(usize, String), Outcome>);

impl Outcomes {
    /// The outcome of the namespace's release `release_key`, started afresh for a new release.
    fn of(&mut self, client: usize, namespace: &str, release_key: &str) -> &mut Outcome {
        let outcome = self.0.entry((client, namespace.to_owned())).or_default();
        if outcome.release_key != release_key {
            *outcome = Outcome {
                release_key: release_key.to_owned(),
                ..Outcome::default()
            };
        }
        outcome
    }

    /// Reports the namespace's outcome, unless a command still runs for it.
    fn report(&mut self, clients: &[Client], client: usize, namespace: &str) {
        let Some(outcome) = self.0.get_mut(&(client, namespace.to_owned())) else {
            return;
        };
        if outcome.commands > 0 {
            return;
        }
        let failure = outcome
            .files
            .iter()
            .map(|(file, reason)| format!("{file}: {reason}"))
            .chain(outcome.command.clone())
            .next();
        let result = failure.map_or(Ok(()), Err);
        if outcome.reported.as_ref() != Some(&result) {
            clients[client].report(namespace, &outcome.release_key, result.clone());
            outcome.reported = Some(result);
        }
    }

    /// A reload command's outcome for the releases it ran for.
    fn ran(&mut self, clients: &[Client], waiting: Vec<Waiting>, result: &Result<(), String>) {
        for (client, namespace, release_key) in waiting {
            let Some(outcome) = self.0.get_mut(&(client, namespace.clone())) else {
                continue;
            };
            // A newer release's files were written meanwhile: its own commands report it.
            if outcome.release_key != release_key {
                continue;
            }
            outcome.commands = outcome.commands.saturating_sub(1);
            if let Err(reason) = result {
                outcome.command = Some(reason.clone());
            }
            self.report(clients, client, &namespace);
        }
    }
}

/// What the agent knows of one file.
struct Entry {
    target: Target,
    client: usize,
    /// Why the last attempt failed, while it does.
    failing: Option<String>,
    /// Whether the last look found no release to write.
    waiting: bool,
}

/// Runs the agent until SIGINT or SIGTERM.
pub async fn run(path: &Path) -> anyhow::Result<()> {
    let config = AgentConfig::read(path)?;
    let targets = config.targets()?;
    let label = config
        .label
        .clone()
        .unwrap_or_else(lyre_service_kit::net::hostname);

    // One client per app and cluster, watching the namespaces of its files.
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for t in &targets {
        let namespaces = groups
            .entry((t.app_id.clone(), t.cluster.clone()))
            .or_default();
        if !namespaces.contains(&t.namespace) {
            namespaces.push(t.namespace.clone());
        }
    }
    let mut clients = Vec::new();
    let mut keys = Vec::new();
    for ((app_id, cluster), namespaces) in &groups {
        let client = build_client(&config, &label, app_id, cluster, namespaces)
            .await
            .with_context(|| format!("watching app {app_id}, cluster {cluster}"))?;
        clients.push(client);
        keys.push((app_id.clone(), cluster.clone()));
    }
    let mut entries: Vec<Entry> = targets
        .into_iter()
        .map(|target| {
            let client = keys
                .iter()
                .position(|(a, c)| *a == target.app_id && *c == target.cluster)
                .unwrap_or_default();
            Entry {
                target,
                client,
                failing: None,
                waiting: false,
            }
        })
        .collect();
    tracing::info!(
        %label,
        files = entries.len(),
        clients = clients.len(),
        "the agent is running"
    );

    let policy = Policy {
        debounce: config.debounce(),
        timeout: config.command_timeout(),
        retries: config.command_retries,
        first_backoff: Duration::from_secs(1),
    };
    let (done, mut ran) = mpsc::unbounded_channel();
    let mut commands = Commands::new(done);
    let mut outcomes = Outcomes::default();
    for entry in &mut entries {
        apply(entry, &clients, &mut commands, policy, &mut outcomes).await;
    }
    report_all(&entries, &clients, &mut outcomes);

    // Every client's change events, in one stream: (client, namespace; `None` after a lag).
    let (tx, mut events) = mpsc::unbounded_channel::<(usize, Option<String>)>();
    for (i, client) in clients.iter().enumerate() {
        let mut changes = client.changes();
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                let event = match changes.recv().await {
                    Ok(event) => Some(event.namespace),
                    Err(broadcast::error::RecvError::Lagged(_)) => None,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if tx.send((i, event)).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);

    let mut retry = tokio::time::interval(config.retry_interval());
    retry.tick().await;
    let signal = lyre_service_kit::server::os_signal();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            () = &mut signal => break,
            Some((client, namespace)) = events.recv() => {
                for entry in entries.iter_mut().filter(|e| {
                    e.client == client && namespace.as_ref().is_none_or(|n| *n == e.target.namespace)
                }) {
                    apply(entry, &clients, &mut commands, policy, &mut outcomes).await;
                }
                report_all(&entries, &clients, &mut outcomes);
            }
            Some((waiting, result)) = ran.recv() => outcomes.ran(&clients, waiting, &result),
            _ = retry.tick() => {
                let mut retried = false;
                for entry in entries.iter_mut().filter(|e| e.failing.is_some() || e.waiting) {
                    apply(entry, &clients, &mut commands, policy, &mut outcomes).await;
                    retried = true;
                }
                if retried {
                    report_all(&entries, &clients, &mut outcomes);
                }
            }
        }
    }
    tracing::info!("the agent stops");
    Ok(())
}

async fn build_client(
    config: &AgentConfig,
    label: &str,
    app_id: &str,
    cluster: &str,
    namespaces: &[String],
) -> Result<Client, lyre_client::Error> {
    let mut builder = Client::builder()
        .app_id(app_id)
        .cluster(cluster)
        .label(label)
        .namespaces(namespaces.iter().cloned())
        .cache_dir(&config.cache_dir)
        .require_server(false)
        // Applied means written and reloaded: the agent reports that itself.
        .report_applies(false);
    for url in &config.meta_servers {
        builder = builder.meta_server(url.clone());
    }
    for url in &config.config_services {
        builder = builder.config_service(url.clone());
    }
    if let Some(ip) = &config.ip {
        builder = builder.ip(ip.clone());
    }
    if let Some(dc) = &config.data_center {
        builder = builder.data_center(dc.clone());
    }
    if let Some(secret) = &config.secret {
        builder = builder.secret(secret.clone());
    }
    builder.build().await
}

/// Reports every namespace's outcome whose reload commands are done.
fn report_all(entries: &[Entry], clients: &[Client], outcomes: &mut Outcomes) {
    let mut namespaces: Vec<(usize, &str)> = entries
        .iter()
        .map(|e| (e.client, e.target.namespace.as_str()))
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    for (client, namespace) in namespaces {
        outcomes.report(clients, client, namespace);
    }
}

/// Brings one file up to its namespace's current release; problems are logged (once per
/// problem) and remembered for the next retry, and never stop the other files. The outcome
/// goes into `outcomes`, for the release's report.
async fn apply(
    entry: &mut Entry,
    clients: &[Client],
    commands: &mut Commands,
    policy: Policy,
    outcomes: &mut Outcomes,
) {
    let t = &entry.target;
    let snapshot = match clients[entry.client].namespace(&t.namespace).await {
        Ok(namespace) => namespace.snapshot(),
        Err(e) => {
            fail(entry, format!("reading namespace {}: {e}", t.namespace));
            return;
        }
    };
    if snapshot.release_key.is_empty() {
        if !entry.waiting {
            tracing::warn!(
                file = %t.path.display(),
                namespace = %t.namespace,
                "no release of the namespace has been received yet; the file is left as it is"
            );
        }
        entry.waiting = true;
        return;
    }
    entry.waiting = false;
    let written = render::render(t, &snapshot).and_then(|content| {
        files::write_if_changed(t, &content)
            .with_context(|| format!("writing {}", t.path.display()))
    });
    let outcome = outcomes.of(entry.client, &t.namespace, &snapshot.release_key);
    match &written {
        Ok(_) => outcome.files.remove(&t.name),
        Err(e) => outcome.files.insert(t.name.clone(), format!("{e:#}")),
    };
    match written {
        Ok(changed) => {
            if entry.failing.take().is_some() {
                tracing::info!(file = %t.path.display(), "the file is current again");
            }
            if changed {
                tracing::info!(
                    file = %t.path.display(),
                    release = %snapshot.release_key,
                    from_cache = snapshot.from_cache,
                    "wrote the file"
                );
                if let Some(command) = &t.command {
                    outcome.commands += 1;
                    let waiting = (
                        entry.client,
                        t.namespace.clone(),
                        snapshot.release_key.clone(),
                    );
                    commands.changed(command, policy, waiting);
                }
            }
        }
        Err(e) => fail(entry, format!("{e:#}")),
    }
}

fn fail(entry: &mut Entry, reason: String) {
    if entry.failing.as_deref() != Some(reason.as_str()) {
        tracing::error!(
            entry = %entry.target.name,
            error = %reason,
            "cannot update the file; it is left as it is and tried again"
        );
    }
    entry.failing = Some(reason);
}

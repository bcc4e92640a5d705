//! The scenarios. Each returns what it measured as JSON; times are in milliseconds, memory in
//! KiB.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::sync::{Semaphore, mpsc};

use crate::Target;
use crate::http::Connection;
use crate::stats::{median, percentile, tenth};

pub(crate) const NAMESPACE: &str = "application";
/// Connections being opened at once.
const OPENING: usize = 200;

fn namespace_url(target: &Target, app: &str) -> String {
    format!(
        "{}/envs/DEV/apps/{app}/clusters/default/namespaces/{NAMESPACE}",
        target.admin
    )
}

/// The admin service token the load presents (the server's `LYRE_ADMIN_TOKENS` opens the
/// admin port it drives).
pub(crate) const ADMIN_TOKEN_VAR: &str = "LYRE_ADMIN_TOKEN";

/// A client that presents the admin token of `LYRE_ADMIN_TOKEN`, when set.
pub(crate) fn client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(token) = std::env::var(ADMIN_TOKEN_VAR)
        && let Ok(value) = format!("Bearer {token}").parse()
    {
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .default_headers(headers)
        .build()
        .expect("an HTTP client")
}

async fn send(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request.send().await?;
    let status = response.status();
    let body = response.text().await?;
    ensure!(status.is_success(), "{status}: {body}");
    Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The app with `keys` keys in its `application` namespace, published.
pub(crate) async fn prepare(target: &Target, app: &str, keys: usize) -> anyhow::Result<()> {
    let http = client();
    let created = http
        .post(format!("{}/apps", target.admin))
        .json(&json!({"appId": app, "name": app, "ownerName": "bench", "operator": "bench"}))
        .send()
        .await?;
    ensure!(
        created.status().is_success() || created.status() == 409,
        "creating {app}: {}",
        created.text().await?
    );
    let text: String = (0..keys)
        .map(|i| format!("key.{i:05} = value-{i}-abcdefghij\n"))
        .collect();
    send(
        http.put(format!("{}/text", namespace_url(target, app)))
            .json(&json!({"text": text, "operator": "bench"})),
    )
    .await
    .context("writing the keys")?;
    release(&http, target, app).await.context("publishing")?;
    Ok(())
}

pub(crate) async fn release(
    http: &reqwest::Client,
    target: &Target,
    app: &str,
) -> anyhow::Result<()> {
    send(
        http.post(format!("{}/releases", namespace_url(target, app)))
            .json(&json!({"title": "bench", "operator": "bench"})),
    )
    .await?;
    Ok(())
}

pub(crate) async fn change_one_key(
    http: &reqwest::Client,
    target: &Target,
    app: &str,
    value: &str,
) -> anyhow::Result<()> {
    send(
        http.put(format!("{}/items/key.00000", namespace_url(target, app)))
            .json(&json!({"value": value, "operator": "bench"})),
    )
    .await?;
    Ok(())
}

pub async fn setup(target: &Target, keys: usize) -> anyhow::Result<Value> {
    prepare(target, &target.app, keys).await?;
    let mut connection = Connection::open(target.config, None).await?;
    let answer = connection
        .get(&format!("/configs/{}/default/{NAMESPACE}", target.app))
        .await?;
    ensure!(
        answer.status == 200,
        "reading the config: {}",
        answer.status
    );
    Ok(json!({"app": target.app, "keys": keys, "configs_bytes": answer.body.len()}))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub(crate) fn notifications_path(app: &str, id: i64) -> String {
    let notifications = json!([{"namespaceName": NAMESPACE, "notificationId": id}]).to_string();
    format!(
        "/notifications/v2?appId={app}&cluster=default&notifications={}",
        percent_encode(&notifications)
    )
}

/// The notification id a client that has everything would send.
pub(crate) async fn current_id(target: &Target) -> anyhow::Result<i64> {
    current_id_at(target.config, &target.app).await
}

/// The notification id of `app`'s namespace, as the config service at `config` knows it.
pub(crate) async fn current_id_at(config: SocketAddr, app: &str) -> anyhow::Result<i64> {
    let mut connection = Connection::open(config, None).await?;
    let answer = connection.get(&notifications_path(app, -1)).await?;
    ensure!(
        answer.status == 200,
        "notifications answered {}",
        answer.status
    );
    let body: Value = serde_json::from_slice(&answer.body)?;
    body[0]["notificationId"]
        .as_i64()
        .context("no notificationId in the answer")
}

/// `lyre_long_polls_held` on the config service.
async fn held(target: &Target) -> anyhow::Result<usize> {
    held_at(target.config).await
}

/// `lyre_long_polls_held` on the config service at `config`.
pub(crate) async fn held_at(config: SocketAddr) -> anyhow::Result<usize> {
    let mut connection = Connection::open(config, None).await?;
    let answer = connection.get("/metrics").await?;
    let text = String::from_utf8_lossy(&answer.body);
    let line = text
        .lines()
        .find(|l| l.starts_with("lyre_long_polls_held "))
        .context("no lyre_long_polls_held in /metrics")?;
    Ok(line.split(' ').nth(1).unwrap_or("0").parse::<f64>()? as usize)
}

async fn wait_until_held(target: &Target, count: usize) -> anyhow::Result<usize> {
    wait_until_held_at(target.config, count).await
}

/// Waits (up to two minutes) until the config service at `config` holds `count` long polls.
pub(crate) async fn wait_until_held_at(config: SocketAddr, count: usize) -> anyhow::Result<usize> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let now = held_at(config).await?;
        if now >= count {
            return Ok(now);
        }
        if Instant::now() > deadline {
            bail!("only {now} of {count} long polls are held");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn source(target: &Target, index: usize) -> Option<std::net::IpAddr> {
    Some(target.sources[index % target.sources.len()])
}

pub async fn hold(target: &Target, count: usize) -> anyhow::Result<Value> {
    let id = current_id(target).await?;
    let path = Arc::new(notifications_path(&target.app, id));
    let opening = Arc::new(Semaphore::new(OPENING));
    let opened = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    for index in 0..count {
        let (path, opening, opened, failed) = (
            path.clone(),
            opening.clone(),
            opened.clone(),
            failed.clone(),
        );
        let (addr, from) = (target.config, source(target, index));
        tokio::spawn(async move {
            let permit = opening.acquire_owned().await;
            let connection = async {
                let mut connection = Connection::open(addr, from).await?;
                connection.send_get(&path).await?;
                std::io::Result::Ok(connection)
            }
            .await;
            drop(permit);
            let Ok(mut connection) = connection else {
                failed.fetch_add(1, Ordering::Relaxed);
                return;
            };
            opened.fetch_add(1, Ordering::Relaxed);
            // Wait; after a timeout's 304, wait again.
            while let Ok(answer) = connection.read_response().await {
                if answer.status != 304 || connection.send_get(&path).await.is_err() {
                    break;
                }
            }
        });
    }
    while opened.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < count {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("holding {}", opened.load(Ordering::Relaxed));
    std::io::stdout().flush()?;
    std::future::pending::<()>().await;
    unreachable!()
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("no VmRSS value")?
        .parse()?)
}

/// Starts `processes` `lyre-bench hold` processes holding `count` long polls between them
/// (each on its own share of the source addresses); returns how many they opened.
async fn hold_in_processes(
    target: &Target,
    count: usize,
    processes: usize,
    children: &mut Vec<tokio::process::Child>,
) -> anyhow::Result<usize> {
    let me = std::env::current_exe()?;
    let sources: Vec<String> = target.sources.iter().map(ToString::to_string).collect();
    let mut outputs = Vec::new();
    for process in 0..processes {
        let share = count / processes + usize::from(process < count % processes);
        let mine: Vec<&str> = sources
            .iter()
            .skip(process)
            .step_by(processes)
            .map(String::as_str)
            .collect();
        let mine = if mine.is_empty() {
            vec![sources[0].as_str()]
        } else {
            mine
        };
        let mut child = tokio::process::Command::new(&me)
            .args(["hold", "--count", &share.to_string()])
            .args(["--config", &target.config.to_string(), "--app", &target.app])
            .args(["--sources", &mine.join(",")])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        outputs.push(BufReader::new(child.stdout.take().context("no stdout")?).lines());
        children.push(child);
    }
    let mut opened = 0;
    for lines in &mut outputs {
        let line = lines.next_line().await?.context("a hold process ended")?;
        opened += line
            .strip_prefix("holding ")
            .context("unexpected output")?
            .parse::<usize>()?;
    }
    Ok(opened)
}

/// Long polls held by one config service and its memory for them. The memory per poll is the
/// growth from a tenth of `count` to all of it, so that what the first ones bring into use
/// once (runtime and map capacity, allocator arenas) and what the process gave back after
/// starting do not count.
pub async fn capacity(
    target: &Target,
    count: usize,
    processes: usize,
    server_pid: u32,
) -> anyhow::Result<Value> {
    let idle = rss_kib(server_pid)?;
    let mut children = Vec::new();
    let first = count / 10;
    let opened_first = hold_in_processes(target, first, 1, &mut children).await?;
    let held_first = wait_until_held(target, opened_first).await?;
    // Let the allocator settle before reading.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let holding_first = rss_kib(server_pid)?;
    let opened_rest = hold_in_processes(target, count - first, processes, &mut children).await?;
    let now_held = wait_until_held(target, opened_first + opened_rest).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let holding = rss_kib(server_pid)?;
    drop(children);
    let per_poll = holding.saturating_sub(holding_first) as f64
        / now_held.saturating_sub(held_first).max(1) as f64;
    Ok(json!({
        "asked": count,
        "held": now_held,
        "processes": processes,
        "rss_idle_kib": idle,
        "held_first": held_first,
        "rss_holding_first_kib": holding_first,
        "rss_holding_kib": holding,
        "kib_per_long_poll": tenth(per_poll),
    }))
}

/// When a watcher got its change and when it had re-read the configuration, and from which
/// of the servers.
struct Seen {
    notified: Instant,
    read: Instant,
    server: usize,
}

/// How a fan-out round is run and what it measures besides the watchers' times.
#[derive(clap::Args, Clone, Copy)]
pub struct FanoutOptions {
    /// Watchers waiting for the change.
    #[arg(long)]
    pub watchers: usize,
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// The server's process id: its CPU time per watcher is reported, from the publish until
    /// the last watcher is done (the publish included: it runs in the same process).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Re-reads wait until every watcher is notified, so that the server's CPU time splits
    /// into what the notifications cost and what the re-reads cost (the re-read times of such
    /// a round include that wait).
    #[arg(long)]
    pub split: bool,
}

pub async fn fanout(
    target: &Target,
    options: FanoutOptions,
    with_configs: bool,
) -> anyhow::Result<Value> {
    let FanoutOptions {
        watchers, rounds, ..
    } = options;
    let http = client();
    let mut results = Vec::new();
    for round in 0..rounds {
        // The previous round's connections are gone before this one starts.
        let deadline = Instant::now() + Duration::from_secs(30);
        while held(target).await? > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let id = current_id(target).await?;
        let host = target.config.to_string();
        // Lyre's own SDK may ask for the changed configuration with the notification.
        let opt_in = if with_configs {
            "&withConfigs=true"
        } else {
            ""
        };
        let watch = format!(
            "GET {}{opt_in} HTTP/1.1\r\nHost: {host}\r\n\r\n",
            notifications_path(&target.app, id)
        );
        let load = Load {
            addrs: vec![target.config],
            sources: &target.sources,
            round,
            watch: watch.into_bytes(),
            reread: (!with_configs).then(|| format!("/configs/{}/default/{NAMESPACE}", target.app)),
            options,
        };
        let result = load
            .round(
                || async { wait_until_held(target, watchers).await.map(drop) },
                || async {
                    change_one_key(&http, target, &target.app, &format!("round-{round}-{id}"))
                        .await?;
                    let published = Instant::now();
                    release(&http, target, &target.app).await?;
                    Ok(published)
                },
            )
            .await?;
        results.push(result);
    }
    Ok(json!({
        "watchers": watchers,
        "with_configs": with_configs,
        "split": options.split,
        "rounds": results,
        "median": medians(&results),
    }))
}

/// One round of fan-out: `watchers` connections, spread over the servers at `addrs`, each send
/// `watch`, and once its answer comes, read `reread` on the same connection (none: the answer
/// carries the configuration).
pub(crate) struct Load<'a> {
    pub addrs: Vec<SocketAddr>,
    pub sources: &'a [std::net::IpAddr],
    pub round: usize,
    pub watch: Vec<u8>,
    pub reread: Option<String>,
    pub options: FanoutOptions,
}

/// Microseconds of CPU per item, from two readings of [`cpu_ns`].
fn cpu_us_per(before: Option<u64>, after: Option<u64>, items: usize) -> Option<f64> {
    Some(tenth(
        after?.saturating_sub(before?) as f64 / 1e3 / items.max(1) as f64,
    ))
}

impl Load<'_> {
    /// Opens the watchers, waits for `held`, runs `publish` (which returns when its timed
    /// request started), and collects every watcher's times from that instant.
    pub(crate) async fn round<H, HF, P, PF>(self, held: H, publish: P) -> anyhow::Result<Value>
    where
        H: FnOnce() -> HF,
        HF: std::future::Future<Output = anyhow::Result<()>>,
        P: FnOnce() -> PF,
        PF: std::future::Future<Output = anyhow::Result<Instant>>,
    {
        let FanoutOptions {
            watchers,
            server_pid,
            split,
            ..
        } = self.options;
        let watch = Arc::new(self.watch);
        let reread = Arc::new(self.reread);
        let opening = Arc::new(Semaphore::new(OPENING));
        let (sent_tx, mut sent_rx) = mpsc::unbounded_channel::<bool>();
        let (told_tx, mut told_rx) = mpsc::unbounded_channel::<()>();
        let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<Option<Seen>>();
        // Split rounds: re-reads start when this turns true.
        let (go_tx, go_rx) = tokio::sync::watch::channel(!split);
        for index in 0..watchers {
            let (watch, reread, opening) = (watch.clone(), reread.clone(), opening.clone());
            let (sent_tx, told_tx, seen_tx) = (sent_tx.clone(), told_tx.clone(), seen_tx.clone());
            let mut go = go_rx.clone();
            // Spread over the sources, and over rounds so ports are not reused at once.
            let from = self.sources[(index + self.round * watchers) % self.sources.len()];
            let server = index % self.addrs.len();
            let addr = self.addrs[server];
            tokio::spawn(async move {
                let permit = opening.acquire_owned().await;
                let opened = async {
                    let mut connection = Connection::open(addr, Some(from)).await?;
                    connection.send_raw(&watch).await?;
                    std::io::Result::Ok(connection)
                }
                .await;
                drop(permit);
                let Ok(mut connection) = opened else {
                    let _ = sent_tx.send(false);
                    return;
                };
                let _ = sent_tx.send(true);
                let seen = async {
                    let answer = connection.read_response().await;
                    let notified = Instant::now();
                    let _ = told_tx.send(());
                    let answer = answer.ok()?;
                    if answer.status != 200 || answer.body.is_empty() {
                        return None;
                    }
                    let Some(reread) = reread.as_deref() else {
                        // The configuration came with the notification.
                        let carried = serde_json::from_slice::<Value>(&answer.body)
                            .is_ok_and(|v| v[0]["configuration"]["configurations"].is_object());
                        return carried.then_some(Seen {
                            notified,
                            read: notified,
                            server,
                        });
                    };
                    go.wait_for(|go| *go).await.ok()?;
                    let config = connection.get(reread).await.ok()?;
                    (config.status == 200).then(|| Seen {
                        notified,
                        read: Instant::now(),
                        server,
                    })
                }
                .await;
                let _ = seen_tx.send(seen);
            });
        }
        drop((sent_tx, told_tx, seen_tx));
        // Every watcher reports once, whether its request went out or not.
        let mut waiting = 0;
        for _ in 0..watchers {
            waiting += usize::from(sent_rx.recv().await.unwrap_or(false));
        }
        ensure!(
            waiting == watchers,
            "only {waiting} of {watchers} watchers connected"
        );
        held().await?;

        let cpu = || server_pid.and_then(|pid| cpu_ns(pid).ok());
        let cpu_start = cpu();
        let published = publish().await?;
        let publish_ms = published.elapsed().as_secs_f64() * 1e3;
        let mut cpu_told = None;
        if split {
            for _ in 0..watchers {
                let _ = told_rx.recv().await;
            }
            cpu_told = cpu();
            let _ = go_tx.send(true);
        }

        let mut notified = Vec::with_capacity(watchers);
        let mut read = Vec::with_capacity(watchers);
        let mut by_server = vec![Vec::new(); self.addrs.len()];
        let mut failed = 0;
        while let Some(seen) = seen_rx.recv().await {
            match seen {
                Some(seen) => {
                    let told = (seen.notified - published).as_secs_f64() * 1e3;
                    notified.push(told);
                    by_server[seen.server].push(told);
                    read.push((seen.read - published).as_secs_f64() * 1e3);
                }
                None => failed += 1,
            }
        }
        let cpu_end = cpu();
        drop(go_tx);
        let mut per_server = serde_json::Map::new();
        if by_server.len() > 1 {
            for (i, times) in by_server.iter().enumerate() {
                let n = i + 1;
                per_server.insert(format!("server{n}_watchers"), json!(times.len()));
                per_server.insert(
                    format!("server{n}_notified_p50_ms"),
                    json!(tenth(percentile(times, 0.5))),
                );
                per_server.insert(
                    format!("server{n}_notified_p99_ms"),
                    json!(tenth(percentile(times, 0.99))),
                );
            }
        }
        let mut result = json!({
            "server_cpu_us_per_watcher": cpu_us_per(cpu_start, cpu_end, watchers),
            "server_cpu_us_per_notification": cpu_us_per(cpu_start, cpu_told, watchers),
            "server_cpu_us_per_reread": cpu_us_per(cpu_told, cpu_end, watchers),
            "publish_ms": tenth(publish_ms),
            "notified_p50_ms": tenth(percentile(&notified, 0.5)),
            "notified_p99_ms": tenth(percentile(&notified, 0.99)),
            "reread_p50_ms": tenth(percentile(&read, 0.5)),
            "reread_p99_ms": tenth(percentile(&read, 0.99)),
            "reread_max_ms": tenth(percentile(&read, 1.0)),
            "failed": failed,
        });
        if let Some(fields) = result.as_object_mut() {
            fields.extend(per_server);
        }
        Ok(result)
    }
}

/// The median of every numeric field over `rounds`.
pub(crate) fn medians(rounds: &[Value]) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(first) = rounds.first().and_then(Value::as_object) {
        for key in first.keys() {
            let values: Vec<f64> = rounds.iter().filter_map(|r| r[key].as_f64()).collect();
            // A figure no round measured stays unmeasured, not 0.
            let value = (!values.is_empty()).then(|| tenth(median(&values)));
            out.insert(key.clone(), json!(value));
        }
    }
    Value::Object(out)
}

pub async fn publish(target: &Target, keys: usize, releases: usize) -> anyhow::Result<Value> {
    let http = client();
    let app = format!("{}-{keys}", target.app);
    let prepared = Instant::now();
    prepare(target, &app, keys).await?;
    let first_ms = prepared.elapsed().as_secs_f64() * 1e3;
    let mut times = Vec::with_capacity(releases);
    for i in 0..releases {
        change_one_key(&http, target, &app, &format!("release-{i}")).await?;
        let started = Instant::now();
        release(&http, target, &app).await?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let total_s: f64 = times.iter().sum::<f64>() / 1e3;
    Ok(json!({
        "keys": keys,
        "releases": releases,
        "setup_ms": tenth(first_ms),
        "releases_per_s": tenth(releases as f64 / total_s),
        "publish_p50_ms": tenth(percentile(&times, 0.5)),
        "publish_p99_ms": tenth(percentile(&times, 0.99)),
    }))
}

/// Publishes `{app}-{keys}` (as `publish` does) one release after another while the retention
/// job deletes old releases, until `/metrics` counts `deleted` of them: the publish latencies
/// meanwhile, and how long the job's run took (`lyre` starts it at once; its run time is the
/// histogram's sum once the first run is over).
pub async fn retention(
    target: &Target,
    keys: usize,
    deleted: u64,
    timeout_secs: u64,
) -> anyhow::Result<Value> {
    let http = client();
    let app = format!("{}-{keys}", target.app);
    prepare(target, &app, keys).await?;
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    let mut times = Vec::new();
    let mut i = 0;
    loop {
        let metrics = metrics(target).await?;
        let gone = metric(&metrics, "lyre_retention_deleted_total{table=\"releases\"}");
        if gone >= deleted as f64 {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "only {gone} of {deleted} releases deleted in {timeout_secs} s"
        );
        change_one_key(&http, target, &app, &format!("retention-{i}")).await?;
        let publish = Instant::now();
        release(&http, target, &app).await?;
        times.push(publish.elapsed().as_secs_f64() * 1e3);
        i += 1;
    }
    let (gone, run_s) = loop {
        let metrics = metrics(target).await?;
        if metric(&metrics, "lyre_retention_runs_total") >= 1.0 {
            break (
                metric(&metrics, "lyre_retention_deleted_total{table=\"releases\"}"),
                metric(&metrics, "lyre_retention_run_seconds_sum"),
            );
        }
        ensure!(Instant::now() < deadline, "the retention run did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    Ok(json!({
        "deleted": gone,
        "trim_s": tenth(run_s),
        "deleted_per_s": tenth(gone / run_s),
        "publishes": times.len(),
        "publish_p50_ms": tenth(percentile(&times, 0.5)),
        "publish_p99_ms": tenth(percentile(&times, 0.99)),
        "publish_max_ms": tenth(times.iter().copied().fold(0.0, f64::max)),
    }))
}

/// The config service's `/metrics`.
async fn metrics(target: &Target) -> anyhow::Result<String> {
    let mut connection = Connection::open(target.config, None).await?;
    let answer = connection.get("/metrics").await?;
    Ok(String::from_utf8_lossy(&answer.body).into_owned())
}

/// The value of series `series` (name and labels as written) in `metrics`; 0 when absent.
fn metric(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub(crate) async fn is_ready(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match Connection::open(addr, None).await {
        Ok(mut connection) => connection
            .get("/ready")
            .await
            .is_ok_and(|answer| answer.status == 200),
        Err(_) => false,
    }
}

/// Starts `lyre` in `dir` and waits until its three services are ready: the time that took,
/// and the process (still running).
async fn start_lyre(lyre: &Path, dir: &Path) -> anyhow::Result<(f64, tokio::process::Child)> {
    let ports = [free_port()?, free_port()?, free_port()?];
    let started = Instant::now();
    let child = tokio::process::Command::new(lyre)
        .current_dir(dir)
        .env_clear()
        .env("LYRE_PORTAL_ADDR", format!("127.0.0.1:{}", ports[0]))
        .env("LYRE_CONFIG_ADDR", format!("127.0.0.1:{}", ports[1]))
        .env("LYRE_ADMIN_ADDR", format!("127.0.0.1:{}", ports[2]))
        .env("LYRE_ADMIN_PASSWORD", "bench-password")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let deadline = started + Duration::from_secs(30);
    for port in ports {
        while !is_ready(port).await {
            ensure!(Instant::now() < deadline, "lyre was not ready in 30 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    Ok((started.elapsed().as_secs_f64() * 1e3, child))
}

pub async fn startup(lyre: &Path, runs: usize) -> anyhow::Result<Value> {
    let lyre = &std::fs::canonicalize(lyre)?;
    let mut fresh = Vec::new();
    let mut again = Vec::new();
    let mut idle = Vec::new();
    for run in 0..runs {
        let dir = std::env::temp_dir().join(format!("lyre-bench-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // First start: creates and migrates the database and the admin user.
        let (ms, child) = start_lyre(lyre, &dir).await?;
        fresh.push(ms);
        stop(child).await;
        // Restart on that database, then sit idle.
        let (ms, child) = start_lyre(lyre, &dir).await?;
        again.push(ms);
        tokio::time::sleep(Duration::from_secs(5)).await;
        idle.push(rss_kib(child.id().context("no pid")?)? as f64);
        stop(child).await;
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(json!({
        "runs": runs,
        "ready_fresh_ms": fresh.iter().map(|v| tenth(*v)).collect::<Vec<_>>(),
        "ready_restart_ms": again.iter().map(|v| tenth(*v)).collect::<Vec<_>>(),
        "idle_rss_kib": idle,
        "median": {
            "ready_fresh_ms": tenth(median(&fresh)),
            "ready_restart_ms": tenth(median(&again)),
            "idle_rss_kib": median(&idle),
        },
    }))
}

async fn stop(mut child: tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    let _ = child.kill().await;
}

/// The 50-key document the read and fan-out comparisons serve, with a marker that changes it.
pub fn document(marker: &str) -> String {
    let map: serde_json::Map<String, Value> = (0..50)
        .map(|i| {
            (
                format!("key.{i:05}"),
                json!(format!("value-{i}-abcdefghij")),
            )
        })
        .chain([("marker".to_owned(), json!(marker))])
        .collect();
    Value::Object(map).to_string()
}

const NACOS_DATA_ID: &str = "bench.json";
const NACOS_GROUP: &str = "DEFAULT_GROUP";

/// Publishes `content` to r-nacos through its v1 Open API.
async fn nacos_publish(
    http: &reqwest::Client,
    nacos: SocketAddr,
    content: &str,
) -> anyhow::Result<()> {
    let body = format!(
        "dataId={NACOS_DATA_ID}&group={NACOS_GROUP}&content={}",
        percent_encode(content)
    );
    let response = http
        .post(format!("http://{nacos}/nacos/v1/cs/configs"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    ensure!(
        status.is_success() && text.trim() == "true",
        "r-nacos publish: {status} {text}"
    );
    Ok(())
}

fn md5_hex(text: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Publishes the comparison document to r-nacos, so `wrk` can read it.
pub async fn nacos_setup(nacos: SocketAddr, content: &str) -> anyhow::Result<Value> {
    nacos_publish(&client(), nacos, content).await?;
    Ok(json!({"dataId": NACOS_DATA_ID, "group": NACOS_GROUP, "bytes": content.len()}))
}

/// The fan-out scenario against r-nacos's v1 long-poll listener: each watcher holds a
/// listener request with the content's MD5, one publish changes it, and each re-reads it.
pub async fn nacos_fanout(
    nacos: SocketAddr,
    sources: &[std::net::IpAddr],
    options: FanoutOptions,
) -> anyhow::Result<Value> {
    let FanoutOptions {
        watchers, rounds, ..
    } = options;
    let http = client();
    let mut results = Vec::new();
    for round in 0..rounds {
        let current = document(&format!("nacos-{round}"));
        nacos_publish(&http, nacos, &current).await?;
        let listening = format!(
            "{NACOS_DATA_ID}\u{2}{NACOS_GROUP}\u{2}{}\u{1}",
            md5_hex(&current)
        );
        let watch = crate::http::form_post(
            &nacos.to_string(),
            "/nacos/v1/cs/configs/listener",
            &[("Long-Pulling-Timeout", "60000")],
            &format!("Listening-Configs={}", percent_encode(&listening)),
        );
        let load = Load {
            addrs: vec![nacos],
            sources,
            round,
            watch,
            reread: Some(format!(
                "/nacos/v1/cs/configs?dataId={NACOS_DATA_ID}&group={NACOS_GROUP}"
            )),
            options,
        };
        let next = document(&format!("nacos-{round}-next"));
        let result = load
            .round(
                // r-nacos does not say how many listeners it holds: give it time to register.
                || async {
                    let settle = Duration::from_millis(1000 + watchers as u64 / 5);
                    tokio::time::sleep(settle).await;
                    Ok(())
                },
                || async {
                    let published = Instant::now();
                    nacos_publish(&http, nacos, &next).await?;
                    Ok(published)
                },
            )
            .await?;
        results.push(result);
        // Closed connections drain before the next round.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok(json!({
        "watchers": watchers,
        "split": options.split,
        "rounds": results,
        "median": medians(&results),
    }))
}

/// Apply reports at `rate` per second for `seconds`, from `instances` instances that first read
/// the namespace (each a distinct `ip`), as Lyre's SDK sends them: what a report costs the
/// config service, measured by its answer times here and, in `bench/run.sh`, by the read rate
/// `wrk` gets while these run.
pub async fn reports(
    target: &Target,
    instances: usize,
    rate: usize,
    seconds: u64,
    server_pid: Option<u32>,
) -> anyhow::Result<Value> {
    let base = format!("http://{}", target.config);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build()?;
    let ip = |i: usize| format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    // Each instance reads first: a report follows the read it is about.
    let mut release_key = String::new();
    let gate = Arc::new(Semaphore::new(32));
    let mut reads = tokio::task::JoinSet::new();
    for i in 0..instances {
        let permit = Arc::clone(&gate).acquire_owned().await?;
        let url = format!(
            "{base}/configs/{}/default/{NAMESPACE}?ip={}",
            target.app,
            ip(i)
        );
        let http = http.clone();
        reads.spawn(async move {
            let _permit = permit;
            let answer: Value = http.get(url).send().await?.json().await?;
            anyhow::Ok(answer["releaseKey"].as_str().unwrap_or_default().to_owned())
        });
    }
    while let Some(read) = reads.join_next().await {
        release_key = read??;
    }
    ensure!(!release_key.is_empty(), "the namespace has no release");

    let ticks = u64::try_from(rate).unwrap_or(u64::MAX).max(1);
    let mut interval = tokio::time::interval(Duration::from_micros(1_000_000 / ticks));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let end = Instant::now() + Duration::from_secs(seconds);
    let cpu_before = server_pid.map(cpu_ns).transpose()?;
    let mut sent = tokio::task::JoinSet::new();
    let mut n = 0usize;
    while Instant::now() < end {
        interval.tick().await;
        let (status, reason) = if n.is_multiple_of(10) {
            ("rejected", "`limit` is not a valid u32")
        } else {
            ("applied", "")
        };
        let body = json!({
            "appId": target.app, "cluster": "default", "ip": ip(n % instances.max(1)),
            "reports": [{"namespaceName": NAMESPACE, "releaseKey": release_key, "status": status, "reason": reason}],
        });
        let request = http.post(format!("{base}/reports")).json(&body);
        sent.spawn(async move {
            let started = Instant::now();
            let status = request
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (status, started.elapsed().as_secs_f64() * 1000.0)
        });
        n += 1;
    }
    let mut times = Vec::with_capacity(n);
    let mut refused = 0usize;
    let cpu = match (server_pid, cpu_before) {
        (Some(pid), Some(before)) => Some(cpu_ns(pid)?.saturating_sub(before) as f64 / 1e6),
        _ => None,
    };
    while let Some(done) = sent.join_next().await {
        let (status, ms) = done?;
        if status == 204 {
            times.push(ms);
        } else {
            refused += 1;
        }
    }
    Ok(json!({
        "instances": instances,
        "rate": rate,
        "seconds": seconds,
        "sent": n,
        "accepted": times.len(),
        "refused": refused,
        "p50_ms": tenth(percentile(&times, 0.5)),
        "p99_ms": tenth(percentile(&times, 0.99)),
        "server_cpu_ms": cpu.map(tenth),
        "server_cpu_us_per_report": cpu.map(|ms| tenth(ms * 1000.0 / n.max(1) as f64)),
    }))
}

/// A process's CPU time so far (user + system), in nanoseconds: the sum over its threads of
/// the first field of `/proc/PID/task/TID/schedstat` (time on a CPU). Exact where
/// `/proc/PID/stat` counts in 10 ms ticks; threads that have ended are not counted, which the
/// servers measured here (thread pools that live as long as the process) do not do in a round.
fn cpu_ns(pid: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let Ok(stat) = std::fs::read_to_string(task?.path().join("schedstat")) else {
            continue; // the thread ended meanwhile
        };
        total += stat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .context("reading /proc/PID/task/TID/schedstat")?;
    }
    Ok(total)
}

//! Several config services on one database: long polls spread over all of them, one publish
//! through the portal per round, the time until every watcher on every process is told, and
//! what each publish cost the database in statements (PostgreSQL's `pg_stat_statements`, or
//! MariaDB's `Questions`), beside what the config services cost it at rest.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::scenarios::{
    FanoutOptions, Load, NAMESPACE, current_id_at, held_at, medians, notifications_path,
    wait_until_held_at,
};
use crate::stats::tenth;

/// Where the database's statement counts are read.
pub enum Database {
    /// A `postgres://` URL of the database Lyre uses (with `pg_stat_statements` loaded and the
    /// extension created in it).
    Postgres(String),
    /// A `mysql://user@host:port/database` URL: the server's `Questions`, all databases.
    MariaDb {
        host: String,
        port: String,
        user: String,
    },
}

impl Database {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let Some(rest) = url.strip_prefix("mysql://") else {
            bail!("--database-stats takes a postgres:// or mysql:// URL, not {url}");
        };
        let (user, server) = rest.split_once('@').unwrap_or(("root", rest));
        let server = server.split('/').next().unwrap_or(server);
        let (host, port) = server.split_once(':').unwrap_or((server, "3306"));
        Ok(Self::MariaDb {
            host: host.to_owned(),
            port: port.to_owned(),
            user: user.split(':').next().unwrap_or(user).to_owned(),
        })
    }

    /// Statements run so far: per statement on PostgreSQL (normalised text to calls), the
    /// server's counters on MariaDB. The reading's own statement is not counted.
    async fn statements(&self) -> anyhow::Result<BTreeMap<String, u64>> {
        let output = match self {
            Self::Postgres(url) => {
                Command::new("psql")
                    .args([url.as_str(), "-AtF", "\t", "-c"])
                    .arg(
                        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160), sum(calls) \
                         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database \
                         WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%' \
                         GROUP BY 1",
                    )
                    .output()
                    .await?
            }
            Self::MariaDb { host, port, user } => {
                Command::new("mariadb")
                    .args(["-h", host, "-P", port, "-u", user, "-N", "-B", "-e"])
                    .arg(
                        "SHOW GLOBAL STATUS WHERE Variable_name IN \
                         ('Questions', 'Com_select', 'Com_insert', 'Com_update', 'Com_delete')",
                    )
                    .output()
                    .await?
            }
        };
        ensure!(
            output.status.success(),
            "reading the database's statement counts: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some((name, count)) = line.rsplit_once('\t') {
                counts.insert(name.to_owned(), count.trim().parse().unwrap_or(0));
            }
        }
        if let Self::MariaDb { .. } = self {
            // `SHOW` itself is a question.
            if let Some(questions) = counts.get_mut("Questions") {
                *questions = questions.saturating_sub(1);
            }
        }
        Ok(counts)
    }

    fn total(&self, counts: &BTreeMap<String, u64>) -> u64 {
        match self {
            Self::Postgres(_) => counts.values().sum(),
            Self::MariaDb { .. } => counts.get("Questions").copied().unwrap_or(0),
        }
    }
}

/// The counts that grew from `before` to `after`, largest first.
fn grown(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut grown: Vec<(String, u64)> = after
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.saturating_sub(before.get(k).copied().unwrap_or(0)),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    grown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    grown
}

/// The portal, signed in.
struct Portal {
    http: reqwest::Client,
    namespace: String,
    token: String,
}

impl Portal {
    async fn sign_in(url: &str, password: &str, app: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let answer = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
            .await?;
        ensure!(
            answer.status().is_success(),
            "signing in to the portal: {}",
            answer.status()
        );
        let token = answer.json::<Value>().await?["token"]
            .as_str()
            .context("no token in the portal's sign-in answer")?
            .to_owned();
        Ok(Self {
            http,
            namespace: format!(
                "{url}/api/v1/envs/DEV/apps/{app}/clusters/default/namespaces/{NAMESPACE}"
            ),
            token,
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<()> {
        let answer = request.bearer_auth(&self.token).send().await?;
        let status = answer.status();
        ensure!(status.is_success(), "{status}: {}", answer.text().await?);
        Ok(())
    }

    /// Changes one key; then, timed from the returned instant, publishes.
    async fn publish(&self, value: &str) -> anyhow::Result<Instant> {
        self.send(
            self.http
                .put(format!("{}/items/key.00000", self.namespace))
                .json(&json!({"value": value, "operator": "admin"})),
        )
        .await?;
        let started = Instant::now();
        self.send(
            self.http
                .post(format!("{}/releases", self.namespace))
                .json(&json!({"title": "scale-out", "operator": "admin"})),
        )
        .await?;
        Ok(started)
    }
}

/// What one run of the scenario is given.
pub struct ScaleOut<'a> {
    pub configs: &'a [SocketAddr],
    pub portal: &'a str,
    pub password: &'a str,
    pub app: &'a str,
    pub sources: &'a [IpAddr],
    pub per_config: usize,
    pub rounds: usize,
    pub database: Option<Database>,
}

pub async fn scale_out(run: ScaleOut<'_>) -> anyhow::Result<Value> {
    let portal = Portal::sign_in(run.portal, run.password, run.app).await?;
    let watchers = run.per_config * run.configs.len();
    let mut results = Vec::new();
    for round in 0..run.rounds {
        // The previous round's connections are gone, and every config service has the latest
        // release, before this one starts.
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut ids = Vec::new();
        loop {
            let mut busy = 0;
            ids.clear();
            for config in run.configs {
                busy += held_at(*config).await?;
                ids.push(current_id_at(*config, run.app).await?);
            }
            if busy == 0 && ids.iter().all(|id| *id == ids[0]) {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "config services still hold {busy} polls, or disagree on the latest release: {ids:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let watch = format!(
            "GET {} HTTP/1.1\r\nHost: lyre\r\n\r\n",
            notifications_path(run.app, ids[0])
        );
        let load = Load {
            addrs: run.configs.to_vec(),
            sources: run.sources,
            round,
            watch: watch.into_bytes(),
            reread: Some(format!("/configs/{}/default/{NAMESPACE}", run.app)),
            options: FanoutOptions {
                watchers,
                rounds: 1,
                server_pid: None,
                split: false,
            },
        };
        let database = run.database.as_ref();
        let value = format!("scale-out-{round}-{}", ids[0]);
        let mut at_rest = None;
        let mut before = None;
        let mut result = load
            .round(
                || async {
                    for config in run.configs {
                        wait_until_held_at(*config, run.per_config).await?;
                    }
                    // What the config services cost the database at rest, holding the polls.
                    if let Some(db) = database {
                        let start = db.statements().await?;
                        let started = Instant::now();
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        let end = db.statements().await?;
                        at_rest = Some(
                            db.total(&end).saturating_sub(db.total(&start)) as f64
                                / started.elapsed().as_secs_f64(),
                        );
                        before = Some((Instant::now(), end));
                    }
                    Ok(())
                },
                || portal.publish(&value),
            )
            .await?;
        if let (Some(db), Some((since, before)), Some(at_rest)) = (database, before, at_rest) {
            // Every watcher has re-read; what their reads are recorded with is written within
            // a second or two. The window also held the config services' resting load, taken
            // off here.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let after = db.statements().await?;
            let window = since.elapsed().as_secs_f64();
            let during = db.total(&after).saturating_sub(db.total(&before));
            let fields = result.as_object_mut().context("a round is an object")?;
            fields.insert("db_statements_per_s_at_rest".into(), json!(tenth(at_rest)));
            fields.insert("db_statements_in_window".into(), json!(during));
            fields.insert("db_window_s".into(), json!(tenth(window)));
            fields.insert(
                "db_statements_per_publish".into(),
                json!(tenth((during as f64 - at_rest * window).max(0.0))),
            );
            let top: Vec<Value> = grown(&before, &after)
                .into_iter()
                .take(8)
                .map(|(statement, calls)| json!({"statement": statement, "calls": calls}))
                .collect();
            fields.insert("db_top_statements".into(), json!(top));
            // Time for the resting load's rate to hold again before the next round's reading.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        results.push(result);
    }
    Ok(json!({
        "config_services": run.configs.len(),
        "watchers_per_config_service": run.per_config,
        "rounds": results,
        "median": medians(&results),
    }))
}

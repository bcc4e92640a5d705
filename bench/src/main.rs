//! `lyre-bench`: load for a running Lyre, and what it measured as one JSON object on standard
//! output. `bench/run.sh` (`make bench`) starts the servers, runs these, and writes
//! `docs/benchmarks.md` from the results.

#![allow(
    clippy::print_stdout,
    reason = "a command-line tool: results go to standard output"
)]

mod http;
mod outage;
mod scaleout;
mod scenarios;
mod stats;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Load for a running Lyre; prints what it measured as JSON")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
pub struct Target {
    /// The config service.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub config: SocketAddr,
    /// The admin service's URL.
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    pub admin: String,
    /// The app the load uses (made by `setup`).
    #[arg(long, default_value = "bench")]
    pub app: String,
    /// Local addresses to open connections from, in turn (each has ~28,000 ports).
    #[arg(long, value_delimiter = ',', default_value = "127.0.0.1")]
    pub sources: Vec<IpAddr>,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the app with `keys` keys in `application` and publishes it.
    Setup {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 50)]
        keys: usize,
    },
    /// Opens `count` long polls and keeps them waiting until killed (prints `holding N`).
    Hold {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        count: usize,
    },
    /// Long polls held by one config service, spread over `processes` load processes, with the
    /// server's memory before and while holding them.
    Capacity {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 2)]
        processes: usize,
        /// The config service's process id, to read its memory.
        #[arg(long)]
        server_pid: u32,
    },
    /// `watchers` long polls wait; one release is published; each watcher gets its 200 and
    /// re-reads `/configs`. Times from the publish request, per round.
    Fanout {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        options: scenarios::FanoutOptions,
        /// Watchers ask for the changed configuration with the notification (Lyre's SDK's
        /// opt-in), and read nothing after it.
        #[arg(long)]
        with_configs: bool,
    },
    /// Sequential publishes of a namespace of `keys` keys, one changed key each.
    Publish {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        keys: usize,
        #[arg(long, default_value_t = 50)]
        releases: usize,
    },
    /// Publishes the read-comparison document to r-nacos.
    NacosSetup {
        #[arg(long, default_value = "127.0.0.1:8848")]
        nacos: SocketAddr,
        /// The document to publish (default: the 50-key comparison document).
        #[arg(long)]
        content: Option<PathBuf>,
    },
    /// The fan-out scenario against r-nacos's long-poll listener.
    NacosFanout {
        #[arg(long, default_value = "127.0.0.1:8848")]
        nacos: SocketAddr,
        #[arg(long, value_delimiter = ',', default_value = "127.0.0.1")]
        sources: Vec<IpAddr>,
        #[command(flatten)]
        options: scenarios::FanoutOptions,
    },
    /// The database cut for `seconds` under readers and long polls: failures, and how soon
    /// releases flow again.
    Outage {
        #[arg(long)]
        lyre: PathBuf,
        /// The PostgreSQL server, `host:port`.
        #[arg(long, default_value = "127.0.0.1:5432")]
        upstream: String,
        /// The database URL with `{}` where the proxy's address goes, e.g.
        /// `postgres://postgres@{}/lyre_outage`.
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long, default_value_t = 50)]
        readers: usize,
        #[arg(long, default_value_t = 1000)]
        watchers: usize,
    },
    /// Starts the all-in-one `lyre` `runs` times: time to every `/ready`, idle memory.
    Reports {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1000)]
        instances: usize,
        #[arg(long, default_value_t = 500)]
        rate: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Publishes one namespace again and again while the retention job trims the seeded
    /// releases of others, until `/metrics` counts `deleted` releases gone: how long a publish
    /// took meanwhile, and how long the trim took.
    Retention {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 20)]
        keys: usize,
        #[arg(long)]
        deleted: u64,
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
    },
    /// Long polls spread over several config services on one database, one publish through
    /// the portal per round: when every watcher on every process is told, and (with
    /// `--database-stats`) the statements each publish cost the database.
    ScaleOut {
        /// The config services, comma-separated.
        #[arg(long, value_delimiter = ',')]
        configs: Vec<SocketAddr>,
        /// The portal's URL; the load signs in as `admin`.
        #[arg(long)]
        portal: String,
        /// The portal's `admin` password.
        #[arg(long, env = "LYRE_BENCH_PORTAL_PASSWORD")]
        password: String,
        #[arg(long, default_value = "bench")]
        app: String,
        #[arg(long, value_delimiter = ',', default_value = "127.0.0.1")]
        sources: Vec<IpAddr>,
        /// Long polls held on each config service.
        #[arg(long)]
        per_config: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// The database's URL (`postgres://`, with `pg_stat_statements`; or `mysql://`), to
        /// count the statements a publish costs it.
        #[arg(long)]
        database_stats: Option<String>,
    },
    Startup {
        #[arg(long)]
        lyre: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let result = match Cli::parse().command {
        Command::Setup { target, keys } => scenarios::setup(&target, keys).await?,
        Command::Hold { target, count } => scenarios::hold(&target, count).await?,
        Command::Capacity {
            target,
            count,
            processes,
            server_pid,
        } => scenarios::capacity(&target, count, processes, server_pid).await?,
        Command::Fanout {
            target,
            options,
            with_configs,
        } => scenarios::fanout(&target, options, with_configs).await?,
        Command::Publish {
            target,
            keys,
            releases,
        } => scenarios::publish(&target, keys, releases).await?,
        Command::Startup { lyre, runs } => scenarios::startup(&lyre, runs).await?,
        Command::ScaleOut {
            configs,
            portal,
            password,
            app,
            sources,
            per_config,
            rounds,
            database_stats,
        } => {
            scaleout::scale_out(scaleout::ScaleOut {
                configs: &configs,
                portal: &portal,
                password: &password,
                app: &app,
                sources: &sources,
                per_config,
                rounds,
                database: database_stats
                    .as_deref()
                    .map(scaleout::Database::parse)
                    .transpose()?,
            })
            .await?
        }
        Command::Retention {
            target,
            keys,
            deleted,
            timeout_secs,
        } => scenarios::retention(&target, keys, deleted, timeout_secs).await?,
        Command::Reports {
            target,
            instances,
            rate,
            seconds,
            server_pid,
        } => scenarios::reports(&target, instances, rate, seconds, server_pid).await?,
        Command::Outage {
            lyre,
            upstream,
            database,
            seconds,
            readers,
            watchers,
        } => outage::outage(&lyre, &upstream, &database, seconds, readers, watchers).await?,
        Command::NacosSetup { nacos, content } => {
            let content = match content {
                Some(path) => std::fs::read_to_string(path)?,
                None => scenarios::document("read"),
            };
            scenarios::nacos_setup(nacos, &content).await?
        }
        Command::NacosFanout {
            nacos,
            sources,
            options,
        } => scenarios::nacos_fanout(nacos, &sources, options).await?,
    };
    println!("{result}");
    Ok(())
}

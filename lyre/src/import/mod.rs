//! `lyre import apollo`: moves an Apollo installation's configuration data into Lyre, so
//! that running Apollo clients switch without noticing (same release keys, same access key
//! secrets, notification ids that continue above Apollo's).
//!
//! The unit of work is one app in one environment. The import first reads everything and
//! decides, for each, whether Lyre holds none of its data (it is imported), exactly what
//! Apollo holds (imported before: nothing to do) or something else (a conflict, settled by
//! `--on-conflict` before anything is written). Each app of each environment is then written
//! in one transaction, so an interrupted run leaves whole apps behind and can simply be run
//! again. Last, the latest release message of every watch key is carried over with an id above
//! every id Apollo gave.

mod apollo;
mod portal;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use lyre_store::redact_url;
use lyre_store::sea_orm::Database;

use self::apollo::ConfigDb;
use self::write::{Counts, LyreSide};
use crate::config::Config;
use crate::run::connect;

/// `lyre import`'s sources.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import Apollo's configuration data (apps, namespaces, clusters and gray branches,
    /// items, commits, releases with their keys, release history, gray rules, locks, access
    /// keys and the latest release message of each key) from each environment's
    /// ApolloConfigDB
    Apollo(ApolloArgs),
}

/// `lyre import apollo`'s options.
#[derive(Debug, Args)]
pub struct ApolloArgs {
    /// An environment's ApolloConfigDB, `ENV=mysql://user:password@host:3306/ApolloConfigDB`;
    /// once per environment. ENV must be one of Lyre's environments
    #[arg(long = "config-db", value_name = "ENV=URL", required = true)]
    pub config_dbs: Vec<String>,
    /// The ApolloPortalDB, `mysql://user:password@host:3306/ApolloPortalDB`: its users (their
    /// passwords keep working), roles, CI consumers (their tokens keep working) and favorites
    #[arg(long = "portal-db", value_name = "URL")]
    pub portal_db: Option<String>,
    /// Read everything and print what would be imported; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// An app whose data in an environment Lyre already holds, different from Apollo's:
    /// `abort` writes nothing at all, `skip` leaves that app in that environment as Lyre has
    /// it, `overwrite` replaces Lyre's data of it (its history included) with Apollo's
    #[arg(long, value_enum, default_value_t = OnConflict::Abort)]
    pub on_conflict: OnConflict,
}

/// What to do with an app in conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnConflict {
    Abort,
    Skip,
    Overwrite,
}

/// What the import found for one app in one environment.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Found {
    /// Lyre holds none of its data.
    New,
    /// Lyre holds exactly Apollo's data: imported before.
    Imported,
    /// Lyre holds other data; why.
    Conflict(String),
}

/// One environment to import.
struct Source {
    env: String,
    url: String,
    db: ConfigDb,
}

/// Runs `command` against Lyre's database; writes its report to standard output.
pub async fn run(command: &ImportCommand, config: &Config) -> anyhow::Result<()> {
    let ImportCommand::Apollo(args) = command;
    let mut out = std::io::stdout().lock();
    let report = apollo_import(args, config).await?;
    out.write_all(report.as_bytes())?;
    Ok(())
}

fn parse_source(arg: &str, envs: &[String]) -> anyhow::Result<(String, String)> {
    let Some((env, url)) = arg.split_once('=') else {
        bail!("--config-db `{arg}`: expected ENV=mysql://...");
    };
    let env = env.trim().to_uppercase();
    if !envs.iter().any(|e| e.eq_ignore_ascii_case(&env)) {
        bail!(
            "--config-db {env}: Lyre serves no environment `{env}` (its environments are {}; \
             set envs / LYRE_ENVS)",
            envs.join(", ")
        );
    }
    if !url.starts_with("mysql://") && !url.starts_with("mariadb://") {
        bail!("--config-db {env}: Apollo's databases are MySQL; expected a mysql:// URL");
    }
    Ok((env, url.replacen("mariadb://", "mysql://", 1)))
}

/// The whole import; its report.
async fn apollo_import(args: &ApolloArgs, config: &Config) -> anyhow::Result<String> {
    let mut sources = Vec::new();
    let mut seen = BTreeSet::new();
    for arg in &args.config_dbs {
        let (env, url) = parse_source(arg, &config.envs)?;
        if !seen.insert(env.clone()) {
            bail!("--config-db {env} is given twice");
        }
        let db = Database::connect(url.as_str()).await.with_context(|| {
            format!("connecting to {env}'s ApolloConfigDB {}", redact_url(&url))
        })?;
        sources.push(Source {
            env,
            url,
            db: ConfigDb::new(db),
        });
    }
    let lyre = connect(config).await?;
    // A dry run on a database Lyre has not set up yet finds it empty.
    let empty = !lyre_store::is_migrated(&lyre).await;
    if empty && !args.dry_run {
        if !config.migrate {
            bail!(
                "the database {} is not migrated: run `lyre migrate` first",
                redact_url(&config.database_url)
            );
        }
        lyre_store::migrate(&lyre)
            .await
            .context("migrating the database")?;
    }
    let side = LyreSide::new(&lyre);

    // 1. Read and decide, writing nothing.
    let mut plan: Vec<(usize, Vec<apollo::App>, BTreeMap<String, Found>)> = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let apps = source.db.apps().await.with_context(|| {
            format!(
                "reading {}'s ApolloConfigDB {}",
                source.env,
                redact_url(&source.url)
            )
        })?;
        let mut found = BTreeMap::new();
        for app in &apps {
            let namespaces = source.db.app_namespaces(&app.app_id).await?;
            let data = source.db.app_data(&app.app_id).await?;
            let decided = if empty && args.dry_run {
                Found::New
            } else {
                side.compare(&source.env, &app.app_id, &namespaces, &data)
                    .await?
            };
            found.insert(app.app_id.clone(), decided);
        }
        plan.push((index, apps, found));
    }
    let portal_data = match &args.portal_db {
        Some(url) => {
            if !url.starts_with("mysql://") && !url.starts_with("mariadb://") {
                bail!("--portal-db: Apollo's databases are MySQL; expected a mysql:// URL");
            }
            let url = url.replacen("mariadb://", "mysql://", 1);
            let db = Database::connect(url.as_str()).await.with_context(|| {
                format!("connecting to the ApolloPortalDB {}", redact_url(&url))
            })?;
            let db = ConfigDb::new(db);
            let data = db
                .portal_data()
                .await
                .with_context(|| format!("reading the ApolloPortalDB {}", redact_url(&url)))?;
            db.close().await?;
            Some(data)
        }
        None => None,
    };
    let mut conflicts = Vec::new();
    if let Some(data) = &portal_data
        && !empty
    {
        conflicts.extend(portal::conflicts(&lyre, data).await?);
    }
    for (index, _, found) in &plan {
        for (app, f) in found {
            if let Found::Conflict(why) = f {
                conflicts.push(format!("{} {app}: {why}", sources[*index].env));
            }
        }
    }

    let mut report = String::new();
    if !conflicts.is_empty() {
        writeln!(
            report,
            "{} conflict(s): Lyre already holds other data of these apps, users or consumers:",
            conflicts.len()
        )?;
        for line in &conflicts {
            writeln!(report, "  {line}")?;
        }
        if args.on_conflict == OnConflict::Abort {
            writeln!(
                report,
                "Nothing was written. Run again with --on-conflict skip to leave them as Lyre \
                 has them, or --on-conflict overwrite to replace them with Apollo's."
            )?;
            bail!("{}", report.trim_end());
        }
    }

    // 2. Write (or count what would be written). The messages of every environment are read
    // first: Lyre's ids are one sequence, and continue above the largest id of them all.
    let mut messages = Vec::with_capacity(sources.len());
    for source in &sources {
        messages.push(source.db.messages().await?);
    }
    let apollo_max = messages.iter().map(|(_, max)| *max).max().unwrap_or(0);
    let mut messages = messages.into_iter().map(|(latest, _)| latest);
    let mut totals: Vec<(String, Counts)> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for (index, apps, found) in &plan {
        let source = &sources[*index];
        let mut counts = Counts::default();
        let mut kept = BTreeSet::new();
        for app in apps {
            let state = &found[&app.app_id];
            match (state, args.on_conflict) {
                (Found::Imported, _) => {
                    counts.already += 1;
                    kept.insert(app.app_id.clone());
                    continue;
                }
                (Found::Conflict(why), OnConflict::Skip) => {
                    skipped.push(format!(
                        "{} {}: left as Lyre has it ({why})",
                        source.env, app.app_id
                    ));
                    continue;
                }
                _ => {}
            }
            let namespaces = source.db.app_namespaces(&app.app_id).await?;
            let data = source.db.app_data(&app.app_id).await?;
            let overwrite = matches!(state, Found::Conflict(_));
            let app_counts = if args.dry_run {
                write::count(&data, &namespaces, &mut skipped, &source.env, &app.app_id)
            } else {
                side.import_app(
                    &source.env,
                    app,
                    &namespaces,
                    &data,
                    overwrite,
                    &mut skipped,
                )
                .await
                .with_context(|| format!("importing {} {}", source.env, app.app_id))?
            };
            counts.add(&app_counts);
            kept.insert(app.app_id.clone());
        }
        let carried: Vec<apollo::Message> = messages
            .next()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| {
                m.message
                    .split('+')
                    .next()
                    .is_some_and(|app| kept.contains(app))
            })
            .collect();
        counts.messages = if args.dry_run {
            if empty {
                carried.len() as u64
            } else {
                side.messages_to_carry(&source.env, &carried).await?
            }
        } else {
            side.carry_messages(&source.env, &carried, apollo_max)
                .await?
        };
        totals.push((source.env.clone(), counts));
    }
    for source in sources {
        source.db.close().await?;
    }
    let portal_counts = match &portal_data {
        Some(data) if empty && args.dry_run => Some(portal::count(data)),
        Some(data) => Some(
            portal::import(&lyre, data, args.on_conflict, args.dry_run, &mut skipped)
                .await
                .context("importing the portal's data")?,
        ),
        None => None,
    };

    let target = redact_url(&config.database_url);
    if args.dry_run {
        writeln!(
            report,
            "Dry run, nothing was written. Apollo's rows this run would import into {target}:"
        )?;
    } else {
        writeln!(report, "Apollo's rows imported into {target}:")?;
    }
    for (env, counts) in &totals {
        writeln!(report, "{env}:")?;
        for (table, n) in counts.rows() {
            writeln!(report, "  {table:<16} {n}")?;
        }
        if counts.already > 0 {
            writeln!(
                report,
                "  {} app(s) were imported before and are unchanged",
                counts.already
            )?;
        }
    }
    if let Some(counts) = &portal_counts {
        writeln!(report, "portal:")?;
        for (table, n) in counts.rows() {
            writeln!(report, "  {table:<22} {n}")?;
        }
    }
    if !skipped.is_empty() {
        writeln!(report, "Skipped:")?;
        for line in &skipped {
            writeln!(report, "  {line}")?;
        }
    }
    lyre.close().await?;
    Ok(report)
}

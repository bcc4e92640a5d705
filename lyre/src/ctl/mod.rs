//! `lyre ctl`: a management client over the portal's Open API, for people at a terminal and
//! for scripts. It lists environments, apps and namespaces, shows which instances read a
//! namespace and what they made of its releases, shows release history, rolls back, and shows
//! and steers staged rollouts.
//!
//! Each command is a variant of [`CtlCommand`] and one function that reads what it needs through
//! [`http::Api`] and prints a [`table::Table`] for people or, with `--json`, JSON for scripts.
//! A new command (`lyre ctl rollout ...`) is a variant, a module and an arm in [`run`].
//!
//! It needs the portal's URL and a consumer token only: no database, no configuration file.

mod http;
mod instances;
mod listing;
mod releases;
mod rollout;
mod table;

use std::fmt;
use std::io::Write;

use serde_json::Value;

use self::http::Api;
pub(crate) use self::http::send_retrying;
pub use self::instances::{InstancesArgs, parse_duration};
pub use self::listing::NamespacesArgs;
pub use self::releases::{HistoryArgs, RollbackArgs};
pub use self::rollout::RolloutCommand;

/// What `lyre ctl --help` says first.
pub const ABOUT: &str =
    "Look at and manage Lyre from a terminal or a script, through the portal's Open API";

/// What `lyre ctl --help` says at length.
pub const LONG_ABOUT: &str = "\
Look at and manage Lyre from a terminal or a script, through the portal's Open API.

Every command needs the portal's URL (--portal or LYRE_PORTAL_URL) and a consumer token \
(--token or LYRE_TOKEN), created in the portal by a super admin or a master of the app; a \
consumer sees only the apps, namespaces and environments it holds a grant on. Output is a table \
for people; --json prints JSON for scripts instead (docs/ctl.md describes each shape).";

/// The exit codes, as `lyre ctl --help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  an error: a bad argument, a refused request (the portal's status and message are \
printed), an unreachable portal";

/// The arguments of `lyre ctl`: the options every command takes, then the command.
#[derive(Clone, clap::Args)]
pub struct CtlArgs {
    /// The portal's URL
    #[arg(
        long,
        env = "LYRE_PORTAL_URL",
        default_value = "http://localhost:8070",
        value_name = "URL",
        global = true
    )]
    pub portal: String,

    /// A consumer token of the Open API (created in the portal)
    #[arg(
        long,
        env = "LYRE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        global = true
    )]
    pub token: Option<String>,

    /// Print JSON for scripts instead of a table (docs/ctl.md describes each shape)
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: CtlCommand,
}

/// `lyre ctl`'s commands.
#[derive(Clone, clap::Subcommand)]
pub enum CtlCommand {
    /// The environments the portal serves, the default first
    Envs,
    /// The apps the token holds a grant on
    Apps,
    /// An app's namespaces per environment and cluster, with their format and item count
    Namespaces(NamespacesArgs),
    /// The instances that read an app's namespaces recently: the release each holds, what it
    /// made of it, when it was last seen, ALIVE or SILENT
    #[command(long_about = instances::LONG_ABOUT)]
    Instances(InstancesArgs),
    /// A namespace's release history, newest first
    History(HistoryArgs),
    /// Roll a namespace back from its latest release (to the one before, or --to)
    Rollback(RollbackArgs),
    /// Staged rollouts of a namespace's gray branch: status, start, pause, resume, advance,
    /// abort
    #[command(subcommand, long_about = rollout::LONG_ABOUT)]
    Rollout(RolloutCommand),
}

/// What every command works with: the Open API and how to print.
pub(crate) struct Ctl<'a> {
    pub(crate) api: Api,
    pub(crate) json: bool,
    pub(crate) out: &'a mut dyn Write,
}

impl Ctl<'_> {
    /// Prints `value` as JSON, for `--json`.
    pub(crate) fn print_json(&mut self, value: &Value) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(value)?;
        text.push('\n');
        self.out.write_all(text.as_bytes())?;
        Ok(())
    }

    /// The environment to use: `env` as given, else the portal's default (the first it lists).
    pub(crate) async fn env_or_default(&self, env: Option<&str>) -> anyhow::Result<String> {
        if let Some(env) = env {
            return Ok(env.to_owned());
        }
        let envs: Vec<String> = self
            .api
            .get_as(&["envs"], &[])
            .await
            .map_err(|e| e.context("reading the environments"))?;
        envs.into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("the portal lists no environment"))
    }
}

/// Runs a `lyre ctl` command, printing what it shows to `out`.
pub async fn run(args: &CtlArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let api = Api::new(&args.portal, args.token.as_deref())?;
    let mut ctl = Ctl {
        api,
        json: args.json,
        out,
    };
    match &args.command {
        CtlCommand::Envs => listing::envs(&mut ctl).await,
        CtlCommand::Apps => listing::apps(&mut ctl).await,
        CtlCommand::Namespaces(a) => listing::namespaces(&mut ctl, a).await,
        CtlCommand::Instances(a) => instances::run(&mut ctl, a).await,
        CtlCommand::History(a) => releases::history(&mut ctl, a).await,
        CtlCommand::Rollback(a) => releases::rollback(&mut ctl, a).await,
        CtlCommand::Rollout(c) => rollout::run(&mut ctl, c).await,
    }
}

/// A namespace: where a command reads or acts.
pub(crate) struct At<'a> {
    pub(crate) env: &'a str,
    pub(crate) app: &'a str,
    pub(crate) cluster: &'a str,
    pub(crate) namespace: &'a str,
}

impl At<'_> {
    /// The Open API path segments of the namespace, then `more`.
    pub(crate) fn path<'s>(&'s self, more: &[&'s str]) -> Vec<&'s str> {
        let mut path = vec![
            "envs",
            self.env,
            "apps",
            self.app,
            "clusters",
            self.cluster,
            "namespaces",
            self.namespace,
        ];
        path.extend_from_slice(more);
        path
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.env, self.app, self.cluster, self.namespace
        )
    }
}

/// A JSON field as text: a string as is, a number or a boolean written out, anything else empty.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// `n` and `what`, in the plural unless `n` is 1.
pub(crate) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

//! `lyre`: runs Lyre's services (all of them by default), applies migrations, publishes a file
//! through the portal's Open API, or manages Lyre through it (`lyre ctl`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lyre::config::{self, Settings};
use lyre::ctl::{self, CtlArgs};
use lyre::import::ImportCommand;
use lyre::publish::{self, Outcome, PublishArgs};
use lyre::schema::{self, SchemaCommand};
use lyre::secrets::SecretsCommand;
use lyre::{logging, run};

/// Lyre, a configuration center compatible with Apollo's clients and Open API.
///
/// With no command, runs the services (all of them unless --target says otherwise).
#[derive(Parser)]
#[command(name = "lyre", version, about, long_about = None)]
struct Cli {
    /// Configuration file [default: ./lyre.toml when present]
    #[arg(long, short = 'c', env = "LYRE_CONFIG", global = true)]
    config: Option<PathBuf>,

    #[command(flatten)]
    settings: Settings,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the services (the default)
    Serve,
    /// Apply database migrations, then exit
    Migrate,
    /// Publish a file to a namespace through the portal's Open API (for CI)
    #[command(long_about = publish::LONG_ABOUT, after_help = publish::EXIT_CODES)]
    Publish(Box<PublishArgs>),
    /// Keep configuration files current on this host and run reload commands
    Agent(AgentArgs),
    /// Set a namespace's JSON Schema through the portal's Open API (for CI)
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Look at and manage Lyre through the portal's Open API: envs, apps, namespaces,
    /// instances, history, rollout, rollback
    #[command(long_about = ctl::LONG_ABOUT, after_help = ctl::EXIT_CODES)]
    Ctl(Box<CtlArgs>),
    /// Make a key for secret values, or re-seal stored ones under the newest key
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Import another configuration center's data into Lyre's database (see
    /// docs/migrate-from-apollo.md)
    #[command(subcommand)]
    Import(ImportCommand),
}

/// `lyre agent`'s options.
#[derive(clap::Args)]
struct AgentArgs {
    /// The agent's configuration (see docs/agent.md)
    #[arg(
        long = "agent-config",
        short = 'f',
        env = "LYRE_AGENT_CONFIG",
        value_name = "FILE"
    )]
    agent_config: PathBuf,
    /// Log filter, e.g. `info` or `debug`
    #[arg(long = "agent-log", env = "LYRE_AGENT_LOG", default_value = "info")]
    log: String,
    /// Log as JSON lines instead of text
    #[arg(long = "agent-json-logs")]
    json_logs: bool,
}

/// `lyre agent` on its own: a client of the config services, it reads no server
/// configuration.
#[derive(Parser)]
#[command(
    name = "lyre agent",
    bin_name = "lyre agent",
    version,
    about = "Keeps configuration files current on this host and runs reload commands after they change."
)]
struct AgentCli {
    /// The agent's configuration (see docs/agent.md)
    #[arg(long, short = 'c', env = "LYRE_AGENT_CONFIG", value_name = "FILE")]
    config: PathBuf,
    /// Log filter, e.g. `info` or `debug`
    #[arg(long, env = "LYRE_AGENT_LOG", default_value = "info")]
    log: String,
    /// Log as JSON lines instead of text
    #[arg(long)]
    json_logs: bool,
}

/// `lyre publish` on its own: it is a client of the portal, so its help lists its own options
/// and none of the server's settings, and it reads no configuration file.
#[derive(Parser)]
#[command(
    name = "lyre publish",
    bin_name = "lyre publish",
    version,
    about = publish::ABOUT,
    long_about = publish::LONG_ABOUT,
    after_help = publish::EXIT_CODES
)]
struct PublishCli {
    #[command(flatten)]
    args: PublishArgs,
}

/// `lyre ctl` on its own: a client of the portal, so its help lists its own options and none of
/// the server's settings, and it reads no configuration file.
#[derive(Parser)]
#[command(
    name = "lyre ctl",
    bin_name = "lyre ctl",
    version,
    about = ctl::ABOUT,
    long_about = ctl::LONG_ABOUT,
    after_help = ctl::EXIT_CODES
)]
struct CtlCli {
    #[command(flatten)]
    args: CtlArgs,
}

/// `lyre schema`, parsed on its own (the services' settings do not apply to it).
#[derive(Parser)]
#[command(name = "lyre schema", bin_name = "lyre schema", version, about = schema::ABOUT)]
struct SchemaCli {
    #[command(subcommand)]
    command: SchemaCommand,
}

/// Parses `args` (without the program's name) as the command `C` and runs it. Help and version
/// go to standard output; a wrong argument is exit code 1, as every other error of the command.
fn parse_alone<C: Parser>(mut args: Vec<OsString>, run: impl FnOnce(C) -> ExitCode) -> ExitCode {
    args.remove(0);
    match C::try_parse_from(args) {
        Ok(cli) => run(cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

fn main() -> ExitCode {
    // Every HTTPS client in the process uses ring; installing fails only when one is set.
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<OsString> = std::env::args_os().collect();
    // Commands parsed on their own: the services' settings do not apply to them.
    match args.get(1).and_then(|a| a.to_str()) {
        Some("publish") => return parse_alone(args, |cli: PublishCli| publish(&cli.args)),
        Some("ctl") => return parse_alone(args, |cli: CtlCli| ctl(&cli.args)),
        Some("schema") => return parse_alone(args, |cli: SchemaCli| schema(&cli.command)),
        Some("agent") => {
            return parse_alone(args, |cli: AgentCli| {
                agent(&cli.config, &cli.log, cli.json_logs)
            });
        }
        _ => {}
    }
    let cli = Cli::parse();
    let mut secrets = None;
    let mut import = None;
    let migrate = match cli.command {
        Some(Command::Publish(args)) => return publish(&args),
        Some(Command::Agent(args)) => return agent(&args.agent_config, &args.log, args.json_logs),
        Some(Command::Schema(command)) => return schema(&command),
        Some(Command::Ctl(args)) => return ctl(&args),
        Some(Command::Migrate) => true,
        Some(Command::Secrets(command)) => {
            secrets = Some(command);
            false
        }
        Some(Command::Import(command)) => {
            import = Some(command);
            false
        }
        Some(Command::Serve) | None => false,
    };
    let config = match config::read_file(cli.config.as_deref())
        .and_then(|file| config::resolve(cli.settings, file))
    {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    logging::init(&config.log, config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e.into()),
    };
    let result = runtime.block_on(async {
        if let Some(command) = &secrets {
            lyre::secrets::run(command, &config).await
        } else if let Some(command) = &import {
            lyre::import::run(command, &config).await
        } else if migrate {
            run::migrate(&config).await
        } else {
            run::serve(config).await
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `lyre publish`: exit code 0, 3 or 4 by its outcome, 1 on an error.
fn publish(args: &PublishArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e.into()),
    };
    let mut out = std::io::stdout();
    match runtime.block_on(publish::run(args, &mut out)) {
        Ok(outcome) => {
            if let Outcome::NotPublished(reason) = &outcome {
                eprintln!("error: {reason}");
            }
            ExitCode::from(outcome.exit_code())
        }
        Err(e) => fail(&e),
    }
}

/// `lyre schema push`: exit code 0 once set, 1 on an error.
fn schema(command: &SchemaCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e.into()),
    };
    let SchemaCommand::Push(args) = command;
    match runtime.block_on(schema::push(args, &mut std::io::stdout())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `lyre ctl`: exit code 0 when done, 1 on an error.
fn ctl(args: &CtlArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e.into()),
    };
    match runtime.block_on(ctl::run(args, &mut std::io::stdout())) {
        Ok(()) => ExitCode::SUCCESS,
        // Output piped into `head`, say, which stopped reading: nothing to report.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `lyre agent`: runs until a signal; a bad configuration is exit code 1.
fn agent(config: &std::path::Path, log: &str, json_logs: bool) -> ExitCode {
    let format = if json_logs {
        config::LogFormat::Json
    } else {
        config::LogFormat::Text
    };
    logging::init(log, format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e.into()),
    };
    match runtime.block_on(lyre::agent::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One line on standard error, with the chain of causes; a cause whose text the line already
/// holds (many errors repeat their source in their own message) is not repeated.
fn fail(error: &anyhow::Error) -> ExitCode {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    eprintln!("error: {line}");
    ExitCode::FAILURE
}

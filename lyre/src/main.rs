//! `lyre`: runs Lyre's services (all of them by default) or applies migrations.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lyre::config::{self, Settings};
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => run::serve(config).await,
            Command::Migrate => run::migrate(&config).await,
        }
    });
    match result {
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

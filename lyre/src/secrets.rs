//! `lyre secrets`: makes keys for secret values and re-seals stored values under the newest.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;
use lyre_store::redact_url;
use lyre_store::secrets::{self, KeyRing};

use crate::config::Config;
use crate::run::connect;

/// `lyre secrets`'s commands.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a new random key, `id:base64`, to put first in secret_keys (LYRE_SECRET_KEYS) or
    /// its file
    NewKey {
        /// The key's id (1 to 32 letters, digits, `_` or `-`), stored with every value it seals
        #[arg(long, default_value = "k1")]
        id: String,
    },
    /// Re-seal every stored secret value under the first configured key, in batches; safe to
    /// run while Lyre serves, and to run again after an interruption. Keep the older keys
    /// configured until it has finished
    Rotate,
}

/// Runs `command`; `config` is read only by the commands that need the database.
pub async fn run(command: &SecretsCommand, config: &Config) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        SecretsCommand::NewKey { id } => {
            writeln!(out, "{}", KeyRing::new_entry(id)?)?;
        }
        SecretsCommand::Rotate => {
            let ring = &config.secrets;
            let newest = ring
                .ids()
                .next()
                .context("no secret keys are configured: set secret_keys (LYRE_SECRET_KEYS) or secret_keys_file, the new key first")?
                .to_owned();
            let db = connect(config).await?;
            writeln!(
                out,
                "Re-sealing secret values of {} under key `{newest}`...",
                redact_url(&config.database_url)
            )?;
            let done = secrets::rotate(&db, ring, |table, n| {
                if n > 0 {
                    tracing::info!(table, rows = n, "re-sealed a batch");
                }
            })
            .await?;
            if done.webhooks_sealed > 0 {
                writeln!(
                    out,
                    "  webhooks: {} signing secret(s) kept as they were, now sealed",
                    done.webhooks_sealed
                )?;
            }
            for (table, n) in &done.rewritten {
                writeln!(out, "  {table}: {n} row(s) re-sealed")?;
            }
            writeln!(
                out,
                "Done: {} row(s) in {} pass(es); every stored secret value is sealed under `{newest}`. \
                 Older keys can now be removed from the configuration.",
                done.total(),
                done.passes
            )?;
            db.close().await?;
        }
    }
    Ok(())
}

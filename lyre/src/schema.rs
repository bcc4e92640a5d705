//! `lyre schema push`: sets a namespace's JSON Schema through the portal's Open API, from the
//! file the app's own build wrote (`lyre_client::schema::write`), for CI.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use lyre_protocol::admin::NamespaceSchema;
use reqwest::Method;

use crate::publish::Portal;

/// `lyre schema`'s one-line help.
pub const ABOUT: &str = "Set a namespace's JSON Schema through the portal's Open API (for CI)";

/// `lyre schema`'s commands.
#[derive(Clone, clap::Subcommand)]
pub enum SchemaCommand {
    /// Set a new version of a namespace's schema from a file (a master of the app, or a token
    /// that may modify the namespace in every environment)
    Push(PushArgs),
}

/// The arguments of `lyre schema push`.
#[derive(Clone, clap::Args)]
pub struct PushArgs {
    /// The portal's URL
    #[arg(
        long,
        env = "LYRE_PORTAL_URL",
        default_value = "http://localhost:8070",
        value_name = "URL"
    )]
    pub portal: String,

    /// A consumer token of the Open API (created in the portal)
    #[arg(long, env = "LYRE_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: String,

    /// The app id
    #[arg(long, value_name = "APP_ID")]
    pub app: String,

    /// The namespace; other formats than properties carry their suffix, e.g. `db.yaml`
    #[arg(long, value_name = "NAME")]
    pub namespace: String,

    /// The JSON Schema file, e.g. as `lyre_client::schema::write` wrote it
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Runs `lyre schema push`, saying what it set on `out`.
pub async fn push(args: &PushArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.file.display()))?;
    let portal = Portal::new(&args.portal, &args.token)?;
    let url = portal.url(
        &["apps", &args.app, "namespaces", &args.namespace, "schema"],
        &[],
    )?;
    let body = serde_json::json!({ "document": document });
    let set: NamespaceSchema = portal.expect(Method::PUT, url, Some(&body)).await?;
    writeln!(
        out,
        "set the schema of {}/{}: version {} (from {})",
        set.app_id,
        set.namespace_name,
        set.version,
        args.file.display()
    )?;
    Ok(())
}

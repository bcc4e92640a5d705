//! `lyre ctl envs`, `apps` and `namespaces`: what there is.

use anyhow::Context as _;
use reqwest::StatusCode;
use serde_json::Value;

use super::http::refused_with;
use super::table::{Table, cut};
use super::{Ctl, text};

/// The arguments of `lyre ctl namespaces`.
#[derive(Clone, clap::Args)]
pub struct NamespacesArgs {
    /// The app id
    #[arg(value_name = "APP")]
    pub app: String,

    /// Only this environment [default: every environment]
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// The cluster
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub cluster: String,
}

/// `lyre ctl envs`: one environment a line, the default first; `--json`: the portal's array.
pub(crate) async fn envs(ctl: &mut Ctl<'_>) -> anyhow::Result<()> {
    let envs = ctl
        .api
        .get(&["envs"], &[])
        .await
        .context("reading the environments")?;
    if ctl.json {
        return ctl.print_json(&envs);
    }
    for env in envs.as_array().into_iter().flatten() {
        writeln!(ctl.out, "{}", text(env))?;
    }
    Ok(())
}

/// `lyre ctl apps`: the apps the token holds a grant on; `--json`: the portal's array.
pub(crate) async fn apps(ctl: &mut Ctl<'_>) -> anyhow::Result<()> {
    let apps = ctl
        .api
        .get(&["apps"], &[])
        .await
        .context("reading the apps")?;
    if ctl.json {
        return ctl.print_json(&apps);
    }
    let apps = apps.as_array().cloned().unwrap_or_default();
    if apps.is_empty() {
        writeln!(ctl.out, "No app: the token holds a grant on none.")?;
        return Ok(());
    }
    let mut table = Table::new(&["APP", "NAME", "OWNER", "ORG"]);
    for app in &apps {
        table.row(vec![
            text(&app["appId"]),
            text(&app["name"]),
            text(&app["ownerName"]),
            text(&app["orgName"]),
        ]);
    }
    table.write(ctl.out)?;
    Ok(())
}

/// The namespaces of `app` in `cluster` of each of `envs` that has that cluster, each as the
/// Open API answers it with `env` added; the environments without the cluster. When none has
/// it, the first refusal is the error.
pub(crate) async fn namespaces_in(
    ctl: &Ctl<'_>,
    app: &str,
    cluster: &str,
    envs: &[String],
) -> anyhow::Result<(Vec<Value>, Vec<String>)> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut first_missing = None;
    for env in envs {
        let listed = ctl
            .api
            .get(
                &["envs", env, "apps", app, "clusters", cluster, "namespaces"],
                &[],
            )
            .await
            .with_context(|| format!("reading the namespaces of {app} in {env}/{cluster}"));
        match listed {
            Ok(listed) => {
                for mut namespace in listed.as_array().cloned().unwrap_or_default() {
                    if let Value::Object(fields) = &mut namespace {
                        fields.insert("env".to_owned(), Value::String(env.clone()));
                    }
                    found.push(namespace);
                }
            }
            // Clusters other than `default` need not exist in every environment.
            Err(e) if envs.len() > 1 && refused_with(&e) == Some(StatusCode::NOT_FOUND) => {
                missing.push(env.clone());
                first_missing.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match first_missing {
        Some(e) if missing.len() == envs.len() => Err(e),
        _ => Ok((found, missing)),
    }
}

/// `lyre ctl namespaces APP`: per environment, the namespaces of the cluster; `--json`: an array
/// of the Open API's namespaces (with their items), each with its `env` added.
pub(crate) async fn namespaces(ctl: &mut Ctl<'_>, args: &NamespacesArgs) -> anyhow::Result<()> {
    let envs = match &args.env {
        Some(env) => vec![env.clone()],
        None => ctl
            .api
            .get_as(&["envs"], &[])
            .await
            .context("reading the environments")?,
    };
    let (found, missing) = namespaces_in(ctl, &args.app, &args.cluster, &envs).await?;
    if ctl.json {
        return ctl.print_json(&Value::Array(found));
    }
    let mut table = Table::new(&[
        "ENV",
        "CLUSTER",
        "NAMESPACE",
        "FORMAT",
        "PUBLIC",
        "ITEMS",
        "COMMENT",
    ]);
    for n in &found {
        let items = n["items"].as_array().map_or(0, Vec::len);
        table.row(vec![
            text(&n["env"]),
            text(&n["clusterName"]),
            text(&n["namespaceName"]),
            text(&n["format"]),
            if n["isPublic"] == Value::Bool(true) {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
            items.to_string(),
            cut(&text(&n["comment"]), 60),
        ]);
    }
    if table.is_empty() {
        writeln!(
            ctl.out,
            "No namespace of {} in cluster {} that the token may read.",
            args.app, args.cluster
        )?;
    } else {
        table.write(ctl.out)?;
    }
    if !missing.is_empty() {
        writeln!(
            ctl.out,
            "No cluster {} in {} {}.",
            args.cluster,
            if missing.len() == 1 {
                "environment"
            } else {
                "environments"
            },
            missing.join(", ")
        )?;
    }
    Ok(())
}

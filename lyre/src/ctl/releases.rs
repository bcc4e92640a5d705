//! `lyre ctl history` and `rollback`: a namespace's releases.

use anyhow::{Context as _, anyhow};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::http::refused_with;
use super::table::{Table, cut, one_line};
use super::{At, Ctl, text};

/// The arguments of `lyre ctl history`.
#[derive(Clone, clap::Args)]
pub struct HistoryArgs {
    /// The app id
    #[arg(value_name = "APP")]
    pub app: String,

    /// The namespace; other formats than properties carry their suffix, e.g. `db.yaml`
    #[arg(value_name = "NAMESPACE")]
    pub namespace: String,

    /// The environment [default: the portal's default, the first `lyre ctl envs` lists]
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// The cluster
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub cluster: String,

    /// How many entries, newest first
    #[arg(
        long,
        default_value_t = 20,
        value_parser = clap::value_parser!(u64).range(1..=500),
        value_name = "N"
    )]
    pub limit: u64,
}

/// The arguments of `lyre ctl rollback`.
#[derive(Clone, clap::Args)]
pub struct RollbackArgs {
    /// The app id
    #[arg(value_name = "APP")]
    pub app: String,

    /// The namespace; other formats than properties carry their suffix, e.g. `db.yaml`
    #[arg(value_name = "NAMESPACE")]
    pub namespace: String,

    /// The environment (required: a rollback names where it acts)
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// The cluster
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub cluster: String,

    /// The earlier release to go back to (an id `lyre ctl history` shows) [default: the one
    /// before the latest]
    #[arg(long, value_name = "RELEASE_ID")]
    pub to: Option<i64>,
}

/// `lyre ctl history APP NAMESPACE`: the release history, newest first; `--json`: the Open
/// API's page (`page`, `size`, `total`, `content`) as received.
pub(crate) async fn history(ctl: &mut Ctl<'_>, args: &HistoryArgs) -> anyhow::Result<()> {
    let env = ctl.env_or_default(args.env.as_deref()).await?;
    let at = At {
        env: &env,
        app: &args.app,
        cluster: &args.cluster,
        namespace: &args.namespace,
    };
    let size = args.limit.to_string();
    let page = ctl
        .api
        .get(
            &at.path(&["releases", "histories"]),
            &[("page", "0"), ("size", &size)],
        )
        .await
        .with_context(|| format!("reading the release history of {at}"))?;
    if ctl.json {
        return ctl.print_json(&page);
    }
    let entries = page["content"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        writeln!(ctl.out, "{at} has no release yet.")?;
        return Ok(());
    }
    let mut table = Table::new(&[
        "RELEASE",
        "PREVIOUS",
        "OPERATION",
        "TITLE",
        "BY",
        "TIME (UTC)",
    ]);
    for e in &entries {
        let mut operation = text(&e["operation"]);
        let branch = text(&e["branchName"]);
        if !branch.is_empty() && branch != args.cluster {
            operation.push_str(&format!(" ({branch})"));
        }
        if e["isEmergencyPublish"] == Value::Bool(true) {
            operation.push_str(" (emergency)");
        }
        table.row(vec![
            id(&e["releaseId"]),
            id(&e["previousReleaseId"]),
            operation,
            cut(&text(&e["releaseTitle"]), 60),
            text(&e["dataChangeCreatedBy"]),
            time(&text(&e["dataChangeCreatedTime"])),
        ]);
    }
    table.write(ctl.out)?;
    let total = page["total"].as_u64().unwrap_or_default();
    if total > entries.len() as u64 {
        writeln!(
            ctl.out,
            "The {} newest of {total} entries; --limit {} shows more.",
            entries.len(),
            total.min(500)
        )?;
    }
    Ok(())
}

/// A release id of the history, empty for none (`0`: a change of gray rules names none).
fn id(value: &Value) -> String {
    match value.as_i64() {
        Some(0) | None => String::new(),
        Some(id) => id.to_string(),
    }
}

/// An Open API time (`2026-11-21T03:09:24.151+0000`) as `2026-11-21 03:09:24`.
fn time(apollo: &str) -> String {
    match apollo.get(..19) {
        Some(head) if head.as_bytes().get(10) == Some(&b'T') => head.replacen('T', " ", 1),
        _ => apollo.to_owned(),
    }
}

/// The namespace's latest release, `None` when nothing is released.
async fn latest(ctl: &Ctl<'_>, at: &At<'_>) -> anyhow::Result<Option<Value>> {
    match ctl.api.get(&at.path(&["releases", "latest"]), &[]).await {
        Ok(release) => Ok(Some(release)),
        Err(e) if refused_with(&e) == Some(StatusCode::NOT_FOUND) => {
            // No such namespace is a 404 too: reading the namespace tells them apart.
            ctl.api
                .get(&at.path(&[]), &[])
                .await
                .with_context(|| format!("reading {at}"))?;
            Ok(None)
        }
        Err(e) => Err(e.context(format!("reading the latest release of {at}"))),
    }
}

/// `lyre ctl rollback APP NAMESPACE --env ENV`: rolls the latest release back through the
/// Open API (to the release before it, or `--to`) and says what clients get now; `--json`:
/// `{env, appId, clusterName, namespaceName, rolledBack, current}` with both releases as the
/// Open API shows them (`current` is `null` when nothing is served).
pub(crate) async fn rollback(ctl: &mut Ctl<'_>, args: &RollbackArgs) -> anyhow::Result<()> {
    let at = At {
        env: &args.env,
        app: &args.app,
        cluster: &args.cluster,
        namespace: &args.namespace,
    };
    let from = latest(ctl, &at)
        .await?
        .ok_or_else(|| anyhow!("{at} has no release: nothing to roll back"))?;
    let id = text(&from["id"]);
    let to = args.to.map(|t| t.to_string());
    let mut query = Vec::new();
    if let Some(to) = &to {
        query.push(("toReleaseId", to.as_str()));
    }
    ctl.api
        .expect(
            Method::PUT,
            &["envs", at.env, "releases", &id, "rollback"],
            &query,
            None,
        )
        .await
        .with_context(|| format!("rolling back release {id} of {at}"))?;
    let current = latest(ctl, &at)
        .await
        .with_context(|| format!("rolled back release {id} of {at}, then"))?;
    if ctl.json {
        return ctl.print_json(&json!({
            "env": at.env,
            "appId": at.app,
            "clusterName": at.cluster,
            "namespaceName": at.namespace,
            "rolledBack": from,
            "current": current,
        }));
    }
    let release = |r: &Value| {
        format!(
            "release {} \"{}\"",
            text(&r["id"]),
            one_line(&text(&r["name"]))
        )
    };
    match &current {
        Some(now) => writeln!(
            ctl.out,
            "Rolled back {at} from {} to {}: clients now get release {}.",
            release(&from),
            release(now),
            text(&now["id"])
        )?,
        None => writeln!(
            ctl.out,
            "Rolled back {at} from {}: no release is served now.",
            release(&from)
        )?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_api_times_show_to_the_second() {
        assert_eq!(time("2026-11-21T03:09:24.151+0000"), "2026-11-21 03:09:24");
        assert_eq!(time("yesterday"), "yesterday");
        assert_eq!(time(""), "");
    }
}

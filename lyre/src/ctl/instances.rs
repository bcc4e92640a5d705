//! `lyre ctl instances`: which instances read an app's namespaces, which release each holds,
//! what it made of it, and whether it still reads (ALIVE) or went quiet (SILENT).

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use lyre_protocol::admin::{Adoption, Instance};
use lyre_service_kit::time::parse_rfc3339;
use serde_json::Value;

use super::listing::namespaces_in;
use super::table::{Table, cut};
use super::{At, Ctl, count, text};

/// What `lyre ctl instances --help` says at length.
pub const LONG_ABOUT: &str = "\
The instances that read an app's namespaces in one environment and cluster in the last 24 hours, \
as the config service recorded their reads: per instance its IP and label, the cluster it asked \
for, the release it holds, what it reported of the release (applied or rejected, with the \
reason; Lyre's SDK and lyre agent report, Apollo clients do not: `-`), when it was last seen, \
and ALIVE or SILENT.

ALIVE means last seen within --silence (default 3m), SILENT not. A live instance long-polls for \
changes, and config services record it as seen at least once a minute while it waits (and at \
every read of a new release), so an instance unseen for 3 minutes has stopped waiting. The \
portal's blast radius counts live instances the same way.

Instances of a gray branch read the branch's cluster: list them with --cluster <branch>.";

/// The arguments of `lyre ctl instances`.
#[derive(Clone, clap::Args)]
pub struct InstancesArgs {
    /// The app id
    #[arg(value_name = "APP")]
    pub app: String,

    /// Only this namespace [default: every namespace of the app the token may read]
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,

    /// The environment [default: the portal's default, the first `lyre ctl envs` lists]
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// The cluster
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub cluster: String,

    /// How long an instance may go unseen and still be ALIVE, e.g. 90s, 5m, 1h30m (a waiting
    /// instance is seen at least once a minute)
    #[arg(long, default_value = "3m", value_parser = parse_duration, value_name = "DURATION")]
    pub silence: Duration,
}

/// Instances read per request (the portal's largest page).
const PAGE_SIZE: u64 = 500;
/// The most pages read of one namespace (apps record at most 10,000 instances by default).
const MAX_PAGES: u64 = 100;

/// `lyre ctl instances APP`.
pub(crate) async fn run(ctl: &mut Ctl<'_>, args: &InstancesArgs) -> anyhow::Result<()> {
    let env = ctl.env_or_default(args.env.as_deref()).await?;
    let names: Vec<String> = match &args.namespace {
        Some(namespace) => vec![namespace.clone()],
        None => {
            let (found, _) =
                namespaces_in(ctl, &args.app, &args.cluster, std::slice::from_ref(&env)).await?;
            found.iter().map(|n| text(&n["namespaceName"])).collect()
        }
    };
    let now = now_millis();
    let mut shown = Vec::new();
    for namespace in &names {
        let at = At {
            env: &env,
            app: &args.app,
            cluster: &args.cluster,
            namespace,
        };
        let listed = read_instances(ctl, &at).await?;
        let adoption: Adoption = ctl
            .api
            .get_as(&at.path(&["adoption"]), &[])
            .await
            .with_context(|| format!("reading which releases reached {at}"))?;
        let ids: HashMap<String, i64> = adoption
            .releases
            .into_iter()
            .filter_map(|r| Some((r.release_key, r.release_id?)))
            .collect();
        for received in listed {
            let instance: Instance = serde_json::from_value(received.clone())
                .with_context(|| format!("reading the instances of {at}: an unexpected shape"))?;
            shown.push(Shown {
                namespace: namespace.clone(),
                alive: parse_rfc3339(&instance.last_seen_at)
                    .is_some_and(|seen| now - seen <= millis(args.silence)),
                release_id: ids.get(&instance.release_key).copied(),
                applied_id: instance
                    .applied
                    .as_ref()
                    .and_then(|a| ids.get(&a.release_key).copied()),
                instance,
                received,
            });
        }
    }
    if ctl.json {
        let out: Vec<Value> = shown.into_iter().map(|s| s.json(&env)).collect();
        return ctl.print_json(&Value::Array(out));
    }
    let place = format!("{} in {env}/{}", args.app, args.cluster);
    if shown.is_empty() {
        let what = match &args.namespace {
            Some(namespace) => namespace.clone(),
            None if names.is_empty() => {
                writeln!(ctl.out, "No namespace of {place} that the token may read.")?;
                return Ok(());
            }
            None => format!("any of {}", count(names.len(), "namespace")),
        };
        writeln!(
            ctl.out,
            "No instance read {what} of {place} in the last 24 hours."
        )?;
        return Ok(());
    }
    let mut table = Table::new(&[
        "NAMESPACE",
        "IP",
        "LABEL",
        "CLUSTER",
        "RELEASE",
        "APPLIED",
        "LAST SEEN",
        "STATE",
    ]);
    for s in &shown {
        let i = &s.instance;
        table.row(vec![
            s.namespace.clone(),
            i.ip.clone(),
            i.label.clone(),
            i.cluster_name.clone(),
            release(s.release_id, &i.release_key),
            s.applied(),
            parse_rfc3339(&i.last_seen_at)
                .map(|seen| format!("{} ago", age(now - seen)))
                .unwrap_or_default(),
            if s.alive { "ALIVE" } else { "SILENT" }.to_owned(),
        ]);
    }
    table.write(ctl.out)?;
    let alive = shown.iter().filter(|s| s.alive).count();
    writeln!(
        ctl.out,
        "{} of {place}: {alive} ALIVE, {} SILENT (unseen for over {}).",
        count(shown.len(), "instance"),
        shown.len() - alive,
        human(args.silence)
    )?;
    Ok(())
}

/// One instance as shown: the answer read, and what `lyre ctl` makes of it.
struct Shown {
    namespace: String,
    instance: Instance,
    /// The instance as the portal sent it (for `--json`).
    received: Value,
    alive: bool,
    release_id: Option<i64>,
    applied_id: Option<i64>,
}

impl Shown {
    /// The APPLIED cell: `-` for an instance that does not report, else what it reported, of
    /// which release when not the one it holds, and why it rejected it.
    fn applied(&self) -> String {
        let Some(applied) = &self.instance.applied else {
            return String::new();
        };
        let mut cell = applied.status.clone();
        if applied.release_key != self.instance.release_key {
            cell.push_str(" release ");
            cell.push_str(&release(self.applied_id, &applied.release_key));
        }
        if !applied.reason.is_empty() {
            cell.push_str(": ");
            cell.push_str(&cut(&applied.reason, 60));
        }
        cell
    }

    /// The instance as received, with `env`, `namespaceName`, `releaseId` (when the release is
    /// still kept) and `alive` added.
    fn json(self, env: &str) -> Value {
        let mut value = self.received;
        if let Value::Object(fields) = &mut value {
            fields.insert("env".to_owned(), env.into());
            fields.insert("namespaceName".to_owned(), self.namespace.into());
            if let Some(id) = self.release_id {
                fields.insert("releaseId".to_owned(), id.into());
            }
            fields.insert("alive".to_owned(), self.alive.into());
        }
        value
    }
}

/// A release as shown: its id where known, else its key.
fn release(id: Option<i64>, key: &str) -> String {
    id.map_or_else(|| key.to_owned(), |id| id.to_string())
}

/// Every instance that read the namespace recently, as the portal sends them.
async fn read_instances(ctl: &Ctl<'_>, at: &At<'_>) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    let size = PAGE_SIZE.to_string();
    for page in 0..MAX_PAGES {
        let page = page.to_string();
        let answer = ctl
            .api
            .get(
                &at.path(&["instances"]),
                &[("page", &page), ("size", &size)],
            )
            .await
            .with_context(|| format!("reading the instances of {at}"))?;
        let content = answer["content"].as_array().cloned().unwrap_or_default();
        let total = answer["total"].as_u64().unwrap_or_default();
        let done = content.is_empty();
        all.extend(content);
        if done || all.len() as u64 >= total {
            break;
        }
    }
    Ok(all)
}

/// Parses a duration such as `90s`, `5m`, `1h30m` or `2d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("`{text}`: expected a duration such as 90s, 5m or 1h30m");
    if let Ok(secs) = text.parse::<u64>() {
        return positive(Duration::from_secs(secs), text);
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("`{text}` is too long"))?;
        digits.clear();
    }
    if !digits.is_empty() || text.is_empty() {
        return Err(bad());
    }
    positive(Duration::from_secs(total), text)
}

fn positive(d: Duration, text: &str) -> Result<Duration, String> {
    if d.is_zero() {
        Err(format!("`{text}`: the duration must be more than 0"))
    } else {
        Ok(d)
    }
}

/// A duration as `parse_duration` reads it, in its largest whole unit.
fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// How long ago, from milliseconds: `45s`, `3m05s`, `2h05m`, `3d04h` (`0s` for a time ahead of
/// this host's clock).
fn age(millis: i64) -> String {
    let secs = u64::try_from(millis / 1000).unwrap_or(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3_600, s % 3_600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3_600),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        for bad in ["", "5x", "m", "5m3", "0s", "1.5m"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_duration("5x").unwrap_err(),
            "`5x`: expected a duration such as 90s, 5m or 1h30m"
        );
        assert_eq!(human(Duration::from_secs(90)), "90s");
        assert_eq!(human(Duration::from_secs(300)), "5m");
        assert_eq!(human(Duration::from_secs(7_200)), "2h");
    }

    #[test]
    fn ages_keep_two_units() {
        assert_eq!(age(4_900), "4s");
        assert_eq!(age(185_000), "3m05s");
        assert_eq!(age(7_500_000), "2h05m");
        assert_eq!(age(3 * 86_400_000 + 4 * 3_600_000), "3d04h");
        assert_eq!(age(-5_000), "0s");
    }
}

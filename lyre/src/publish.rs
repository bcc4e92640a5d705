//! `lyre publish`: publishes a file to a namespace through the portal's Open API, as a CI job
//! does. It reads the namespace, shows how the file differs from its items, writes the
//! differences and publishes them. Where the environment requires review it opens a release
//! request instead and, with `--wait`, publishes it once a reviewer approves.
//!
//! It needs the portal's URL and a consumer token only: no database, no configuration file.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use lyre_protocol::admin::{BlastRadius, BlastRadiusRequest, RadiusCount, SchemaInEnv, SchemaMode};
use lyre_protocol::config::Configurations;
use lyre_protocol::format::{Format, validate_content};
use lyre_protocol::properties;
use lyre_protocol::schema::{self, Schema};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// What `lyre publish --help` says first.
pub const ABOUT: &str = "Publish a file to a namespace through the portal's Open API (for CI)";

/// What `lyre publish --help` says at length.
pub const LONG_ABOUT: &str = "\
Publish a file to a namespace through the portal's Open API (for CI).

Reads the namespace, shows how FILE differs from its items (`+ key = value`, `~ key: old -> new`, \
`- key`), writes the differences and publishes them. For a properties namespace FILE is read as \
`key = value` lines; for a yaml, yml, json, xml or txt namespace the whole file becomes its \
`content`, and it must parse in that format. When the namespace already holds FILE and its latest \
release does too, nothing is published.

Where the environment requires review (PRO by default), a release request is opened instead \
(exit code 3). With --wait, lyre publish waits for a reviewer's approval in the portal and then \
publishes the request. A request already under way for the namespace is an error, except with \
--wait when that request would publish exactly FILE (for instance one an earlier run opened): then \
lyre publish waits on it. A request is opened, and published, as the token's consumer: publishing \
needs the consumer's own release permission, and its owner does not review it.";

/// The exit codes, as `lyre publish --help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  published, already up to date, or a dry run
  1  an error: a bad file or argument, a refused request (the portal's message is printed), \
an unreachable portal
  3  the environment requires review: a release request was opened and awaits approval
  4  the release request was rejected, withdrawn or went stale, or --wait timed out";

/// How long one HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `--wait` reads the release request.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// The most lines of a file's diff shown.
const MAX_DIFF_LINES: usize = 50;

/// The arguments of `lyre publish`.
#[derive(Clone, clap::Args)]
pub struct PublishArgs {
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

    /// The environment, e.g. DEV or PRO
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// The app id
    #[arg(long, value_name = "APP_ID")]
    pub app: String,

    /// The cluster
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub cluster: String,

    /// The namespace; other formats than properties carry their suffix, e.g. `db.yaml`
    #[arg(long, value_name = "NAME")]
    pub namespace: String,

    /// The file to publish
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The release's title [default: lyre publish <file name>]
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// The release's comment (reviewers read it in a release request)
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,

    /// An existing user recorded beside the consumer as the one the changes and the release are
    /// made for (a label: a release request is always the consumer's)
    #[arg(long, value_name = "USER")]
    pub operator: Option<String>,

    /// Show the differences and stop; nothing changes
    #[arg(long)]
    pub dry_run: bool,

    /// Where review is required, wait for the request's approval, then publish it
    #[arg(long)]
    pub wait: bool,

    /// How long --wait waits for a review, in seconds
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub wait_timeout: u64,
}

/// How a publish ended, short of an error (exit code 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Published, already up to date, or a dry run.
    Done,
    /// A release request was opened and awaits review.
    AwaitingReview,
    /// The release request was rejected, withdrawn or went stale, or the wait ran out; why.
    NotPublished(String),
}

impl Outcome {
    /// The process's exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Done => 0,
            Self::AwaitingReview => 3,
            Self::NotPublished(_) => 4,
        }
    }
}

/// Publishes `args.file` as `args` say, writing what happens to `out`.
pub async fn run(args: &PublishArgs, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let file_name = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("reading {file_name}"))?;
    let portal = Portal::new(&args.portal, &args.token)?;
    let at = Target {
        env: &args.env,
        app: &args.app,
        cluster: &args.cluster,
        namespace: &args.namespace,
    };
    let Plan {
        format,
        changes,
        released,
        unreleased,
        configuration,
    } = plan(&portal, &at, &text, &file_name).await?;
    check_schema(&portal, &at, format, &text, &file_name, out).await?;

    if changes.is_empty() && !unreleased {
        writeln!(
            out,
            "{at} is up to date with {file_name}: its items and its latest release hold it. \
             Nothing to publish."
        )?;
        return Ok(Outcome::Done);
    }
    writeln!(out, "Comparing {file_name} with {at} ({format}):")?;
    for line in render(format, &changes) {
        writeln!(out, "{line}")?;
    }
    if changes.is_empty() {
        let why = if released {
            "but differ from its latest release"
        } else {
            "but were never released"
        };
        writeln!(out, "The items already hold {file_name} {why}.")?;
    }
    if args.dry_run {
        reach(&portal, &at, configuration, out).await?;
        writeln!(out, "Dry run: nothing was changed.")?;
        return Ok(Outcome::Done);
    }

    for (done, change) in changes.iter().enumerate() {
        let written = write_change(&portal, &at, change, args.operator.as_deref()).await;
        if done > 0 {
            written.with_context(|| {
                format!("after writing {done} of {}", count(changes.len(), "change"))
            })?;
        } else {
            written?;
        }
    }
    if !changes.is_empty() {
        writeln!(out, "Wrote {}.", count(changes.len(), "change"))?;
    }

    let title = args.title.clone().unwrap_or_else(|| {
        let name = args
            .file
            .file_name()
            .map_or_else(|| file_name.clone(), |n| n.to_string_lossy().into_owned());
        format!("lyre publish {name}")
    });
    let comment = args.comment.as_deref().unwrap_or_default();
    let mut publish = json!({"releaseTitle": title, "releaseComment": comment});
    if let Some(operator) = &args.operator {
        publish["releasedBy"] = json!(operator);
    }
    let answer = portal
        .send(
            Method::POST,
            portal.url(&at.path(&["releases"]), &[])?,
            Some(&publish),
        )
        .await
        .with_context(|| format!("publishing {at}"))?;
    if answer.status.is_success() {
        let release: Release = answer.json().with_context(|| format!("publishing {at}"))?;
        print_release(out, &at, &release)?;
        return Ok(Outcome::Done);
    }
    let refused = answer.error();
    if !refused.is(StatusCode::FORBIDDEN, "review_required") {
        let written = if changes.is_empty() {
            ""
        } else {
            " (its items now hold the file, unpublished)"
        };
        return Err(anyhow!(refused).context(format!("publishing {at}{written}")));
    }
    writeln!(
        out,
        "{} requires review: opening a release request instead of publishing.",
        at.env
    )?;
    request_review(&portal, args, &at, &title, out).await
}

/// Checks the file against the namespace's schema where the environment checks schemas, as
/// the portal will, before anything is written: in `enforce` mode a file that does not fit is
/// refused (nothing changes), in `warn` mode its problems are printed and it goes on.
async fn check_schema(
    portal: &Portal,
    at: &Target<'_>,
    format: Format,
    text: &str,
    file_name: &str,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if !schema::checks(format) {
        return Ok(());
    }
    let url = portal.url(
        &[
            "envs",
            at.env,
            "apps",
            at.app,
            "namespaces",
            at.namespace,
            "schema",
        ],
        &[],
    )?;
    let found: SchemaInEnv = portal
        .expect(Method::GET, url, None)
        .await
        .with_context(|| format!("reading the schema of {at}"))?;
    let Some(current) = found.current.filter(|_| found.mode != SchemaMode::Off) else {
        return Ok(());
    };
    let checker = Schema::new(current.document)
        .map_err(|e| anyhow!("the schema of {at} (version {}): {e}", current.version))?;
    let problems = if format.is_properties() {
        let entries = read_file(format, text, file_name)?;
        checker.check_properties(entries.iter().map(|e| (e.key.as_str(), e.value.as_str())))
    } else {
        checker.check_content(format, text)
    };
    if problems.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = problems
        .iter()
        .map(|p| {
            if p.at.is_empty() {
                format!("  {}", p.message)
            } else {
                format!("  {}: {}", p.at, p.message)
            }
        })
        .collect();
    let summary = format!(
        "{file_name} does not fit the schema of {}/{} (version {}):\n{}",
        at.app,
        at.namespace,
        current.version,
        listed.join("\n")
    );
    if found.mode == SchemaMode::Enforce {
        bail!(
            "{summary}\n{} enforces the schema: nothing was changed",
            at.env
        );
    }
    writeln!(
        out,
        "{summary}\n{} checks the schema in warn mode: going on.",
        at.env
    )?;
    Ok(())
}

/// What publishing the file takes.
struct Plan {
    /// The namespace's format.
    format: Format,
    /// What turns the namespace's items into the file.
    changes: Vec<Change>,
    /// Whether the namespace was ever released.
    released: bool,
    /// Whether its latest release differs from the file (or there is none).
    unreleased: bool,
    /// What its release would hold.
    configuration: Configurations,
}

/// Reads the namespace and its latest release and compares them with the file's `text`, which
/// must be valid in the namespace's format.
async fn plan(
    portal: &Portal,
    at: &Target<'_>,
    text: &str,
    file_name: &str,
) -> anyhow::Result<Plan> {
    let namespace: Namespace = portal
        .expect(Method::GET, portal.url(&at.path(&[]), &[])?, None)
        .await
        .with_context(|| format!("reading {at}"))?;
    let format =
        Format::parse(&namespace.format).with_context(|| format!("reading {at}: its format"))?;
    let wanted = read_file(format, text, file_name)?;
    let latest = portal
        .send(
            Method::GET,
            portal.url(&at.path(&["releases", "latest"]), &[])?,
            None,
        )
        .await
        .with_context(|| format!("reading the latest release of {at}"))?;
    let release: Option<Release> = match latest.status {
        StatusCode::NOT_FOUND => None,
        status if status.is_success() => Some(
            latest
                .json()
                .with_context(|| format!("reading the latest release of {at}"))?,
        ),
        _ => {
            return Err(
                anyhow!(latest.error()).context(format!("reading the latest release of {at}"))
            );
        }
    };

    let current: Vec<(String, String)> = namespace
        .items
        .into_iter()
        .map(|i| (i.key, i.value))
        .collect();
    let changes = diff(&wanted, &current);
    let configuration = wanted
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    let wanted: BTreeMap<&str, &str> = wanted
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect();
    let unreleased = release.as_ref().is_none_or(|r| {
        r.configurations.len() != wanted.len()
            || r.configurations
                .iter()
                .any(|(k, v)| wanted.get(k.as_str()) != Some(&v.as_str()))
    });
    Ok(Plan {
        format,
        changes,
        released: release.is_some(),
        unreleased,
        configuration,
    })
}

/// Prints which live instances a publish of `configuration` would reach, and which of them run
/// a schema that would refuse it.
async fn reach(
    portal: &Portal,
    at: &Target<'_>,
    configuration: Configurations,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let request = BlastRadiusRequest {
        configurations: Some(configuration),
        ..Default::default()
    };
    let radius: BlastRadius = portal
        .expect(
            Method::POST,
            portal.url(&at.path(&["blast-radius"]), &[])?,
            Some(&serde_json::to_value(&request)?),
        )
        .await
        .with_context(|| format!("asking which instances read {at}"))?;
    let minutes = radius.live_within_seconds / 60;
    if radius.live == 0 {
        writeln!(
            out,
            "No live instance reads {at} (none seen in the last {minutes} minutes)."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "Reaches {} of {} (seen in the last {minutes} minutes):",
        radius.receiving,
        count(
            usize::try_from(radius.live).unwrap_or(usize::MAX),
            "live instance"
        ),
    )?;
    let listed = |counts: &[RadiusCount], none: &str| -> String {
        counts
            .iter()
            .map(|c| {
                let name = if c.name.is_empty() { none } else { &c.name };
                format!("{name} {}", c.instances)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if radius.receiving > 0 {
        writeln!(out, "  clusters: {}", listed(&radius.clusters, "?"))?;
        if !radius.branches.is_empty() {
            writeln!(out, "  on a gray branch: {}", listed(&radius.branches, "?"))?;
        }
        writeln!(out, "  labels: {}", listed(&radius.labels, "(none)"))?;
        writeln!(out, "  IPs: {}", radius.ips.join(", "))?;
    }
    for schema in radius.schemas.iter().filter(|s| !s.problems.is_empty()) {
        let version = schema.version.map_or_else(
            || format!("{} (not in Lyre)", schema.hash),
            |v| format!("version {v}"),
        );
        let first = &schema.problems[0];
        let problem = if first.at.is_empty() {
            first.message.clone()
        } else {
            format!("{}: {}", first.at, first.message)
        };
        writeln!(
            out,
            "  {} run{} schema {version}, which would refuse it: {problem}",
            count(
                usize::try_from(schema.instances).unwrap_or(usize::MAX),
                "instance"
            ),
            if schema.instances == 1 { "s" } else { "" },
        )?;
    }
    Ok(())
}

/// Opens a release request for what the namespace now holds and, with `--wait`, waits for it.
async fn request_review(
    portal: &Portal,
    args: &PublishArgs,
    at: &Target<'_>,
    title: &str,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let comment = args.comment.as_deref().unwrap_or_default();
    let body = json!({"title": title, "comment": comment});
    let answer = portal
        .send(
            Method::POST,
            portal.url(&at.path(&["release-requests"]), &[])?,
            Some(&body),
        )
        .await
        .with_context(|| format!("opening a release request for {at}"))?;
    let request: Request = if answer.status.is_success() {
        let request: Request = answer
            .json()
            .with_context(|| format!("opening a release request for {at}"))?;
        writeln!(
            out,
            "Opened release request #{} \"{title}\" for {at}: {}.",
            request.id,
            count(request.changes.len(), "change")
        )?;
        request
    } else {
        let refused = answer.error();
        let existing = if args.wait && refused.status == StatusCode::CONFLICT {
            waitable(portal, &refused.message).await?
        } else {
            None
        };
        let Some(request) = existing else {
            return Err(anyhow!(refused).context(format!("opening a release request for {at}")));
        };
        writeln!(
            out,
            "Release request #{} \"{}\" by {} is already under way for {at} and holds this file; \
             waiting on it.",
            request.id, request.title, request.created_by
        )?;
        request
    };
    writeln!(
        out,
        "Review it at {}",
        portal.page(&["release-requests", &request.id.to_string()])?
    )?;
    if !args.wait {
        return Ok(Outcome::AwaitingReview);
    }
    wait_for(portal, args, at, request.id, out).await
}

/// The request a `409` names, when `--wait` may wait on it: it is under way and not stale (so it
/// publishes exactly what the namespace holds, which is the file).
async fn waitable(portal: &Portal, message: &str) -> anyhow::Result<Option<Request>> {
    let Some(id) = request_id_in(message) else {
        return Ok(None);
    };
    let request: Request = portal
        .expect(
            Method::GET,
            portal.url(&["release-requests", &id.to_string()], &[])?,
            None,
        )
        .await
        .with_context(|| format!("reading release request #{id}"))?;
    let live = matches!(request.status.as_str(), "open" | "approved" | "publishing");
    Ok((live && request.stale == Some(false)).then_some(request))
}

/// The first `#<digits>` in a message, which names a release request.
fn request_id_in(message: &str) -> Option<i64> {
    let (_, after) = message.split_once('#')?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Waits for request `id` to be approved, then publishes it; gives up when it is rejected,
/// withdrawn or stale, or after `--wait-timeout`.
async fn wait_for(
    portal: &Portal,
    args: &PublishArgs,
    at: &Target<'_>,
    id: i64,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let timeout = Duration::from_secs(args.wait_timeout);
    let deadline = Instant::now() + timeout;
    let get = portal.url(&["release-requests", &id.to_string()], &[])?;
    let publish = portal.url(&["release-requests", &id.to_string(), "publish"], &[])?;
    writeln!(
        out,
        "Waiting for a review of release request #{id} (up to {} s)...",
        timeout.as_secs()
    )?;
    let mut seen = String::new();
    loop {
        let request: Request = portal
            .expect(Method::GET, get.clone(), None)
            .await
            .with_context(|| format!("reading release request #{id}"))?;
        if request.status != seen {
            // The other states have lines of their own below.
            if !seen.is_empty() && matches!(request.status.as_str(), "open" | "publishing") {
                writeln!(out, "Release request #{id} is {}.", request.status)?;
            }
            seen.clone_from(&request.status);
        }
        match request.status.as_str() {
            "published" => {
                writeln!(
                    out,
                    "Release request #{id} was published as release {}.",
                    request.published_release_id
                )?;
                return Ok(Outcome::Done);
            }
            "rejected" | "withdrawn" => {
                for review in request.reviews.iter().flatten() {
                    let comment = if review.comment.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", review.comment)
                    };
                    let did = match review.verdict.as_str() {
                        "approve" => "approved",
                        "reject" => "rejected",
                        "refresh" => "refreshed",
                        "publish" => "published",
                        "withdraw" => "withdrew",
                        other => other,
                    };
                    writeln!(out, "  {} {did}{comment}", review.created_by)?;
                }
                let by = request
                    .reviews
                    .iter()
                    .flatten()
                    .rev()
                    .find(|r| matches!(r.verdict.as_str(), "reject" | "withdraw"))
                    .map(|r| format!(" by {}", r.created_by))
                    .unwrap_or_default();
                return Ok(Outcome::NotPublished(format!(
                    "release request #{id} was {}{by}; nothing was published",
                    request.status
                )));
            }
            _ if request.stale == Some(true) => {
                return Ok(Outcome::NotPublished(format!(
                    "release request #{id} is stale: {at} changed after it was opened, so it \
                     cannot be published as reviewed; refresh it in the portal, or withdraw it \
                     and run lyre publish again"
                )));
            }
            "approved" => {
                writeln!(
                    out,
                    "Release request #{id} was approved by {}.",
                    request.approved_by
                )?;
                let answer = portal
                    .send(Method::POST, publish.clone(), None)
                    .await
                    .with_context(|| format!("publishing release request #{id}"))?;
                if answer.status.is_success() {
                    let release: Release = answer
                        .json()
                        .with_context(|| format!("publishing release request #{id}"))?;
                    print_release(out, at, &release)?;
                    return Ok(Outcome::Done);
                }
                let refused = answer.error();
                if refused.status != StatusCode::CONFLICT {
                    return Err(
                        anyhow!(refused).context(format!("publishing release request #{id}"))
                    );
                }
                // Someone else is publishing it, or it went stale: the next read tells.
            }
            _ => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Outcome::NotPublished(format!(
                "timed out after {} s waiting for a review of release request #{id}, which is \
                 still {}; run lyre publish again with --wait to keep waiting",
                timeout.as_secs(),
                request.status
            )));
        }
        tokio::time::sleep(POLL_INTERVAL.min(deadline - now)).await;
    }
}

fn print_release(out: &mut dyn Write, at: &Target<'_>, release: &Release) -> anyhow::Result<()> {
    writeln!(
        out,
        "Published release {} \"{}\" of {at}.",
        release.id, release.name
    )?;
    Ok(())
}

/// Sends one change of the namespace's items.
async fn write_change(
    portal: &Portal,
    at: &Target<'_>,
    change: &Change,
    operator: Option<&str>,
) -> anyhow::Result<()> {
    match change {
        Change::Add {
            key,
            value,
            comment,
        }
        | Change::Update {
            key,
            value,
            comment,
            ..
        } => {
            let mut body = json!({"key": key, "value": value});
            if !comment.is_empty() {
                body["comment"] = json!(comment);
            }
            if let Some(operator) = operator {
                body["dataChangeLastModifiedBy"] = json!(operator);
            }
            let url = portal.url(&at.path(&["items", key]), &[("createIfNotExists", "true")])?;
            portal
                .expect::<Value>(Method::PUT, url, Some(&body))
                .await
                .with_context(|| format!("writing `{key}` of {at}"))?;
        }
        Change::Remove { key, .. } => {
            let query: Vec<(&str, &str)> =
                operator.map(|o| vec![("operator", o)]).unwrap_or_default();
            let url = portal.url(&at.path(&["items", key]), &query)?;
            let answer = portal
                .send(Method::DELETE, url, None)
                .await
                .with_context(|| format!("deleting `{key}` of {at}"))?;
            if !answer.status.is_success() {
                return Err(anyhow!(answer.error()).context(format!("deleting `{key}` of {at}")));
            }
        }
    }
    Ok(())
}

/// One key the file should give the namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    key: String,
    value: String,
    comment: String,
}

/// The namespace's items as `text` describes them: properties as items, any other format as
/// the one `content` item, checked to parse in its format.
fn read_file(format: Format, text: &str, file_name: &str) -> anyhow::Result<Vec<Entry>> {
    if format.is_properties() {
        let props = properties::parse(text).map_err(|e| anyhow!("{file_name}: {e}"))?;
        return Ok(props
            .entries
            .into_iter()
            .map(|e| Entry {
                key: e.key,
                value: e.value,
                comment: e.comment,
            })
            .collect());
    }
    validate_content(format, text).map_err(|e| anyhow!("{file_name}: {e}"))?;
    Ok(vec![Entry {
        key: "content".to_owned(),
        value: text.to_owned(),
        comment: String::new(),
    }])
}

/// A difference between the file and the namespace's items.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Change {
    Add {
        key: String,
        value: String,
        comment: String,
    },
    Update {
        key: String,
        old: String,
        value: String,
        comment: String,
    },
    Remove {
        key: String,
        old: String,
    },
}

/// What turns `current` items into `wanted`: added and changed keys in the file's order, then
/// removed keys in the namespace's order. Only values count; a comment travels with a value.
fn diff(wanted: &[Entry], current: &[(String, String)]) -> Vec<Change> {
    let now: BTreeMap<&str, &str> = current
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut changes = Vec::new();
    for entry in wanted {
        match now.get(entry.key.as_str()) {
            None => changes.push(Change::Add {
                key: entry.key.clone(),
                value: entry.value.clone(),
                comment: entry.comment.clone(),
            }),
            Some(old) if *old != entry.value => changes.push(Change::Update {
                key: entry.key.clone(),
                old: (*old).to_owned(),
                value: entry.value.clone(),
                comment: entry.comment.clone(),
            }),
            Some(_) => {}
        }
    }
    for (key, old) in current {
        if !wanted.iter().any(|e| &e.key == key) {
            changes.push(Change::Remove {
                key: key.clone(),
                old: old.clone(),
            });
        }
    }
    changes
}

/// The changes as lines for people: one per key for properties, a line diff of the file's
/// content for other formats.
fn render(format: Format, changes: &[Change]) -> Vec<String> {
    let mut lines = Vec::new();
    if changes.is_empty() {
        lines.push("No changes to the items.".to_owned());
        return lines;
    }
    if !format.is_properties() {
        for change in changes {
            match change {
                Change::Add { key, value, .. } => {
                    lines.push(format!("+ {key}: {}", count(value.lines().count(), "line")));
                    push_line_diff(&mut lines, "", value);
                }
                Change::Update {
                    key, old, value, ..
                } => {
                    let diff = line_diff(old, value);
                    let added = diff.iter().filter(|l| l.added).count();
                    let removed = diff.len() - added;
                    if diff.is_empty() {
                        lines.push(format!(
                            "~ {key}: only line endings or the final newline differ"
                        ));
                    } else {
                        lines.push(format!(
                            "~ {key}: {} added, {removed} removed",
                            count(added, "line")
                        ));
                    }
                    push_line_diff(&mut lines, old, value);
                }
                Change::Remove { key, .. } => lines.push(format!("- {key}")),
            }
        }
        return lines;
    }
    let (mut added, mut changed, mut removed) = (0, 0, 0);
    for change in changes {
        match change {
            Change::Add { key, value, .. } => {
                added += 1;
                lines.push(format!("+ {key} = {}", shown(value)));
            }
            Change::Update {
                key, old, value, ..
            } => {
                changed += 1;
                lines.push(format!("~ {key}: {} -> {}", shown(old), shown(value)));
            }
            Change::Remove { key, .. } => {
                removed += 1;
                lines.push(format!("- {key}"));
            }
        }
    }
    lines.push(format!(
        "{}: {added} added, {changed} changed, {removed} removed.",
        count(changes.len(), "change")
    ));
    lines
}

/// A value on one line: line breaks shown as `\n` and `\r`.
fn shown(value: &str) -> String {
    value.replace('\r', "\\r").replace('\n', "\\n")
}

/// `1 line`, `2 lines`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn push_line_diff(lines: &mut Vec<String>, old: &str, new: &str) {
    let diff = line_diff(old, new);
    for line in diff.iter().take(MAX_DIFF_LINES) {
        let sign = if line.added { '+' } else { '-' };
        lines.push(format!("  {:>4} {sign} {}", line.number, line.text));
    }
    if diff.len() > MAX_DIFF_LINES {
        let more = count(diff.len() - MAX_DIFF_LINES, "changed line");
        lines.push(format!("  ... {more} not shown"));
    }
}

/// A line added to or removed from a file, with its number in the new or the old file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DiffLine<'a> {
    added: bool,
    number: usize,
    text: &'a str,
}

/// The cells of the longest-common-subsequence table beyond which lines are not matched up
/// (the changed middle is then shown as removed and added whole).
const MAX_LCS_CELLS: usize = 4_000_000;

/// The lines removed from `old` and added in `new`, in order: a longest common subsequence of
/// lines is kept, after the common start and end are set aside.
fn line_diff<'a>(old: &'a str, new: &'a str) -> Vec<DiffLine<'a>> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (a_mid.len(), b_mid.len());
    let removed = |i: usize| DiffLine {
        added: false,
        number: prefix + i + 1,
        text: a_mid[i],
    };
    let added = |j: usize| DiffLine {
        added: true,
        number: prefix + j + 1,
        text: b_mid[j],
    };
    let mut out = Vec::new();
    if (n + 1).saturating_mul(m + 1) > MAX_LCS_CELLS {
        out.extend((0..n).map(removed));
        out.extend((0..m).map(added));
        return out;
    }
    // lcs[i * (m + 1) + j]: the longest common subsequence of a_mid[i..] and b_mid[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if a_mid[i] == b_mid[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a_mid[i] == b_mid[j] {
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            out.push(removed(i));
            i += 1;
        } else {
            out.push(added(j));
            j += 1;
        }
    }
    out.extend((i..n).map(removed));
    out.extend((j..m).map(added));
    out
}

/// Where the namespace is.
struct Target<'a> {
    env: &'a str,
    app: &'a str,
    cluster: &'a str,
    namespace: &'a str,
}

impl Target<'_> {
    /// The Open API path segments of the namespace, then `more`.
    fn path<'s>(&'s self, more: &[&'s str]) -> Vec<&'s str> {
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

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.env, self.app, self.cluster, self.namespace
        )
    }
}

/// A namespace as the Open API shows it.
#[derive(Deserialize)]
struct Namespace {
    format: String,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    key: String,
    value: String,
}

#[derive(Deserialize)]
struct Release {
    id: i64,
    name: String,
    configurations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    id: i64,
    title: String,
    status: String,
    #[serde(default)]
    stale: Option<bool>,
    #[serde(default)]
    changes: Vec<Value>,
    #[serde(default)]
    approved_by: String,
    #[serde(default)]
    published_release_id: i64,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    reviews: Option<Vec<Review>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review {
    verdict: String,
    #[serde(default)]
    comment: String,
    created_by: String,
}

/// The portal's Open API, called with a consumer token.
pub(crate) struct Portal {
    http: reqwest::Client,
    base: Url,
    token: String,
}

impl Portal {
    pub(crate) fn new(base: &str, token: &str) -> anyhow::Result<Self> {
        let base = Url::parse(base).with_context(|| format!("the portal URL `{base}`"))?;
        match base.scheme() {
            "http" => {}
            "https" if cfg!(feature = "tls") => {}
            "https" => bail!(
                "the portal URL `{base}`: this lyre was built without HTTPS (the `tls` \
                 feature); reach the portal over http:// or use a build with `--features tls`"
            ),
            other => bail!("the portal URL `{base}`: `{other}` is not http or https"),
        }
        if token.trim().is_empty() {
            bail!("no token: pass --token or set LYRE_TOKEN to a consumer token of the Open API");
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("lyre-publish/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("starting the HTTP client")?;
        Ok(Self {
            http,
            base,
            token: token.trim().to_owned(),
        })
    }

    /// A page of the portal (for people), under its URL.
    fn page(&self, segments: &[&str]) -> anyhow::Result<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| anyhow!("the portal URL `{}` cannot take a path", self.base))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// An Open API URL: `/openapi/v1/` then `segments`, each percent-encoded, then `query`.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> anyhow::Result<Url> {
        let mut path = vec!["openapi", "v1"];
        path.extend_from_slice(segments);
        let mut url = self.page(&path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Sends a request; one refused for the rate limit is sent again after `Retry-After`.
    async fn send(&self, method: Method, url: Url, body: Option<&Value>) -> anyhow::Result<Answer> {
        let (status, body) =
            crate::ctl::send_retrying(&self.http, &self.token, method, &url, body).await?;
        Ok(Answer { status, body })
    }

    /// Sends a request and reads a successful answer as `T`; a refusal is an [`ApiError`].
    pub(crate) async fn expect<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> anyhow::Result<T> {
        let answer = self.send(method, url, body).await?;
        if !answer.status.is_success() {
            return Err(answer.error().into());
        }
        answer.json()
    }
}

/// An answer of the portal.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    fn json<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "the portal answered {} with an unexpected body: {}",
                self.status,
                snippet(&self.body)
            )
        })
    }

    /// The refusal this answer carries: the portal's `{code, message}`, or what it sent.
    fn error(&self) -> ApiError {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            code: String,
            message: String,
        }
        match serde_json::from_slice::<Body>(&self.body) {
            Ok(body) => ApiError {
                status: self.status,
                code: body.code,
                message: body.message,
            },
            Err(_) => ApiError {
                status: self.status,
                code: String::new(),
                message: if self.body.is_empty() {
                    "no explanation given".to_owned()
                } else {
                    snippet(&self.body)
                },
            },
        }
    }
}

/// The start of a body, on one line.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push_str("...");
    }
    shown(out.trim())
}

/// A request the portal refused.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    fn is(&self, status: StatusCode, code: &str) -> bool {
        self.status == status && self.code == code
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str) -> Entry {
        Entry {
            key: key.to_owned(),
            value: value.to_owned(),
            comment: String::new(),
        }
    }

    fn items(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn properties_diff_lists_added_changed_then_removed_keys() {
        let wanted = read_file(
            Format::Properties,
            "# seconds\ntimeout = 45\nretries = 3\nnew.key = a\\nb\n",
            "app.properties",
        )
        .unwrap();
        let current = items(&[("legacy", "on"), ("timeout", "30"), ("retries", "3")]);
        let changes = diff(&wanted, &current);
        assert_eq!(
            render(Format::Properties, &changes),
            [
                "~ timeout: 30 -> 45",
                "+ new.key = a\\nb",
                "- legacy",
                "3 changes: 1 added, 1 changed, 1 removed.",
            ]
        );
        assert!(matches!(&changes[0], Change::Update { comment, .. } if comment == "seconds"));
        assert!(
            diff(
                &wanted,
                &items(&[("timeout", "45"), ("retries", "3"), ("new.key", "a\\nb")])
            )
            .is_empty()
        );
        assert_eq!(
            render(Format::Properties, &[]),
            ["No changes to the items."]
        );
    }

    #[test]
    fn a_bad_file_names_the_file_line_and_column() {
        let err = read_file(Format::Yaml, "a: 1\nb:\n  c: 2\n d: 3\n", "db.yaml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "db.yaml: invalid yaml at line 4, column 2: while parsing a block mapping, did not find expected key"
        );
        let err = read_file(Format::Properties, "a = 1\noops\n", "app.properties").unwrap_err();
        assert_eq!(
            err.to_string(),
            "app.properties: line 2: expected `key = value`, found `oops`"
        );
        assert_eq!(
            read_file(Format::Json, "{\"a\": 1}\n", "a.json").unwrap(),
            [entry("content", "{\"a\": 1}\n")]
        );
    }

    #[test]
    fn content_diff_shows_changed_lines_with_their_numbers() {
        let old = "db:\n  pool: 10\n  host: a\nend: 1\n";
        let new = "db:\n  pool: 20\n  host: a\n  timeout: 5\nend: 1\n";
        let changes = diff(&[entry("content", new)], &items(&[("content", old)]));
        assert_eq!(
            render(Format::Yaml, &changes),
            [
                "~ content: 2 lines added, 1 removed",
                "     2 -   pool: 10",
                "     2 +   pool: 20",
                "     4 +   timeout: 5",
            ]
        );
        let first = diff(&[entry("content", "a: 1\n")], &[]);
        assert_eq!(
            render(Format::Yaml, &first),
            ["+ content: 1 line", "     1 + a: 1"]
        );
        let newline = diff(
            &[entry("content", "a: 1")],
            &items(&[("content", "a: 1\n")]),
        );
        assert_eq!(
            render(Format::Yaml, &newline),
            ["~ content: only line endings or the final newline differ"]
        );
    }

    #[test]
    fn long_content_diffs_are_cut() {
        let new: String = (0..60).map(|i| format!("k{i}: {i}\n")).collect();
        let lines = render(Format::Yaml, &diff(&[entry("content", &new)], &[]));
        assert_eq!(lines.len(), 1 + MAX_DIFF_LINES + 1);
        assert_eq!(lines.last().unwrap(), "  ... 10 changed lines not shown");
    }

    #[test]
    fn line_diff_keeps_the_longest_common_lines() {
        let diff = line_diff("a\nb\nc\nd\n", "a\nc\nb\nd\n");
        let shown: Vec<String> = diff
            .iter()
            .map(|l| format!("{}{}{}", if l.added { '+' } else { '-' }, l.number, l.text))
            .collect();
        assert_eq!(shown, ["-2b", "+3b"]);
        assert!(line_diff("same\n", "same\n").is_empty());
    }

    #[test]
    fn request_ids_are_read_from_conflict_messages() {
        assert_eq!(
            request_id_in(
                "PRO/a/default/application has a release request under way (#12, open, by ci); withdraw or finish it first"
            ),
            Some(12)
        );
        assert_eq!(request_id_in("no number # here"), None);
    }

    #[test]
    fn open_api_urls_encode_each_segment() {
        let portal = Portal::new("http://localhost:8070/lyre/", "t").unwrap();
        let at = Target {
            env: "DEV",
            app: "a",
            cluster: "default",
            namespace: "db.yaml",
        };
        let url = portal
            .url(
                &at.path(&["items", "a/b c"]),
                &[("createIfNotExists", "true")],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://localhost:8070/lyre/openapi/v1/envs/DEV/apps/a/clusters/default/namespaces/db.yaml/items/a%2Fb%20c?createIfNotExists=true"
        );
        assert_eq!(
            portal.page(&["release-requests", "3"]).unwrap().as_str(),
            "http://localhost:8070/lyre/release-requests/3"
        );
        assert_eq!(
            Portal::new("https://lyre.example.com", "t").is_ok(),
            cfg!(feature = "tls")
        );
        assert!(Portal::new("http://localhost:8070", " ").is_err());
    }

    #[test]
    fn outcomes_map_to_exit_codes() {
        assert_eq!(Outcome::Done.exit_code(), 0);
        assert_eq!(Outcome::AwaitingReview.exit_code(), 3);
        assert_eq!(Outcome::NotPublished(String::new()).exit_code(), 4);
    }
}

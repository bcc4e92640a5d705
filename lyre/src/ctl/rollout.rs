//! `lyre ctl rollout`: staged rollouts of a namespace's gray branch. `status` shows the latest
//! (or `--all`, the last 20), `start` starts one, and `pause`, `resume`, `advance` and `abort`
//! act on the open one (or `--id`). Lyre drives a rollout by itself; these only look and steer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow};
use lyre_protocol::admin::{Rollout, RolloutVerb, StartRollout};
use lyre_service_kit::time::parse_rfc3339;
use reqwest::Method;
use serde_json::Value;

use super::instances::parse_duration;
use super::table::{Table, cut, one_line};
use super::{At, Ctl, count};

/// What `lyre ctl rollout --help` says at length.
pub const LONG_ABOUT: &str = "\
Staged rollouts of a namespace's gray branch: the branch's release goes to a growing share of \
the app's instances, one step per bake time, and becomes main's release after the last step \
(100%). Lyre advances a rollout by itself; when more instances reject the release than the plan \
tolerates, it halts and every instance goes back to main's release.

`status` shows the latest rollout (`--all`: the last 20), `start` starts one from the \
namespace's gray branch, and `pause`, `resume`, `advance` and `abort` act on the rollout that is \
running or paused (or `--id`). See docs/rollouts.md.";

/// `lyre ctl rollout`'s commands.
#[derive(Clone, clap::Subcommand)]
pub enum RolloutCommand {
    /// The latest rollout: its state, step, share, next step, what instances made of its
    /// release, who rejected it and why it halted (--all: the last 20)
    Status(StatusArgs),
    /// Start a rollout of the namespace's gray branch: its release goes to the first step's
    /// share of the instances now
    Start(StartArgs),
    /// Hold the open rollout at its step: the bake clock stands still until it is resumed
    Pause(ActArgs),
    /// Let the paused rollout advance by itself again
    Resume(ActArgs),
    /// Go to the next step now (from the last, merge into main and publish it)
    Advance(ActArgs),
    /// Stop the open rollout: every instance goes back to main's release (the branch stays)
    Abort(ActArgs),
}

/// Where a rollout is: a namespace of an app in an environment and cluster.
#[derive(Clone, clap::Args)]
pub struct Place {
    /// The app id
    #[arg(value_name = "APP")]
    pub app: String,

    /// The namespace; other formats than properties carry their suffix, e.g. `db.yaml`
    #[arg(value_name = "NAMESPACE")]
    pub namespace: String,

    /// The environment [default: the portal's default, the first `lyre ctl envs` lists]
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// The cluster (the gray branch's main cluster)
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub cluster: String,
}

/// The arguments of `lyre ctl rollout status`.
#[derive(Clone, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub place: Place,

    /// This rollout instead of the latest (an id `--all` shows)
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub id: Option<i64>,

    /// The last 20 rollouts of the namespace, newest first, in a table
    #[arg(long)]
    pub all: bool,
}

/// The arguments of `lyre ctl rollout start`.
#[derive(Clone, clap::Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub place: Place,

    /// The share of the app's instances at each step, in percent: increasing, the last 100
    /// [default: 5,25,50,100]
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = clap::value_parser!(u8).range(1..=100),
        value_name = "PERCENTS"
    )]
    pub steps: Vec<u8>,

    /// How long each step bakes before the next, e.g. 90s, 5m, 1h30m [default: 5m]
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub bake: Option<Duration>,

    /// How many instances may reject the release before the rollout halts (0: the first
    /// rejection halts it)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_rejected: u64,

    /// The title of the gray release, and of main's release at the end
    #[arg(long, value_name = "TITLE")]
    pub title: String,

    /// Their comment
    #[arg(long, default_value = "", value_name = "TEXT")]
    pub comment: String,

    /// The gray branch [default: the namespace's]
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Where the environment requires review: start it anyway, as an emergency publish (only
    /// the super admin may)
    #[arg(long)]
    pub emergency: bool,
}

/// The arguments of `lyre ctl rollout pause|resume|advance|abort`.
#[derive(Clone, clap::Args)]
pub struct ActArgs {
    #[command(flatten)]
    pub place: Place,

    /// The rollout [default: the namespace's open one, running or paused]
    #[arg(long, value_name = "N")]
    pub id: Option<i64>,
}

/// Runs `lyre ctl rollout ...`.
pub(crate) async fn run(ctl: &mut Ctl<'_>, command: &RolloutCommand) -> anyhow::Result<()> {
    match command {
        RolloutCommand::Status(a) => status(ctl, a).await,
        RolloutCommand::Start(a) => start(ctl, a).await,
        RolloutCommand::Pause(a) => act(ctl, a, RolloutVerb::Pause).await,
        RolloutCommand::Resume(a) => act(ctl, a, RolloutVerb::Resume).await,
        RolloutCommand::Advance(a) => act(ctl, a, RolloutVerb::Advance).await,
        RolloutCommand::Abort(a) => act(ctl, a, RolloutVerb::Abort).await,
    }
}

/// A rollout as the portal sent it: the JSON for `--json`, read as a [`Rollout`] for people.
struct Received {
    json: Value,
    rollout: Rollout,
}

impl Received {
    fn read(json: Value, at: &At<'_>) -> anyhow::Result<Self> {
        let rollout = serde_json::from_value(json.clone())
            .with_context(|| format!("reading a rollout of {at}: an unexpected shape"))?;
        Ok(Self { json, rollout })
    }
}

/// The namespace's rollouts, newest first (at most 20), as the portal sent them.
async fn list(ctl: &Ctl<'_>, at: &At<'_>) -> anyhow::Result<Vec<Received>> {
    let listed = ctl
        .api
        .get(&at.path(&["rollouts"]), &[])
        .await
        .with_context(|| format!("reading the rollouts of {at}"))?;
    let Value::Array(listed) = listed else {
        return Err(anyhow!(
            "reading the rollouts of {at}: the portal answered in an unexpected shape"
        ));
    };
    listed.into_iter().map(|r| Received::read(r, at)).collect()
}

/// Rollout `id` of the namespace.
async fn one(ctl: &Ctl<'_>, at: &At<'_>, id: i64) -> anyhow::Result<Received> {
    let id = id.to_string();
    let json = ctl
        .api
        .get(&at.path(&["rollouts", &id]), &[])
        .await
        .with_context(|| format!("reading rollout {id} of {at}"))?;
    Received::read(json, at)
}

/// `lyre ctl rollout status APP NAMESPACE`: the latest rollout (or `--id`), or with `--all`
/// a table of the last 20; `--json`: the rollout (`null` when there is none), or the array.
async fn status(ctl: &mut Ctl<'_>, args: &StatusArgs) -> anyhow::Result<()> {
    let env = ctl.env_or_default(args.place.env.as_deref()).await?;
    let at = args.place.at(&env);
    if args.all {
        let all = list(ctl, &at).await?;
        if ctl.json {
            return ctl.print_json(&Value::Array(all.into_iter().map(|r| r.json).collect()));
        }
        if all.is_empty() {
            writeln!(ctl.out, "{at} has no rollout yet.")?;
            return Ok(());
        }
        return history(ctl, &all);
    }
    let shown = match args.id {
        Some(id) => Some(one(ctl, &at, id).await?),
        None => list(ctl, &at).await?.into_iter().next(),
    };
    let Some(shown) = shown else {
        if ctl.json {
            return ctl.print_json(&Value::Null);
        }
        writeln!(
            ctl.out,
            "{at} has no rollout yet: `lyre ctl rollout start` starts one from its gray branch."
        )?;
        return Ok(());
    };
    if ctl.json {
        return ctl.print_json(&shown.json);
    }
    writeln!(
        ctl.out,
        "Rollout {} of {at}: {}.",
        shown.rollout.id,
        state_words(&shown.rollout)
    )?;
    describe(ctl, &shown.rollout)
}

/// The table of `--all`.
fn history(ctl: &mut Ctl<'_>, all: &[Received]) -> anyhow::Result<()> {
    let mut table = Table::new(&[
        "ID",
        "STATE",
        "STEP",
        "SHARE",
        "READ",
        "APPLIED",
        "REJECTED",
        "STARTED (UTC)",
        "BY",
        "BRANCH",
    ]);
    for Received { rollout: r, .. } in all {
        table.row(vec![
            r.id.to_string(),
            r.state.clone(),
            step_of(r),
            format!("{}%", r.percentage),
            r.read.to_string(),
            r.applied.to_string(),
            r.rejected.to_string(),
            time(&r.created_at),
            r.created_by.clone(),
            r.branch_name.clone(),
        ]);
    }
    table.write(ctl.out)?;
    Ok(())
}

/// `lyre ctl rollout start APP NAMESPACE --title T ...`: starts a rollout and shows it;
/// `--json`: the rollout as the portal answered.
async fn start(ctl: &mut Ctl<'_>, args: &StartArgs) -> anyhow::Result<()> {
    let env = ctl.env_or_default(args.place.env.as_deref()).await?;
    let at = args.place.at(&env);
    let body = serde_json::to_value(StartRollout {
        branch_name: args.branch.clone(),
        steps: args.steps.clone(),
        bake_seconds: args.bake.map(|b| b.as_secs()),
        max_rejected: args.max_rejected,
        release_title: args.title.clone(),
        release_comment: args.comment.clone(),
        is_emergency_publish: args.emergency,
        // The portal records the consumer (or a user it names); none is named here.
        operator: String::new(),
    })?;
    let answer = ctl
        .api
        .expect(Method::POST, &at.path(&["rollouts"]), &[], Some(&body))
        .await
        .with_context(|| format!("starting a rollout of {at}"))?;
    let started = Received::read(answer, &at)?;
    if ctl.json {
        return ctl.print_json(&started.json);
    }
    let r = &started.rollout;
    writeln!(
        ctl.out,
        "Started rollout {} of {at}: release {} of gray branch {} goes to {}% of the instances now.",
        r.id,
        r.release_id,
        one_line(&r.branch_name),
        r.percentage
    )?;
    describe(ctl, r)
}

/// `lyre ctl rollout pause|resume|advance|abort APP NAMESPACE [--id N]`: acts on the open
/// rollout (or `--id`) and shows it; `--json`: the rollout as the portal answered.
async fn act(ctl: &mut Ctl<'_>, args: &ActArgs, verb: RolloutVerb) -> anyhow::Result<()> {
    let env = ctl.env_or_default(args.place.env.as_deref()).await?;
    let at = args.place.at(&env);
    let id = match args.id {
        Some(id) => id,
        None => open_of(ctl, &at, verb).await?,
    };
    let id_text = id.to_string();
    let answer = ctl
        .api
        .expect(
            Method::POST,
            &at.path(&["rollouts", &id_text, verb.as_str()]),
            &[],
            None,
        )
        .await
        .with_context(|| format!("{} rollout {id} of {at}", doing(verb)))?;
    let done = Received::read(answer, &at)?;
    if ctl.json {
        return ctl.print_json(&done.json);
    }
    let r = &done.rollout;
    let headline = match verb {
        RolloutVerb::Pause => format!(
            "Paused rollout {id} of {at} at step {} ({}%): it stays there until resumed.",
            step_of(r),
            r.percentage
        ),
        RolloutVerb::Resume => format!(
            "Resumed rollout {id} of {at} at step {} ({}%).",
            step_of(r),
            r.percentage
        ),
        RolloutVerb::Advance if r.state == "completed" => format!(
            "Advanced rollout {id} of {at} past its last step: merged into main, which is \
             published with the branch's configuration."
        ),
        RolloutVerb::Advance => format!(
            "Advanced rollout {id} of {at} to step {} ({}%).",
            step_of(r),
            r.percentage
        ),
        RolloutVerb::Abort => format!(
            "Aborted rollout {id} of {at}: every instance is back on main's release (the gray \
             branch stays)."
        ),
    };
    writeln!(ctl.out, "{headline}")?;
    describe(ctl, r)
}

/// The id of the namespace's open rollout (running or paused); an error that says so when
/// none is open.
async fn open_of(ctl: &Ctl<'_>, at: &At<'_>, verb: RolloutVerb) -> anyhow::Result<i64> {
    let all = list(ctl, at).await?;
    if let Some(open) = all.iter().find(|r| is_open(&r.rollout)) {
        return Ok(open.rollout.id);
    }
    let latest = all.first().map_or_else(String::new, |r| {
        format!(" (the latest, {}, {})", r.rollout.id, r.rollout.state)
    });
    Err(anyhow!(
        "{at} has no open rollout{latest}: nothing to {}; `lyre ctl rollout status --all` lists \
         its rollouts",
        verb.as_str()
    ))
}

fn is_open(r: &Rollout) -> bool {
    r.state == "running" || r.state == "paused"
}

/// What the CLI is doing, for an error's context.
fn doing(verb: RolloutVerb) -> &'static str {
    match verb {
        RolloutVerb::Pause => "pausing",
        RolloutVerb::Resume => "resuming",
        RolloutVerb::Advance => "advancing",
        RolloutVerb::Abort => "aborting",
    }
}

/// The state in words, as the first line of a rollout's view says it.
fn state_words(r: &Rollout) -> String {
    match r.state.as_str() {
        "running" => "running".to_owned(),
        "paused" => "paused (the bake clock stands still until it is resumed)".to_owned(),
        "halted" => "halted: too many instances rejected its release, all are back on main's \
                     release"
            .to_owned(),
        "aborted" => "aborted: all instances are back on main's release".to_owned(),
        "completed" => "completed: merged into main, which holds the branch's configuration".into(),
        other => other.to_owned(),
    }
}

/// The step in force, 1-based, of how many: `2/4`.
fn step_of(r: &Rollout) -> String {
    format!("{}/{}", r.step + 1, r.steps.len())
}

/// The plan's percentages, the step in force in brackets: `5% > [25%] > 50% > 100%`.
fn plan_of(r: &Rollout) -> String {
    let current = usize::try_from(r.step).unwrap_or(usize::MAX);
    r.steps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i == current {
                format!("[{p}%]")
            } else {
                format!("{p}%")
            }
        })
        .collect::<Vec<_>>()
        .join(" > ")
}

/// A rollout for people: one field a line, then the instances that rejected its release.
fn describe(ctl: &mut Ctl<'_>, r: &Rollout) -> anyhow::Result<()> {
    let ended = !is_open(r);
    let mut fields: Vec<(&str, String)> = vec![
        ("Branch", one_line(&r.branch_name)),
        (
            "Release",
            format!("{} ({})", r.release_id, one_line(&r.release_key)),
        ),
        (
            "Plan",
            format!(
                "{}, {} a step, {} tolerated",
                plan_of(r),
                human(r.bake_seconds),
                count(
                    usize::try_from(r.max_rejected).unwrap_or(usize::MAX),
                    "rejection"
                )
            ),
        ),
        ("Step", step_of(r)),
        ("Share now", share_now(r)),
    ];
    match (&r.next_step_at, r.state.as_str()) {
        (Some(next), _) => {
            let last = r.step + 1 >= u32::try_from(r.steps.len()).unwrap_or(u32::MAX);
            let what = if last { ": merged into main" } else { "" };
            fields.push(("Next step", format!("{}{}{what}", time(next), until(next))));
        }
        (None, "paused") => fields.push(("Next step", "none while paused".to_owned())),
        (None, _) => {}
    }
    fields.push((
        "Instances",
        format!(
            "{} read it, {} applied, {} rejected",
            r.read, r.applied, r.rejected
        ),
    ));
    fields.push((
        "Started",
        format!("{} by {}", time(&r.created_at), one_line(&r.created_by)),
    ));
    if let Some(end) = r.ended_at.as_ref().filter(|_| ended) {
        fields.push(("Ended", time(end)));
    }
    if !r.reason.is_empty() {
        let label = if r.state == "halted" {
            "Halted"
        } else {
            "Reason"
        };
        fields.push((label, one_line(&r.reason)));
    }
    let width = fields.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 1;
    for (label, value) in &fields {
        writeln!(ctl.out, "  {:<width$} {value}", format!("{label}:"))?;
    }
    if r.rejections.is_empty() {
        return Ok(());
    }
    let shown = r.rejections.len() as u64;
    writeln!(
        ctl.out,
        "Rejected by{}:",
        if r.rejected > shown {
            format!(" (the first {shown} of {})", r.rejected)
        } else {
            String::new()
        }
    )?;
    let mut table = Table::new(&["IP", "LABEL", "RELEASE", "AT (UTC)", "REASON"]);
    for j in &r.rejections {
        table.row(vec![
            j.ip.clone(),
            j.label.clone(),
            j.release_key.clone(),
            time(&j.at),
            cut(&j.reason, 100),
        ]);
    }
    table.write(ctl.out)?;
    Ok(())
}

/// The share of instances on the branch's release now, in words.
fn share_now(r: &Rollout) -> String {
    match r.state.as_str() {
        "halted" | "aborted" => "0% (rolled back: every instance is on main's release)".to_owned(),
        "completed" => "100% (main's release now)".to_owned(),
        _ => format!("{}% of the instances", r.percentage),
    }
}

/// A duration in seconds, in its largest whole unit: `90s`, `5m`, `2h`.
fn human(secs: u64) -> String {
    match secs {
        0 => "0s".to_owned(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// An RFC 3339 time (`2026-12-07T05:26:23.151Z`) as `2026-12-07 05:26:23 UTC`.
fn time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(head) if rfc3339.ends_with('Z') && head.as_bytes().get(10) == Some(&b'T') => {
            format!("{} UTC", head.replacen('T', " ", 1))
        }
        _ => rfc3339.to_owned(),
    }
}

/// How long until an RFC 3339 time, by this host's clock: ` (in 4m12s)`, ` (due now)`.
fn until(rfc3339: &str) -> String {
    let Some(at) = parse_rfc3339(rfc3339) else {
        return String::new();
    };
    let secs = (at - now_millis()).div_euclid(1000);
    match u64::try_from(secs) {
        Ok(0) | Err(_) => " (due now)".to_owned(),
        Ok(s) if s < 60 => format!(" (in {s}s)"),
        Ok(s) if s < 3_600 => format!(" (in {}m{:02}s)", s / 60, s % 60),
        Ok(s) => format!(" (in {}h{:02}m)", s / 3_600, s % 3_600 / 60),
    }
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Place {
    fn at<'a>(&'a self, env: &'a str) -> At<'a> {
        At {
            env,
            app: &self.app,
            cluster: &self.cluster,
            namespace: &self.namespace,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rollout(state: &str, step: u32) -> Rollout {
        serde_json::from_value(json!({
            "id": 3, "branchName": "b", "steps": [5, 25, 50, 100], "step": step,
            "percentage": 25, "state": state, "bakeSeconds": 300, "maxRejected": 1,
            "baseReleaseId": 4, "releaseId": 7, "releaseKey": "k", "stepStartedAt": "",
            "read": 0, "applied": 0, "rejected": 0, "rejections": [], "createdBy": "ops",
            "createdAt": "", "updatedBy": "ops", "updatedAt": "",
        }))
        .unwrap()
    }

    #[test]
    fn the_plan_marks_the_step_in_force() {
        let r = rollout("running", 1);
        assert_eq!(plan_of(&r), "5% > [25%] > 50% > 100%");
        assert_eq!(step_of(&r), "2/4");
        assert_eq!(share_now(&r), "25% of the instances");
        assert!(share_now(&rollout("halted", 1)).starts_with("0% (rolled back"));
    }

    #[test]
    fn times_and_durations_read_for_people() {
        assert_eq!(time("2026-12-07T05:26:23.151Z"), "2026-12-07 05:26:23 UTC");
        assert_eq!(time("2026-12-07T05:26:23Z"), "2026-12-07 05:26:23 UTC");
        assert_eq!(time("soon"), "soon");
        assert_eq!(human(300), "5m");
        assert_eq!(human(90), "90s");
        assert_eq!(human(7_200), "2h");
        assert_eq!(until("2000-01-01T00:00:00Z"), " (due now)");
    }
}

//! Staged rollouts: a gray branch's release sent to a growing share of the app's instances
//! (the stable percentage hash of gray rules), one step per bake time. Lyre advances it by
//! itself; when more instances reject the release than the plan tolerates, it halts and empties
//! the branch's rules, so every instance goes back to main's release (the last good one). At
//! the last step's end the branch is merged into main and main is published with exactly the
//! configuration that baked.
//!
//! The whole state is a row of `rollouts`; [`spawn_driver`] runs in every process that runs
//! the admin operations, and a database lease per rollout lets exactly one of them act on it.
//! Every step runs under the namespace's lock, in one transaction with its release history,
//! audit entry and event.

use std::time::Duration;

use lyre_protocol::admin::{
    Rejection, ReleaseOperation, Rollout, RolloutAction, RolloutVerb, StartRollout,
};
use lyre_protocol::gray::GrayRuleItem;
use lyre_service_kit::server::Shutdown;
use lyre_service_kit::time::rfc3339;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::rollouts::{self, ABORTED, COMPLETED, HALTED, NewRollout, PAUSED, RUNNING};
use lyre_store::config::{branches as branch_rows, instances, locks};
use lyre_store::entity::rollout;
use lyre_store::sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use lyre_store::time::{millis, now_millis};
use tokio::task::JoinHandle;

use super::Ns;
use super::branches::{
    BranchRelease, Locked, delete_merged, fold_overrides, gray_verdict, lock, no_branch,
    overrides_of, publish_branch,
};
use crate::domain::{Audit, announce, notify, record, store_release};
use crate::params::{NamespaceAt, operator};
use crate::{AdminError, AdminState, view};

/// The plan's steps when none are given, in percent.
pub const DEFAULT_STEPS: [u8; 4] = [5, 25, 50, 100];
/// The bake time per step when none is given.
pub const DEFAULT_BAKE_SECONDS: u64 = 300;
/// The longest bake time: a week.
const MAX_BAKE_SECONDS: u64 = 7 * 24 * 3600;
const MAX_STEPS: usize = 10;
/// Who the audit log names for what a rollout does by itself.
pub const DRIVER: &str = "lyre-rollout";
/// How often the driver looks at running rollouts.
const TICK: Duration = Duration::from_secs(1);
/// How long a process holds a rollout after it last looked at it.
const LEASE: Duration = Duration::from_secs(10);
/// Rejecting instances listed in a rollout's view.
const REJECTIONS_SHOWN: usize = 20;
/// Longest reason kept (the column holds 1024 characters).
const REASON_MAX: usize = 1000;

struct Plan {
    steps: Vec<u8>,
    bake_seconds: u64,
    max_rejected: u64,
}

fn plan(body: &StartRollout) -> Result<Plan, AdminError> {
    let steps = if body.steps.is_empty() {
        DEFAULT_STEPS.to_vec()
    } else {
        body.steps.clone()
    };
    if steps.len() > MAX_STEPS {
        return Err(AdminError::Invalid(format!(
            "a plan has at most {MAX_STEPS} steps, not {}",
            steps.len()
        )));
    }
    if let Some(p) = steps.iter().find(|p| **p == 0 || **p > 100) {
        return Err(AdminError::Invalid(format!(
            "each step is a share of 1 to 100 percent, not {p}"
        )));
    }
    if !steps.windows(2).all(|w| w[0] < w[1]) {
        return Err(AdminError::Invalid(format!(
            "the steps must grow: {steps:?}"
        )));
    }
    if steps.last() != Some(&100) {
        return Err(AdminError::Invalid(format!(
            "the last step must be 100 (every instance), not {}",
            steps.last().copied().unwrap_or(0)
        )));
    }
    let bake_seconds = body.bake_seconds.unwrap_or(DEFAULT_BAKE_SECONDS);
    if !(1..=MAX_BAKE_SECONDS).contains(&bake_seconds) {
        return Err(AdminError::Invalid(format!(
            "`bakeSeconds` is between 1 and {MAX_BAKE_SECONDS}, not {bake_seconds}"
        )));
    }
    if body.max_rejected > 1_000_000 {
        return Err(AdminError::Invalid(
            "`maxRejected` is at most 1000000".into(),
        ));
    }
    Ok(Plan {
        steps,
        bake_seconds,
        max_rejected: body.max_rejected,
    })
}

fn steps_of(r: &rollout::Model) -> Vec<u8> {
    r.steps.split(',').filter_map(|s| s.parse().ok()).collect()
}

fn step_share(r: &rollout::Model, step: i32) -> u8 {
    usize::try_from(step)
        .ok()
        .and_then(|i| steps_of(r).get(i).copied())
        .unwrap_or(100)
}

fn is_last_step(r: &rollout::Model) -> bool {
    usize::try_from(r.step).is_ok_and(|i| i + 1 >= steps_of(r).len())
}

fn at_of(state: &AdminState, r: &rollout::Model) -> Result<NamespaceAt, AdminError> {
    Ns {
        env: &r.env,
        app_id: &r.app_id,
        cluster: &r.cluster_name,
        namespace: &r.namespace_name,
    }
    .check(state)
}

/// Refuses a change of the branch while a rollout of it has not ended: what is rolled out is
/// what baked.
pub(crate) async fn refuse_while_open(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
    what: &str,
) -> Result<(), AdminError> {
    match rollouts::open_of(db, at.r()).await? {
        Some(open) => Err(AdminError::Conflict(format!(
            "rollout {} of gray branch `{}` of {at} is {}: abort it (or let it finish) before you {what}",
            open.id, open.branch_name, open.state
        ))
        .because("rollout_open", at.params())
        .with("rollout", open.id)
        .with("branch", open.branch_name)
        .with("state", open.state)
        .with("action", what)),
        None => Ok(()),
    }
}

/// Ends the namespace's open rollout because a person merged or abandoned its branch (in
/// their transaction).
pub(crate) async fn end_with_branch(
    txn: &DatabaseTransaction,
    at: &NamespaceAt,
    merged: bool,
    operator: &str,
) -> Result<(), AdminError> {
    let Some(mut r) = rollouts::open_of(txn, at.r()).await? else {
        return Ok(());
    };
    let (state, reason) = if merged {
        (COMPLETED, format!("`{operator}` merged the branch"))
    } else {
        (ABORTED, format!("`{operator}` abandoned the branch"))
    };
    r.state = state.into();
    r.reason = reason;
    r.ended_at = now_millis();
    let r = rollouts::save(txn, r, operator).await?;
    remember(txn, at, &r, state, operator, serde_json::json!({})).await
}

/// Starts a rollout of the namespace's gray branch: its release goes to the plan's first share
/// of the app's instances now.
pub async fn start(
    state: &AdminState,
    ns: Ns<'_>,
    body: &StartRollout,
) -> Result<Rollout, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&body.operator)?;
    let plan = plan(body)?;
    let title = body.release_title.trim().to_owned();
    if title.is_empty() {
        return Err(AdminError::Invalid(
            "`releaseTitle` must not be empty".into(),
        ));
    }
    if title.chars().count() > 256 || body.release_comment.chars().count() > 1024 {
        return Err(AdminError::Invalid(
            "`releaseTitle` is at most 256 characters and `releaseComment` at most 1024".into(),
        ));
    }
    let name = match &body.branch_name {
        Some(name) => name.clone(),
        None => branch_rows::active(state.db(), at.r())
            .await?
            .map(|rule| rule.branch_name)
            .ok_or_else(|| no_branch(&at, None))?,
    };
    let locked = lock(state, &at, &name).await?;
    let txn = &locked.txn;
    refuse_while_open(txn, &at, "start another").await?;
    if overrides_of(txn, &locked.branch).await?.is_empty() {
        return Err(AdminError::Invalid(format!(
            "gray branch `{name}` of {at} overrides nothing: there is nothing to roll out"
        ))
        .because("branch_overrides_nothing", at.params())
        .with("branch", name));
    }
    gray_verdict(txn, &at, &locked.branch, true).await?;
    let release = publish_branch(
        txn,
        &at,
        &locked.rule,
        &locked.branch,
        BranchRelease {
            title: &title,
            comment: &body.release_comment,
            operation: ReleaseOperation::GrayRelease,
        },
        &operator,
    )
    .await?;
    locks::release(txn, &[locked.branch.id]).await?;
    let base = releases::latest_active(txn, at.r()).await?;
    let steps: Vec<String> = plan.steps.iter().map(u8::to_string).collect();
    let r = rollouts::insert(
        txn,
        &NewRollout {
            main: at.r(),
            branch_name: &name,
            steps: steps.join(","),
            bake_seconds: i64::try_from(plan.bake_seconds).unwrap_or(i64::MAX),
            max_rejected: i64::try_from(plan.max_rejected).unwrap_or(i64::MAX),
            title: &title,
            comment: &body.release_comment,
            base_release_id: base.map_or(0, |b| b.id),
            start_release_id: release.id,
        },
        &operator,
    )
    .await?;
    set_share(
        txn,
        &at,
        &locked,
        release.id,
        &r,
        Some(plan.steps[0]),
        &operator,
    )
    .await?;
    let detail = serde_json::json!({
        "steps": plan.steps,
        "bakeSeconds": plan.bake_seconds,
        "maxRejected": plan.max_rejected,
        "releaseId": release.id,
        "releaseKey": release.release_key,
    });
    remember(txn, &at, &r, "started", &operator, detail).await?;
    let announced = vec![notify(txn, &at).await?];
    locked.txn.commit().await?;
    crate::published(&at.env, "gray");
    state.announce(announced);
    describe(state.db(), &r).await
}

/// The namespace's rollouts, newest first (at most 20).
pub async fn list(state: &AdminState, ns: Ns<'_>) -> Result<Vec<Rollout>, AdminError> {
    let at = ns.check(state)?;
    super::namespaces::existing(state.db(), &at).await?;
    let mut out = Vec::new();
    for r in rollouts::of(state.db(), at.r(), 20).await? {
        out.push(describe(state.db(), &r).await?);
    }
    Ok(out)
}

/// Rollout `id` of the namespace.
pub async fn get(state: &AdminState, ns: Ns<'_>, id: i64) -> Result<Rollout, AdminError> {
    let at = ns.check(state)?;
    let r = find(state.db(), &at, id).await?;
    describe(state.db(), &r).await
}

async fn find(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
    id: i64,
) -> Result<rollout::Model, AdminError> {
    rollouts::find(db, id)
        .await?
        .filter(|r| {
            r.env == at.env
                && r.app_id == at.app_id.as_str()
                && r.cluster_name == at.cluster.as_str()
                && r.namespace_name == at.namespace.as_str()
        })
        .ok_or_else(|| {
            AdminError::not_found("rollout_not_found", format!("{at} has no rollout {id}"))
                .because("not_found", at.params())
                .with("kind", "rollout")
                .with("name", id.to_string())
        })
}

/// A person pauses, resumes, advances or aborts rollout `id`.
pub async fn act(
    state: &AdminState,
    ns: Ns<'_>,
    id: i64,
    verb: RolloutVerb,
    body: &RolloutAction,
) -> Result<Rollout, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&body.operator)?;
    let r = find(state.db(), &at, id).await?;
    let locked = lock(state, &at, &r.branch_name)
        .await
        .map_err(|e| match e.inner() {
            // The branch went with the rollout (merged or abandoned).
            AdminError::NotFound { .. } => not_open(&r),
            _ => e,
        })?;
    let txn = &locked.txn;
    let mut r = find(txn, &at, id).await?;
    let open = r.state == RUNNING || r.state == PAUSED;
    if !open {
        return Err(not_open(&r));
    }
    let now = now_millis();
    let mut announced = Vec::new();
    match verb {
        RolloutVerb::Pause if r.state == PAUSED => return describe(state.db(), &r).await,
        RolloutVerb::Pause => {
            r.state = PAUSED.into();
            r.paused_at = now;
            r = rollouts::save(txn, r, &operator).await?;
            remember(txn, &at, &r, "paused", &operator, serde_json::json!({})).await?;
        }
        RolloutVerb::Resume if r.state == RUNNING => return describe(state.db(), &r).await,
        RolloutVerb::Resume => {
            // The bake clock stood still while it was paused.
            r.step_started_at += now - r.paused_at;
            r.paused_at = 0;
            r.state = RUNNING.into();
            r = rollouts::save(txn, r, &operator).await?;
            remember(txn, &at, &r, "resumed", &operator, serde_json::json!({})).await?;
        }
        RolloutVerb::Advance => {
            let (next, messages) = step_on(txn, &at, &locked, r, &operator).await?;
            r = next;
            announced.extend(messages);
        }
        RolloutVerb::Abort => {
            let reason = format!("aborted by `{operator}`");
            r = stop(txn, &at, &locked, r, ABORTED, reason, &operator).await?;
            announced.push(notify(txn, &at).await?);
        }
    }
    locked.txn.commit().await?;
    state.announce(announced);
    describe(state.db(), &r).await
}

fn not_open(r: &rollout::Model) -> AdminError {
    AdminError::Conflict(format!(
        "rollout {} has ended ({}): start a new one",
        r.id, r.state
    ))
    .because("rollout_ended", [("state", &r.state)])
    .with("rollout", r.id)
}

/// Sets the branch's rules to `share` of the app's instances (nobody when `None`), recorded in
/// the release history.
async fn set_share(
    txn: &DatabaseTransaction,
    at: &NamespaceAt,
    locked: &Locked,
    release_id: i64,
    r: &rollout::Model,
    share: Option<u8>,
    operator: &str,
) -> Result<(), AdminError> {
    let rules: Vec<GrayRuleItem> = share
        .map(|p| GrayRuleItem {
            client_app_id: at.app_id.as_str().to_owned(),
            percentage: Some(p),
            ..Default::default()
        })
        .into_iter()
        .collect();
    let json = serde_json::to_string(&rules).unwrap_or_else(|_| "[]".into());
    branch_rows::set_rules(txn, locked.rule.id, json, operator).await?;
    releases::insert_history(
        txn,
        NewHistory {
            namespace: at.r(),
            branch_name: &locked.rule.branch_name,
            release_id,
            previous_release_id: release_id,
            operation: ReleaseOperation::GrayRulesUpdate.code(),
            operation_context: serde_json::json!({"rules": rules, "rolloutId": r.id}).to_string(),
        },
        operator,
    )
    .await?;
    Ok(())
}

/// Records what happened to `r` (now in its new state) in the audit log and as an event.
async fn remember(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
    r: &rollout::Model,
    what: &str,
    operator: &str,
    mut detail: serde_json::Value,
) -> Result<(), AdminError> {
    detail["rolloutId"] = r.id.into();
    detail["branchName"] = r.branch_name.clone().into();
    detail["step"] = r.step.into();
    detail["percentage"] = step_share(r, r.step).into();
    if !r.reason.is_empty() {
        detail["reason"] = r.reason.clone().into();
    }
    record(
        db,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "rollout",
            entity_id: &format!("{at}/{}#{}", r.branch_name, r.id),
            operation: &format!("rollout_{what}"),
            operator,
        },
        detail.to_string(),
    )
    .await?;
    announce(db, at.r(), &format!("rollout.{what}"), detail, operator).await?;
    Ok(())
}

/// Moves `r` to its next step, or, from its last, merges the branch into main and publishes
/// main with the configuration that baked. The release messages to announce.
async fn step_on(
    txn: &DatabaseTransaction,
    at: &NamespaceAt,
    locked: &Locked,
    mut r: rollout::Model,
    operator: &str,
) -> Result<
    (
        rollout::Model,
        Vec<lyre_store::entity::release_message::Model>,
    ),
    AdminError,
> {
    let now = now_millis();
    if !is_last_step(&r) {
        r.step += 1;
        r.step_started_at = now;
        if r.state == PAUSED {
            r.paused_at = now;
        }
        let r = rollouts::save(txn, r, operator).await?;
        set_share(
            txn,
            at,
            locked,
            locked.rule.release_id,
            &r,
            Some(step_share(&r, r.step)),
            operator,
        )
        .await?;
        remember(txn, at, &r, "advanced", operator, serde_json::json!({})).await?;
        return Ok((r, vec![notify(txn, at).await?]));
    }
    // The last step baked: main gets exactly the branch's release.
    let baked = releases::find(txn, &at.env, locked.rule.release_id)
        .await?
        .ok_or_else(|| {
            AdminError::Conflict(format!(
                "gray branch `{}` of {at} holds no release to merge",
                r.branch_name
            ))
            .because("branch_holds_no_release", at.params())
            .with("branch", &r.branch_name)
        })?;
    let configuration = view::configurations(&baked)?;
    let changes = fold_overrides(txn, at, locked, operator).await?;
    let previous = releases::latest_active(txn, at.r()).await?;
    let release =
        store_release(txn, at.r(), &r.title, &r.comment, &configuration, operator).await?;
    releases::insert_history(
        txn,
        NewHistory {
            namespace: at.r(),
            branch_name: &r.branch_name,
            release_id: release.id,
            previous_release_id: previous.as_ref().map_or(0, |p| p.id),
            operation: ReleaseOperation::Merge.code(),
            operation_context: serde_json::json!({
                "branchReleaseId": baked.id,
                "rolloutId": r.id,
            })
            .to_string(),
        },
        operator,
    )
    .await?;
    let mut announced = delete_merged(txn, at, locked, release.id, operator).await?;
    locks::release(txn, &[locked.main.id, locked.branch.id]).await?;
    r.state = COMPLETED.into();
    r.ended_at = now;
    let r = rollouts::save(txn, r, operator).await?;
    let detail = serde_json::json!({"releaseId": release.id, "releaseKey": release.release_key, "changes": changes});
    remember(txn, at, &r, COMPLETED, operator, detail).await?;
    announced.push(notify(txn, at).await?);
    crate::published(&at.env, "merge");
    Ok((r, announced))
}

/// Stops `r` (halted or aborted) and empties the branch's rules: its instances go back to
/// main's release. The caller announces.
async fn stop(
    txn: &DatabaseTransaction,
    at: &NamespaceAt,
    locked: &Locked,
    mut r: rollout::Model,
    state: &str,
    reason: String,
    operator: &str,
) -> Result<rollout::Model, AdminError> {
    r.state = state.into();
    r.reason = reason.chars().take(REASON_MAX).collect();
    r.ended_at = now_millis();
    let r = rollouts::save(txn, r, operator).await?;
    set_share(txn, at, locked, locked.rule.release_id, &r, None, operator).await?;
    remember(txn, at, &r, state, operator, serde_json::json!({})).await?;
    lyre_service_kit::metrics::registry().count(
        "lyre_rollouts_stopped_total",
        "Staged rollouts stopped and rolled back, by environment and why (halted, aborted).",
        vec![("env", at.env.clone()), ("state", state.to_owned())],
        1,
    );
    Ok(r)
}

/// How a rollout's release fares among the app's instances since it started.
#[derive(Debug, Default)]
struct Fare {
    release_id: i64,
    release_key: String,
    read: u64,
    applied: u64,
    rejections: Vec<Rejection>,
}

/// The rollout's releases (ids and keys), oldest first: the branch's from its first on.
async fn releases_of(
    db: &impl ConnectionTrait,
    r: &rollout::Model,
) -> Result<Vec<(i64, String)>, AdminError> {
    let branch = NamespaceRef {
        env: &r.env,
        app_id: &r.app_id,
        cluster: &r.branch_name,
        namespace: &r.namespace_name,
    };
    Ok(releases::keys_from(db, branch, r.start_release_id).await?)
}

/// Whether `held` (keys joined with `+` for a public namespace) is one of `keys`.
fn holds(keys: &[(i64, String)], held: &str) -> bool {
    held.split('+')
        .any(|k| keys.iter().any(|(_, key)| key == k))
}

/// The instances whose latest report rejects one of the rollout's releases `keys`: all the
/// driver needs to decide.
async fn rejections(
    db: &impl ConnectionTrait,
    r: &rollout::Model,
    keys: &[(i64, String)],
) -> Result<Vec<Rejection>, AdminError> {
    let rejected =
        rollouts::rejections(db, &r.env, &r.app_id, &r.namespace_name, r.created_at).await?;
    Ok(rejected
        .into_iter()
        .filter(|(config, _)| holds(keys, &config.applied_release_key))
        .map(|(config, instance)| {
            let (ip, label) = instance.map(|i| (i.ip, i.label)).unwrap_or_default();
            Rejection {
                ip,
                label,
                release_key: config.applied_release_key,
                reason: config.apply_reason,
                at: rfc3339(config.applied_at),
            }
        })
        .collect())
}

async fn fare(db: &impl ConnectionTrait, r: &rollout::Model) -> Result<Fare, AdminError> {
    let keys = releases_of(db, r).await?;
    let reads =
        instances::reads_of_namespace(db, &r.env, &r.app_id, &r.namespace_name, r.created_at)
            .await?;
    let mut out = Fare::default();
    if let Some((id, key)) = keys.last() {
        out.release_id = *id;
        out.release_key.clone_from(key);
    }
    for read in reads.iter().filter(|c| holds(&keys, &c.release_key)) {
        out.read += 1;
        if read.apply_status == "applied" && read.applied_release_key == read.release_key {
            out.applied += 1;
        }
    }
    out.rejections = rejections(db, r, &keys).await?;
    Ok(out)
}

async fn describe(db: &impl ConnectionTrait, r: &rollout::Model) -> Result<Rollout, AdminError> {
    let mut fare = fare(db, r).await?;
    let rejected = fare.rejections.len() as u64;
    fare.rejections.truncate(REJECTIONS_SHOWN);
    let ended = r.state != RUNNING && r.state != PAUSED;
    let bake_ms = r.bake_seconds.saturating_mul(1000);
    Ok(Rollout {
        id: r.id,
        branch_name: r.branch_name.clone(),
        steps: steps_of(r),
        step: u32::try_from(r.step).unwrap_or(0),
        percentage: if r.state == HALTED || r.state == ABORTED {
            0
        } else {
            step_share(r, r.step)
        },
        state: r.state.clone(),
        bake_seconds: u64::try_from(r.bake_seconds).unwrap_or(0),
        max_rejected: u64::try_from(r.max_rejected).unwrap_or(0),
        reason: r.reason.clone(),
        release_title: r.title.clone(),
        release_comment: r.comment.clone(),
        base_release_id: r.base_release_id,
        release_id: fare.release_id,
        release_key: fare.release_key,
        step_started_at: rfc3339(r.step_started_at),
        next_step_at: (r.state == RUNNING).then(|| rfc3339(r.step_started_at + bake_ms)),
        ended_at: ended.then(|| rfc3339(r.ended_at)),
        read: fare.read,
        applied: fare.applied,
        rejected,
        rejections: fare.rejections,
        created_by: r.created_by.clone(),
        created_at: rfc3339(r.created_at),
        updated_by: r.updated_by.clone(),
        updated_at: rfc3339(r.updated_at),
    })
}

/// What the driver does with a running rollout now.
enum Decision {
    Wait,
    Halt(String),
    StepOn,
}

fn decide(r: &rollout::Model, rejections: &[Rejection], now: i64) -> Decision {
    // A paused rollout still halts on rejections; it only does not step on.
    let rejected = rejections.len() as u64;
    if rejected > u64::try_from(r.max_rejected).unwrap_or(0) {
        let first = &rejections[0];
        let who = if first.label.is_empty() {
            first.ip.clone()
        } else {
            format!("{} ({})", first.ip, first.label)
        };
        return Decision::Halt(format!(
            "{rejected} instance(s) rejected release {}; first {who}: {}",
            first.release_key, first.reason
        ));
    }
    if r.state == RUNNING && now - r.step_started_at >= r.bake_seconds.saturating_mul(1000) {
        Decision::StepOn
    } else {
        Decision::Wait
    }
}

/// Looks at open rollout `id` (whose lease the caller holds) and acts when it is due: halts it
/// on rejections (running or paused), else steps it on once its step baked (running).
async fn drive(state: &AdminState, id: i64) -> Result<(), AdminError> {
    let Some(r) = rollouts::find(state.db(), id).await? else {
        return Ok(());
    };
    if r.state != RUNNING && r.state != PAUSED {
        return Ok(());
    }
    // Decided first without the lock: most ticks find nothing due.
    let keys = releases_of(state.db(), &r).await?;
    let rejected = rejections(state.db(), &r, &keys).await?;
    if matches!(decide(&r, &rejected, now_millis()), Decision::Wait) {
        return Ok(());
    }
    let at = at_of(state, &r)?;
    let r_state = r.state.clone();
    let locked = match lock(state, &at, &r.branch_name).await {
        Ok(locked) => locked,
        Err(e) if matches!(e.inner(), AdminError::NotFound { .. }) => {
            // The branch is gone without its rollout ending (its cluster was deleted): end it.
            let txn = state.db().begin().await?;
            let Some(mut r) = rollouts::find(&txn, id)
                .await?
                .filter(|r| r.state == r_state)
            else {
                return Ok(());
            };
            r.state = ABORTED.into();
            r.reason = format!("gray branch `{}` no longer exists", r.branch_name);
            r.ended_at = now_millis();
            let r = rollouts::save(&txn, r, DRIVER).await?;
            remember(&txn, &at, &r, ABORTED, DRIVER, serde_json::json!({})).await?;
            txn.commit().await?;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let txn = &locked.txn;
    // Decided again under the lock: a person may have acted, reports may have come in.
    let open = |r: &rollout::Model| r.state == RUNNING || r.state == PAUSED;
    let Some(r) = rollouts::find(txn, id).await?.filter(open) else {
        return Ok(());
    };
    let mut announced = Vec::new();
    let rejected = rejections(txn, &r, &releases_of(txn, &r).await?).await?;
    match decide(&r, &rejected, now_millis()) {
        Decision::Wait => return Ok(()),
        Decision::Halt(reason) => {
            tracing::warn!(rollout = id, %at, %reason, "rollout halted and rolled back");
            stop(txn, &at, &locked, r, HALTED, reason, DRIVER).await?;
            announced.push(notify(txn, &at).await?);
        }
        Decision::StepOn => {
            let (r, messages) = step_on(txn, &at, &locked, r, DRIVER).await?;
            tracing::info!(rollout = id, %at, step = r.step, state = %r.state, "rollout stepped on");
            announced.extend(messages);
        }
    }
    locked.txn.commit().await?;
    state.announce(announced);
    Ok(())
}

/// Drives the open rollouts until `shutdown`: every second, each one whose lease this process
/// holds or can take.
pub fn spawn_driver(state: AdminState, shutdown: Shutdown) -> JoinHandle<()> {
    let owner = lyre_service_kit::net::process_name();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let stopped = shutdown.wait();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                () = &mut stopped => break,
                _ = tick.tick() => {}
            }
            let ids = match rollouts::open(state.db()).await {
                Ok(ids) => ids,
                Err(e) => {
                    tracing::warn!(error = %e, "could not list open rollouts");
                    continue;
                }
            };
            for id in ids {
                let until = now_millis() + millis(LEASE);
                match rollouts::take_lease(state.db(), id, &owner, until).await {
                    Ok(true) => {
                        if let Err(e) = drive(&state, id).await {
                            tracing::warn!(rollout = id, error = %e, "could not drive a rollout");
                        }
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(rollout = id, error = %e, "could not take a lease"),
                }
            }
        }
    })
}

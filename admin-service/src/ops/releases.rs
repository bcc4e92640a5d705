//! Releases: publishing a namespace, reading its releases and their history, the difference
//! between two, the changes not yet published, and rolling back. A publish or a rollback runs
//! under the namespace's lock in one transaction with its history, its notification and its
//! audit row.

use std::collections::HashMap;

use lyre_protocol::admin::{
    AdminPublish, Page, Release, ReleaseComparison, ReleaseHistory, ReleaseOperation,
    ReleaseSummary, Rollback, UnpublishedChanges,
};
use lyre_protocol::config::Configurations;
use lyre_protocol::names::{AppId, ClusterName, NamespaceName};
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::{items, locks};
use lyre_store::entity::release;
use lyre_store::page::PageRequest;
use lyre_store::sea_orm::ConnectionTrait;

use super::Ns;
use super::namespaces::existing;
use crate::domain::{
    Audit, announce, configurations_of, definition, diff, env_rules, lock_namespace,
    namespace_not_found, notify, record, store_release,
};
use crate::ops::apps::check_len;
use crate::params::{NamespaceAt, operator};
use crate::routes::releases::reviewed;
use crate::{AdminError, AdminState, view};

/// Publishes the namespace's items as a new release with a new key (even when nothing
/// changed), records it in release history, and notifies config services, all in one
/// transaction. Where the environment locks namespaces, the person holding the lock (who made
/// the changes) may not publish them, unless this is an emergency publish the environment
/// allows. With `release_request`, the approved request is checked and closed in that same
/// transaction.
pub async fn publish(
    state: &AdminState,
    ns: Ns<'_>,
    command: &AdminPublish,
) -> Result<Release, AdminError> {
    let AdminPublish {
        publish: body,
        release_request,
        ..
    } = command;
    let at = ns.check(state)?;
    let (operator, title) = check_publish(body)?;
    let title = title.as_str();

    let (_gate, txn, ns) = lock_namespace(state, &at).await?;
    refuse_branch(&txn, &at).await?;
    if let Some(id) = *release_request {
        reviewed::check(&txn, id, &at, "", body.revision).await?;
    }
    expect_revision(&at.to_string(), ns.revision, &ns.updated_by, body.revision)?;
    let rules = env_rules(&txn, &at.env).await?;
    if body.is_emergency_publish && !rules.emergency_publish_allowed {
        return Err(AdminError::Forbidden(format!(
            "emergency publishes are not allowed in {}",
            at.env
        ))
        .because("emergency_publish_not_allowed", [("env", &at.env)]));
    }
    let lock = locks::find(&txn, ns.id).await?;
    if rules.namespace_lock
        && !body.is_emergency_publish
        && lock.as_ref().is_some_and(|l| l.created_by == operator)
    {
        return Err(AdminError::Forbidden(format!(
            "`{operator}` made the unpublished changes of {at}; another person must review and \
             publish them"
        ))
        .because("own_changes", at.params())
        .with("user", operator));
    }
    let format = definition(&txn, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .ok_or_else(|| namespace_not_found(&at))?
        .format();
    let configurations = configurations_of(&items::list(&txn, ns.id).await?, format);
    let schema_problems = crate::ops::schemas::verdict(
        &txn,
        &at.env,
        at.app_id.as_str(),
        at.namespace.as_str(),
        format,
        &configurations,
    )
    .await?;
    let previous = releases::latest_active(&txn, at.r()).await?;
    let release = store_release(
        &txn,
        at.r(),
        title,
        &body.comment,
        &configurations,
        &operator,
    )
    .await?;
    let context = serde_json::json!({"isEmergencyPublish": body.is_emergency_publish});
    releases::insert_history(
        &txn,
        NewHistory {
            namespace: at.r(),
            branch_name: at.cluster.as_str(),
            release_id: release.id,
            previous_release_id: previous.as_ref().map_or(0, |p| p.id),
            operation: ReleaseOperation::NormalRelease.code(),
            operation_context: context.to_string(),
        },
        &operator,
    )
    .await?;
    // A gray branch follows main: its clients get main's release for every key it does not
    // override.
    crate::ops::branches::follow_main(&txn, &at, ReleaseOperation::MainToGray, title, &operator)
        .await?;
    let announced = vec![notify(&txn, &at).await?];
    locks::release(&txn, &[ns.id]).await?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "release",
            entity_id: &at.to_string(),
            operation: if body.is_emergency_publish {
                "emergency_publish"
            } else {
                "publish"
            },
            operator: &operator,
        },
        serde_json::json!({
            "releaseId": release.id,
            "releaseKey": release.release_key,
            "previousReleaseId": previous.as_ref().map_or(0, |p| p.id),
            "title": title,
            "releaseRequest": release_request,
        })
        .to_string(),
    )
    .await?;
    announce(
        &txn,
        at.r(),
        "release.published",
        serde_json::json!({
            "releaseId": release.id,
            "releaseKey": release.release_key,
            "previousReleaseId": previous.as_ref().map_or(0, |p| p.id),
            "title": title,
            "isEmergencyPublish": body.is_emergency_publish,
            "releaseRequest": release_request,
        }),
        &operator,
    )
    .await?;
    if let Some(id) = *release_request {
        reviewed::close(&txn, id, release.id, &operator).await?;
    }
    txn.commit().await?;
    crate::published(&at.env, "normal");
    state.announce(announced);
    tracing::info!(namespace = %at, release.key = %release.release_key, "published");
    let mut answer = view::release(release)?;
    answer.schema_problems = schema_problems;
    Ok(answer)
}

/// A publish's operator and trimmed title, checked (a title, at most 256 characters; a comment
/// of at most 1024).
pub(crate) fn check_publish(
    body: &lyre_protocol::admin::Publish,
) -> Result<(String, String), AdminError> {
    let operator = operator(&body.operator)?;
    let title = body.title.trim().to_owned();
    if title.is_empty() {
        return Err(AdminError::Invalid("`title` must not be empty".into()));
    }
    check_len("title", &title, 256)?;
    check_len("comment", &body.comment, 1024)?;
    Ok((operator, title))
}

/// Refuses to publish a gray branch as if it were main: a branch is published with its
/// overrides merged onto main's release.
pub(crate) async fn refuse_branch(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
) -> Result<(), AdminError> {
    let cluster =
        lyre_store::config::clusters::find(db, &at.env, at.app_id.as_str(), at.cluster.as_str())
            .await?;
    if cluster.is_some_and(|c| c.parent_cluster_id != 0) {
        return Err(AdminError::Invalid(format!(
            "`{}` is a gray branch: publish it with POST .../namespaces/{}/branches/{}/releases on its main cluster",
            at.cluster, at.namespace, at.cluster
        )));
    }
    Ok(())
}

/// Refuses a publish that names a revision the namespace is no longer at.
pub(crate) fn expect_revision(
    what: &str,
    current: i64,
    changed_by: &str,
    expected: Option<i64>,
) -> Result<(), AdminError> {
    match expected {
        Some(expected) if expected != current => Err(AdminError::Changed(format!(
            "{what} is at revision {current}, not {expected}: `{changed_by}` changed it since"
        ))
        .because("revision_changed", [("what", what), ("user", changed_by)])
        .with("revision", current)
        .with("expected", expected)),
        _ => Ok(()),
    }
}

pub(crate) fn release_not_found(env: &str, id: i64) -> AdminError {
    AdminError::not_found(
        "release_not_found",
        format!("release {id} does not exist in {env}"),
    )
    .because("not_found", [("kind", "release"), ("env", env)])
    .with("name", id.to_string())
}

/// The release `id` of `env`.
async fn find(state: &AdminState, env: &str, id: i64) -> Result<release::Model, AdminError> {
    releases::find(state.db(), env, id)
        .await?
        .ok_or_else(|| release_not_found(env, id))
}

/// The namespace's releases, newest first (abandoned ones included and marked).
pub async fn list(
    state: &AdminState,
    ns: Ns<'_>,
    page: PageRequest,
) -> Result<Page<ReleaseSummary>, AdminError> {
    let at = ns.check(state)?;
    existing(state.db(), &at).await?;
    let found = releases::list(state.db(), at.r(), page).await?;
    Ok(Page {
        items: found.items.iter().map(view::release_summary).collect(),
        page: page.page,
        size: page.size,
        total: found.total,
    })
}

/// The release served now: the latest that is not abandoned.
pub async fn latest(state: &AdminState, ns: Ns<'_>) -> Result<Release, AdminError> {
    let at = ns.check(state)?;
    existing(state.db(), &at).await?;
    let release = releases::latest_active(state.db(), at.r())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "release_not_found",
                format!("namespace {at} has never been published"),
            )
            .because("never_published", at.params())
        })?;
    view::release(release)
}

/// The release `id` of `env`.
pub async fn get(state: &AdminState, env: &str, id: i64) -> Result<Release, AdminError> {
    let env = state.env(env)?;
    view::release(find(state, &env, id).await?)
}

/// How release `to` differs from release `base` (0 for none: every key is then added).
pub async fn compare(
    state: &AdminState,
    env: &str,
    base: i64,
    to: i64,
) -> Result<ReleaseComparison, AdminError> {
    let env = state.env(env)?;
    let mut loaded = Vec::with_capacity(2);
    for id in [base, to] {
        loaded.push(if id == 0 {
            Configurations::default()
        } else {
            view::configurations(&find(state, &env, id).await?)?
        });
    }
    Ok(ReleaseComparison {
        base_release_id: base,
        to_release_id: to,
        changes: diff(&loaded[0], &loaded[1]),
    })
}

/// The changes not yet published: the namespace's items against its latest release. This is
/// what a person reviews before publishing.
pub async fn changes(state: &AdminState, ns: Ns<'_>) -> Result<UnpublishedChanges, AdminError> {
    let at = ns.check(state)?;
    let (ns, def) = existing(state.db(), &at).await?;
    let current = configurations_of(&items::list(state.db(), ns.id).await?, def.format());
    let latest = releases::latest_active(state.db(), at.r()).await?;
    let released = match &latest {
        Some(release) => view::configurations(release)?,
        None => Configurations::default(),
    };
    Ok(UnpublishedChanges {
        base_release: latest.as_ref().map(view::release_summary),
        revision: ns.revision,
        changes: diff(&released, &current),
    })
}

/// The namespace's release history, newest first, each entry with its operation.
pub async fn histories(
    state: &AdminState,
    ns: Ns<'_>,
    page: PageRequest,
) -> Result<Page<ReleaseHistory>, AdminError> {
    let at = ns.check(state)?;
    existing(state.db(), &at).await?;
    let found = releases::list_history(state.db(), at.r(), page).await?;
    let ids: Vec<i64> = found.items.iter().map(|h| h.release_id).collect();
    let titles: HashMap<i64, String> = releases::titles(state.db(), &ids)
        .await?
        .into_iter()
        .collect();
    Ok(Page {
        items: found
            .items
            .into_iter()
            .map(|h| {
                let title = titles.get(&h.release_id).cloned().unwrap_or_default();
                view::history(h, title)
            })
            .collect(),
        page: page.page,
        size: page.size,
        total: found.total,
    })
}

/// Rolls a namespace back from its latest release `id` to the release before it, or to
/// `to_release_id`: the releases after that one are abandoned and never served again, clients
/// are notified, and the namespace's unpublished edits are left alone.
pub async fn rollback(
    state: &AdminState,
    env: &str,
    id: i64,
    operator_name: &str,
    to_release_id: Option<i64>,
) -> Result<Rollback, AdminError> {
    let env = state.env(env)?;
    let operator = operator(operator_name)?;
    let release = find(state, &env, id).await?;
    let invalid_name = |e: lyre_protocol::names::NameError| AdminError::Invalid(e.to_string());
    let at = NamespaceAt {
        env: env.clone(),
        app_id: AppId::parse(&release.app_id).map_err(invalid_name)?,
        cluster: ClusterName::parse(&release.cluster_name).map_err(invalid_name)?,
        namespace: NamespaceName::parse(&release.namespace_name).map_err(invalid_name)?,
    };

    let (_gate, txn, _ns) = lock_namespace(state, &at).await?;
    refuse_branch(&txn, &at).await?;
    // Read again under the lock: another rollback or publish may have come first.
    let active = releases::active(&txn, at.r(), None).await?;
    let Some(latest) = active.first() else {
        return Err(AdminError::Invalid(format!(
            "namespace {at} has no active release"
        )));
    };
    if latest.id != release.id {
        return Err(AdminError::Conflict(format!(
            "release {} is not the one {at} serves (that is release {}); only the latest active \
             release can be rolled back",
            release.id, latest.id
        ))
        .because("not_latest_release", at.params())
        .with("release", release.id)
        .with("latest", latest.id));
    }
    let target = match to_release_id {
        None => active.get(1).ok_or_else(|| {
            AdminError::Invalid(format!(
                "release {} is the first active release of {at}: there is nothing to roll back to",
                release.id
            ))
        })?,
        Some(id) => active.iter().find(|r| r.id == id && r.id < release.id).ok_or_else(|| {
            AdminError::Invalid(format!(
                "release {id} is not an earlier active release of {at}, so it cannot be rolled back to"
            ))
        })?,
    };
    let abandoned: Vec<_> = active.iter().take_while(|r| r.id > target.id).collect();
    let ids: Vec<i64> = abandoned.iter().map(|r| r.id).collect();
    let format = definition(&txn, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .map_or(lyre_protocol::format::Format::Properties, |d| d.format());
    let schema_problems = crate::ops::schemas::advice(
        &txn,
        &at.env,
        at.app_id.as_str(),
        at.namespace.as_str(),
        format,
        &view::configurations(target)?,
    )
    .await?;
    releases::abandon(&txn, &ids, &operator).await?;
    releases::insert_history(
        &txn,
        NewHistory {
            namespace: at.r(),
            branch_name: at.cluster.as_str(),
            release_id: target.id,
            previous_release_id: release.id,
            operation: ReleaseOperation::Rollback.code(),
            operation_context: serde_json::json!({"abandonedReleaseIds": ids}).to_string(),
        },
        &operator,
    )
    .await?;
    // A gray branch follows main: its clients get main's release for every key it does not
    // override.
    crate::ops::branches::follow_main(
        &txn,
        &at,
        ReleaseOperation::RollbackToGray,
        &target.name,
        &operator,
    )
    .await?;
    let announced = vec![notify(&txn, &at).await?];
    record(
        &txn,
        Audit {
            env: &env,
            app_id: at.app_id.as_str(),
            entity_type: "release",
            entity_id: &at.to_string(),
            operation: "rollback",
            operator: &operator,
        },
        serde_json::json!({
            "from": release.id,
            "fromTitle": release.name,
            "to": target.id,
            "title": target.name,
            "abandoned": ids,
        })
        .to_string(),
    )
    .await?;
    announce(
        &txn,
        at.r(),
        "release.rolled_back",
        serde_json::json!({
            "fromReleaseId": release.id,
            "fromTitle": release.name,
            "toReleaseId": target.id,
            "toReleaseKey": target.release_key,
            "title": target.name,
            "abandonedReleaseIds": ids,
        }),
        &operator,
    )
    .await?;
    let result = Rollback {
        abandoned: abandoned
            .iter()
            .map(|r| {
                let mut summary = view::release_summary(r);
                summary.is_abandoned = true;
                summary
            })
            .collect(),
        active: view::release_summary(target),
        schema_problems,
    };
    txn.commit().await?;
    crate::published(&at.env, "rollback");
    state.announce(announced);
    tracing::info!(namespace = %at, from = release.id, to = target.id, "rolled back");
    Ok(result)
}

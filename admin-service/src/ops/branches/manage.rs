//! Creating, reading and abandoning a branch, and the instances on its release.

use lyre_protocol::admin::{Branch, Instance, Page, ReleaseOperation};
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::{branches, clusters, instances, namespaces};
use lyre_store::page::PageRequest;
use lyre_store::time::now_millis;

use super::{branch_at, describe, lock, no_branch};
use crate::domain::{
    Audit, announce, delete_namespaces, lock_namespace, notify, record, release_key,
};
use crate::ops::Ns;
use crate::ops::instances::{Recent, SchemaVersions, page_of};
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The namespace's gray branch.
pub async fn get(state: &AdminState, ns: Ns<'_>) -> Result<Branch, AdminError> {
    let at = ns.check(state)?;
    crate::ops::namespaces::existing(state.db(), &at).await?;
    let rule = branches::active(state.db(), at.r())
        .await?
        .ok_or_else(|| no_branch(&at, None))?;
    let branch = namespaces::find(state.db(), branch_at(&at, &rule.branch_name)?.r())
        .await?
        .ok_or_else(|| no_branch(&at, None))?;
    describe(state.db(), &at, &rule, &branch).await
}

/// Creates the namespace's gray branch (at most one per namespace and cluster): a child cluster
/// with no overrides and no rules, serving nobody until it is published and given rules.
pub async fn create(
    state: &AdminState,
    ns: Ns<'_>,
    operator_name: &str,
) -> Result<Branch, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(operator_name)?;
    let (_gate, txn, _main) = lock_namespace(state, &at).await?;
    if let Some(existing) = branches::active(&txn, at.r()).await? {
        return Err(AdminError::AlreadyExists(format!(
            "namespace {at} already has the gray branch `{}`; merge or abandon it first",
            existing.branch_name
        ))
        .because("branch_exists", at.params())
        .with("branch", &existing.branch_name));
    }
    let parent = clusters::find(&txn, &at.env, at.app_id.as_str(), at.cluster.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "cluster_not_found",
                format!("cluster `{}` does not exist", at.cluster),
            )
            .because(
                "not_found",
                [("kind", "cluster"), ("name", at.cluster.as_str())],
            )
        })?;
    if parent.parent_cluster_id != 0 {
        return Err(AdminError::Invalid(format!(
            "`{}` is a gray branch; a branch cannot have one",
            at.cluster
        ))
        .because("branch_of_branch", [("branch", at.cluster.as_str())]));
    }
    let name = release_key();
    clusters::insert(
        &txn,
        &at.env,
        at.app_id.as_str(),
        &name,
        parent.id,
        &format!("gray branch of {}", at.namespace),
        &operator,
    )
    .await?;
    let branch_ns = namespaces::insert(&txn, branch_at(&at, &name)?.r(), &operator).await?;
    let rule = branches::insert(&txn, at.r(), &name, &operator).await?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "branch",
            entity_id: &format!("{at}/{name}"),
            operation: "create",
            operator: &operator,
        },
        "{}".into(),
    )
    .await?;
    let branch = describe(&txn, &at, &rule, &branch_ns).await?;
    txn.commit().await?;
    Ok(branch)
}

/// Abandons the branch: its clients go back to main, its overrides and releases are kept as
/// history only.
pub async fn abandon(
    state: &AdminState,
    ns: Ns<'_>,
    branch: &str,
    operator_name: &str,
) -> Result<(), AdminError> {
    let (at, name) = (ns.check(state)?, branch.to_owned());
    let operator = operator(operator_name)?;
    let locked = lock(state, &at, &name).await?;
    let txn = &locked.txn;
    crate::ops::rollouts::end_with_branch(txn, &at, false, &operator).await?;
    let main_release = releases::latest_active(txn, at.r()).await?;
    let mut announced = delete_namespaces(
        txn,
        std::slice::from_ref(&locked.branch),
        &operator,
        now_millis(),
    )
    .await?;
    if let Some(cluster) = clusters::find(txn, &at.env, at.app_id.as_str(), &name).await? {
        clusters::soft_delete(txn, &[cluster.id], &operator, now_millis()).await?;
    }
    branches::end(txn, locked.rule.id, branches::ABANDONED, &operator).await?;
    releases::insert_history(
        txn,
        NewHistory {
            namespace: at.r(),
            branch_name: &name,
            release_id: main_release.as_ref().map_or(0, |r| r.id),
            previous_release_id: locked.rule.release_id,
            operation: ReleaseOperation::AbandonGray.code(),
            operation_context: "{}".into(),
        },
        &operator,
    )
    .await?;
    announced.push(notify(txn, &at).await?);
    record(
        txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "branch",
            entity_id: &format!("{at}/{name}"),
            operation: "abandon",
            operator: &operator,
        },
        "{}".into(),
    )
    .await?;
    announce(
        txn,
        at.r(),
        "gray.abandoned",
        serde_json::json!({ "branchName": name }),
        &operator,
    )
    .await?;
    locked.txn.commit().await?;
    state.announce(announced);
    Ok(())
}

/// The instances served the branch's release, most recent first.
pub async fn instances(
    state: &AdminState,
    ns: Ns<'_>,
    branch: &str,
    recent: Recent,
    page: PageRequest,
) -> Result<Page<Instance>, AdminError> {
    let (at, name) = (ns.check(state)?, branch);
    crate::ops::namespaces::existing(state.db(), &at).await?;
    let request = page;
    let found = instances::of_namespace(
        state.db(),
        &at.env,
        at.app_id.as_str(),
        Some(name),
        at.namespace.as_str(),
        recent.since(),
        request,
    )
    .await?;
    let versions =
        SchemaVersions::of(state.db(), at.app_id.as_str(), at.namespace.as_str()).await?;
    page_of(state.db(), &at.env, found, request, &versions).await
}

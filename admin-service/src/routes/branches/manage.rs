//! Creating, reading and abandoning a branch, and the instances on its release.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Branch, Instance, OperatorBody, Page, ReleaseOperation};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::{branches, clusters, instances, namespaces};
use lyre_store::time::now_millis;
use serde::Deserialize;

use super::{branch_at, describe, lock, no_branch};
use crate::domain::{Audit, delete_namespaces, lock_namespace, record, release_key};
use crate::params::{NamespaceAt, NamespacePath, OperatorQuery, PageQuery, operator};
use crate::routes::instances::{RecentQuery, view as instance_view};
use crate::{AdminError, AdminState};

/// `.../namespaces/{namespaceName}/branches/{branchName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BranchPath {
    env: String,
    app_id: String,
    cluster_name: String,
    namespace_name: String,
    branch_name: String,
}

impl BranchPath {
    pub(crate) fn check(&self, state: &AdminState) -> Result<(NamespaceAt, String), AdminError> {
        let at = NamespaceAt {
            env: state.env(&self.env)?,
            app_id: crate::params::app_id(&self.app_id)?,
            cluster: crate::params::cluster_name(&self.cluster_name)?,
            namespace: crate::params::namespace_name(&self.namespace_name)?,
        };
        Ok((at, self.branch_name.clone()))
    }
}

/// The namespace's gray branch.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The branch", body = Branch),
        (status = 404, description = "No such namespace, or no branch", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<Branch>, AdminError> {
    let at = path.check(&state)?;
    crate::routes::namespaces::existing(state.db(), &at).await?;
    let rule = branches::active(state.db(), at.r())
        .await?
        .ok_or_else(|| no_branch(&at, None))?;
    let branch = namespaces::find(state.db(), branch_at(&at, &rule.branch_name)?.r())
        .await?
        .ok_or_else(|| no_branch(&at, None))?;
    Ok(Json(describe(state.db(), &at, &rule, &branch).await?))
}

/// Creates the namespace's gray branch (at most one per namespace and cluster): a child cluster
/// with no overrides and no rules, serving nobody until it is published and given rules.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    request_body = OperatorBody,
    responses(
        (status = 201, description = "Created", body = Branch),
        (status = 400, description = "The cluster is itself a branch", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 409, description = "The namespace has a branch already", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Json(body): Json<OperatorBody>,
) -> Result<(StatusCode, Json<Branch>), AdminError> {
    let at = path.check(&state)?;
    let operator = operator(&body.operator)?;
    let (_gate, txn, _main) = lock_namespace(&state, &at).await?;
    if let Some(existing) = branches::active(&txn, at.r()).await? {
        return Err(AdminError::AlreadyExists(format!(
            "namespace {at} already has the gray branch `{}`; merge or abandon it first",
            existing.branch_name
        )));
    }
    let parent = clusters::find(&txn, &at.env, at.app_id.as_str(), at.cluster.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "cluster_not_found",
                format!("cluster `{}` does not exist", at.cluster),
            )
        })?;
    if parent.parent_cluster_id != 0 {
        return Err(AdminError::Invalid(format!(
            "`{}` is a gray branch; a branch cannot have one",
            at.cluster
        )));
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
    Ok((StatusCode::CREATED, Json(branch)))
}

/// Abandons the branch: its clients go back to main, its overrides and releases are kept as
/// history only.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Abandoned"),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn abandon(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let (at, name) = path.check(&state)?;
    let operator = query.operator()?;
    let locked = lock(&state, &at, &name).await?;
    let txn = &locked.txn;
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
    let message = releases::message_key(
        at.app_id.as_str(),
        at.cluster.as_str(),
        at.namespace.as_str(),
    );
    announced.push(releases::insert_message(txn, &at.env, &message).await?);
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
    locked.txn.commit().await?;
    state.announce(announced);
    Ok(StatusCode::NO_CONTENT)
}

/// The instances served the branch's release, most recent first.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/instances",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        RecentQuery,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn instances(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
    Query(recent): Query<RecentQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Instance>>, AdminError> {
    let (at, name) = path.check(&state)?;
    crate::routes::namespaces::existing(state.db(), &at).await?;
    let request = page.request();
    let found = instances::of_namespace(
        state.db(),
        &at.env,
        at.app_id.as_str(),
        Some(&name),
        at.namespace.as_str(),
        recent.since(),
        request,
    )
    .await?;
    Ok(Json(Page {
        items: found.items.into_iter().map(instance_view).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

//! Gray branches over HTTP; the operations are `crate::ops::branches`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    AdminPublish, Branch, GrayRules, Instance, OperatorBody, Page, Release, SetOverride,
    UpdateGrayRules,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops::Ns;
use crate::ops::branches::{self, overrides, rules};
use crate::params::{NamespacePath, OperatorQuery, PageQuery};
use crate::routes::instances::RecentQuery;
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
    /// The main namespace as named, and the branch's name.
    fn ns(&self) -> (Ns<'_>, &str) {
        let ns = Ns {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster_name,
            namespace: &self.namespace_name,
        };
        (ns, &self.branch_name)
    }
}

/// `.../branches/{branchName}/overrides/{key}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OverridePath {
    env: String,
    app_id: String,
    cluster_name: String,
    namespace_name: String,
    branch_name: String,
    key: String,
}

impl OverridePath {
    /// The main namespace as named, the branch's name and the key.
    fn ns(&self) -> (Ns<'_>, &str, &str) {
        let ns = Ns {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster_name,
            namespace: &self.namespace_name,
        };
        (ns, &self.branch_name, &self.key)
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
    branches::get(&state, path.ns()).await.map(Json)
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
    let branch = branches::create(&state, path.ns(), &body.operator).await?;
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
    let (ns, branch) = path.ns();
    let operator = query.operator.as_deref().unwrap_or("");
    branches::abandon(&state, ns, branch, operator).await?;
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
    let (ns, branch) = path.ns();
    branches::instances(&state, ns, branch, recent.recent(), page.request())
        .await
        .map(Json)
}

/// The branch's rules.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
    ),
    responses(
        (status = 200, description = "The rules", body = GrayRules),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn get_rules(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
) -> Result<Json<GrayRules>, AdminError> {
    let (ns, branch) = path.ns();
    rules::get(&state, ns, branch).await.map(Json)
}

/// Replaces the branch's rules. Clients whose selection changes are notified and move to (or
/// from) the branch's release.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
    ),
    request_body = UpdateGrayRules,
    responses(
        (status = 200, description = "The rules now", body = GrayRules),
        (status = 400, description = "A rule is invalid", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn put_rules(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
    Json(body): Json<UpdateGrayRules>,
) -> Result<Json<GrayRules>, AdminError> {
    let (ns, branch) = path.ns();
    rules::set(&state, ns, branch, &body).await.map(Json)
}

/// Sets the branch's override of a key: a value for gray clients, or (`deleted`) no such key.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/overrides/{key}",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        ("key" = String, Path, description = "The key"),
    ),
    request_body = SetOverride,
    responses(
        (status = 200, description = "The branch now", body = Branch),
        (status = 400, description = "The key or value is invalid", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn put_override(
    State(state): State<AdminState>,
    Path(path): Path<OverridePath>,
    Json(body): Json<SetOverride>,
) -> Result<Json<Branch>, AdminError> {
    let (ns, branch, key) = path.ns();
    overrides::set(&state, ns, branch, key, &body)
        .await
        .map(Json)
}

/// Removes the branch's override of a key: gray clients get main's value again.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/overrides/{key}",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        ("key" = String, Path, description = "The key"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such branch or override", body = ErrorBody),
    )
)]
pub(crate) async fn delete_override(
    State(state): State<AdminState>,
    Path(path): Path<OverridePath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let (ns, branch, key) = path.ns();
    let operator = query.operator.as_deref().unwrap_or("");
    overrides::delete(&state, ns, branch, key, operator).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes the branch: main's latest release with the branch's overrides, served to the
/// clients its rules select (who are notified).
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/releases",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
    ),
    request_body = AdminPublish,
    responses(
        (status = 201, description = "Published", body = Release),
        (status = 403, description = "The publisher made the locked changes", body = ErrorBody),
        (status = 404, description = "No such branch, or release request", body = ErrorBody),
        (status = 409, description = "Changed since `revision`, or the release request is not approved", body = ErrorBody),
    )
)]
pub(crate) async fn gray_publish(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
    Json(command): Json<AdminPublish>,
) -> Result<(StatusCode, Json<Release>), AdminError> {
    let (ns, branch) = path.ns();
    let release = branches::publish(&state, ns, branch, &command).await?;
    Ok((StatusCode::CREATED, Json(release)))
}

/// `?deleteBranch=true`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MergeQuery {
    /// Delete the branch after merging (default true).
    #[serde(default = "yes")]
    delete_branch: bool,
}

fn yes() -> bool {
    true
}

/// Merges the branch into main: its overrides become main's items (recorded as one commit),
/// main is published, and the branch is deleted (or, with `deleteBranch=false`, kept and
/// republished on the new main release).
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/merge",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        MergeQuery,
    ),
    request_body = AdminPublish,
    responses(
        (status = 201, description = "Merged; main's new release", body = Release),
        (status = 404, description = "No such branch", body = ErrorBody),
        (status = 409, description = "Main moved past `mainRevision`, or the branch past `revision`", body = ErrorBody),
    )
)]
pub(crate) async fn merge(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
    Query(query): Query<MergeQuery>,
    Json(command): Json<AdminPublish>,
) -> Result<(StatusCode, Json<Release>), AdminError> {
    let (ns, branch) = path.ns();
    let release = branches::merge(&state, ns, branch, query.delete_branch, &command).await?;
    Ok((StatusCode::CREATED, Json(release)))
}

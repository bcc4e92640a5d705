//! Releases, rollbacks, gray branches and release requests through the Open API.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AdminPublish, Branch, GrayRules, Publish, Release, UpdateGrayRules};
use lyre_protocol::gray::GrayRuleItem;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{
    OpenGrayRules, OpenNamespace, OpenPage, OpenPublish, OpenRelease, OpenReleaseHistory,
};
use super::items::OperatorParam;
use super::require_read;
use crate::auth::Caller;
use crate::routes::branches::merge_as;
use crate::routes::queries::PageQuery;
use crate::routes::releases::{check_review_bypass, publish_directly, rollback_as};
use crate::routes::requests::{
    OpenRequest, ReleaseRequest, RequestPath, get_as, open_as, publish_as,
};
use crate::routes::scope::{BranchPath, Ns, NsAt, NsPath, ReleasePath};
use crate::{PortalError, PortalState};

fn publish_body(body: OpenPublish, operator: String) -> Publish {
    Publish {
        title: body.release_title,
        comment: body.release_comment,
        operator,
        is_emergency_publish: body.is_emergency_publish,
        revision: None,
    }
}

/// Publishes the namespace (release permission). Where the environment requires review, open
/// a release request instead (`POST .../release-requests`).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "open api",
    params(NsPath),
    request_body = OpenPublish,
    responses(
        (status = 200, description = "Published", body = OpenRelease),
        (status = 403, description = "No release permission, or the environment requires review", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 422, description = "The namespace does not fit its schema, which the \
            environment enforces", body = lyre_admin_service::SchemaViolationBody),
    )
)]
pub(crate) async fn publish(
    caller: Caller,
    ns: Ns,
    Json(body): Json<OpenPublish>,
) -> Result<Json<OpenRelease>, PortalError> {
    let operator = caller
        .operator(ns.state(), body.released_by.as_deref())
        .await?;
    let release: Release = publish_directly(
        ns.state(),
        &caller.grants,
        &operator,
        &ns.at,
        publish_body(body, operator.clone()),
    )
    .await?;
    Ok(Json(release.into()))
}

/// The release clients get now.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/latest",
    tag = "open api",
    params(NsPath),
    responses(
        (status = 200, description = "The latest release", body = OpenRelease),
        (status = 404, description = "Never released", body = ErrorBody),
    )
)]
pub(crate) async fn latest(ns: Ns) -> Result<Json<OpenRelease>, PortalError> {
    let release = ns.call(call::releases::Latest { ns: ns.name() }).await?;
    Ok(Json(release.into()))
}

/// The namespace's release history, newest first (beyond Apollo's Open API).
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/histories",
    tag = "open api",
    params(NsPath, PageQuery),
    responses(
        (status = 200, description = "One page of history", body = OpenPage<OpenReleaseHistory>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn histories(
    ns: Ns,
    Query(query): Query<PageQuery>,
) -> Result<Json<OpenPage<OpenReleaseHistory>>, PortalError> {
    let page = ns
        .call(call::releases::Histories {
            ns: ns.name(),
            page: query.request(),
        })
        .await?;
    Ok(Json(OpenPage {
        page: page.page,
        size: page.size,
        total: page.total,
        content: page
            .items
            .into_iter()
            .map(OpenReleaseHistory::from)
            .collect(),
    }))
}

/// Who rolls back, and to which release.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollbackParams {
    /// An existing user (a consumer's own name when absent).
    operator: Option<String>,
    /// The release to go back to; by default the one before.
    to_release_id: Option<i64>,
}

/// Rolls a namespace back from release `releaseId` (release permission).
#[utoipa::path(
    put,
    path = "/openapi/v1/envs/{env}/releases/{releaseId}/rollback",
    tag = "open api",
    params(ReleasePath, RollbackParams),
    responses(
        (status = 200, description = "Rolled back"),
        (status = 403, description = "No release permission", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
        (status = 409, description = "Not the latest release", body = ErrorBody),
    )
)]
pub(crate) async fn rollback(
    State(state): State<PortalState>,
    caller: Caller,
    Path(path): Path<ReleasePath>,
    Query(query): Query<RollbackParams>,
) -> Result<(), PortalError> {
    let operator = caller.operator(&state, query.operator.as_deref()).await?;
    rollback_as(
        &state,
        &caller.grants,
        &operator,
        &path.env,
        path.release_id,
        query.to_release_id,
    )
    .await?;
    Ok(())
}

async fn branch_namespace(
    state: &PortalState,
    at: &NsAt,
    branch: &Branch,
) -> Result<OpenNamespace, PortalError> {
    let branch_at = NsAt {
        cluster: branch.branch_name.clone(),
        ..at.clone()
    };
    super::with_items(state, &branch_at).await
}

/// The namespace's gray branch, as a namespace of the branch's cluster with its overrides as
/// items.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches",
    tag = "open api",
    params(NsPath),
    responses(
        (status = 200, description = "The branch", body = OpenNamespace),
        (status = 404, description = "No branch", body = ErrorBody),
    )
)]
pub(crate) async fn branch(ns: Ns) -> Result<Json<OpenNamespace>, PortalError> {
    let branch = ns.call(call::branches::Get { ns: ns.name() }).await?;
    branch_namespace(ns.state(), &ns.at, &branch)
        .await
        .map(Json)
}

/// Creates the namespace's gray branch (modify permission).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches",
    tag = "open api",
    params(NsPath, OperatorParam),
    responses(
        (status = 200, description = "Created", body = OpenNamespace),
        (status = 409, description = "There is a branch already", body = ErrorBody),
    )
)]
pub(crate) async fn create_branch(
    caller: Caller,
    ns: Ns,
    Query(query): Query<OperatorParam>,
) -> Result<Json<OpenNamespace>, PortalError> {
    let operator = caller
        .operator(ns.state(), query.operator.as_deref())
        .await?;
    let branch = ns
        .call(call::branches::Create {
            ns: ns.name(),
            operator: operator.clone(),
        })
        .await?;
    branch_namespace(ns.state(), &ns.at, &branch)
        .await
        .map(Json)
}

/// Abandons the gray branch (release permission).
#[utoipa::path(
    delete,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}",
    tag = "open api",
    params(BranchPath, OperatorParam),
    responses(
        (status = 200, description = "Abandoned"),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn abandon(
    caller: Caller,
    ns: Ns<BranchPath>,
    Query(query): Query<OperatorParam>,
) -> Result<(), PortalError> {
    let operator = caller
        .operator(ns.state(), query.operator.as_deref())
        .await?;
    ns.call(call::branches::Abandon {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
        operator: operator.clone(),
    })
    .await
}

fn open_rules(at: &NsAt, rules: GrayRules) -> OpenGrayRules {
    OpenGrayRules {
        app_id: at.app.clone(),
        cluster_name: at.cluster.clone(),
        namespace_name: at.namespace.clone(),
        branch_name: rules.branch_name,
        rule_items: rules.rule_items,
    }
}

/// The gray branch's rules.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "open api",
    params(BranchPath),
    responses(
        (status = 200, description = "The rules", body = OpenGrayRules),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn rules(ns: Ns<BranchPath>) -> Result<Json<OpenGrayRules>, PortalError> {
    let rules = ns
        .call(call::branches::Rules {
            ns: ns.name(),
            branch: ns.path.branch_name.clone(),
        })
        .await?;
    Ok(Json(open_rules(&ns.at, rules)))
}

/// New rules (Apollo's `OpenGrayReleaseRuleDTO`; other fields are ignored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenRulesInput {
    /// The rules.
    rule_items: Vec<GrayRuleItem>,
    /// Who changes them.
    #[serde(default)]
    data_change_last_modified_by: Option<String>,
}

/// Replaces the gray branch's rules (release permission).
#[utoipa::path(
    put,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "open api",
    params(BranchPath, OperatorParam),
    request_body = OpenRulesInput,
    responses(
        (status = 200, description = "The new rules", body = OpenGrayRules),
        (status = 400, description = "A rule is invalid", body = ErrorBody),
    )
)]
pub(crate) async fn set_rules(
    caller: Caller,
    ns: Ns<BranchPath>,
    Query(query): Query<OperatorParam>,
    Json(body): Json<OpenRulesInput>,
) -> Result<Json<OpenGrayRules>, PortalError> {
    let given = query
        .operator
        .as_deref()
        .or(body.data_change_last_modified_by.as_deref());
    let operator = caller.operator(ns.state(), given).await?;
    let update = UpdateGrayRules {
        rule_items: body.rule_items,
        operator,
    };
    let rules = ns
        .call(call::branches::SetRules {
            ns: ns.name(),
            branch: ns.path.branch_name.clone(),
            change: update,
        })
        .await?;
    Ok(Json(open_rules(&ns.at, rules)))
}

/// Gray-publishes the branch (release permission; through a release request where the
/// environment requires review).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/releases",
    tag = "open api",
    params(BranchPath),
    request_body = OpenPublish,
    responses(
        (status = 200, description = "Published", body = OpenRelease),
        (status = 403, description = "No release permission, or review required", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn gray_publish(
    caller: Caller,
    ns: Ns<BranchPath>,
    Json(body): Json<OpenPublish>,
) -> Result<Json<OpenRelease>, PortalError> {
    check_review_bypass(
        ns.state(),
        &caller.grants,
        &ns.at,
        body.is_emergency_publish,
        "gray publish",
    )
    .await?;
    let operator = caller
        .operator(ns.state(), body.released_by.as_deref())
        .await?;
    let command = AdminPublish::from(publish_body(body, operator));
    let release = ns
        .call(call::branches::Publish {
            ns: ns.name(),
            branch: ns.path.branch_name.clone(),
            command,
        })
        .await?;
    Ok(Json(release.into()))
}

/// Whether the branch is deleted after merging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MergeParams {
    /// Delete the branch after merging (default `true`).
    delete_branch: Option<bool>,
}

/// Merges the branch into main and publishes main (release permission).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/merge",
    tag = "open api",
    params(BranchPath, MergeParams),
    request_body = OpenPublish,
    responses(
        (status = 200, description = "Merged and published", body = OpenRelease),
        (status = 403, description = "No release permission, or unreviewed changes", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn merge(
    caller: Caller,
    ns: Ns<BranchPath>,
    Query(query): Query<MergeParams>,
    Json(body): Json<OpenPublish>,
) -> Result<Json<OpenRelease>, PortalError> {
    let operator = caller
        .operator(ns.state(), body.released_by.as_deref())
        .await?;
    let release: Release = merge_as(
        ns.state(),
        &caller.grants,
        &operator,
        &ns.at,
        &ns.path.branch_name,
        query.delete_branch.unwrap_or(true),
        publish_body(body, operator.clone()),
    )
    .await?;
    Ok(Json(release.into()))
}

/// A release request to open through the Open API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenReleaseRequest {
    /// The release's title.
    title: String,
    /// Why, for the reviewers.
    #[serde(default)]
    comment: String,
    /// Publish this gray branch instead of main.
    #[serde(default)]
    branch_name: Option<String>,
}

/// Opens a release request for the namespace's unpublished changes (modify or release
/// permission), for environments that require review.
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/release-requests",
    tag = "open api",
    params(NsPath),
    request_body = OpenReleaseRequest,
    responses(
        (status = 201, description = "Opened", body = ReleaseRequest),
        (status = 400, description = "Nothing to release", body = ErrorBody),
        (status = 403, description = "No permission", body = ErrorBody),
        (status = 409, description = "A request is under way", body = ErrorBody),
    )
)]
pub(crate) async fn open_request(
    caller: Caller,
    ns: Ns,
    Json(body): Json<OpenReleaseRequest>,
) -> Result<(StatusCode, Json<ReleaseRequest>), PortalError> {
    let opened = open_as(
        ns.state(),
        &caller.identity(),
        &ns.at,
        OpenRequest {
            title: body.title,
            comment: body.comment,
            branch_name: body.branch_name,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(opened)))
}

/// A release request and its reviews.
#[utoipa::path(
    get,
    path = "/openapi/v1/release-requests/{id}",
    tag = "open api",
    params(RequestPath),
    responses(
        (status = 200, description = "The request", body = ReleaseRequest),
        (status = 403, description = "No grant on its app", body = ErrorBody),
        (status = 404, description = "No such request", body = ErrorBody),
    )
)]
pub(crate) async fn request(
    State(state): State<PortalState>,
    caller: Caller,
    Path(path): Path<RequestPath>,
) -> Result<Json<ReleaseRequest>, PortalError> {
    let (_, at) = crate::routes::requests::load(&state, path.id).await?;
    require_read(&state, &caller, &at).await?;
    get_as(&state, &caller.grants, path.id).await.map(Json)
}

/// Publishes an approved release request: the caller needs its own release permission on the
/// request's namespace, whoever opened it.
#[utoipa::path(
    post,
    path = "/openapi/v1/release-requests/{id}/publish",
    tag = "open api",
    params(RequestPath),
    responses(
        (status = 200, description = "Published", body = OpenRelease),
        (status = 403, description = "No release permission", body = ErrorBody),
        (status = 409, description = "Not approved, or stale", body = ErrorBody),
    )
)]
pub(crate) async fn publish_request(
    State(state): State<PortalState>,
    caller: Caller,
    Path(path): Path<RequestPath>,
) -> Result<Json<OpenRelease>, PortalError> {
    let release = publish_as(&state, &caller.grants, &caller.name, path.id, false).await?;
    Ok(Json(release.into()))
}

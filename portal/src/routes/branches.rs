//! Gray branches: creating one and changing its overrides take the modify permission; its
//! rules, gray publish, merge and abandon take the release permission. Where the environment
//! requires review, a gray publish goes through a release request, and a merge is direct only
//! when everything it publishes was reviewed (main has no unpublished changes and the branch
//! none beyond its gray release).

use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    AdminPublish, Branch, GrayRules, Instance, Page, Publish, Release, SetOverride, UpdateGrayRules,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use serde::Deserialize;
use utoipa::IntoParams;

use super::queries::InstancesQuery;
use super::releases::check_review_bypass;
use super::scope::{BranchKeyPath, BranchPath, Ns, NsAt, NsPath};
use crate::auth::CurrentUser;
use crate::envs;
use crate::rbac::Grants;
use crate::{PortalError, PortalState};

/// The namespace's gray branch.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches",
    tag = "gray",
    params(NsPath),
    responses(
        (status = 200, description = "The branch", body = Branch),
        (status = 404, description = "No branch", body = ErrorBody),
    )
)]
pub(crate) async fn get(ns: Ns) -> Result<Json<Branch>, PortalError> {
    ns.call(call::branches::Get { ns: ns.name() })
        .await
        .map(Json)
}

/// Creates the namespace's gray branch (one per namespace and cluster).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches",
    tag = "gray",
    params(NsPath),
    responses(
        (status = 201, description = "Created", body = Branch),
        (status = 409, description = "The namespace has a branch already", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    user: CurrentUser,
    ns: Ns,
) -> Result<(StatusCode, Json<Branch>), PortalError> {
    let branch = ns
        .call(call::branches::Create {
            ns: ns.name(),
            operator: user.username.clone(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(branch)))
}

/// Abandons the branch: its clients go back to main.
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}",
    tag = "gray",
    params(BranchPath),
    responses(
        (status = 204, description = "Abandoned"),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn abandon(
    user: CurrentUser,
    ns: Ns<BranchPath>,
) -> Result<StatusCode, PortalError> {
    ns.call(call::branches::Abandon {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
        operator: user.username.clone(),
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The instances on the branch's release.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/instances",
    tag = "gray",
    params(BranchPath, InstancesQuery),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn instances(
    ns: Ns<BranchPath>,
    Query(query): Query<InstancesQuery>,
) -> Result<Json<Page<Instance>>, PortalError> {
    ns.call(call::branches::Instances {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
        recent: query.recent(),
        page: query.request(),
    })
    .await
    .map(Json)
}

/// Sets the branch's override of a key: a value, or `deleted` to remove the key for gray
/// clients.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/overrides/{key}",
    tag = "gray",
    params(BranchKeyPath),
    request_body = SetOverride,
    responses(
        (status = 200, description = "The branch with the override", body = Branch),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn set_override(
    user: CurrentUser,
    ns: Ns<BranchKeyPath>,
    Json(mut body): Json<SetOverride>,
) -> Result<Json<Branch>, PortalError> {
    body.operator.clone_from(&user.username);
    ns.call(call::branches::Override {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
        key: ns.path.key.clone(),
        change: body.clone(),
    })
    .await
    .map(Json)
}

/// Removes the branch's override of a key: gray clients get main's value again.
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/overrides/{key}",
    tag = "gray",
    params(BranchKeyPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such branch or override", body = ErrorBody),
    )
)]
pub(crate) async fn delete_override(
    user: CurrentUser,
    ns: Ns<BranchKeyPath>,
) -> Result<StatusCode, PortalError> {
    ns.call(call::branches::DeleteOverride {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
        key: ns.path.key.clone(),
        operator: user.username.clone(),
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who gets the branch's release.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "gray",
    params(BranchPath),
    responses(
        (status = 200, description = "The rules", body = GrayRules),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn rules(ns: Ns<BranchPath>) -> Result<Json<GrayRules>, PortalError> {
    ns.call(call::branches::Rules {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
    })
    .await
    .map(Json)
}

/// Replaces the branch's rules; clients whose selection changes are notified.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "gray",
    params(BranchPath),
    request_body = UpdateGrayRules,
    responses(
        (status = 200, description = "The new rules", body = GrayRules),
        (status = 400, description = "A rule is invalid (the message names it)", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn set_rules(
    user: CurrentUser,
    ns: Ns<BranchPath>,
    Json(mut body): Json<UpdateGrayRules>,
) -> Result<Json<GrayRules>, PortalError> {
    body.operator.clone_from(&user.username);
    ns.call(call::branches::SetRules {
        ns: ns.name(),
        branch: ns.path.branch_name.clone(),
        change: body.clone(),
    })
    .await
    .map(Json)
}

/// Gray-publishes the branch: main's latest release with its overrides, to the clients its
/// rules select. Where the environment requires review, through a release request instead.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/releases",
    tag = "gray",
    params(BranchPath),
    request_body = Publish,
    responses(
        (status = 201, description = "Published", body = Release),
        (status = 403, description = "No release permission, or the environment requires review", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn publish(
    user: CurrentUser,
    ns: Ns<BranchPath>,
    Json(mut body): Json<Publish>,
) -> Result<(StatusCode, Json<Release>), PortalError> {
    check_review_bypass(
        ns.state(),
        &user.grants,
        &ns.at,
        body.is_emergency_publish,
        "gray publish",
    )
    .await?;
    body.operator.clone_from(&user.username);
    let command = AdminPublish::from(body);
    let release = ns
        .call(call::branches::Publish {
            ns: ns.name(),
            branch: ns.path.branch_name.clone(),
            command,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(release)))
}

/// Whether the branch is deleted after merging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MergeQuery {
    /// Delete the branch after merging (default `true`); `false` keeps it, republished on the
    /// merged main.
    #[serde(default = "yes")]
    delete_branch: bool,
}

fn yes() -> bool {
    true
}

/// Merges the branch's overrides into main's items and publishes main.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/merge",
    tag = "gray",
    params(BranchPath, MergeQuery),
    request_body = Publish,
    responses(
        (status = 201, description = "Merged and published", body = Release),
        (status = 403, description = "No release permission, or unreviewed changes where review is required", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn merge(
    user: CurrentUser,
    ns: Ns<BranchPath>,
    Query(query): Query<MergeQuery>,
    Json(body): Json<Publish>,
) -> Result<(StatusCode, Json<Release>), PortalError> {
    let release = merge_as(
        ns.state(),
        &user.grants,
        &user.username,
        &ns.at,
        &ns.path.branch_name,
        query.delete_branch,
        body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(release)))
}

/// Merges `branch` for `operator`.
pub(crate) async fn merge_as(
    state: &PortalState,
    grants: &Grants,
    operator: &str,
    at: &NsAt,
    branch: &str,
    delete_branch: bool,
    mut body: Publish,
) -> Result<Release, PortalError> {
    let rules = envs::rules(state.db(), &at.env).await?;
    body.operator = operator.to_owned();
    body.revision = None;
    let mut body = AdminPublish::from(body);
    if rules.review_required && !body.publish.is_emergency_publish {
        // The admin service merges only if main and the branch are still at the revisions
        // checked here, so nothing unreviewed slips in between.
        let (main_revision, branch_revision) = check_merge_reviewed(state, at).await?;
        body.main_revision = Some(main_revision);
        body.publish.revision = Some(branch_revision);
    } else if body.publish.is_emergency_publish {
        check_review_bypass(state, grants, at, true, "merge").await?;
    }
    let admins = state.admins();
    admins
        .call(
            &at.env,
            call::branches::Merge {
                ns: at.name(),
                branch: branch.to_owned(),
                delete_branch,
                command: body.clone(),
            },
        )
        .await
}

/// A merge publishes main's items with the branch's overrides: in an environment that
/// requires review, all of it must have gone out through review already. The revisions of
/// main and the branch that were checked.
async fn check_merge_reviewed(state: &PortalState, at: &NsAt) -> Result<(i64, i64), PortalError> {
    let main = state
        .admins()
        .call(&at.env, call::clusters::GetNamespace { ns: at.name() })
        .await?;
    if main.has_unpublished_changes {
        return Err(PortalError::ReviewRequired(format!(
            "{} requires review: {at} has unpublished changes; publish them through a release \
             request before merging",
            at.env
        ))
        .because("review_required_unpublished_changes", at.params()));
    }
    let branch = state
        .admins()
        .call(&at.env, call::branches::Get { ns: at.name() })
        .await?;
    if branch.latest_release.is_none() || !branch.pending_changes.is_empty() {
        return Err(PortalError::ReviewRequired(format!(
            "{} requires review: branch `{}` has overrides that were not gray-published; publish \
             them through a release request before merging",
            at.env, branch.branch_name
        ))
        .because("review_required_branch_overrides", at.params())
        .with("branch", &branch.branch_name));
    }
    Ok((main.revision, branch.revision))
}

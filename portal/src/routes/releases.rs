//! Releases: publishing (where the environment does not require review), reading, comparing
//! and rolling back, and the instances that received them.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    Instance, Page, Publish, Release, ReleaseComparison, ReleaseHistory, ReleaseSummary, Rollback,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::queries::{InstancesQuery, PageQuery};
use super::scope::{
    EnvPath, NsAt, NsPath, ReleasePath, require, require_view, view_admin, with_query,
};
use crate::admin::{AdminReply, encode};
use crate::auth::CurrentUser;
use crate::envs;
use crate::rbac::{Action, Grants};
use crate::{PortalError, PortalState};

/// Publishes the namespace's items, where the environment does not require review. Where it
/// does, changes go out through release requests, or as an emergency publish by the super
/// admin where the environment allows one (recorded as such).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "releases",
    security(("session" = [])),
    params(
        NsPath,
    ),
    request_body = Publish,
    responses(
        (status = 201, description = "Published", body = Release),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "No release permission, or the environment requires review", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn publish(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<NsPath>,
    Json(body): Json<Publish>,
) -> Result<AdminReply, PortalError> {
    let at = path.at(&state)?;
    publish_directly(&state, &user.grants, &user.username, &at, body).await
}

/// A publish that is not a release request's: allowed with the release permission where the
/// environment does not require review, and as an emergency publish by the super admin where
/// it does.
pub(crate) async fn publish_directly(
    state: &PortalState,
    grants: &Grants,
    operator: &str,
    at: &NsAt,
    mut body: Publish,
) -> Result<AdminReply, PortalError> {
    check_review_bypass(state, grants, at, body.is_emergency_publish, "publish").await?;
    // A `revision` the caller sends makes sure what they reviewed on screen is what goes out.
    body.operator = operator.to_owned();
    state
        .admins()
        .send_json(&at.env, Method::POST, &at.admin("/releases"), &body)
        .await
}

/// Refuses an unreviewed `what` where the environment requires review, unless it is an
/// emergency by the super admin.
pub(crate) async fn check_review_bypass(
    state: &PortalState,
    grants: &Grants,
    at: &NsAt,
    emergency: bool,
    what: &str,
) -> Result<(), PortalError> {
    let rules = envs::rules(state.db(), &at.env).await?;
    if !rules.review_required {
        return Ok(());
    }
    if !emergency {
        return Err(PortalError::ReviewRequired(format!(
            "{} requires review: open a release request for {at} instead of a direct {what}",
            at.env
        )));
    }
    if !grants.is_super_admin() {
        return Err(PortalError::Forbidden(
            "only the super admin may make an emergency publish".into(),
        ));
    }
    Ok(())
}

/// The namespace's active releases, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "releases",
    security(("session" = [])),
    params(
        NsPath,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of releases", body = Page<ReleaseSummary>),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
    Query(query): Query<PageQuery>,
) -> Result<AdminReply, PortalError> {
    let at = path.at(&state)?;
    let target = with_query(&at.admin("/releases"), &query)?;
    state
        .admins()
        .send(&at.env, Method::GET, &target, None)
        .await
}

/// Everything that happened to the namespace's releases, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/histories",
    tag = "releases",
    security(("session" = [])),
    params(
        NsPath,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of release history", body = Page<ReleaseHistory>),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn histories(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
    Query(query): Query<PageQuery>,
) -> Result<AdminReply, PortalError> {
    let at = path.at(&state)?;
    let target = with_query(&at.admin("/releases/histories"), &query)?;
    state
        .admins()
        .send(&at.env, Method::GET, &target, None)
        .await
}

/// The release clients get now.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/latest",
    tag = "releases",
    security(("session" = [])),
    params(
        NsPath,
    ),
    responses(
        (status = 200, description = "The latest active release", body = Release),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace, or never released", body = ErrorBody),
    )
)]
pub(crate) async fn latest(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
) -> Result<AdminReply, PortalError> {
    let at = path.at(&state)?;
    view_admin(&state, &at, "/releases/latest").await
}

/// The instances that read the namespace recently, and which release each got.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/instances",
    tag = "releases",
    security(("session" = [])),
    params(
        NsPath,
        InstancesQuery,
    ),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn instances(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
    Query(query): Query<InstancesQuery>,
) -> Result<AdminReply, PortalError> {
    let at = path.at(&state)?;
    let target = with_query(&at.admin("/instances"), &query)?;
    state
        .admins()
        .send(&at.env, Method::GET, &target, None)
        .await
}

/// The release `id` of `env` and the namespace it belongs to.
pub(crate) async fn release_at(
    state: &PortalState,
    env: &str,
    id: i64,
) -> Result<(Release, NsAt), PortalError> {
    let env = state.admins().env(env)?;
    let release: Release = state
        .admins()
        .get(&env, &format!("/envs/{}/releases/{id}", encode(&env)))
        .await?;
    let at = NsAt::new(
        state,
        &env,
        &release.app_id,
        &release.cluster_name,
        &release.namespace_name,
    )?;
    Ok((release, at))
}

/// One release, with its configuration.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/releases/{releaseId}",
    tag = "releases",
    security(("session" = [])),
    params(
        ("env" = String, Path, description = "The environment"),
        ("releaseId" = i64, Path, description = "The release"),
    ),
    responses(
        (status = 200, description = "The release", body = Release),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<ReleasePath>,
) -> Result<Json<Release>, PortalError> {
    let (release, at) = release_at(&state, &path.env, path.release_id).await?;
    require_view(&state, &user.grants, &at).await?;
    Ok(Json(release))
}

/// The instances that got a release.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/releases/{releaseId}/instances",
    tag = "releases",
    security(("session" = [])),
    params(
        ("env" = String, Path, description = "The environment"),
        ("releaseId" = i64, Path, description = "The release"),
        InstancesQuery,
    ),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn release_instances(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<ReleasePath>,
    Query(query): Query<InstancesQuery>,
) -> Result<AdminReply, PortalError> {
    let (_, at) = release_at(&state, &path.env, path.release_id).await?;
    require_view(&state, &user.grants, &at).await?;
    let target = with_query(
        &format!(
            "/envs/{}/releases/{}/instances",
            encode(&at.env),
            path.release_id
        ),
        &query,
    )?;
    state
        .admins()
        .send(&at.env, Method::GET, &target, None)
        .await
}

/// Two releases to compare.
#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CompareQuery {
    /// The older release; 0 for none.
    #[serde(default)]
    base_release_id: i64,
    /// The newer release.
    to_release_id: i64,
}

/// The differences between two releases.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/releases/compare",
    tag = "releases",
    security(("session" = [])),
    params(("env" = String, Path, description = "The environment"), CompareQuery),
    responses(
        (status = 200, description = "The differences", body = ReleaseComparison),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn compare(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<EnvPath>,
    Query(query): Query<CompareQuery>,
) -> Result<AdminReply, PortalError> {
    for id in [query.base_release_id, query.to_release_id] {
        if id != 0 {
            let (_, at) = release_at(&state, &path.env, id).await?;
            require_view(&state, &user.grants, &at).await?;
        }
    }
    let env = state.admins().env(&path.env)?;
    let target = with_query(&format!("/envs/{}/releases/compare", encode(&env)), &query)?;
    state.admins().send(&env, Method::GET, &target, None).await
}

/// Where a rollback goes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollbackQuery {
    /// The earlier release to go back to; by default the one before.
    to_release_id: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AdminRollbackQuery<'a> {
    operator: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_release_id: Option<i64>,
}

/// Rolls a namespace back from release `releaseId` (its latest) to the one before, or to
/// `toReleaseId`. Rollbacks need the release permission but no review: they go back to a
/// release that was published before.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/releases/{releaseId}/rollback",
    tag = "releases",
    security(("session" = [])),
    params(
        ("env" = String, Path, description = "The environment"),
        ("releaseId" = i64, Path, description = "The latest release, rolled back from"),
        RollbackQuery,
    ),
    responses(
        (status = 200, description = "Rolled back", body = Rollback),
        (status = 403, description = "No release permission", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
        (status = 409, description = "Not the latest release", body = ErrorBody),
    )
)]
pub(crate) async fn rollback(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<ReleasePath>,
    Query(query): Query<RollbackQuery>,
) -> Result<AdminReply, PortalError> {
    rollback_as(
        &state,
        &user.grants,
        &user.username,
        &path.env,
        path.release_id,
        query.to_release_id,
    )
    .await
}

/// Rolls back release `id` of `env` for `operator`, who needs the release permission.
pub(crate) async fn rollback_as(
    state: &PortalState,
    grants: &Grants,
    operator: &str,
    env: &str,
    id: i64,
    to_release_id: Option<i64>,
) -> Result<AdminReply, PortalError> {
    let (_, at) = release_at(state, env, id).await?;
    require(grants, Action::Release, &at)?;
    let target = with_query(
        &format!("/envs/{}/releases/{id}/rollback", encode(&at.env)),
        &AdminRollbackQuery {
            operator,
            to_release_id,
        },
    )?;
    state
        .admins()
        .send(&at.env, Method::PUT, &target, None)
        .await
}

//! Releases: publishing (where the environment does not require review), reading, comparing
//! and rolling back, and the instances that received them.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    AdminPublish, Adoption, BlastRadius, BlastRadiusRequest, Instance, Page, Publish, Release,
    ReleaseComparison, ReleaseHistory, ReleaseSummary, Rollback,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use super::queries::{InstancesQuery, PageQuery};
use super::scope::{Env, EnvPath, Ns, NsAt, NsPath, ReleasePath, require, require_view};
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
    params(NsPath),
    request_body = Publish,
    responses(
        (status = 201, description = "Published (where the environment checks the namespace's \
            schema in `warn` mode, what does not fit is in `schemaProblems`)", body = Release),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "No release permission, or the environment requires review", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 422, description = "The namespace does not fit its schema, which the \
            environment enforces", body = lyre_admin_service::SchemaViolationBody),
    )
)]
pub(crate) async fn publish(
    user: CurrentUser,
    ns: Ns,
    Json(body): Json<Publish>,
) -> Result<(StatusCode, Json<Release>), PortalError> {
    let release = publish_directly(ns.state(), &user.grants, &user.username, &ns.at, body).await?;
    Ok((StatusCode::CREATED, Json(release)))
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
) -> Result<Release, PortalError> {
    check_review_bypass(state, grants, at, body.is_emergency_publish, "publish").await?;
    // A `revision` the caller sends makes sure what they reviewed on screen is what goes out.
    body.operator = operator.to_owned();
    let command = AdminPublish {
        publish: body,
        release_request: None,
        main_revision: None,
    };
    state
        .admins()
        .call(
            &at.env,
            call::releases::Publish {
                ns: at.name(),
                command,
            },
        )
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
        ))
        .because("review_required", at.params())
        .with("action", what));
    }
    if !grants.is_super_admin() {
        return Err(PortalError::Forbidden(
            "only the super admin may make an emergency publish".into(),
        )
        .because(
            "emergency_publish_super_admin_only",
            lyre_protocol::error::NO_PARAMS,
        ));
    }
    Ok(())
}

/// The namespace's active releases, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "releases",
    params(NsPath, PageQuery),
    responses(
        (status = 200, description = "One page of releases", body = Page<ReleaseSummary>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    ns: Ns,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<ReleaseSummary>>, PortalError> {
    ns.call(call::releases::List {
        ns: ns.name(),
        page: query.request(),
    })
    .await
    .map(Json)
}

/// Everything that happened to the namespace's releases, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/histories",
    tag = "releases",
    params(NsPath, PageQuery),
    responses(
        (status = 200, description = "One page of release history", body = Page<ReleaseHistory>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn histories(
    ns: Ns,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<ReleaseHistory>>, PortalError> {
    ns.call(call::releases::Histories {
        ns: ns.name(),
        page: query.request(),
    })
    .await
    .map(Json)
}

/// The release clients get now.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/latest",
    tag = "releases",
    params(NsPath),
    responses(
        (status = 200, description = "The latest active release", body = Release),
        (status = 404, description = "No such namespace, or never released", body = ErrorBody),
    )
)]
pub(crate) async fn latest(ns: Ns) -> Result<Json<Release>, PortalError> {
    ns.call(call::releases::Latest { ns: ns.name() })
        .await
        .map(Json)
}

/// The instances that read the namespace recently, and which release each got.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/instances",
    tag = "releases",
    params(NsPath, InstancesQuery),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn instances(
    ns: Ns,
    Query(query): Query<InstancesQuery>,
) -> Result<Json<Page<Instance>>, PortalError> {
    ns.call(call::releases::Instances {
        ns: ns.name(),
        recent: query.recent(),
        page: query.request(),
    })
    .await
    .map(Json)
}

/// How far the namespace's releases reached the instances that read it recently (in any
/// cluster or gray branch): per release held, how many hold it and how many reported it
/// applied or rejected (Lyre's SDK and `lyre agent` report; Apollo clients only read).
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/adoption",
    tag = "releases",
    params(NsPath, InstancesQuery),
    responses(
        (status = 200, description = "The counts, per release", body = Adoption),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn adoption(
    ns: Ns,
    Query(query): Query<InstancesQuery>,
) -> Result<Json<Adoption>, PortalError> {
    ns.call(call::releases::NamespaceAdoption {
        ns: ns.name(),
        recent: query.recent(),
    })
    .await
    .map(Json)
}

/// Which live instances (seen within the last few minutes) a publish would send a new release:
/// main's (its saved items, or the `configurations` given) or a gray branch's (the instances
/// its rules, or the `percentage` given, select), by cluster, gray branch, label and IP; and,
/// for instances that say which schema their typed views were built with, how many would
/// refuse it.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/blast-radius",
    tag = "releases",
    params(NsPath),
    request_body = BlastRadiusRequest,
    responses(
        (status = 200, description = "Who the publish would reach", body = BlastRadius),
        (status = 404, description = "No such namespace or gray branch", body = ErrorBody),
    )
)]
pub(crate) async fn blast_radius(
    ns: Ns,
    Json(request): Json<BlastRadiusRequest>,
) -> Result<Json<BlastRadius>, PortalError> {
    ns.call(call::releases::Radius {
        ns: ns.name(),
        request,
    })
    .await
    .map(Json)
}

/// The release `id` of `env` and the namespace it belongs to.
pub(crate) async fn release_at(
    state: &PortalState,
    env: &str,
    id: i64,
) -> Result<(Release, NsAt), PortalError> {
    let env = state.admins().env(env)?;
    let release = state
        .admins()
        .call(
            &env,
            call::releases::Get {
                env: env.clone(),
                id,
            },
        )
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
    params(ReleasePath),
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
    params(ReleasePath, InstancesQuery),
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
) -> Result<Json<Page<Instance>>, PortalError> {
    let (_, at) = release_at(&state, &path.env, path.release_id).await?;
    require_view(&state, &user.grants, &at).await?;
    let admins = state.admins();
    admins
        .call(
            &at.env,
            call::releases::ReleaseInstances {
                env: at.env.clone(),
                id: path.release_id,
                recent: query.recent(),
                page: query.request(),
            },
        )
        .await
        .map(Json)
}

/// Two releases to compare.
#[derive(Debug, Deserialize, IntoParams)]
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
    params(EnvPath, CompareQuery),
    responses(
        (status = 200, description = "The differences", body = ReleaseComparison),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn compare(
    user: CurrentUser,
    env: Env<EnvPath>,
    Query(query): Query<CompareQuery>,
) -> Result<Json<ReleaseComparison>, PortalError> {
    for id in [query.base_release_id, query.to_release_id] {
        if id != 0 {
            let (_, at) = release_at(env.state(), &env.path.env, id).await?;
            require_view(env.state(), &user.grants, &at).await?;
        }
    }
    env.call(call::releases::Compare {
        env: env.name.clone(),
        base: query.base_release_id,
        to: query.to_release_id,
    })
    .await
    .map(Json)
}

/// Where a rollback goes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollbackQuery {
    /// The earlier release to go back to; by default the one before.
    to_release_id: Option<i64>,
}

/// Rolls a namespace back from release `releaseId` (its latest) to the one before, or to
/// `toReleaseId`. Rollbacks need the release permission but no review: they go back to a
/// release that was published before.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/releases/{releaseId}/rollback",
    tag = "releases",
    params(ReleasePath, RollbackQuery),
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
) -> Result<Json<Rollback>, PortalError> {
    rollback_as(
        &state,
        &user.grants,
        &user.username,
        &path.env,
        path.release_id,
        query.to_release_id,
    )
    .await
    .map(Json)
}

/// Rolls back release `id` of `env` for `operator`, who needs the release permission.
pub(crate) async fn rollback_as(
    state: &PortalState,
    grants: &Grants,
    operator: &str,
    env: &str,
    id: i64,
    to_release_id: Option<i64>,
) -> Result<Rollback, PortalError> {
    let (_, at) = release_at(state, env, id).await?;
    require(grants, Action::Release, &at)?;
    let admins = state.admins();
    admins
        .call(
            &at.env,
            call::releases::RollBack {
                env: at.env.clone(),
                id,
                operator: operator.to_owned(),
                to_release_id,
            },
        )
        .await
}

//! Reading releases (over HTTP; see `crate::ops::releases`): a page of them, the latest, one, the difference between two, the
//! unpublished changes, and release history.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    Page, Release, ReleaseComparison, ReleaseHistory, ReleaseSummary, UnpublishedChanges,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops::releases;
use crate::params::{NamespacePath, PageQuery};
use crate::{AdminError, AdminState};

/// The namespace's releases, newest first (abandoned ones included and marked).
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of releases", body = Page<ReleaseSummary>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ReleaseSummary>>, AdminError> {
    releases::list(&state, path.ns(), page.request())
        .await
        .map(Json)
}

/// The release served now: the latest that is not abandoned.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/latest",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The latest active release", body = Release),
        (status = 404, description = "No such namespace, or never published", body = ErrorBody),
    )
)]
pub(crate) async fn latest(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<Release>, AdminError> {
    releases::latest(&state, path.ns()).await.map(Json)
}

/// `/envs/{env}/releases/{releaseId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReleasePath {
    pub(crate) env: String,
    pub(crate) release_id: i64,
}

/// One release.
#[utoipa::path(
    get,
    path = "/envs/{env}/releases/{releaseId}",
    tag = "releases",
    params(("env" = String, Path, description = "The environment"), ("releaseId" = i64, Path, description = "The release")),
    responses(
        (status = 200, description = "The release", body = Release),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<ReleasePath>,
) -> Result<Json<Release>, AdminError> {
    releases::get(&state, &path.env, path.release_id)
        .await
        .map(Json)
}

/// `?baseReleaseId=&toReleaseId=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CompareQuery {
    /// The older release; 0 for none (every key is then added).
    #[serde(default)]
    base_release_id: i64,
    /// The newer release.
    to_release_id: i64,
}

/// `/envs/{env}/releases/compare`.
#[derive(Deserialize)]
pub(crate) struct EnvPath {
    env: String,
}

/// How one release differs from another.
#[utoipa::path(
    get,
    path = "/envs/{env}/releases/compare",
    tag = "releases",
    params(("env" = String, Path, description = "The environment"), CompareQuery),
    responses(
        (status = 200, description = "The differences", body = ReleaseComparison),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn compare(
    State(state): State<AdminState>,
    Path(path): Path<EnvPath>,
    Query(query): Query<CompareQuery>,
) -> Result<Json<ReleaseComparison>, AdminError> {
    releases::compare(
        &state,
        &path.env,
        query.base_release_id,
        query.to_release_id,
    )
    .await
    .map(Json)
}

/// The changes not yet published: the namespace's items against its latest release. This is
/// what a person reviews before publishing.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/changes",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The unpublished changes", body = UnpublishedChanges),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn changes(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<UnpublishedChanges>, AdminError> {
    releases::changes(&state, path.ns()).await.map(Json)
}

/// The namespace's release history, newest first, each entry with its operation.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/histories",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of history", body = Page<ReleaseHistory>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn histories(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ReleaseHistory>>, AdminError> {
    releases::histories(&state, path.ns(), page.request())
        .await
        .map(Json)
}

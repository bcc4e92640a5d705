//! Clusters of an app over HTTP; the operations are `crate::ops::clusters`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Cluster, CreateCluster};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;

use crate::ops::access_keys::AppIn;
use crate::ops::clusters;
use crate::params::{ClusterPath, OperatorQuery};
use crate::{AdminError, AdminState};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppEnvPath {
    env: String,
    app_id: String,
}

impl AppEnvPath {
    fn app(&self) -> AppIn<'_> {
        AppIn {
            env: &self.env,
            app_id: &self.app_id,
        }
    }
}

/// The app's clusters in an environment, `default` first (gray branches are not listed).
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters",
    tag = "clusters",
    params(("env" = String, Path, description = "The environment"), ("appId" = String, Path, description = "The app")),
    responses(
        (status = 200, description = "The clusters", body = Vec<Cluster>),
        (status = 404, description = "No such environment or app", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<AppEnvPath>,
) -> Result<Json<Vec<Cluster>>, AdminError> {
    clusters::list(&state, path.app()).await.map(Json)
}

/// One cluster.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "clusters",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
    ),
    responses(
        (status = 200, description = "The cluster", body = Cluster),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
) -> Result<Json<Cluster>, AdminError> {
    clusters::get(&state, path.cluster()).await.map(Json)
}

/// Creates a cluster with every namespace its app defines.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters",
    tag = "clusters",
    params(("env" = String, Path, description = "The environment"), ("appId" = String, Path, description = "The app")),
    request_body = CreateCluster,
    responses(
        (status = 201, description = "Created", body = Cluster),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such environment or app", body = ErrorBody),
        (status = 409, description = "The cluster exists", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Path(path): Path<AppEnvPath>,
    Json(body): Json<CreateCluster>,
) -> Result<(StatusCode, Json<Cluster>), AdminError> {
    let cluster = clusters::create(&state, path.app(), &body).await?;
    Ok((StatusCode::CREATED, Json(cluster)))
}

/// Deletes a cluster (never `default`) with its gray branches, namespaces, items and releases.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "clusters",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The `default` cluster cannot be deleted", body = ErrorBody),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let operator = query.operator.as_deref().unwrap_or("");
    clusters::delete(&state, path.cluster(), operator).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Namespaces in a cluster over HTTP; the operations are `crate::ops::namespaces`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AssociateNamespace, Namespace, NamespaceLock};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};

use crate::ops::namespaces;
use crate::params::{ClusterPath, NamespacePath, OperatorQuery};
use crate::{AdminError, AdminState};

/// The namespaces of a cluster: the app's own and the public ones it associates.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
    ),
    responses(
        (status = 200, description = "The namespaces", body = Vec<Namespace>),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
) -> Result<Json<Vec<Namespace>>, AdminError> {
    namespaces::list(&state, path.cluster()).await.map(Json)
}

/// One namespace.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The namespace", body = Namespace),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<Namespace>, AdminError> {
    namespaces::get(&state, path.ns()).await.map(Json)
}

/// Associates another app's public namespace into this cluster: the items added here
/// override the public ones, key by key, for this app.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
    ),
    request_body = AssociateNamespace,
    responses(
        (status = 201, description = "Associated", body = Namespace),
        (status = 404, description = "No such cluster or public namespace", body = ErrorBody),
        (status = 409, description = "Already there", body = ErrorBody),
    )
)]
pub(crate) async fn associate(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
    Json(body): Json<AssociateNamespace>,
) -> Result<(StatusCode, Json<Namespace>), AdminError> {
    let namespace = namespaces::associate(&state, path.cluster(), &body).await?;
    Ok((StatusCode::CREATED, Json(namespace)))
}

/// Removes an associated public namespace (and this app's overrides of it) from the cluster.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An app's own namespace is deleted through its definition", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn dissociate(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let operator = query.operator.as_deref().unwrap_or("");
    namespaces::dissociate(&state, path.ns(), operator).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who holds the namespace's edit lock.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/lock",
    tag = "namespaces",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The lock", body = NamespaceLock),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn lock(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<NamespaceLock>, AdminError> {
    namespaces::lock(&state, path.ns()).await.map(Json)
}

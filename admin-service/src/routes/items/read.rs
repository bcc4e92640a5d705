//! Reading items.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::Item;
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;

use crate::ops;
use crate::params::{ItemPath, NamespacePath};
use crate::{AdminError, AdminState};

/// The namespace's items, in order.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The items", body = Vec<Item>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<Vec<Item>>, AdminError> {
    ops::items::list(&state, path.ns()).await.map(Json)
}

/// One item.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("key" = String, Path, description = "The key"),
    ),
    responses(
        (status = 200, description = "The item", body = Item),
        (status = 404, description = "No such namespace or item", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<ItemPath>,
) -> Result<Json<Item>, AdminError> {
    let (ns, key) = path.ns();
    ops::items::get(&state, ns, key).await.map(Json)
}

//! Creating, changing and deleting one item.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{CreateItem, Item, UpdateItem};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops;
use crate::params::{ItemPath, NamespacePath};
use crate::{AdminError, AdminState};

/// Adds an item at the end of the namespace.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    request_body = CreateItem,
    responses(
        (status = 201, description = "Created", body = Item),
        (status = 400, description = "The key, value or comment is invalid", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 409, description = "The key exists, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Json(body): Json<CreateItem>,
) -> Result<(StatusCode, Json<Item>), AdminError> {
    let item = ops::items::create(&state, path.ns(), &body).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// `?createIfNotExists=true`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateQuery {
    /// Create the item when it does not exist (Apollo's Open API option).
    #[serde(default)]
    create_if_not_exists: bool,
}

/// Changes an item's value (and comment). With `version`, a change based on an outdated
/// version is refused with 409 rather than overwriting someone else's.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("key" = String, Path, description = "The key"),
        UpdateQuery,
    ),
    request_body = UpdateItem,
    responses(
        (status = 200, description = "The item as it is now", body = Item),
        (status = 201, description = "Created (with createIfNotExists)", body = Item),
        (status = 400, description = "The value or comment is invalid", body = ErrorBody),
        (status = 404, description = "No such namespace or item", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<AdminState>,
    Path(path): Path<ItemPath>,
    Query(query): Query<UpdateQuery>,
    Json(body): Json<UpdateItem>,
) -> Result<(StatusCode, Json<Item>), AdminError> {
    let (ns, key) = path.ns();
    let saved = ops::items::update(&state, ns, key, &body, query.create_if_not_exists).await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved.item)))
}

/// `?operator=alice&version=3`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeleteQuery {
    /// Who deletes it.
    operator: Option<String>,
    /// The version the deletion is based on; refused with 409 when outdated.
    version: Option<i64>,
}

/// Deletes an item.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("key" = String, Path, description = "The key"),
        DeleteQuery,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such namespace or item", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(path): Path<ItemPath>,
    Query(query): Query<DeleteQuery>,
) -> Result<StatusCode, AdminError> {
    let (ns, key) = path.ns();
    let operator = query.operator.as_deref().unwrap_or("");
    ops::items::delete(&state, ns, key, operator, query.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

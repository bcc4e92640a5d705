//! A whole namespace as text over HTTP; the operations are `crate::ops::text`.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{ItemBatch, ItemBatchResult, NamespaceText, UpdateText};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;

use crate::ops;
use crate::params::NamespacePath;
use crate::{AdminError, AdminState};

/// The namespace as text, with the revision it shows.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The text", body = NamespaceText),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<NamespaceText>, AdminError> {
    ops::text::get(&state, path.ns()).await.map(Json)
}

/// Replaces the namespace's items with those of a text, as one change: properties text
/// becomes items in its order with its comments; a file namespace's text becomes its content,
/// which must parse in its format. With `revision`, a text edited from an outdated revision
/// is refused with 409. Any error changes nothing.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    request_body = UpdateText,
    responses(
        (status = 200, description = "The namespace's text as stored now", body = NamespaceText),
        (status = 400, description = "The text does not parse, or a key or value is invalid", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 409, description = "Changed since `revision`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn put(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Json(body): Json<UpdateText>,
) -> Result<Json<NamespaceText>, AdminError> {
    ops::text::put(&state, path.ns(), &body).await.map(Json)
}

/// Sets and deletes several keys at once, in one transaction: all of the batch is applied or
/// none of it. Keys keep their places; new keys go after the existing ones.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/itemset",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    request_body = ItemBatch,
    responses(
        (status = 200, description = "Applied", body = ItemBatchResult),
        (status = 400, description = "A key or value is invalid (the message names it)", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 409, description = "Changed since `revision`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn batch(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Json(body): Json<ItemBatch>,
) -> Result<Json<ItemBatchResult>, AdminError> {
    ops::text::batch(&state, path.ns(), &body).await.map(Json)
}

//! A namespace's items: read by anyone who may view the namespace, edited by those with the
//! modify permission. Every change names the signed-in user as its operator.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::Commit;
use lyre_protocol::admin::{
    CreateItem, Item, NamespaceText, Page, UnpublishedChanges, UpdateItem, UpdateText,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::queries::CommitsQuery;
use super::scope::{NsKeyPath, NsPath};
use crate::auth::CurrentUser;
use crate::{PortalError, PortalState};

/// The items of a namespace, in order.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "items",
    params(NsPath),
    responses(
        (status = 200, description = "Its items", body = Vec<Item>),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
) -> Result<Json<Vec<Item>>, PortalError> {
    let at = path.at(&state)?;
    state
        .admins()
        .call(&at.env, call::items::List { ns: at.name() })
        .await
        .map(Json)
}

/// Adds an item.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "items",
    params(NsPath),
    request_body = CreateItem,
    responses(
        (status = 201, description = "Added", body = Item),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "No modify permission", body = ErrorBody),
        (status = 409, description = "The key exists, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<NsPath>,
    Json(mut body): Json<CreateItem>,
) -> Result<(StatusCode, Json<Item>), PortalError> {
    let at = path.at(&state)?;
    body.operator.clone_from(&user.username);
    let item = state
        .admins()
        .call(
            &at.env,
            call::items::Create {
                ns: at.name(),
                new: body.clone(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// One item.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(NsKeyPath),
    responses(
        (status = 200, description = "The item", body = Item),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsKeyPath>,
) -> Result<Json<Item>, PortalError> {
    let at = path.at(&state)?;
    state
        .admins()
        .call(
            &at.env,
            call::items::Get {
                ns: at.name(),
                key: path.key.clone(),
            },
        )
        .await
        .map(Json)
}

/// Whether a missing key is created.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpsertQuery {
    /// Create the item when the key does not exist (default: `404`).
    #[serde(skip_serializing_if = "Option::is_none")]
    create_if_not_exists: Option<bool>,
}

/// Changes an item. Send the `version` you edited from: a change based on an outdated version
/// is refused with `409`.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(NsKeyPath, UpsertQuery),
    request_body = UpdateItem,
    responses(
        (status = 200, description = "Changed", body = Item),
        (status = 201, description = "Created", body = Item),
        (status = 403, description = "No modify permission", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<NsKeyPath>,
    Query(query): Query<UpsertQuery>,
    Json(mut body): Json<UpdateItem>,
) -> Result<(StatusCode, Json<Item>), PortalError> {
    let at = path.at(&state)?;
    body.operator.clone_from(&user.username);
    let create = query.create_if_not_exists.unwrap_or(false);
    let saved = state
        .admins()
        .call(
            &at.env,
            call::items::Update {
                ns: at.name(),
                key: path.key.clone(),
                change: body.clone(),
                create_if_missing: create,
            },
        )
        .await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved.item)))
}

/// Which version of an item a deletion is based on.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeleteQuery {
    /// The version deleted from: refused with `409` if the item changed since.
    version: Option<i64>,
}

/// Deletes an item.
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "items",
    params(NsKeyPath, DeleteQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "No modify permission", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "Changed since `version`, or another person holds the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<NsKeyPath>,
    Query(query): Query<DeleteQuery>,
) -> Result<StatusCode, PortalError> {
    let at = path.at(&state)?;
    state
        .admins()
        .call(
            &at.env,
            call::items::Delete {
                ns: at.name(),
                key: path.key.clone(),
                operator: user.username.clone(),
                version: query.version,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The whole namespace as text, with the revision it shows.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text",
    tag = "items",
    params(NsPath),
    responses(
        (status = 200, description = "The text", body = NamespaceText),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn text(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
) -> Result<Json<NamespaceText>, PortalError> {
    let at = path.at(&state)?;
    state
        .admins()
        .call(&at.env, call::items::Text { ns: at.name() })
        .await
        .map(Json)
}

/// Replaces the namespace with a text, which must parse in its format. With `revision`, a text
/// edited from an outdated revision is refused with `409`.
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/text",
    tag = "items",
    params(NsPath),
    request_body = UpdateText,
    responses(
        (status = 200, description = "Saved", body = NamespaceText),
        (status = 400, description = "The text does not parse (the message names the line)", body = ErrorBody),
        (status = 403, description = "No modify permission", body = ErrorBody),
        (status = 409, description = "Changed since `revision`", body = ErrorBody),
    )
)]
pub(crate) async fn put_text(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<NsPath>,
    Json(mut body): Json<UpdateText>,
) -> Result<Json<NamespaceText>, PortalError> {
    let at = path.at(&state)?;
    body.operator.clone_from(&user.username);
    state
        .admins()
        .call(
            &at.env,
            call::items::PutText {
                ns: at.name(),
                change: body.clone(),
            },
        )
        .await
        .map(Json)
}

/// What would be released: the items against the latest release.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/changes",
    tag = "items",
    params(NsPath),
    responses(
        (status = 200, description = "The unpublished changes", body = UnpublishedChanges),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn changes(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
) -> Result<Json<UnpublishedChanges>, PortalError> {
    let at = path.at(&state)?;
    state
        .admins()
        .call(&at.env, call::releases::Changes { ns: at.name() })
        .await
        .map(Json)
}

/// The namespace's change history, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/commits",
    tag = "items",
    params(NsPath, CommitsQuery),
    responses(
        (status = 200, description = "One page of commits", body = Page<Commit>),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn commits(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<NsPath>,
    Query(query): Query<CommitsQuery>,
) -> Result<Json<Page<Commit>>, PortalError> {
    let at = path.at(&state)?;
    let key = query.key.as_deref().filter(|k| !k.is_empty());
    let admins = state.admins();
    admins
        .call(
            &at.env,
            call::items::Commits {
                ns: at.name(),
                key: key.map(str::to_owned),
                page: query.request(),
            },
        )
        .await
        .map(Json)
}

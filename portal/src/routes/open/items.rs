//! Items through the Open API.

use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{CreateItem, UpdateItem};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::dto::{OpenItem, OpenItemInput, OpenPage};
use crate::PortalError;
use crate::auth::Caller;
use crate::routes::scope::{Ns, NsKeyPath, NsPath};

/// Which page of items.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ItemsQuery {
    /// From 0.
    page: Option<u64>,
    /// Items per page (default 50, at most 500).
    size: Option<u64>,
}

/// The namespace's items, a page at a time.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "open api",
    params(NsPath, ItemsQuery),
    responses(
        (status = 200, description = "One page of items", body = OpenPage<OpenItem>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    ns: Ns,
    Query(query): Query<ItemsQuery>,
) -> Result<Json<OpenPage<OpenItem>>, PortalError> {
    let items = ns.call(call::items::List { ns: ns.name() }).await?;
    let page = query.page.unwrap_or(0);
    let size = query.size.unwrap_or(50).clamp(1, 500);
    let total = items.len() as u64;
    let skip = usize::try_from(page.saturating_mul(size)).unwrap_or(usize::MAX);
    Ok(Json(OpenPage {
        page,
        size,
        total,
        content: items
            .into_iter()
            .skip(skip)
            .take(usize::try_from(size).unwrap_or(usize::MAX))
            .map(OpenItem::from)
            .collect(),
    }))
}

/// One item.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "open api",
    params(NsKeyPath),
    responses(
        (status = 200, description = "The item", body = OpenItem),
        (status = 404, description = "No such item", body = ErrorBody),
    )
)]
pub(crate) async fn get(ns: Ns<NsKeyPath>) -> Result<Json<OpenItem>, PortalError> {
    let item = ns
        .call(call::items::Get {
            ns: ns.name(),
            key: ns.path.key.clone(),
        })
        .await?;
    Ok(Json(item.into()))
}

/// Adds an item (modify permission).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items",
    tag = "open api",
    params(NsPath),
    request_body = OpenItemInput,
    responses(
        (status = 200, description = "Added", body = OpenItem),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "The key exists", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    caller: Caller,
    ns: Ns,
    Json(body): Json<OpenItemInput>,
) -> Result<Json<OpenItem>, PortalError> {
    let operator = caller
        .operator(ns.state(), body.data_change_created_by.as_deref())
        .await?;
    let create = CreateItem {
        key: body.key,
        value: body.value,
        secret: false,
        comment: body.comment.unwrap_or_default(),
        operator,
    };
    let item = ns
        .call(call::items::Create {
            ns: ns.name(),
            new: create,
        })
        .await?;
    Ok(Json(item.into()))
}

/// Whether a missing key is created.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpsertQuery {
    /// Create the item when the key does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    create_if_not_exists: Option<bool>,
}

/// Changes an item, or creates it with `createIfNotExists=true` (modify permission).
#[utoipa::path(
    put,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "open api",
    params(NsKeyPath, UpsertQuery),
    request_body = OpenItemInput,
    responses(
        (status = 200, description = "Changed (or created)", body = OpenItem),
        (status = 404, description = "No such item", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    caller: Caller,
    ns: Ns<NsKeyPath>,
    Query(query): Query<UpsertQuery>,
    Json(body): Json<OpenItemInput>,
) -> Result<Json<OpenItem>, PortalError> {
    let given = body
        .data_change_last_modified_by
        .as_deref()
        .or(body.data_change_created_by.as_deref());
    let operator = caller.operator(ns.state(), given).await?;
    let update = UpdateItem {
        value: body.value,
        secret: None,
        comment: body.comment,
        version: None,
        operator,
    };
    let create = query.create_if_not_exists.unwrap_or(false);
    let saved = ns
        .call(call::items::Update {
            ns: ns.name(),
            key: ns.path.key.clone(),
            change: update,
            create_if_missing: create,
        })
        .await?;
    Ok(Json(saved.item.into()))
}

/// Who deletes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OperatorParam {
    /// An existing user (a consumer's own name when absent).
    pub operator: Option<String>,
}

/// Deletes an item (modify permission).
#[utoipa::path(
    delete,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/items/{key}",
    tag = "open api",
    params(NsKeyPath, OperatorParam),
    responses(
        (status = 200, description = "Deleted"),
        (status = 404, description = "No such item", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    ns: Ns<NsKeyPath>,
    Query(query): Query<OperatorParam>,
) -> Result<(), PortalError> {
    let operator = caller
        .operator(ns.state(), query.operator.as_deref())
        .await?;
    ns.call(call::items::Delete {
        ns: ns.name(),
        key: ns.path.key.clone(),
        operator: operator.clone(),
        version: None,
    })
    .await
}

//! Creating, changing and deleting one item.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{ChangeSet, CreateItem, Item, ItemState, ItemUpdate, UpdateItem};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::items::{self, NewItem};
use lyre_store::time::now_millis;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{changed_since, item_not_found, state_of};
use crate::domain::{Edit, check_comment, check_key, check_value};
use crate::error::exists_or;
use crate::params::{ItemPath, NamespaceAt, NamespacePath, operator};
use crate::{AdminError, AdminState, view};

/// Inserts an item at the end of the namespace, within an open edit.
async fn insert(
    state: &AdminState,
    edit: &Edit<'_>,
    key: &str,
    value: &str,
    comment: &str,
) -> Result<lyre_store::entity::item::Model, AdminError> {
    check_key(state, edit.format, key)?;
    check_value(state, edit.format, key, value)?;
    check_comment(comment)?;
    let current = edit.items().await?;
    if current.iter().any(|i| i.key == key) {
        return Err(AdminError::AlreadyExists(format!(
            "namespace {} already has an item `{key}`",
            edit.at
        )));
    }
    let line_num = current.iter().map(|i| i.line_num).max().unwrap_or(0) + 1;
    let new = NewItem {
        namespace_id: edit.ns.id,
        key,
        value,
        comment,
        line_num,
        deletes_key: false,
    };
    items::insert(&edit.txn, &new, &edit.operator)
        .await
        .map_err(|e| {
            exists_or(e, || {
                format!("namespace {} already has an item `{key}`", edit.at)
            })
        })
}

fn created(key: &str, value: &str, comment: &str) -> ChangeSet {
    ChangeSet {
        created: vec![ItemState {
            key: key.to_owned(),
            value: value.to_owned(),
            comment: comment.to_owned(),
        }],
        ..ChangeSet::default()
    }
}

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
    let at = path.check(&state)?;
    let operator = operator(&body.operator)?;
    let edit = Edit::begin(&state, &at, operator).await?;
    let item = insert(&state, &edit, &body.key, &body.value, &body.comment).await?;
    edit.finish(&created(&body.key, &body.value, &body.comment), "")
        .await?;
    Ok((StatusCode::CREATED, Json(view::item(item))))
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
    let (at, key) = path.check(&state)?;
    let operator = operator(&body.operator)?;
    let edit = Edit::begin(&state, &at, operator).await?;
    let existing = items::find(&edit.txn, edit.ns.id, &key)
        .await?
        .filter(|i| !i.key.is_empty());
    let Some(before) = existing else {
        if !query.create_if_not_exists {
            return Err(item_not_found(&at, &key));
        }
        let comment = body.comment.unwrap_or_default();
        let item = insert(&state, &edit, &key, &body.value, &comment).await?;
        edit.finish(&created(&key, &body.value, &comment), "")
            .await?;
        return Ok((StatusCode::CREATED, Json(view::item(item))));
    };
    if let Some(version) = body.version
        && version != before.version
    {
        return Err(changed_since(&at, &before, version));
    }
    let comment = body.comment.unwrap_or_else(|| before.comment.clone());
    check_value(&state, edit.format, &key, &body.value)?;
    check_comment(&comment)?;
    if body.value == before.value && comment == before.comment {
        return Ok((StatusCode::OK, Json(view::item(before))));
    }
    items::update(
        &edit.txn,
        &before,
        &body.value,
        &comment,
        before.line_num,
        &edit.operator,
    )
    .await?
    .ok_or_else(|| changed_since(&at, &before, before.version))?;
    let changes = ChangeSet {
        updated: vec![ItemUpdate {
            key: key.clone(),
            old_value: before.value.clone(),
            new_value: body.value.clone(),
            old_comment: before.comment.clone(),
            new_comment: comment,
        }],
        ..ChangeSet::default()
    };
    let namespace_id = edit.ns.id;
    edit.finish(&changes, "").await?;
    let after = items::find(state.db(), namespace_id, &key)
        .await?
        .ok_or_else(|| item_not_found(&at, &key))?;
    Ok((StatusCode::OK, Json(view::item(after))))
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
    let (at, key) = path.check(&state)?;
    let operator = operator(query.operator.as_deref().unwrap_or(""))?;
    delete_item(&state, &at, &key, operator, query.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_item(
    state: &AdminState,
    at: &NamespaceAt,
    key: &str,
    operator: String,
    version: Option<i64>,
) -> Result<(), AdminError> {
    let edit = Edit::begin(state, at, operator).await?;
    let item = items::find(&edit.txn, edit.ns.id, key)
        .await?
        .filter(|i| !i.key.is_empty())
        .ok_or_else(|| item_not_found(at, key))?;
    if let Some(version) = version
        && version != item.version
    {
        return Err(changed_since(at, &item, version));
    }
    if !items::soft_delete(&edit.txn, &item, &edit.operator, now_millis()).await? {
        return Err(changed_since(at, &item, item.version));
    }
    let changes = ChangeSet {
        deleted: vec![state_of(&item)],
        ..ChangeSet::default()
    };
    edit.finish(&changes, "").await?;
    Ok(())
}

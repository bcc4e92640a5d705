//! A branch's overrides of single keys: a value gray clients get instead of main's, or the key
//! removed for them.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Branch, ChangeSet, ItemState, ItemUpdate, SetOverride};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::items::{self, NewItem};
use lyre_store::config::{branches, namespaces};
use lyre_store::time::now_millis;
use serde::Deserialize;

use super::{branch_at, describe, no_branch};
use crate::domain::{Edit, check_comment, check_key, check_value};
use crate::params::{NamespaceAt, OperatorQuery, operator};
use crate::{AdminError, AdminState};

/// `.../branches/{branchName}/overrides/{key}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OverridePath {
    env: String,
    app_id: String,
    cluster_name: String,
    namespace_name: String,
    branch_name: String,
    key: String,
}

impl OverridePath {
    fn check(&self, state: &AdminState) -> Result<(NamespaceAt, String, String), AdminError> {
        let at = NamespaceAt {
            env: state.env(&self.env)?,
            app_id: crate::params::app_id(&self.app_id)?,
            cluster: crate::params::cluster_name(&self.cluster_name)?,
            namespace: crate::params::namespace_name(&self.namespace_name)?,
        };
        Ok((at, self.branch_name.clone(), self.key.clone()))
    }
}

/// The branch (checked active) and its namespace's coordinates.
async fn branch(
    state: &AdminState,
    main: &NamespaceAt,
    name: &str,
) -> Result<NamespaceAt, AdminError> {
    branches::active(state.db(), main.r())
        .await?
        .filter(|r| r.branch_name == name)
        .ok_or_else(|| no_branch(main, Some(name)))?;
    branch_at(main, name)
}

async fn described(
    state: &AdminState,
    main: &NamespaceAt,
    name: &str,
) -> Result<Branch, AdminError> {
    let rule = branches::active(state.db(), main.r())
        .await?
        .filter(|r| r.branch_name == name)
        .ok_or_else(|| no_branch(main, Some(name)))?;
    let ns = namespaces::find(state.db(), branch_at(main, name)?.r())
        .await?
        .ok_or_else(|| no_branch(main, Some(name)))?;
    describe(state.db(), main, &rule, &ns).await
}

/// Sets the branch's override of a key: a value for gray clients, or (`deleted`) no such key.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/overrides/{key}",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        ("key" = String, Path, description = "The key"),
    ),
    request_body = SetOverride,
    responses(
        (status = 200, description = "The branch now", body = Branch),
        (status = 400, description = "The key or value is invalid", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn put(
    State(state): State<AdminState>,
    Path(path): Path<OverridePath>,
    Json(body): Json<SetOverride>,
) -> Result<Json<Branch>, AdminError> {
    let (main, name, key) = path.check(&state)?;
    let operator = operator(&body.operator)?;
    let at = branch(&state, &main, &name).await?;
    let edit = Edit::begin(&state, &at, operator).await?;
    check_key(&state, edit.format, &key)?;
    let value = if body.deleted {
        String::new()
    } else {
        body.value.clone()
    };
    check_value(&state, edit.format, &key, &value)?;
    check_comment(&body.comment)?;
    let current = edit.items().await?;
    let mut changes = ChangeSet::default();
    match current.iter().find(|i| i.key == key) {
        Some(before) => {
            let version = items::update(
                &edit.txn,
                before,
                &value,
                &body.comment,
                before.line_num,
                &edit.operator,
            )
            .await?
            .ok_or_else(|| AdminError::Changed(format!("override `{key}` changed meanwhile")))?;
            if before.deletes_key != body.deleted {
                let moved = lyre_store::entity::item::Model {
                    version,
                    ..before.clone()
                };
                items::set_deletes_key(&edit.txn, &moved, body.deleted, &edit.operator).await?;
            }
            changes.updated.push(ItemUpdate {
                key: key.clone(),
                old_value: if before.deletes_key {
                    String::new()
                } else {
                    before.value.clone()
                },
                new_value: value.clone(),
                old_comment: before.comment.clone(),
                new_comment: body.comment.clone(),
            });
        }
        None => {
            let new = NewItem {
                namespace_id: edit.ns.id,
                key: &key,
                value: &value,
                comment: &body.comment,
                line_num: current.iter().map(|i| i.line_num).max().unwrap_or(0) + 1,
                deletes_key: body.deleted,
            };
            items::insert(&edit.txn, &new, &edit.operator).await?;
            changes.created.push(ItemState {
                key: key.clone(),
                value,
                comment: body.comment.clone(),
            });
        }
    }
    let comment = if body.deleted {
        format!("gray deletes `{key}`")
    } else {
        String::new()
    };
    edit.finish(&changes, &comment).await?;
    Ok(Json(described(&state, &main, &name).await?))
}

/// Removes the branch's override of a key: gray clients get main's value again.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/overrides/{key}",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
        ("key" = String, Path, description = "The key"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such branch or override", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(path): Path<OverridePath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let (main, name, key) = path.check(&state)?;
    let operator = query.operator()?;
    let at = branch(&state, &main, &name).await?;
    let edit = Edit::begin(&state, &at, operator).await?;
    let item = items::find(&edit.txn, edit.ns.id, &key)
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "override_not_found",
                format!("branch `{name}` does not override `{key}`"),
            )
        })?;
    items::soft_delete(&edit.txn, &item, &edit.operator, now_millis()).await?;
    let changes = ChangeSet {
        deleted: vec![ItemState {
            key: item.key.clone(),
            value: item.value.clone(),
            comment: item.comment.clone(),
        }],
        ..ChangeSet::default()
    };
    edit.finish(&changes, "").await?;
    Ok(StatusCode::NO_CONTENT)
}

//! A branch's overrides of single keys: a value gray clients get instead of main's, or the key
//! removed for them.

use lyre_protocol::admin::{Branch, ChangeSet, ItemState, ItemUpdate, SetOverride};
use lyre_protocol::secret::is_sealed;
use lyre_store::config::items::{self, NewItem};
use lyre_store::config::{branches, namespaces};
use lyre_store::time::now_millis;

use super::{branch_at, describe, no_branch};
use crate::domain::{Edit, check_comment, check_key, value_to_store};
use crate::ops::Ns;
use crate::params::{NamespaceAt, operator};
use crate::{AdminError, AdminState};

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
pub async fn set(
    state: &AdminState,
    ns: Ns<'_>,
    branch_name: &str,
    key: &str,
    body: &SetOverride,
) -> Result<Branch, AdminError> {
    let (main, name, key) = (ns.check(state)?, branch_name, key.to_owned());
    let operator = operator(&body.operator)?;
    let at = branch(state, &main, name).await?;
    let edit = Edit::begin(state, &at, operator).await?;
    check_key(state, edit.format, &key)?;
    let current = edit.items().await?;
    // An override of a secret key is secret too.
    let secret = match current.iter().find(|i| i.key == key) {
        Some(before) if is_sealed(&before.value) => true,
        _ => match namespaces::find(&edit.txn, main.r()).await? {
            Some(ns) => items::find(&edit.txn, ns.id, &key)
                .await?
                .is_some_and(|i| is_sealed(&i.value)),
            None => false,
        },
    };
    let value = if body.deleted {
        String::new()
    } else {
        value_to_store(state, &at, edit.format, &key, &body.value, secret)?
    };
    check_comment(&body.comment)?;
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
            .ok_or_else(|| {
                AdminError::Changed(format!("override `{key}` changed meanwhile"))
                    .because("override_changed", [("key", key.as_str())])
            })?;
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
    described(state, &main, name).await
}

/// Removes the branch's override of a key: gray clients get main's value again.
pub async fn delete(
    state: &AdminState,
    ns: Ns<'_>,
    branch_name: &str,
    key: &str,
    operator_name: &str,
) -> Result<(), AdminError> {
    let (main, name) = (ns.check(state)?, branch_name);
    let operator = operator(operator_name)?;
    let at = branch(state, &main, name).await?;
    let edit = Edit::begin(state, &at, operator).await?;
    let item = items::find(&edit.txn, edit.ns.id, key)
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "override_not_found",
                format!("branch `{name}` does not override `{key}`"),
            )
            .because(
                "not_found",
                [("kind", "override"), ("name", key), ("branch", name)],
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
    Ok(())
}

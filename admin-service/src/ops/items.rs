//! Items one at a time (table mode): read, add, change, delete. Every change runs in an edit
//! of the namespace (its lock, its revision, a commit and an audit row, in one transaction).

use lyre_protocol::admin::{ChangeSet, CreateItem, Item, ItemState, ItemUpdate, UpdateItem};
use lyre_store::config::items::{self, NewItem};
use lyre_store::entity::item;
use lyre_store::time::now_millis;

use super::Ns;
use crate::domain::{Edit, check_comment, check_key, check_value};
use crate::error::exists_or;
use crate::params::operator;
use crate::routes::items::{changed_since, item_not_found, state_of};
use crate::routes::namespaces::existing;
use crate::{AdminError, AdminState, view};

/// An item as saved, and whether saving created it.
#[derive(Clone, Debug)]
pub struct Saved {
    /// The item as it is now.
    pub item: Item,
    /// Whether it did not exist before.
    pub created: bool,
}

/// The namespace's items, in order.
pub async fn list(state: &AdminState, ns: Ns<'_>) -> Result<Vec<Item>, AdminError> {
    let at = ns.check(state)?;
    let (namespace, _) = existing(state.db(), &at).await?;
    let found = items::list(state.db(), namespace.id).await?;
    Ok(found
        .into_iter()
        .filter(|i| !i.key.is_empty())
        .map(view::item)
        .collect())
}

/// The item `key`.
pub async fn get(state: &AdminState, ns: Ns<'_>, key: &str) -> Result<Item, AdminError> {
    let at = ns.check(state)?;
    let (namespace, _) = existing(state.db(), &at).await?;
    let item = items::find(state.db(), namespace.id, key)
        .await?
        .filter(|i| !i.key.is_empty())
        .ok_or_else(|| item_not_found(&at, key))?;
    Ok(view::item(item))
}

/// Adds an item at the end of the namespace.
pub async fn create(state: &AdminState, ns: Ns<'_>, new: &CreateItem) -> Result<Item, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&new.operator)?;
    let edit = Edit::begin(state, &at, operator).await?;
    let item = insert(state, &edit, &new.key, &new.value, &new.comment).await?;
    edit.finish(&created(&new.key, &new.value, &new.comment), "")
        .await?;
    Ok(view::item(item))
}

/// Changes item `key`'s value (and comment); with `change.version`, a change based on an
/// outdated version is refused. A missing item is added when `create_if_missing`.
pub async fn update(
    state: &AdminState,
    ns: Ns<'_>,
    key: &str,
    change: &UpdateItem,
    create_if_missing: bool,
) -> Result<Saved, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&change.operator)?;
    let edit = Edit::begin(state, &at, operator).await?;
    let existing = items::find(&edit.txn, edit.ns.id, key)
        .await?
        .filter(|i| !i.key.is_empty());
    let Some(before) = existing else {
        if !create_if_missing {
            return Err(item_not_found(&at, key));
        }
        let comment = change.comment.clone().unwrap_or_default();
        let item = insert(state, &edit, key, &change.value, &comment).await?;
        edit.finish(&created(key, &change.value, &comment), "")
            .await?;
        return Ok(Saved {
            item: view::item(item),
            created: true,
        });
    };
    if let Some(version) = change.version
        && version != before.version
    {
        return Err(changed_since(&at, &before, version));
    }
    let comment = change
        .comment
        .clone()
        .unwrap_or_else(|| before.comment.clone());
    check_value(state, edit.format, key, &change.value)?;
    check_comment(&comment)?;
    if change.value == before.value && comment == before.comment {
        return Ok(Saved {
            item: view::item(before),
            created: false,
        });
    }
    items::update(
        &edit.txn,
        &before,
        &change.value,
        &comment,
        before.line_num,
        &edit.operator,
    )
    .await?
    .ok_or_else(|| changed_since(&at, &before, before.version))?;
    let changes = ChangeSet {
        updated: vec![ItemUpdate {
            key: key.to_owned(),
            old_value: before.value.clone(),
            new_value: change.value.clone(),
            old_comment: before.comment.clone(),
            new_comment: comment,
        }],
        ..ChangeSet::default()
    };
    let namespace_id = edit.ns.id;
    edit.finish(&changes, "").await?;
    let after = items::find(state.db(), namespace_id, key)
        .await?
        .ok_or_else(|| item_not_found(&at, key))?;
    Ok(Saved {
        item: view::item(after),
        created: false,
    })
}

/// Deletes item `key`; with `version`, a deletion based on an outdated version is refused.
pub async fn delete(
    state: &AdminState,
    ns: Ns<'_>,
    key: &str,
    operator_name: &str,
    version: Option<i64>,
) -> Result<(), AdminError> {
    let at = ns.check(state)?;
    let operator = operator(operator_name)?;
    let edit = Edit::begin(state, &at, operator).await?;
    let item = items::find(&edit.txn, edit.ns.id, key)
        .await?
        .filter(|i| !i.key.is_empty())
        .ok_or_else(|| item_not_found(&at, key))?;
    if let Some(version) = version
        && version != item.version
    {
        return Err(changed_since(&at, &item, version));
    }
    if !items::soft_delete(&edit.txn, &item, &edit.operator, now_millis()).await? {
        return Err(changed_since(&at, &item, item.version));
    }
    let changes = ChangeSet {
        deleted: vec![state_of(&item)],
        ..ChangeSet::default()
    };
    edit.finish(&changes, "").await?;
    Ok(())
}

/// Inserts an item at the end of the namespace, within an open edit.
async fn insert(
    state: &AdminState,
    edit: &Edit<'_>,
    key: &str,
    value: &str,
    comment: &str,
) -> Result<item::Model, AdminError> {
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

//! Items one at a time (table mode): read, add, change, delete. Every change runs in an edit
//! of the namespace (its lock, its revision, a commit and an audit row, in one transaction).

use lyre_protocol::admin::{
    ChangeSet, Commit, CreateItem, Item, ItemState, ItemUpdate, Page, RevealedSecret, UpdateItem,
};
use lyre_protocol::secret::is_sealed;
use lyre_store::config::items::{self, NewItem};
use lyre_store::config::{audit, commits, releases};
use lyre_store::entity::item;
use lyre_store::page::PageRequest;
use lyre_store::time::now_millis;

use super::Ns;
use super::namespaces::existing;
use crate::domain::{Audit, Edit, check_comment, check_key, record, value_to_store};
use crate::error::exists_or;
use crate::params::{NamespaceAt, operator};
use crate::{AdminError, AdminState, view};

/// An item as saved, and whether saving created it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
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

/// Everyone who edited the namespace's items (or, with `branch`, its gray branch's overrides)
/// since release `since_release_id` was made (0: ever), as the audit log names them. The
/// changes a release would publish are made by these people; a review is refused to them.
pub async fn editors(
    state: &AdminState,
    ns: Ns<'_>,
    branch: Option<&str>,
    since_release_id: i64,
) -> Result<Vec<String>, AdminError> {
    let main = ns.check(state)?;
    let at = match branch {
        Some(name) => super::branches::branch_at(&main, name)?,
        None => main,
    };
    let since = if since_release_id == 0 {
        0
    } else {
        releases::find(state.db(), &at.env, since_release_id)
            .await?
            .map_or(0, |r| r.created_at)
    };
    let app_id = at.app_id.to_string();
    Ok(audit::editors(state.db(), &at.env, &app_id, &at.to_string(), since).await?)
}

/// The item `key`.
pub async fn get(state: &AdminState, ns: Ns<'_>, key: &str) -> Result<Item, AdminError> {
    let at = ns.check(state)?;
    Ok(view::item(existing_item(state, &at, key).await?))
}

/// The row of item `key` of the namespace at `at`, which must exist.
async fn existing_item(
    state: &AdminState,
    at: &NamespaceAt,
    key: &str,
) -> Result<item::Model, AdminError> {
    let (namespace, _) = existing(state.db(), at).await?;
    items::find(state.db(), namespace.id, key)
        .await?
        .filter(|i| !i.key.is_empty())
        .ok_or_else(|| item_not_found(at, key))
}

/// The plain value of secret item `key`, for `operator`, who is allowed to see it; the
/// audit log keeps who saw which key (never the value).
pub async fn reveal(
    state: &AdminState,
    ns: Ns<'_>,
    key: &str,
    operator_name: &str,
) -> Result<RevealedSecret, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(operator_name)?;
    let item = existing_item(state, &at, key).await?;
    if !is_sealed(&item.value) {
        return Err(AdminError::Invalid(format!(
            "item `{key}` of {at} is not secret; its value is in the item itself"
        )));
    }
    let value = state
        .secrets()
        .open(at.app_id.as_str(), &item.value)
        .map_err(|e| {
            AdminError::Conflict(format!("the value of `{key}` cannot be revealed: {e}"))
                .because("secret_unreadable", [("key", key)])
        })?;
    let detail = serde_json::json!({ "namespace": at.to_string(), "key": key }).to_string();
    record(
        state.db(),
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "item",
            entity_id: &item.id.to_string(),
            operation: "item.revealed",
            operator: &operator,
        },
        detail,
    )
    .await?;
    Ok(RevealedSecret {
        key: item.key,
        value,
        version: item.version,
    })
}

/// Adds an item at the end of the namespace.
pub async fn create(state: &AdminState, ns: Ns<'_>, new: &CreateItem) -> Result<Item, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&new.operator)?;
    let edit = Edit::begin(state, &at, operator).await?;
    let item = insert(state, &edit, &new.key, &new.value, new.secret, &new.comment).await?;
    edit.finish(&created(&item), "").await?;
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
        let secret = change.secret.unwrap_or(false);
        let item = insert(state, &edit, key, &change.value, secret, &comment).await?;
        edit.finish(&created(&item), "").await?;
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
    let was_secret = is_sealed(&before.value);
    let secret = change.secret.unwrap_or(was_secret);
    if !secret && was_secret && is_sealed(&change.value) {
        return Err(AdminError::Invalid(format!(
            "to make `{key}` plain again, give its new plain value (its secret value is not \
             turned into a plain one)"
        )));
    }
    let value = value_to_store(state, &at, edit.format, key, &change.value, secret)?;
    check_comment(&comment)?;
    if value == before.value && comment == before.comment {
        return Ok(Saved {
            item: view::item(before),
            created: false,
        });
    }
    items::update(
        &edit.txn,
        &before,
        &value,
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
            new_value: value,
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
    secret: bool,
    comment: &str,
) -> Result<item::Model, AdminError> {
    check_key(state, edit.format, key)?;
    let value = &value_to_store(state, edit.at, edit.format, key, value, secret)?;
    check_comment(comment)?;
    let current = edit.items().await?;
    if current.iter().any(|i| i.key == key) {
        return Err(AdminError::AlreadyExists(format!(
            "namespace {} already has an item `{key}`",
            edit.at
        ))
        .because("already_exists", edit.at.params())
        .with("kind", "item")
        .with("name", key));
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
            .because("already_exists", edit.at.params())
            .with("kind", "item")
            .with("name", key)
        })
}

fn created(item: &item::Model) -> ChangeSet {
    ChangeSet {
        created: vec![state_of(item)],
        ..ChangeSet::default()
    }
}

/// Commits read at a time while looking for one key's history.
const COMMIT_BATCH: u64 = 500;

/// The namespace's recorded changes, newest first; with `key`, only those that touched it.
pub async fn commits(
    state: &AdminState,
    ns: Ns<'_>,
    key: Option<&str>,
    page: PageRequest,
) -> Result<Page<Commit>, AdminError> {
    let at = ns.check(state)?;
    existing(state.db(), &at).await?;
    let request = page;
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        let found = commits::list(state.db(), at.r(), request).await?;
        return Ok(Page {
            items: found.items.into_iter().map(view::commit).collect(),
            page: request.page,
            size: request.size,
            total: found.total,
        });
    };
    // A key's history: walk all commits, newest first, keeping those that touched it.
    let skip = request.page.saturating_mul(request.size);
    let mut items = Vec::new();
    let mut total = 0u64;
    let mut before = 0;
    loop {
        let batch = commits::batch(state.db(), at.r(), before, COMMIT_BATCH).await?;
        let Some(last) = batch.last() else { break };
        before = last.id;
        let done = (batch.len() as u64) < COMMIT_BATCH;
        for commit in batch {
            if !view::change_set(&commit).touches(key) {
                continue;
            }
            if total >= skip && (items.len() as u64) < request.size {
                items.push(view::commit(commit));
            }
            total += 1;
        }
        if done {
            break;
        }
    }
    Ok(Page {
        items,
        page: request.page,
        size: request.size,
        total,
    })
}

/// An item as a change set names it.
pub(crate) fn state_of(item: &item::Model) -> ItemState {
    ItemState {
        key: item.key.clone(),
        value: item.value.clone(),
        comment: item.comment.clone(),
    }
}

/// 404 for a key the namespace does not have.
pub(crate) fn item_not_found(at: &NamespaceAt, key: &str) -> AdminError {
    AdminError::not_found(
        "item_not_found",
        format!("namespace {at} has no item `{key}`"),
    )
    .because("not_found", at.params())
    .with("kind", "item")
    .with("name", key)
}

/// 409 for a change based on an item's outdated `version`.
pub(crate) fn changed_since(at: &NamespaceAt, item: &item::Model, version: i64) -> AdminError {
    AdminError::Changed(format!(
        "item `{}` of {at} is at version {}, not {version}: `{}` changed it at {}; reload it and \
         apply your change again",
        item.key,
        item.version,
        item.updated_by,
        lyre_service_kit::time::rfc3339(item.updated_at)
    ))
    .because("item_changed", at.params())
    .with("key", &item.key)
    .with("version", item.version)
    .with("expected", version)
    .with("user", &item.updated_by)
    .with("at", lyre_service_kit::time::rfc3339(item.updated_at))
}

//! A whole namespace as text: properties text with comments, or a file's content.

use std::collections::HashMap;

use lyre_protocol::admin::{
    ChangeSet, ItemBatch, ItemBatchResult, ItemState, ItemUpdate, NamespaceText, UpdateText,
};
use lyre_protocol::format::{self, Format};
use lyre_protocol::properties::{self, Entry, Properties};
use lyre_protocol::secret::is_sealed;
use lyre_store::config::items::{self, NewItem};
use lyre_store::entity::item;
use lyre_store::time::now_millis;

use super::Ns;
use super::items::state_of;
use super::namespaces::existing;
use crate::domain::{CONTENT_KEY, Edit, check_comment, check_key, value_to_store};
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The namespace as text, with the revision it shows.
pub async fn get(state: &AdminState, ns: Ns<'_>) -> Result<NamespaceText, AdminError> {
    let at = ns.check(state)?;
    let (namespace, def) = existing(state.db(), &at).await?;
    let format = def.format();
    let current = items::list(state.db(), namespace.id).await?;
    Ok(NamespaceText {
        format: format.as_str().to_owned(),
        text: render(format, &current),
        revision: namespace.revision,
    })
}

/// Replaces the namespace's items with those of a text, as one change (see the admin
/// service's `PUT .../text`); with `change.revision`, a text edited from an outdated revision
/// is refused. Any error changes nothing.
pub async fn put(
    state: &AdminState,
    ns: Ns<'_>,
    change: &UpdateText,
) -> Result<NamespaceText, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&change.operator)?;
    let mut edit = Edit::begin(state, &at, operator).await?;
    if let Some(revision) = change.revision
        && revision != edit.ns.revision
    {
        return Err(AdminError::Changed(format!(
            "namespace {at} is at revision {}, not {revision}: `{}` changed it since; reload the \
             text and apply your change again",
            edit.ns.revision, edit.ns.updated_by
        ))
        .because("namespace_changed", at.params())
        .with("user", &edit.ns.updated_by)
        .with("revision", edit.ns.revision)
        .with("expected", revision));
    }
    let current = edit.items().await?;
    let wanted = if edit.format.is_properties() {
        let mut props = properties::parse(&change.text)
            .map_err(|e| AdminError::Invalid(format::unparsable_properties(&e)))?;
        for entry in &mut props.entries {
            check_key(state, edit.format, &entry.key)?;
            entry.value = stored(state, &edit, &current, &entry.key, &entry.value)?;
            check_comment(&entry.comment)?;
        }
        check_comment(&props.trailing_comment)?;
        let mut wanted: Vec<Entry> = props.entries;
        if !props.trailing_comment.is_empty() {
            wanted.push(Entry {
                key: TRAILING_COMMENT_KEY.to_owned(),
                value: String::new(),
                comment: props.trailing_comment,
            });
        }
        wanted
    } else {
        vec![Entry {
            key: CONTENT_KEY.to_owned(),
            value: stored(state, &edit, &current, CONTENT_KEY, &change.text)?,
            comment: current
                .iter()
                .find(|i| i.key == CONTENT_KEY)
                .map(|i| i.comment.clone())
                .unwrap_or_default(),
        }]
    };
    let changes = apply(&mut edit, &current, &wanted).await?;
    let format = edit.format;
    let namespace_id = edit.ns.id;
    let revision = edit.finish(&changes, &change.comment).await?;
    let stored = items::list(state.db(), namespace_id).await?;
    Ok(NamespaceText {
        format: format.as_str().to_owned(),
        text: render(format, &stored),
        revision,
    })
}

/// Sets and deletes several keys at once, in one transaction: all of the batch is applied or
/// none of it. Keys keep their places; new keys go after the existing ones. With
/// `body.revision`, a batch based on an outdated revision is refused.
pub async fn batch(
    state: &AdminState,
    ns: Ns<'_>,
    body: &ItemBatch,
) -> Result<ItemBatchResult, AdminError> {
    let at = ns.check(state)?;
    let operator = operator(&body.operator)?;
    check_comment(&body.comment)?;
    let mut edit = Edit::begin(state, &at, operator).await?;
    if let Some(revision) = body.revision
        && revision != edit.ns.revision
    {
        return Err(AdminError::Changed(format!(
            "namespace {at} is at revision {}, not {revision}: `{}` changed it since",
            edit.ns.revision, edit.ns.updated_by
        ))
        .because("namespace_changed", at.params())
        .with("user", &edit.ns.updated_by)
        .with("revision", edit.ns.revision)
        .with("expected", revision));
    }
    let current = edit.items().await?;
    let mut wanted: Vec<Entry> = current
        .iter()
        .filter(|i| !body.delete.contains(&i.key))
        .map(|i| Entry {
            key: i.key.clone(),
            value: i.value.clone(),
            comment: i.comment.clone(),
        })
        .collect();
    // The trailing comment stays last.
    let trailing = wanted
        .iter()
        .position(|e| e.key == TRAILING_COMMENT_KEY)
        .map(|i| wanted.remove(i));
    for set in &body.set {
        check_key(state, edit.format, &set.key)?;
        let value = stored(state, &edit, &current, &set.key, &set.value)?;
        if let Some(comment) = &set.comment {
            check_comment(comment)?;
        }
        if body.delete.contains(&set.key) {
            return Err(
                AdminError::Invalid(format!("key `{}` is both set and deleted", set.key))
                    .because("key_set_and_deleted", [("key", &set.key)]),
            );
        }
        match wanted.iter_mut().find(|e| e.key == set.key) {
            Some(entry) => {
                entry.value = value;
                if let Some(comment) = &set.comment {
                    entry.comment.clone_from(comment);
                }
            }
            None => wanted.push(Entry {
                key: set.key.clone(),
                value,
                comment: set.comment.clone().unwrap_or_default(),
            }),
        }
    }
    wanted.extend(trailing);
    let changes = apply(&mut edit, &current, &wanted).await?;
    let revision = edit.finish(&changes, &body.comment).await?;
    Ok(ItemBatchResult {
        revision,
        change_set: changes,
    })
}

/// What to store for `key` given `value` in a text or a batch: a key that is secret now stays
/// secret (a new plain value is sealed; its sealed value, left as it was, stays).
fn stored(
    state: &AdminState,
    edit: &Edit<'_>,
    current: &[item::Model],
    key: &str,
    value: &str,
) -> Result<String, AdminError> {
    let secret = current.iter().any(|i| i.key == key && is_sealed(&i.value));
    value_to_store(state, edit.at, edit.format, key, value, secret)
}

/// The key under which the comment lines after the last item are kept.
pub(crate) const TRAILING_COMMENT_KEY: &str = "";

/// Items as text in `format`.
pub(crate) fn render(format: Format, current: &[item::Model]) -> String {
    if !format.is_properties() {
        return current
            .iter()
            .find(|i| i.key == CONTENT_KEY)
            .map(|i| i.value.clone())
            .unwrap_or_default();
    }
    let props = Properties {
        entries: current
            .iter()
            .filter(|i| !i.key.is_empty())
            .map(|i| Entry {
                key: i.key.clone(),
                value: i.value.clone(),
                comment: i.comment.clone(),
            })
            .collect(),
        trailing_comment: current
            .iter()
            .find(|i| i.key == TRAILING_COMMENT_KEY)
            .map(|i| i.comment.clone())
            .unwrap_or_default(),
    };
    properties::render(&props)
}

/// Makes the namespace's items those of `wanted`, in its order; returns what changed.
pub(crate) async fn apply(
    edit: &mut Edit<'_>,
    current: &[item::Model],
    wanted: &[Entry],
) -> Result<ChangeSet, AdminError> {
    let by_key: HashMap<&str, &item::Model> = current.iter().map(|i| (i.key.as_str(), i)).collect();
    let mut changes = ChangeSet::default();
    for (index, entry) in wanted.iter().enumerate() {
        let line_num = i32::try_from(index + 1).unwrap_or(i32::MAX);
        match by_key.get(entry.key.as_str()) {
            None => {
                let new = NewItem {
                    namespace_id: edit.ns.id,
                    key: &entry.key,
                    value: &entry.value,
                    comment: &entry.comment,
                    line_num,
                    deletes_key: false,
                };
                items::insert(&edit.txn, &new, &edit.operator).await?;
                if !entry.key.is_empty() {
                    changes.created.push(ItemState {
                        key: entry.key.clone(),
                        value: entry.value.clone(),
                        comment: entry.comment.clone(),
                    });
                }
            }
            Some(before) => {
                let content_changed =
                    before.value != entry.value || before.comment != entry.comment;
                if !content_changed && before.line_num == line_num {
                    continue;
                }
                items::update(
                    &edit.txn,
                    before,
                    &entry.value,
                    &entry.comment,
                    line_num,
                    &edit.operator,
                )
                .await?
                .ok_or_else(|| {
                    AdminError::Changed(format!("item `{}` changed meanwhile", before.key))
                        .because("item_changed", [("key", &before.key)])
                })?;
                if content_changed && !entry.key.is_empty() {
                    changes.updated.push(ItemUpdate {
                        key: entry.key.clone(),
                        old_value: before.value.clone(),
                        new_value: entry.value.clone(),
                        old_comment: before.comment.clone(),
                        new_comment: entry.comment.clone(),
                    });
                } else {
                    edit.reordered = true;
                }
            }
        }
    }
    let now = now_millis();
    for before in current {
        if wanted.iter().any(|e| e.key == before.key) {
            continue;
        }
        items::soft_delete(&edit.txn, before, &edit.operator, now).await?;
        if before.key.is_empty() {
            edit.reordered = true;
        } else {
            changes.deleted.push(state_of(before));
        }
    }
    Ok(changes)
}

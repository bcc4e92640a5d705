//! Items of a namespace: one at a time (table mode) or all at once as text (text mode), and
//! the history of their changes.

pub(crate) mod commits;
pub(crate) mod edit;
pub(crate) mod read;
pub(crate) mod text;

use lyre_protocol::admin::ItemState;
use lyre_store::entity::item;

use crate::AdminError;
use crate::params::NamespaceAt;

pub(crate) fn state_of(item: &item::Model) -> ItemState {
    ItemState {
        key: item.key.clone(),
        value: item.value.clone(),
        comment: item.comment.clone(),
    }
}

pub(crate) fn item_not_found(at: &NamespaceAt, key: &str) -> AdminError {
    AdminError::not_found(
        "item_not_found",
        format!("namespace {at} has no item `{key}`"),
    )
}

pub(crate) fn changed_since(at: &NamespaceAt, item: &item::Model, version: i64) -> AdminError {
    AdminError::Changed(format!(
        "item `{}` of {at} is at version {}, not {version}: `{}` changed it at {}; reload it and \
         apply your change again",
        item.key,
        item.version,
        item.updated_by,
        lyre_service_kit::time::rfc3339(item.updated_at)
    ))
}

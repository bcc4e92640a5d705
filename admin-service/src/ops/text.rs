//! A whole namespace as text: properties text with comments, or a file's content.

use lyre_protocol::admin::{NamespaceText, UpdateText};
use lyre_protocol::properties::{self, Entry};
use lyre_store::config::items;

use super::Ns;
use crate::domain::{CONTENT_KEY, Edit, check_comment, check_key, check_value};
use crate::params::operator;
use crate::routes::items::text::{TRAILING_COMMENT_KEY, apply, render};
use crate::routes::namespaces::existing;
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
        )));
    }
    let current = edit.items().await?;
    let wanted = if edit.format.is_properties() {
        let props = properties::parse(&change.text)
            .map_err(|e| AdminError::Invalid(format!("the text does not parse: {e}")))?;
        for entry in &props.entries {
            check_key(state, edit.format, &entry.key)?;
            check_value(state, edit.format, &entry.key, &entry.value)?;
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
        check_value(state, edit.format, CONTENT_KEY, &change.text)?;
        vec![Entry {
            key: CONTENT_KEY.to_owned(),
            value: change.text.clone(),
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

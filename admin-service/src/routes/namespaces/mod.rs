//! Namespace definitions of an app, and namespaces in clusters.

pub(crate) mod definitions;
pub(crate) mod instances;

use lyre_protocol::admin::Namespace;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{items, locks, namespaces, releases};
use lyre_store::entity::namespace;
use lyre_store::sea_orm::ConnectionTrait;

use crate::domain::{Definition, configurations_of, definition, diff, namespace_not_found};
use crate::params::NamespaceAt;
use crate::{AdminError, view};

/// The live namespace at `at` and its definition, or 404.
pub(crate) async fn existing(
    db: &impl ConnectionTrait,
    at: &NamespaceAt,
) -> Result<(namespace::Model, Definition), AdminError> {
    let ns = namespaces::find(db, at.r())
        .await?
        .ok_or_else(|| namespace_not_found(at))?;
    let def = definition(db, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .ok_or_else(|| namespace_not_found(at))?;
    Ok((ns, def))
}

/// A namespace as the API shows it: its definition, item count, lock, latest release and
/// whether it has unpublished changes.
pub(crate) async fn describe(
    db: &impl ConnectionTrait,
    ns: namespace::Model,
    def: &Definition,
) -> Result<Namespace, AdminError> {
    let r = NamespaceRef {
        env: &ns.env,
        app_id: &ns.app_id,
        cluster: &ns.cluster_name,
        namespace: &ns.namespace_name,
    };
    let format = def.format();
    let current = configurations_of(&items::list(db, ns.id).await?, format);
    let latest = releases::latest_active(db, r).await?;
    let has_unpublished_changes = match &latest {
        Some(release) => !diff(&view::configurations(release)?, &current).is_empty(),
        None => !current.is_empty(),
    };
    let locked_by = locks::find(db, ns.id).await?.map(|l| l.created_by);
    Ok(Namespace {
        format: format.as_str().to_owned(),
        is_public: def.model.is_public,
        owner_app_id: def.model.app_id.clone(),
        is_associated: def.associated,
        comment: def.model.comment.clone(),
        item_count: current.len() as u64,
        revision: ns.revision,
        locked_by,
        latest_release: latest.as_ref().map(view::release_summary),
        has_unpublished_changes,
        env: ns.env,
        app_id: ns.app_id,
        cluster_name: ns.cluster_name,
        namespace_name: ns.namespace_name,
    })
}

//! Namespaces in a cluster: the app's own (created with the cluster or the definition) and
//! associated public ones.

use lyre_protocol::admin::{AssociateNamespace, Namespace, NamespaceLock};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, items, locks, namespaces, releases};
use lyre_store::entity::namespace;
use lyre_store::sea_orm::ConnectionTrait;
use lyre_store::time::now_millis;
use lyre_store::write;

use super::Ns;
use super::clusters::{self, ClusterIn};
use crate::domain::{
    Audit, Definition, configurations_of, definition, delete_namespaces, diff, lock_namespace,
    namespace_not_found, record,
};
use crate::error::exists_or;
use crate::params::{NamespaceAt, namespace_name, operator};
use crate::{AdminError, AdminState, view};

/// The namespaces of a cluster: the app's own and the public ones it associates.
pub async fn list(
    state: &AdminState,
    cluster: ClusterIn<'_>,
) -> Result<Vec<Namespace>, AdminError> {
    let at = cluster.check(state)?;
    let db = state.db();
    clusters::existing(db, &at).await?;
    let mut out = Vec::new();
    for ns in namespaces::list(db, &at.env, at.app_id.as_str(), at.cluster.as_str()).await? {
        if let Some(def) = definition(db, &ns.app_id, &ns.namespace_name).await? {
            out.push(describe(db, ns, &def).await?);
        }
    }
    out.sort_by_key(|n| (n.namespace_name != "application", n.is_associated));
    Ok(out)
}

/// One namespace.
pub async fn get(state: &AdminState, ns: Ns<'_>) -> Result<Namespace, AdminError> {
    let at = ns.check(state)?;
    let (ns, def) = existing(state.db(), &at).await?;
    describe(state.db(), ns, &def).await
}

/// Associates another app's public namespace into this cluster: the items added here
/// override the public ones, key by key, for this app.
pub async fn associate(
    state: &AdminState,
    cluster: ClusterIn<'_>,
    body: &AssociateNamespace,
) -> Result<Namespace, AdminError> {
    let at = cluster.check(state)?;
    let name = namespace_name(body.namespace_name.trim())?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    clusters::existing(&txn, &at).await?;
    if app_namespaces::find(&txn, at.app_id.as_str(), name.as_str())
        .await?
        .is_some()
    {
        return Err(AdminError::AlreadyExists(format!(
            "`{name}` is app `{}`'s own namespace, not one to associate",
            at.app_id
        ))
        .because(
            "own_namespace",
            [("namespace", name.as_str()), ("app", at.app_id.as_str())],
        ));
    }
    app_namespaces::find_public(&txn, name.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "namespace_not_found",
                format!("there is no public namespace `{name}`"),
            )
            .because(
                "not_found",
                [("kind", "public_namespace"), ("name", name.as_str())],
            )
        })?;
    let r = NamespaceRef {
        env: &at.env,
        app_id: at.app_id.as_str(),
        cluster: at.cluster.as_str(),
        namespace: name.as_str(),
    };
    let ns = namespaces::insert(&txn, r, &operator).await.map_err(|e| {
        exists_or(e, || {
            format!(
                "cluster `{}` of app `{}` in {} already has `{name}`",
                at.cluster, at.app_id, at.env
            )
        })
        .because(
            "already_exists",
            [
                ("kind", "namespace"),
                ("name", name.as_str()),
                ("app", at.app_id.as_str()),
                ("env", &at.env),
                ("cluster", at.cluster.as_str()),
            ],
        )
    })?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "namespace",
            entity_id: &format!("{}/{}/{}/{name}", at.env, at.app_id, at.cluster),
            operation: "associate",
            operator: &operator,
        },
        serde_json::json!({"publicNamespace": name.as_str()}).to_string(),
    )
    .await?;
    let def = definition(&txn, at.app_id.as_str(), name.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "namespace_not_found",
                format!("no public namespace `{name}`"),
            )
            .because(
                "not_found",
                [("kind", "public_namespace"), ("name", name.as_str())],
            )
        })?;
    let described = describe(&txn, ns, &def).await?;
    txn.commit().await?;
    Ok(described)
}

/// Removes an associated public namespace (and this app's overrides of it) from the cluster.
pub async fn dissociate(
    state: &AdminState,
    ns: Ns<'_>,
    operator_name: &str,
) -> Result<(), AdminError> {
    let at = ns.check(state)?;
    let operator = operator(operator_name)?;
    let (_gate, txn, ns) = lock_namespace(state, &at).await?;
    let associated = definition(&txn, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .is_some_and(|d| d.associated);
    if !associated {
        return Err(AdminError::Invalid(format!(
            "`{}` is app `{}`'s own namespace: delete it with DELETE /apps/{}/appnamespaces/{}",
            at.namespace, at.app_id, at.app_id, at.namespace
        )));
    }
    let announced =
        delete_namespaces(&txn, std::slice::from_ref(&ns), &operator, now_millis()).await?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "namespace",
            entity_id: &at.to_string(),
            operation: "dissociate",
            operator: &operator,
        },
        "{}".into(),
    )
    .await?;
    txn.commit().await?;
    state.announce(announced);
    Ok(())
}

/// Who holds the namespace's edit lock.
pub async fn lock(state: &AdminState, ns: Ns<'_>) -> Result<NamespaceLock, AdminError> {
    let at = ns.check(state)?;
    let (ns, _) = existing(state.db(), &at).await?;
    let holder = locks::find(state.db(), ns.id).await?.map(|l| l.created_by);
    Ok(NamespaceLock {
        namespace_name: at.namespace.as_str().to_owned(),
        is_locked: holder.is_some(),
        locked_by: holder,
    })
}

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

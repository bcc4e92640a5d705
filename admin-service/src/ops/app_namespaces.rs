//! The namespaces an app defines (its own private ones and the public ones other apps may
//! associate), created in every cluster of the app, deleted everywhere at once.

use lyre_protocol::admin::{AppNamespace, CreateAppNamespace};
use lyre_protocol::format::Format;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, clusters, namespaces};
use lyre_store::time::now_millis;
use lyre_store::write;

use super::apps::{self, DEFAULT_NAMESPACE, check_len};
use crate::domain::{Audit, delete_namespaces, record};
use crate::error::exists_or;
use crate::params::{app_id, namespace_name, operator};
use crate::{AdminError, AdminState, view};

/// The namespaces an app defines, `application` first.
pub async fn list(state: &AdminState, raw: &str) -> Result<Vec<AppNamespace>, AdminError> {
    let id = app_id(raw)?;
    apps::existing(state.db(), id.as_str()).await?;
    let found = app_namespaces::list(state.db(), id.as_str()).await?;
    Ok(found.into_iter().map(view::app_namespace).collect())
}

/// Every public namespace, of any app: what apps may associate.
pub async fn list_public(state: &AdminState) -> Result<Vec<AppNamespace>, AdminError> {
    let found = app_namespaces::list_public(state.db()).await?;
    Ok(found.into_iter().map(view::app_namespace).collect())
}

/// Defines a namespace and creates it in every cluster of the app. A non-properties name
/// gets its format's suffix (`datasources` in yaml becomes `datasources.yaml`).
pub async fn create(
    state: &AdminState,
    raw: &str,
    body: &CreateAppNamespace,
) -> Result<AppNamespace, AdminError> {
    let id = app_id(raw)?;
    let operator = operator(&body.operator)?;
    let format = Format::parse(&body.format).map_err(|e| AdminError::Invalid(e.to_string()))?;
    check_len("comment", &body.comment, 1024)?;
    let mut name = namespace_name(body.name.trim())?.into_string();
    let suffix = format!(".{format}");
    if !format.is_properties() && !name.to_ascii_lowercase().ends_with(&suffix) {
        name.push_str(&suffix);
    }
    let name = namespace_name(&name)?;

    let txn = write::begin(state.db()).await?;
    apps::existing(&txn, id.as_str()).await?;
    for other in app_namespaces::find_by_name(&txn, name.as_str()).await? {
        if other.app_id == id.as_str() {
            return Err(AdminError::AlreadyExists(format!(
                "app `{id}` already has a namespace `{name}`"
            ))
            .because(
                "already_exists",
                [
                    ("kind", "namespace"),
                    ("name", name.as_str()),
                    ("app", id.as_str()),
                ],
            ));
        }
        if other.is_public || body.is_public {
            return Err(AdminError::AlreadyExists(format!(
                "the name `{name}` is taken: app `{}` has a {} namespace of that name, and a public \
                 namespace's name must be unique across apps",
                other.app_id,
                if other.is_public { "public" } else { "private" }
            ))
            .because(
                "namespace_name_taken",
                [
                    ("name", name.as_str()),
                    ("app", &other.app_id),
                    ("visibility", if other.is_public { "public" } else { "private" }),
                ],
            ));
        }
    }
    let definition = app_namespaces::insert(
        &txn,
        id.as_str(),
        name.as_str(),
        format.as_str(),
        body.is_public,
        &body.comment,
        &operator,
    )
    .await
    .map_err(|e| {
        exists_or(e, || format!("the namespace name `{name}` is taken"))
            .because("namespace_name_taken", [("name", name.as_str())])
    })?;
    for cluster in clusters::list_all(&txn, id.as_str()).await? {
        if cluster.parent_cluster_id != 0 {
            continue;
        }
        let at = NamespaceRef {
            env: &cluster.env,
            app_id: id.as_str(),
            cluster: &cluster.name,
            namespace: name.as_str(),
        };
        namespaces::insert(&txn, at, &operator).await?;
    }
    let definition = view::app_namespace(definition);
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app_namespace",
            entity_id: &format!("{id}/{name}"),
            operation: "create",
            operator: &operator,
        },
        serde_json::to_string(&definition).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    Ok(definition)
}

/// `/apps/{appId}/appnamespaces/{namespaceName}`.
/// Deletes a namespace definition and the namespace in every cluster, with its items and
/// releases. `application` cannot be deleted, nor a public namespace other apps associate.
pub async fn delete(
    state: &AdminState,
    raw_app: &str,
    raw_name: &str,
    operator_name: &str,
) -> Result<(), AdminError> {
    let id = app_id(raw_app)?;
    let name = namespace_name(raw_name)?;
    let operator = operator(operator_name)?;
    if name.as_str() == DEFAULT_NAMESPACE {
        return Err(AdminError::Invalid(format!(
            "`{DEFAULT_NAMESPACE}` is every app's own namespace; it cannot be deleted"
        )));
    }
    let txn = write::begin(state.db()).await?;
    let definition = app_namespaces::find(&txn, id.as_str(), name.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "namespace_not_found",
                format!("app `{id}` has no namespace `{name}`"),
            )
            .because(
                "not_found",
                [
                    ("kind", "namespace"),
                    ("name", name.as_str()),
                    ("app", id.as_str()),
                ],
            )
        })?;
    if definition.is_public
        && let Some(user) = namespaces::list_named(&txn, None, name.as_str())
            .await?
            .into_iter()
            .find(|n| n.app_id != id.as_str())
    {
        return Err(AdminError::Conflict(format!(
            "app `{}` associates the public namespace `{name}`; remove that association first",
            user.app_id
        ))
        .because(
            "public_namespace_in_use",
            [
                ("app", id.as_str()),
                ("namespace", name.as_str()),
                ("user", &user.app_id),
            ],
        ));
    }
    let now = now_millis();
    let doomed = namespaces::list_named(&txn, Some(id.as_str()), name.as_str()).await?;
    let announced = delete_namespaces(&txn, &doomed, &operator, now).await?;
    app_namespaces::soft_delete(&txn, id.as_str(), Some(name.as_str()), &operator, now).await?;
    // A namespace made again under this name starts without the old one's schema.
    lyre_store::config::schemas::delete(&txn, id.as_str(), Some(name.as_str())).await?;
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app_namespace",
            entity_id: &format!("{id}/{name}"),
            operation: "delete",
            operator: &operator,
        },
        serde_json::json!({"namespaces": doomed.len()}).to_string(),
    )
    .await?;
    txn.commit().await?;
    state.announce(announced);
    Ok(())
}

//! Apps: created with an `application` namespace and a `default` cluster in every
//! environment, read, listed, changed, and deleted with everything they hold.

use lyre_protocol::admin::{App, CreateApp, Page, UpdateApp};
use lyre_protocol::format::Format;
use lyre_store::config::apps::{self, NewApp};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, clusters, namespaces};
use lyre_store::entity::app;
use lyre_store::page::PageRequest;
use lyre_store::sea_orm::{ConnectionTrait, IntoActiveModel, Set};
use lyre_store::time::now_millis;
use lyre_store::write;

use crate::domain::{Audit, delete_namespaces, record};
use crate::error::exists_or;
use crate::params::{app_id, operator};
use crate::{AdminError, AdminState, view};

/// The cluster every app has in every environment.
pub(crate) const DEFAULT_CLUSTER: &str = "default";
/// The private namespace every app has.
pub(crate) const DEFAULT_NAMESPACE: &str = "application";

/// Creates an app, with the `default` cluster in every environment and its private
/// `application` namespace in each.
pub async fn create(state: &AdminState, body: &CreateApp) -> Result<App, AdminError> {
    let id = app_id(&body.app_id)?;
    let operator = operator(&body.operator)?;
    let name = body.name.trim();
    if name.is_empty() {
        return Err(AdminError::Invalid("`name` must not be empty".into())
            .because("field_required", [("field", "name")]));
    }
    check_len("name", name, 256)?;
    check_len("orgId", &body.org_id, 64)?;
    check_len("orgName", &body.org_name, 128)?;
    check_len("ownerName", &body.owner_name, 64)?;
    check_len("ownerEmail", &body.owner_email, 256)?;
    if body.owner_name.trim().is_empty() {
        return Err(
            AdminError::Invalid("`ownerName` must name the app's owner".into())
                .because("field_required", [("field", "ownerName")]),
        );
    }

    let txn = write::begin(state.db()).await?;
    let new = NewApp {
        app_id: id.as_str(),
        name,
        org_id: &body.org_id,
        org_name: &body.org_name,
        owner_name: body.owner_name.trim(),
        owner_email: &body.owner_email,
    };
    let app = apps::insert(&txn, &new, &operator).await.map_err(|e| {
        exists_or(e, || format!("app `{id}` already exists"))
            .because("already_exists", [("kind", "app"), ("name", id.as_str())])
    })?;
    app_namespaces::insert(
        &txn,
        id.as_str(),
        DEFAULT_NAMESPACE,
        Format::Properties.as_str(),
        false,
        "default app namespace",
        &operator,
    )
    .await?;
    for env in &state.settings().envs {
        clusters::insert(&txn, env, id.as_str(), DEFAULT_CLUSTER, 0, "", &operator).await?;
        let at = NamespaceRef {
            env,
            app_id: id.as_str(),
            cluster: DEFAULT_CLUSTER,
            namespace: DEFAULT_NAMESPACE,
        };
        namespaces::insert(&txn, at, &operator).await?;
    }
    let app = view::app(app);
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app",
            entity_id: id.as_str(),
            operation: "create",
            operator: &operator,
        },
        serde_json::to_string(&app).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    Ok(app)
}

/// One app.
pub async fn get(state: &AdminState, raw: &str) -> Result<App, AdminError> {
    let id = app_id(raw)?;
    Ok(view::app(existing(state.db(), id.as_str()).await?))
}

/// Apps by id, optionally only those whose id or name contains `search`.
pub async fn list(
    state: &AdminState,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<App>, AdminError> {
    let found = apps::list(state.db(), search.map(str::trim), page).await?;
    Ok(Page {
        items: found.items.into_iter().map(view::app).collect(),
        page: page.page,
        size: page.size,
        total: found.total,
    })
}

/// Changes an app's name, organisation or owner; absent fields stay as they are.
pub async fn update(state: &AdminState, raw: &str, body: &UpdateApp) -> Result<App, AdminError> {
    let id = app_id(raw)?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    let before = existing(&txn, id.as_str()).await?;
    let mut app = before.clone().into_active_model();
    if let Some(name) = &body.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(AdminError::Invalid("`name` must not be empty".into())
                .because("field_required", [("field", "name")]));
        }
        check_len("name", name, 256)?;
        app.name = Set(name.to_owned());
    }
    if let Some(org_id) = &body.org_id {
        check_len("orgId", org_id, 64)?;
        app.org_id = Set(org_id.clone());
    }
    if let Some(org_name) = &body.org_name {
        check_len("orgName", org_name, 128)?;
        app.org_name = Set(org_name.clone());
    }
    if let Some(owner_name) = &body.owner_name {
        if owner_name.trim().is_empty() {
            return Err(
                AdminError::Invalid("`ownerName` must name the app's owner".into())
                    .because("field_required", [("field", "ownerName")]),
            );
        }
        check_len("ownerName", owner_name, 64)?;
        app.owner_name = Set(owner_name.trim().to_owned());
    }
    if let Some(owner_email) = &body.owner_email {
        check_len("ownerEmail", owner_email, 256)?;
        app.owner_email = Set(owner_email.clone());
    }
    let after = apps::update(&txn, app, &operator).await?;
    let detail =
        serde_json::json!({"before": view::app(before), "after": view::app(after.clone())});
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app",
            entity_id: id.as_str(),
            operation: "update",
            operator: &operator,
        },
        detail.to_string(),
    )
    .await?;
    txn.commit().await?;
    Ok(view::app(after))
}

/// Deletes an app with its clusters, namespaces, items and releases (kept as history, never
/// served again). Refused while another app associates one of its public namespaces.
pub async fn delete(state: &AdminState, raw: &str, operator_name: &str) -> Result<(), AdminError> {
    let id = app_id(raw)?;
    let operator = operator(operator_name)?;
    let txn = write::begin(state.db()).await?;
    let app = existing(&txn, id.as_str()).await?;

    for definition in app_namespaces::list(&txn, id.as_str()).await? {
        if !definition.is_public {
            continue;
        }
        let users: Vec<String> = namespaces::list_named(&txn, None, &definition.name)
            .await?
            .into_iter()
            .filter(|n| n.app_id != id.as_str())
            .map(|n| n.app_id)
            .collect();
        if let Some(user) = users.first() {
            return Err(AdminError::Conflict(format!(
                "app `{id}` owns the public namespace `{}`, which app `{user}` associates; \
                 remove that association first",
                definition.name
            ))
            .because(
                "public_namespace_in_use",
                [
                    ("app", id.as_str()),
                    ("namespace", &definition.name),
                    ("user", user),
                ],
            ));
        }
    }

    let now = now_millis();
    let doomed = namespaces::list_of_app(&txn, id.as_str(), None).await?;
    let announced = delete_namespaces(&txn, &doomed, &operator, now).await?;
    let cluster_ids: Vec<i64> = clusters::list_all(&txn, id.as_str())
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    clusters::soft_delete(&txn, &cluster_ids, &operator, now).await?;
    app_namespaces::soft_delete(&txn, id.as_str(), None, &operator, now).await?;
    lyre_store::config::schemas::delete(&txn, id.as_str(), None).await?;
    apps::soft_delete(&txn, app.id, &operator, now).await?;
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app",
            entity_id: id.as_str(),
            operation: "delete",
            operator: &operator,
        },
        serde_json::json!({"namespaces": doomed.len(), "clusters": cluster_ids.len()}).to_string(),
    )
    .await?;
    txn.commit().await?;
    state.announce(announced);
    Ok(())
}

/// The live app `app_id`, or 404.
pub(crate) async fn existing(
    db: &impl ConnectionTrait,
    app_id: &str,
) -> Result<app::Model, AdminError> {
    apps::find(db, app_id).await?.ok_or_else(|| {
        AdminError::not_found("app_not_found", format!("app `{app_id}` does not exist"))
            .because("not_found", [("kind", "app"), ("name", app_id)])
    })
}

/// Checks a free-text field's length.
pub(crate) fn check_len(field: &str, value: &str, max: usize) -> Result<(), AdminError> {
    if value.chars().count() > max {
        return Err(
            AdminError::Invalid(format!("`{field}` is at most {max} characters"))
                .because("field_too_long", [("field", field)])
                .with("limit", max),
        );
    }
    Ok(())
}

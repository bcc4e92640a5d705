//! `/apps/{appId}/appnamespaces`: the namespaces an app defines.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AppNamespace, CreateAppNamespace};
use lyre_protocol::format::Format;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, clusters, namespaces};
use lyre_store::time::now_millis;
use lyre_store::write;
use serde::Deserialize;

use crate::domain::{Audit, delete_namespaces, record};
use crate::error::exists_or;
use crate::params::{OperatorQuery, app_id, namespace_name, operator};
use crate::routes::apps::check_len;
use crate::routes::apps::create::DEFAULT_NAMESPACE;
use crate::{AdminError, AdminState, view};

/// The namespaces an app defines, `application` first.
#[utoipa::path(
    get,
    path = "/apps/{appId}/appnamespaces",
    tag = "namespaces",
    params(("appId" = String, Path, description = "The app")),
    responses(
        (status = 200, description = "The definitions", body = Vec<AppNamespace>),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
) -> Result<Json<Vec<AppNamespace>>, AdminError> {
    let id = app_id(&raw)?;
    crate::routes::apps::existing(state.db(), id.as_str()).await?;
    let found = app_namespaces::list(state.db(), id.as_str()).await?;
    Ok(Json(found.into_iter().map(view::app_namespace).collect()))
}

/// Every public namespace, of any app: what apps may associate.
#[utoipa::path(
    get,
    path = "/appnamespaces/public",
    tag = "namespaces",
    responses((status = 200, description = "The public definitions", body = Vec<AppNamespace>))
)]
pub(crate) async fn list_public(
    State(state): State<AdminState>,
) -> Result<Json<Vec<AppNamespace>>, AdminError> {
    let found = app_namespaces::list_public(state.db()).await?;
    Ok(Json(found.into_iter().map(view::app_namespace).collect()))
}

/// Defines a namespace and creates it in every cluster of the app. A non-properties name
/// gets its format's suffix (`datasources` in yaml becomes `datasources.yaml`).
#[utoipa::path(
    post,
    path = "/apps/{appId}/appnamespaces",
    tag = "namespaces",
    params(("appId" = String, Path, description = "The app")),
    request_body = CreateAppNamespace,
    responses(
        (status = 201, description = "Created", body = AppNamespace),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
    Json(body): Json<CreateAppNamespace>,
) -> Result<(StatusCode, Json<AppNamespace>), AdminError> {
    let id = app_id(&raw)?;
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
    crate::routes::apps::existing(&txn, id.as_str()).await?;
    for other in app_namespaces::find_by_name(&txn, name.as_str()).await? {
        if other.app_id == id.as_str() {
            return Err(AdminError::AlreadyExists(format!(
                "app `{id}` already has a namespace `{name}`"
            )));
        }
        if other.is_public || body.is_public {
            return Err(AdminError::AlreadyExists(format!(
                "the name `{name}` is taken: app `{}` has a {} namespace of that name, and a public \
                 namespace's name must be unique across apps",
                other.app_id,
                if other.is_public { "public" } else { "private" }
            )));
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
    .map_err(|e| exists_or(e, || format!("the namespace name `{name}` is taken")))?;
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
    Ok((StatusCode::CREATED, Json(definition)))
}

/// `/apps/{appId}/appnamespaces/{namespaceName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DefinitionPath {
    app_id: String,
    namespace_name: String,
}

/// Deletes a namespace definition and the namespace in every cluster, with its items and
/// releases. `application` cannot be deleted, nor a public namespace other apps associate.
#[utoipa::path(
    delete,
    path = "/apps/{appId}/appnamespaces/{namespaceName}",
    tag = "namespaces",
    params(
        ("appId" = String, Path, description = "The app"),
        ("namespaceName" = String, Path, description = "The namespace"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`application` cannot be deleted", body = ErrorBody),
        (status = 404, description = "No such namespace", body = ErrorBody),
        (status = 409, description = "Other apps associate it", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(path): Path<DefinitionPath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let id = app_id(&path.app_id)?;
    let name = namespace_name(&path.namespace_name)?;
    let operator = query.operator()?;
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
        )));
    }
    let now = now_millis();
    let doomed = namespaces::list_named(&txn, Some(id.as_str()), name.as_str()).await?;
    let announced = delete_namespaces(&txn, &doomed, &operator, now).await?;
    app_namespaces::soft_delete(&txn, id.as_str(), Some(name.as_str()), &operator, now).await?;
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
    Ok(StatusCode::NO_CONTENT)
}

//! The namespaces an app defines, over HTTP; the operations are `crate::ops::app_namespaces`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AppNamespace, CreateAppNamespace};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;

use crate::ops::app_namespaces;
use crate::params::OperatorQuery;
use crate::{AdminError, AdminState};

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
    app_namespaces::list(&state, &raw).await.map(Json)
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
    app_namespaces::list_public(&state).await.map(Json)
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
    let definition = app_namespaces::create(&state, &raw, &body).await?;
    Ok((StatusCode::CREATED, Json(definition)))
}

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
    let operator = query.operator.as_deref().unwrap_or("");
    app_namespaces::delete(&state, &path.app_id, &path.namespace_name, operator).await?;
    Ok(StatusCode::NO_CONTENT)
}

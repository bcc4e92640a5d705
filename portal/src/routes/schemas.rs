//! Namespace schemas: set by an app's masters (everywhere at once, versioned), read by whoever
//! may see the namespace, and checked at publish as each environment says (`off`, `warn`,
//! `enforce`).

use axum::extract::State;
use lyre_admin_service::ops::call::system;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    NamespaceSchema, SchemaInEnv, SchemaProblem, SetNamespaceSchema, SetSchemaMode,
};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::apps::{everywhere, first_env};
use super::scope::{AppNsPath, Ns, NsPath};
use crate::auth::CurrentUser;
use crate::{PortalError, PortalState};

/// `/envs/{env}/apps/{appId}/namespaces/{namespaceName}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct EnvAppNsPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The namespace
    pub namespace_name: String,
}

/// The schema in force for an app's namespace, and how the environment checks publishes
/// against it.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema",
    tag = "schemas",
    params(EnvAppNsPath),
    responses(
        (status = 200, description = "The schema (absent when none is set) and the mode", body = SchemaInEnv),
        (status = 400, description = "A xml or txt namespace, which schemas do not check", body = ErrorBody),
        (status = 404, description = "No such app, namespace or environment", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<EnvAppNsPath>,
) -> Result<Json<SchemaInEnv>, PortalError> {
    in_env(&state, path).await.map(Json)
}

/// The schema in force at `path` and the environment's mode (for the portal and the Open API).
pub(crate) async fn in_env(
    state: &PortalState,
    path: EnvAppNsPath,
) -> Result<SchemaInEnv, PortalError> {
    let query = system::NamespaceSchemaIn {
        env: path.env.clone(),
        app_id: path.app_id,
        namespace: path.namespace_name,
    };
    state.admins().call(&path.env, query).await
}

/// Sets a new version of the schema at `path` in every environment (for the portal and the
/// Open API, once the caller's right to is checked).
pub(crate) async fn set_version(
    state: &PortalState,
    path: AppNsPath,
    body: SetNamespaceSchema,
) -> Result<NamespaceSchema, PortalError> {
    let change = system::SetNamespaceSchemaVersion {
        app_id: path.app_id,
        namespace: path.namespace_name,
        body,
    };
    everywhere(state, axum::http::StatusCode::CONFLICT, change).await
}

/// Every version of an app's namespace's schema, newest first, with who set it and when.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/namespaces/{namespaceName}/schema/history",
    tag = "schemas",
    params(AppNsPath),
    responses(
        (status = 200, description = "The versions, newest first", body = Vec<NamespaceSchema>),
        (status = 404, description = "No such app or namespace", body = ErrorBody),
    )
)]
pub(crate) async fn history(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<AppNsPath>,
) -> Result<Json<Vec<NamespaceSchema>>, PortalError> {
    let env = first_env(&state)?;
    let query = system::NamespaceSchemaHistory {
        app_id: path.app_id,
        namespace: path.namespace_name,
    };
    state.admins().call(&env, query).await.map(Json)
}

/// Sets a new version of an app's namespace's schema, a JSON Schema (draft 2020-12) such as
/// `lyre_client::schema::write` makes from the app's own type (the app's masters only). It
/// applies in every environment; each checks publishes against it as its mode says.
#[utoipa::path(
    put,
    path = "/api/v1/apps/{appId}/namespaces/{namespaceName}/schema",
    tag = "schemas",
    params(AppNsPath),
    request_body = SetNamespaceSchema,
    responses(
        (status = 200, description = "The new version", body = NamespaceSchema),
        (status = 400, description = "Not a JSON Schema, too large, or a xml or txt namespace", body = ErrorBody),
        (status = 404, description = "No such app or namespace", body = ErrorBody),
        (status = 409, description = "Someone set another version at the same moment", body = ErrorBody),
    )
)]
pub(crate) async fn set(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppNsPath>,
    Json(mut body): Json<SetNamespaceSchema>,
) -> Result<Json<NamespaceSchema>, PortalError> {
    body.operator.clone_from(&user.username);
    set_version(&state, path, body).await.map(Json)
}

/// Sets how an environment checks publishes of the namespace against its schema: `off`,
/// `warn` (a publish that does not fit goes out, its problems in the answer's
/// `schemaProblems`) or `enforce` (it is refused, `422 schema_violation`) (the app's masters
/// only).
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema/mode",
    tag = "schemas",
    params(EnvAppNsPath),
    request_body = SetSchemaMode,
    responses(
        (status = 200, description = "The schema and its new mode", body = SchemaInEnv),
        (status = 400, description = "A xml or txt namespace, which schemas do not check", body = ErrorBody),
        (status = 404, description = "No such app, namespace or environment", body = ErrorBody),
    )
)]
pub(crate) async fn set_mode(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<EnvAppNsPath>,
    Json(mut body): Json<SetSchemaMode>,
) -> Result<Json<SchemaInEnv>, PortalError> {
    body.operator.clone_from(&user.username);
    let change = system::SetNamespaceSchemaMode {
        env: path.env.clone(),
        app_id: path.app_id,
        namespace: path.namespace_name,
        body,
    };
    state.admins().call(&path.env, change).await.map(Json)
}

/// `?branch=`: which publish [`check`] looks at.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CheckQuery {
    /// A gray branch of the namespace: its next gray publish (main's latest release with the
    /// branch's overrides) rather than the namespace's next publish.
    branch: Option<String>,
}

/// What the namespace's (or its gray branch's) next publish would not fit of its schema, where
/// the environment checks schemas (empty otherwise): what the publish dialogs show before their
/// button.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/schema-check",
    tag = "schemas",
    params(NsPath, CheckQuery),
    responses(
        (status = 200, description = "The problems, by key; empty when it fits or nothing is checked", body = Vec<SchemaProblem>),
        (status = 404, description = "No such namespace or gray branch", body = ErrorBody),
    )
)]
pub(crate) async fn check(
    ns: Ns,
    Query(query): Query<CheckQuery>,
) -> Result<Json<Vec<SchemaProblem>>, PortalError> {
    ns.call(system::PendingSchemaProblems {
        ns: ns.name(),
        branch: query.branch,
    })
    .await
    .map(Json)
}

/// An item as it is being typed (`POST .../item-check`).
#[derive(Deserialize, ToSchema)]
pub(crate) struct ItemToCheck {
    /// The key.
    key: String,
    /// The value, as typed.
    value: String,
}

/// What the namespace's items would not fit of its schema with one item set as it is being
/// typed, without saving anything, where the environment checks schemas (empty otherwise): the
/// item dialog marks the value as it is typed.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/item-check",
    tag = "schemas",
    params(NsPath),
    request_body = ItemToCheck,
    responses(
        (status = 200, description = "The problems, by key; empty when it fits or nothing is checked", body = Vec<SchemaProblem>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn check_item(
    ns: Ns,
    Json(body): Json<ItemToCheck>,
) -> Result<Json<Vec<SchemaProblem>>, PortalError> {
    ns.call(system::ItemSchemaProblems {
        ns: ns.name(),
        key: body.key,
        value: body.value,
    })
    .await
    .map(Json)
}

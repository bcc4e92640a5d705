//! Namespace schemas on the Open API: CI pushes the schema its build wrote from the app's own
//! type (`lyre schema push`), and reads it back (`lyre publish` checks locally with it).

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{NamespaceSchema, SchemaInEnv, SetNamespaceSchema};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;

use crate::auth::Caller;
use crate::rbac::{Action, Grants, Scope};
use crate::routes::schemas::{self, EnvAppNsPath};
use crate::routes::scope::AppNsPath;
use crate::{PortalError, PortalState};

/// The schema in force for an app's namespace, and how the environment checks publishes
/// against it.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/namespaces/{namespaceName}/schema",
    tag = "open api",
    params(EnvAppNsPath),
    responses(
        (status = 200, description = "The schema (absent when none is set) and the mode", body = SchemaInEnv),
        (status = 404, description = "No such app, namespace or environment", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<PortalState>,
    _caller: Caller,
    Path(path): Path<EnvAppNsPath>,
) -> Result<Json<SchemaInEnv>, PortalError> {
    schemas::in_env(&state, path).await.map(Json)
}

/// Whether `grants` may set an app's namespace's schema, which every environment checks
/// against: a master of the app, or modify permission on the namespace in every environment.
fn may_set(grants: &Grants, envs: &[String], app: &str, namespace: &str) -> bool {
    grants.is_master(app)
        || (!envs.is_empty()
            && envs.iter().all(|env| {
                let scope = Scope {
                    env,
                    app,
                    cluster: "",
                    namespace,
                };
                grants.can(Action::Modify, scope)
            }))
}

/// Sets a new version of an app's namespace's schema: what `lyre_client::schema::write` wrote
/// from the app's own type, pushed by CI (`lyre schema push`).
#[utoipa::path(
    put,
    path = "/openapi/v1/apps/{appId}/namespaces/{namespaceName}/schema",
    tag = "open api",
    params(AppNsPath),
    request_body = SetNamespaceSchema,
    responses(
        (status = 200, description = "The new version", body = NamespaceSchema),
        (status = 400, description = "Not a JSON Schema, too large, or a xml or txt namespace", body = ErrorBody),
        (status = 403, description = "Neither a master of the app nor allowed to modify the \
            namespace in every environment", body = ErrorBody),
        (status = 404, description = "No such app or namespace", body = ErrorBody),
    )
)]
pub(crate) async fn set(
    State(state): State<PortalState>,
    caller: Caller,
    Path(path): Path<AppNsPath>,
    Json(mut body): Json<SetNamespaceSchema>,
) -> Result<Json<NamespaceSchema>, PortalError> {
    let envs = state.admins().envs();
    if !may_set(&caller.grants, envs, &path.app_id, &path.namespace_name) {
        return Err(PortalError::Forbidden(format!(
            "`{}` may not set the schema of {}/{}: that takes a master of app `{}`, or modify \
             permission on the namespace in every environment ({})",
            caller.name,
            path.app_id,
            path.namespace_name,
            path.app_id,
            envs.join(", ")
        ))
        .because(
            "schema_needs_master_or_modify",
            [
                ("user", caller.name.clone()),
                ("app", path.app_id.clone()),
                ("namespace", path.namespace_name.clone()),
                ("envs", envs.join(", ")),
            ],
        ));
    }
    body.operator = caller.operator(&state, None).await?;
    schemas::set_version(&state, path, body).await.map(Json)
}

//! Environments and their settings.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{EnvSettings, UpdateEnvSettings};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;
use lyre_store::{settings, write};

use crate::domain::{Audit, EMERGENCY_PUBLISH, NAMESPACE_LOCK, env_rules, record};
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The environments this admin service serves, in order.
#[utoipa::path(
    get,
    path = "/envs",
    tag = "envs",
    responses((status = 200, description = "The environments", body = Vec<String>))
)]
pub(crate) async fn list(State(state): State<AdminState>) -> Json<Vec<String>> {
    Json(state.settings().envs.clone())
}

async fn read(state: &AdminState, env: String) -> Result<EnvSettings, AdminError> {
    let rules = env_rules(state.db(), &env).await?;
    Ok(EnvSettings {
        env,
        namespace_lock: rules.namespace_lock,
        emergency_publish_allowed: rules.emergency_publish_allowed,
    })
}

/// How an environment governs edits and publishes.
#[utoipa::path(
    get,
    path = "/envs/{env}/settings",
    tag = "envs",
    params(("env" = String, Path, description = "The environment")),
    responses(
        (status = 200, description = "The settings", body = EnvSettings),
        (status = 404, description = "No such environment", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(env): Path<String>,
) -> Result<Json<EnvSettings>, AdminError> {
    let env = state.env(&env)?;
    Ok(Json(read(&state, env).await?))
}

/// Changes how an environment governs edits and publishes: the namespace lock (the review
/// switch) and whether emergency publishes may skip it.
#[utoipa::path(
    put,
    path = "/envs/{env}/settings",
    tag = "envs",
    params(("env" = String, Path, description = "The environment")),
    request_body = UpdateEnvSettings,
    responses(
        (status = 200, description = "The settings now", body = EnvSettings),
        (status = 404, description = "No such environment", body = ErrorBody),
    )
)]
pub(crate) async fn put(
    State(state): State<AdminState>,
    Path(env): Path<String>,
    Json(body): Json<UpdateEnvSettings>,
) -> Result<Json<EnvSettings>, AdminError> {
    let env = state.env(&env)?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    let changes = [
        (NAMESPACE_LOCK, body.namespace_lock),
        (EMERGENCY_PUBLISH, body.emergency_publish_allowed),
    ];
    for (name, value) in changes {
        if let Some(value) = value {
            settings::put(
                &txn,
                &env,
                name,
                if value { "true" } else { "false" },
                &operator,
            )
            .await?;
        }
    }
    record(
        &txn,
        Audit {
            env: &env,
            app_id: "",
            entity_type: "env_settings",
            entity_id: &env,
            operation: "update",
            operator: &operator,
        },
        serde_json::to_string(&body).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(read(&state, env).await?))
}

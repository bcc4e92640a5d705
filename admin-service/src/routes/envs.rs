//! Environments and their settings.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{EnvSettings, UpdateEnvSettings};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;

use crate::ops::settings;
use crate::{AdminError, AdminState};

/// The environments this admin service serves, in order.
#[utoipa::path(
    get,
    path = "/envs",
    tag = "envs",
    responses((status = 200, description = "The environments", body = Vec<String>))
)]
pub(crate) async fn list(State(state): State<AdminState>) -> Json<Vec<String>> {
    Json(settings::envs(&state))
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
    settings::get(&state, &env).await.map(Json)
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
    settings::put(&state, &env, &body).await.map(Json)
}

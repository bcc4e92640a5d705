//! `/envs/{env}/apps/{appId}/accesskeys`: the HTTP face of `ops::access_keys`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AccessKey, OperatorBody, UpdateAccessKey};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;

use crate::ops::access_keys::{self, AppIn};
use crate::params::OperatorQuery;
use crate::{AdminError, AdminState};

/// `/envs/{env}/apps/{appId}/accesskeys`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeysPath {
    env: String,
    app_id: String,
}

impl KeysPath {
    fn app(&self) -> AppIn<'_> {
        AppIn {
            env: &self.env,
            app_id: &self.app_id,
        }
    }
}

/// `/envs/{env}/apps/{appId}/accesskeys/{keyId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyPath {
    env: String,
    app_id: String,
    key_id: i64,
}

impl KeyPath {
    fn app(&self) -> AppIn<'_> {
        AppIn {
            env: &self.env,
            app_id: &self.app_id,
        }
    }
}

/// The app's access keys in an environment, without their secrets.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/accesskeys",
    tag = "access keys",
    params(("env" = String, Path, description = "The environment"), ("appId" = String, Path, description = "The app")),
    responses(
        (status = 200, description = "The keys", body = Vec<AccessKey>),
        (status = 404, description = "No such environment or app", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<KeysPath>,
) -> Result<Json<Vec<AccessKey>>, AdminError> {
    access_keys::list(&state, path.app()).await.map(Json)
}

/// Creates a key with a random secret, disabled: hand the secret (in this answer, and later
/// only through a reveal) to the app's clients, then enable it.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/accesskeys",
    tag = "access keys",
    params(("env" = String, Path, description = "The environment"), ("appId" = String, Path, description = "The app")),
    request_body = OperatorBody,
    responses(
        (status = 201, description = "Created", body = AccessKey),
        (status = 404, description = "No such environment or app", body = ErrorBody),
        (status = 409, description = "The app has five keys already", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Path(path): Path<KeysPath>,
    Json(body): Json<OperatorBody>,
) -> Result<(StatusCode, Json<AccessKey>), AdminError> {
    let key = access_keys::create(&state, path.app(), &body.operator).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// `/envs/{env}/apps/{appId}/accesskeys/{keyId}/reveal`: the key with its secret, recorded in
/// the audit log under the operator.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/accesskeys/{keyId}/reveal",
    tag = "access keys",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("keyId" = i64, Path, description = "The key"),
    ),
    request_body = OperatorBody,
    responses(
        (status = 200, description = "The key with its secret", body = AccessKey),
        (status = 404, description = "No such key", body = ErrorBody),
    )
)]
pub(crate) async fn reveal(
    State(state): State<AdminState>,
    Path(path): Path<KeyPath>,
    Json(body): Json<OperatorBody>,
) -> Result<Json<AccessKey>, AdminError> {
    access_keys::reveal(&state, path.app(), path.key_id, &body.operator)
        .await
        .map(Json)
}

/// Enables or disables a key, or switches it between enforcing and observing.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/accesskeys/{keyId}",
    tag = "access keys",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("keyId" = i64, Path, description = "The key"),
    ),
    request_body = UpdateAccessKey,
    responses(
        (status = 200, description = "The key now", body = AccessKey),
        (status = 400, description = "Unknown mode", body = ErrorBody),
        (status = 404, description = "No such key", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<AdminState>,
    Path(path): Path<KeyPath>,
    Json(body): Json<UpdateAccessKey>,
) -> Result<Json<AccessKey>, AdminError> {
    access_keys::update(&state, path.app(), path.key_id, &body)
        .await
        .map(Json)
}

/// Deletes a disabled key.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/accesskeys/{keyId}",
    tag = "access keys",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("keyId" = i64, Path, description = "The key"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such key", body = ErrorBody),
        (status = 409, description = "The key is enabled", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(path): Path<KeyPath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let operator = query.operator()?;
    access_keys::delete(&state, path.app(), path.key_id, &operator).await?;
    Ok(StatusCode::NO_CONTENT)
}

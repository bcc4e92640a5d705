//! Access keys of an app in one environment: at most five; clients of the app sign their
//! requests to config services with an enabled key's secret.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AccessKey, OperatorBody, Stamps, UpdateAccessKey};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::access_keys;
use lyre_store::entity::access_key;
use lyre_store::write;
use rand::Rng as _;
use serde::Deserialize;

use crate::domain::{Audit, record};
use crate::params::{OperatorQuery, app_id, operator};
use crate::routes::apps::existing;
use crate::{AdminError, AdminState};

/// Apollo's limit of keys per app and environment.
const MAX_KEYS: u64 = 5;

/// The key as answered: with its secret only when `reveal`.
fn view(m: access_key::Model, reveal: bool) -> AccessKey {
    let hint_from = m.secret.len().saturating_sub(4);
    AccessKey {
        secret_hint: m.secret.get(hint_from..).unwrap_or_default().to_owned(),
        secret: reveal.then_some(m.secret),
        stamps: Stamps {
            created_by: m.created_by,
            created_at: rfc3339(m.created_at),
            updated_by: m.updated_by,
            updated_at: rfc3339(m.updated_at),
        },
        id: m.id,
        enabled: m.is_enabled,
        mode: if m.mode == 1 { "observe" } else { "enforce" }.into(),
    }
}

/// `/envs/{env}/apps/{appId}/accesskeys`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeysPath {
    env: String,
    app_id: String,
}

/// `/envs/{env}/apps/{appId}/accesskeys/{keyId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyPath {
    env: String,
    app_id: String,
    key_id: i64,
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
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    existing(state.db(), id.as_str()).await?;
    let keys = access_keys::list(state.db(), &env, id.as_str()).await?;
    Ok(Json(keys.into_iter().map(|k| view(k, false)).collect()))
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
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    existing(&txn, id.as_str()).await?;
    if access_keys::count(&txn, &env, id.as_str()).await? >= MAX_KEYS {
        return Err(AdminError::Conflict(format!(
            "app `{id}` has {MAX_KEYS} access keys in {env} already; delete one first"
        )));
    }
    let secret: String = {
        let mut rng = rand::rng();
        (0..16)
            .map(|_| format!("{:02x}", rng.random::<u8>()))
            .collect()
    };
    let key = access_keys::insert(&txn, &env, id.as_str(), &secret, &operator).await?;
    audit_key(
        &txn,
        &env,
        id.as_str(),
        key.id,
        "create",
        &operator,
        "{}".into(),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view(key, true))))
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
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    let key = access_keys::find(&txn, &env, id.as_str(), path.key_id)
        .await?
        .ok_or_else(|| key_not_found(&env, &id, path.key_id))?;
    audit_key(
        &txn,
        &env,
        id.as_str(),
        key.id,
        "reveal",
        &operator,
        "{}".into(),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(view(key, true)))
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
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    let operator = operator(&body.operator)?;
    let mode = match body.mode.as_deref() {
        None => None,
        Some("enforce") => Some(0),
        Some("observe") => Some(1),
        Some(other) => {
            return Err(AdminError::Invalid(format!(
                "`mode` is `enforce` or `observe`, not `{other}`"
            )));
        }
    };
    let txn = write::begin(state.db()).await?;
    let key = access_keys::find(&txn, &env, id.as_str(), path.key_id)
        .await?
        .ok_or_else(|| key_not_found(&env, &id, path.key_id))?;
    let enabled = body.enabled.unwrap_or(key.is_enabled);
    let mode = mode.unwrap_or(key.mode);
    access_keys::set_state(&txn, key.id, enabled, mode, &operator).await?;
    audit_key(
        &txn,
        &env,
        id.as_str(),
        key.id,
        "update",
        &operator,
        serde_json::json!({
            "enabled": enabled,
            "mode": if mode == 1 { "observe" } else { "enforce" },
        })
        .to_string(),
    )
    .await?;
    let updated = access_keys::find(&txn, &env, id.as_str(), key.id)
        .await?
        .ok_or_else(|| key_not_found(&env, &id, key.id))?;
    txn.commit().await?;
    Ok(Json(view(updated, false)))
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
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    let operator = query.operator()?;
    let txn = write::begin(state.db()).await?;
    let key = access_keys::find(&txn, &env, id.as_str(), path.key_id)
        .await?
        .ok_or_else(|| key_not_found(&env, &id, path.key_id))?;
    if key.is_enabled {
        return Err(AdminError::Conflict(format!(
            "access key {} is enabled: disable it before deleting it, so no client is cut off by surprise",
            key.id
        )));
    }
    access_keys::soft_delete(&txn, key.id, &operator).await?;
    audit_key(
        &txn,
        &env,
        id.as_str(),
        key.id,
        "delete",
        &operator,
        "{}".into(),
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records `operation` on access key `key_id` in the audit log.
async fn audit_key(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    env: &str,
    app_id: &str,
    key_id: i64,
    operation: &str,
    operator: &str,
    detail: String,
) -> Result<(), AdminError> {
    record(
        db,
        Audit {
            env,
            app_id,
            entity_type: "access_key",
            entity_id: &key_id.to_string(),
            operation,
            operator,
        },
        detail,
    )
    .await?;
    Ok(())
}

fn key_not_found(env: &str, app_id: &impl std::fmt::Display, id: i64) -> AdminError {
    AdminError::not_found(
        "access_key_not_found",
        format!("app `{app_id}` has no access key {id} in {env}"),
    )
}

//! Access keys of an app in one environment: at most five; clients of the app sign their
//! requests to config services with an enabled key's secret. A secret is answered when the key
//! is created and by an audited reveal, never in a list.

use lyre_protocol::admin::{AccessKey, Stamps, UpdateAccessKey};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::access_keys;
use lyre_store::entity::access_key;
use lyre_store::sea_orm::{ConnectionTrait, DatabaseTransaction};
use lyre_store::write;
use rand::Rng as _;

use crate::domain::{Audit, record};
use crate::ops::apps::existing;
use crate::params::{app_id, operator};
use crate::{AdminError, AdminState};

/// Apollo's limit of keys per app and environment.
const MAX_KEYS: u64 = 5;

/// An app in one environment, as the caller names them (each operation checks both).
#[derive(Clone, Copy, Debug)]
pub struct AppIn<'a> {
    /// The environment.
    pub env: &'a str,
    /// The app.
    pub app_id: &'a str,
}

/// The app's keys, without their secrets.
pub async fn list(state: &AdminState, at: AppIn<'_>) -> Result<Vec<AccessKey>, AdminError> {
    let env = state.env(at.env)?;
    let id = app_id(at.app_id)?;
    existing(state.db(), id.as_str()).await?;
    let keys = access_keys::list(state.db(), &env, id.as_str()).await?;
    Ok(keys.into_iter().map(|k| view(k, false)).collect())
}

/// Creates a key with a random secret, disabled; the answer holds the secret.
pub async fn create(
    state: &AdminState,
    at: AppIn<'_>,
    operator_name: &str,
) -> Result<AccessKey, AdminError> {
    let env = state.env(at.env)?;
    let id = app_id(at.app_id)?;
    let operator = operator(operator_name)?;
    let txn = write::begin(state.db()).await?;
    existing(&txn, id.as_str()).await?;
    if access_keys::count(&txn, &env, id.as_str()).await? >= MAX_KEYS {
        return Err(AdminError::Conflict(format!(
            "app `{id}` has {MAX_KEYS} access keys in {env} already; delete one first"
        ))
        .because(
            "too_many_access_keys",
            [("app", id.as_str()), ("env", env.as_str())],
        )
        .with("limit", MAX_KEYS));
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
    Ok(view(key, true))
}

/// Turns key `key_id` on or off, or switches it between enforcing and observing.
pub async fn update(
    state: &AdminState,
    at: AppIn<'_>,
    key_id: i64,
    change: &UpdateAccessKey,
) -> Result<AccessKey, AdminError> {
    let mode = match change.mode.as_deref() {
        None => None,
        Some("enforce") => Some(0),
        Some("observe") => Some(1),
        Some(other) => {
            return Err(AdminError::Invalid(format!(
                "`mode` is `enforce` or `observe`, not `{other}`"
            )));
        }
    };
    let one = one_key(state, at, key_id, &change.operator).await?;
    let enabled = change.enabled.unwrap_or(one.key.is_enabled);
    let mode = mode.unwrap_or(one.key.mode);
    access_keys::set_state(&one.txn, one.key.id, enabled, mode, &one.operator).await?;
    let detail = serde_json::json!({
        "enabled": enabled,
        "mode": if mode == 1 { "observe" } else { "enforce" },
    });
    one.audit("update", detail.to_string()).await?;
    let updated = find(&one.txn, &one.env, &one.app_id, one.key.id).await?;
    one.txn.commit().await?;
    Ok(view(updated, false))
}

/// Deletes key `key_id`, which must be disabled (so no client is cut off by surprise).
pub async fn delete(
    state: &AdminState,
    at: AppIn<'_>,
    key_id: i64,
    operator_name: &str,
) -> Result<(), AdminError> {
    let one = one_key(state, at, key_id, operator_name).await?;
    if one.key.is_enabled {
        return Err(AdminError::Conflict(format!(
            "access key {key_id} is enabled: disable it before deleting it, so no client is cut off by surprise"
        ))
        .because("access_key_enabled", [("key", key_id)]));
    }
    access_keys::soft_delete(&one.txn, one.key.id, &one.operator).await?;
    one.audit("delete", "{}".into()).await?;
    one.txn.commit().await?;
    Ok(())
}

/// Key `key_id` with its secret; the reveal is recorded in the audit log.
pub async fn reveal(
    state: &AdminState,
    at: AppIn<'_>,
    key_id: i64,
    operator_name: &str,
) -> Result<AccessKey, AdminError> {
    let one = one_key(state, at, key_id, operator_name).await?;
    one.audit("reveal", "{}".into()).await?;
    one.txn.commit().await?;
    Ok(view(one.key, true))
}

/// A change to one key under way: the names checked, its transaction, the key as it was.
struct OneKey {
    env: String,
    app_id: String,
    operator: String,
    txn: DatabaseTransaction,
    key: access_key::Model,
}

/// Checks the names, opens the transaction and finds key `key_id`.
async fn one_key(
    state: &AdminState,
    at: AppIn<'_>,
    key_id: i64,
    operator_name: &str,
) -> Result<OneKey, AdminError> {
    let env = state.env(at.env)?;
    let app_id = app_id(at.app_id)?.as_str().to_owned();
    let operator = operator(operator_name)?;
    let txn = write::begin(state.db()).await?;
    let key = find(&txn, &env, &app_id, key_id).await?;
    Ok(OneKey {
        env,
        app_id,
        operator,
        txn,
        key,
    })
}

impl OneKey {
    async fn audit(&self, operation: &str, detail: String) -> Result<(), AdminError> {
        audit_key(
            &self.txn,
            &self.env,
            &self.app_id,
            self.key.id,
            operation,
            &self.operator,
            detail,
        )
        .await
    }
}

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

async fn find(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    key_id: i64,
) -> Result<access_key::Model, AdminError> {
    access_keys::find(db, env, app_id, key_id)
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "access_key_not_found",
                format!("app `{app_id}` has no access key {key_id} in {env}"),
            )
            .because(
                "not_found",
                [("kind", "access_key"), ("app", app_id), ("env", env)],
            )
            .with("name", key_id.to_string())
        })
}

/// Records `operation` on access key `key_id` in the audit log.
async fn audit_key(
    db: &impl ConnectionTrait,
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

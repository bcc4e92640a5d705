//! Each environment's policy: whether namespaces lock to the person editing them, and whether
//! the super admin may publish in an emergency. (Review is the portal's rule, kept in the same
//! settings table by the portal.)

use lyre_protocol::admin::{EnvSettings, UpdateEnvSettings};
use lyre_store::{settings as stored, write};

use crate::domain::{Audit, EMERGENCY_PUBLISH, NAMESPACE_LOCK, env_rules, record};
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The configured environments, in order.
pub fn envs(state: &AdminState) -> Vec<String> {
    state.settings().envs.clone()
}

/// The environment's policy as stored.
async fn read(state: &AdminState, env: String) -> Result<EnvSettings, AdminError> {
    let rules = env_rules(state.db(), &env).await?;
    Ok(EnvSettings {
        env,
        namespace_lock: rules.namespace_lock,
        emergency_publish_allowed: rules.emergency_publish_allowed,
    })
}

/// How an environment governs edits and publishes.
/// The policy of environment `env`.
pub async fn get(state: &AdminState, env: &str) -> Result<EnvSettings, AdminError> {
    let env = state.env(env)?;
    read(state, env).await
}

/// Changes the policy of environment `env` (absent fields stay as they are).
pub async fn put(
    state: &AdminState,
    env: &str,
    body: &UpdateEnvSettings,
) -> Result<EnvSettings, AdminError> {
    let env = state.env(env)?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    let changes = [
        (NAMESPACE_LOCK, body.namespace_lock),
        (EMERGENCY_PUBLISH, body.emergency_publish_allowed),
    ];
    for (name, value) in changes {
        if let Some(value) = value {
            stored::put(
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
    read(state, env).await
}

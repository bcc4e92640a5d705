//! Each environment's policy, in one place: whether changes need review, whether private
//! namespaces are shown to the app's members only, whether namespaces lock to the person
//! editing them, and whether the super admin may publish in an emergency. The portal enforces
//! the first two (reading them with [`policy`]), the admin operations the others.

use lyre_protocol::admin::{EnvSettings, UpdateEnvSettings};
use lyre_store::sea_orm::{ConnectionTrait, DbErr};
use lyre_store::{settings as stored, write};

use crate::domain::{
    Audit, EMERGENCY_PUBLISH, MEMBER_ONLY_VIEW, NAMESPACE_LOCK, REVIEW_REQUIRED, env_rules, record,
};
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The configured environments, in order.
pub fn envs(state: &AdminState) -> Vec<String> {
    state.settings().envs.clone()
}

/// The policy of environment `env` as stored (its name as given), read from `db`.
pub async fn policy(db: &impl ConnectionTrait, env: &str) -> Result<EnvSettings, DbErr> {
    let rules = env_rules(db, env).await?;
    Ok(EnvSettings {
        env: env.to_owned(),
        namespace_lock: rules.namespace_lock,
        emergency_publish_allowed: rules.emergency_publish_allowed,
        review_required: rules.review_required,
        member_only_view: rules.member_only_view,
    })
}

async fn read(state: &AdminState, env: String) -> Result<EnvSettings, AdminError> {
    Ok(policy(state.db(), &env).await?)
}

/// The policy of environment `env`.
pub async fn get(state: &AdminState, env: &str) -> Result<EnvSettings, AdminError> {
    let env = state.env(env)?;
    read(state, env).await
}

/// Changes the policy of environment `env` (absent fields stay as they are), in one
/// transaction with its audit entry.
pub async fn put(
    state: &AdminState,
    env: &str,
    body: &UpdateEnvSettings,
) -> Result<EnvSettings, AdminError> {
    let env = state.env(env)?;
    let operator = operator(&body.operator)?;
    let UpdateEnvSettings {
        namespace_lock,
        emergency_publish_allowed,
        review_required,
        member_only_view,
        ..
    } = *body;
    let changes = [
        (NAMESPACE_LOCK, namespace_lock),
        (EMERGENCY_PUBLISH, emergency_publish_allowed),
        (REVIEW_REQUIRED, review_required),
        (MEMBER_ONLY_VIEW, member_only_view),
    ];
    if changes.iter().all(|(_, value)| value.is_none()) {
        return read(state, env).await;
    }
    let txn = write::begin(state.db()).await?;
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

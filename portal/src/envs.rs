//! The rules per environment the portal enforces: whether changes need review, and whether
//! private namespaces are shown to the app's members only. They are part of the environment's
//! policy, which the admin operations own (`lyre_admin_service::ops::settings`); `PRO` has
//! both on until someone changes them.

use lyre_protocol::admin::EnvSettings;
use lyre_store::sea_orm::{ConnectionTrait, DbErr};

/// The policy of `env`.
pub(crate) async fn rules(db: &impl ConnectionTrait, env: &str) -> Result<EnvSettings, DbErr> {
    lyre_admin_service::ops::settings::policy(db, env).await
}

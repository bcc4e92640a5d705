//! An app's access keys (its masters only: they hold secrets), the environments' settings, and
//! the audit log.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_admin_service::ops::call::{self};
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::UpdateEnvSettings;
use lyre_protocol::admin::{AccessKey, AuditEntry, EnvSettings, Page, UpdateAccessKey};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use lyre_store::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::apps::first_env;
use super::scope::{Env, EnvAppPath, EnvPath, KeyPath};
use crate::auth::CurrentUser;
use crate::{PortalError, PortalState};

/// The app's access keys in one environment, without their secrets (see the reveal).
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/accesskeys",
    tag = "access keys",
    params(EnvAppPath),
    responses(
        (status = 200, description = "Its keys", body = Vec<AccessKey>),
    )
)]
pub(crate) async fn list_keys(env: Env<EnvAppPath>) -> Result<Json<Vec<AccessKey>>, PortalError> {
    env.call(call::system::AccessKeys { app: env.app() })
        .await
        .map(Json)
}

/// Creates an access key (at most 5 per app and environment), disabled: hand its secret (in this
/// answer) to the app's clients, then enable it.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/accesskeys",
    tag = "access keys",
    params(EnvAppPath),
    responses(
        (status = 201, description = "Created", body = AccessKey),
        (status = 409, description = "The app has 5 keys already", body = ErrorBody),
    )
)]
pub(crate) async fn create_key(
    user: CurrentUser,
    env: Env<EnvAppPath>,
) -> Result<(StatusCode, Json<AccessKey>), PortalError> {
    let key = env
        .call(call::system::CreateAccessKey {
            app: env.app(),
            operator: user.username.clone(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Enables, disables or changes the mode of an access key (`enforce` or `observe`).
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}",
    tag = "access keys",
    params(KeyPath),
    request_body = UpdateAccessKey,
    responses(
        (status = 200, description = "Changed", body = AccessKey),
        (status = 404, description = "No such key", body = ErrorBody),
    )
)]
pub(crate) async fn update_key(
    user: CurrentUser,
    env: Env<KeyPath>,
    Json(mut body): Json<UpdateAccessKey>,
) -> Result<Json<AccessKey>, PortalError> {
    body.operator.clone_from(&user.username);
    env.call(call::system::ChangeAccessKey {
        app: env.app(),
        key_id: env.path.key_id,
        change: body.clone(),
    })
    .await
    .map(Json)
}

/// Deletes an access key (it must be disabled first).
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}",
    tag = "access keys",
    params(KeyPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such key", body = ErrorBody),
        (status = 409, description = "The key is still enabled", body = ErrorBody),
    )
)]
pub(crate) async fn delete_key(
    user: CurrentUser,
    env: Env<KeyPath>,
) -> Result<StatusCode, PortalError> {
    env.call(call::system::DeleteAccessKey {
        app: env.app(),
        key_id: env.path.key_id,
        operator: user.username.clone(),
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An access key with its secret, for a master of the app; the reveal is recorded in the audit
/// log.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/accesskeys/{keyId}/reveal",
    tag = "access keys",
    params(KeyPath),
    responses(
        (status = 200, description = "The key with its secret", body = AccessKey),
        (status = 404, description = "No such key", body = ErrorBody),
    )
)]
pub(crate) async fn reveal_key(
    user: CurrentUser,
    env: Env<KeyPath>,
) -> Result<Json<AccessKey>, PortalError> {
    env.call(call::system::RevealAccessKey {
        app: env.app(),
        key_id: env.path.key_id,
        operator: user.username.clone(),
    })
    .await
    .map(Json)
}

/// The configured environments, in order.
#[utoipa::path(
    get,
    path = "/api/v1/envs",
    tag = "system",
    responses(
        (status = 200, description = "Environment names", body = Vec<String>),
    )
)]
pub(crate) async fn envs(
    State(state): State<PortalState>,
    _user: CurrentUser,
) -> Json<Vec<String>> {
    Json(state.admins().envs().to_vec())
}

/// The rules of one environment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvRulesView {
    /// The environment.
    env: String,
    /// Changes are published only through approved release requests.
    review_required: bool,
    /// Private namespaces are shown to the app's members (and the super admin) only.
    member_only_view: bool,
    /// The first editor of a namespace holds it until publish, and may not publish it.
    namespace_lock: bool,
    /// The super admin may publish without review (recorded as an emergency publish).
    emergency_publish_allowed: bool,
}

impl From<EnvSettings> for EnvRulesView {
    fn from(policy: EnvSettings) -> Self {
        Self {
            env: policy.env,
            review_required: policy.review_required,
            member_only_view: policy.member_only_view,
            namespace_lock: policy.namespace_lock,
            emergency_publish_allowed: policy.emergency_publish_allowed,
        }
    }
}

/// Changes to an environment's rules; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateEnvRules {
    /// See [`EnvRulesView::review_required`].
    review_required: Option<bool>,
    /// See [`EnvRulesView::member_only_view`].
    member_only_view: Option<bool>,
    /// See [`EnvRulesView::namespace_lock`].
    namespace_lock: Option<bool>,
    /// See [`EnvRulesView::emergency_publish_allowed`].
    emergency_publish_allowed: Option<bool>,
}

/// How an environment treats changes.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/settings",
    tag = "system",
    params(EnvPath),
    responses(
        (status = 200, description = "Its rules", body = EnvRulesView),
        (status = 404, description = "No such environment", body = ErrorBody),
    )
)]
pub(crate) async fn env_settings(env: Env<EnvPath>) -> Result<Json<EnvRulesView>, PortalError> {
    let policy = env
        .call(call::system::EnvPolicy {
            env: env.name.clone(),
        })
        .await?;
    Ok(Json(policy.into()))
}

/// Changes how an environment treats changes (the super admin only).
#[utoipa::path(
    put,
    path = "/api/v1/envs/{env}/settings",
    tag = "system",
    params(EnvPath),
    request_body = UpdateEnvRules,
    responses(
        (status = 200, description = "The new rules", body = EnvRulesView),
        (status = 404, description = "No such environment", body = ErrorBody),
    )
)]
pub(crate) async fn update_env_settings(
    user: CurrentUser,
    env: Env<EnvPath>,
    Json(body): Json<UpdateEnvRules>,
) -> Result<Json<EnvRulesView>, PortalError> {
    let update = UpdateEnvSettings {
        namespace_lock: body.namespace_lock,
        emergency_publish_allowed: body.emergency_publish_allowed,
        review_required: body.review_required,
        member_only_view: body.member_only_view,
        operator: user.username.clone(),
    };
    let policy = env
        .call(call::system::SetEnvPolicy {
            env: env.name.clone(),
            change: update,
        })
        .await?;
    Ok(Json(policy.into()))
}

/// Which audit entries to read.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuditQuery {
    /// Only this app's entries (required unless you are the super admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<String>,
    /// Only this person's entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<String>,
    /// Only this environment's entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<String>,
    /// Only this kind of entity (`app`, `namespace`, `item`, `release`, `role`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_type: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    /// Only entries before this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    /// From 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    /// Entries per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

/// Who did what, when: the audit log, newest first. The super admin reads all of it; others
/// read the entries of apps they hold a role in.
#[utoipa::path(
    get,
    path = "/api/v1/audits",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of entries", body = Page<AuditEntry>),
        (status = 400, description = "A filter is invalid", body = ErrorBody),
        (status = 403, description = "Not a member of the app", body = ErrorBody),
        (status = 404, description = "No such environment", body = ErrorBody),
    )
)]
pub(crate) async fn audits(
    State(state): State<PortalState>,
    user: CurrentUser,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, PortalError> {
    if !user.is_super_admin() {
        match query.app_id.as_deref() {
            None => {
                return Err(PortalError::Forbidden(
                    "name an app (`appId`): only the super admin reads the whole audit log".into(),
                )
                .because("audit_log_needs_app", [("field", "appId")]));
            }
            Some(app) if !user.grants.is_member(app) => {
                return Err(PortalError::Forbidden(format!(
                    "only members of app `{app}` read its audit log"
                ))
                .because("audit_log_members_only", [("app", app)]));
            }
            Some(_) => {}
        }
    }
    let env = first_env(&state)?;
    let page = PageRequest::new(query.page.unwrap_or(0), query.size.unwrap_or(20));
    let filter = call::system::AuditQuery {
        app_id: query.app_id,
        operator: query.operator,
        env: query.env,
        entity_type: query.entity_type,
        from: query.from,
        to: query.to,
    };
    state
        .admins()
        .call(&env, call::system::Audits { filter, page })
        .await
        .map(Json)
}

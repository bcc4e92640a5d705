//! Granting and revoking an app's roles: its masters (and the super admin) decide who is a
//! master and who may modify or release which namespaces.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_service_kit::time::rfc3339;
use lyre_store::accounts::{self, SUBJECT_USER};
use lyre_store::config::audit;
use lyre_store::rbac::{self, Holder};
use lyre_store::write;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::scope::AppPath;
use crate::auth::CurrentUser;
use crate::rbac::{Action, Grant};
use crate::{PortalError, PortalState};

/// Which role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RoleKind {
    /// Manages the app, its clusters, namespaces, access keys and roles.
    Master,
    /// Edits items and overrides, opens release requests.
    Modify,
    /// Publishes, rolls back, gray-publishes, merges, reviews release requests.
    Release,
    /// Sees secret values in the clear, each time audited (per namespace, not per cluster).
    Reveal,
}

/// One role held by one person (or CI consumer) in an app.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleGrant {
    /// `user` or `consumer`.
    pub subject_type: String,
    /// The user name, or the consumer's id.
    pub subject: String,
    /// The role.
    pub role: RoleKind,
    /// The namespace it covers (absent: every namespace, or a cluster grant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The environment it covers (absent: every environment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// The cluster it covers (cluster grants only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Who granted it.
    pub granted_by: String,
    /// When.
    pub granted_at: String,
    /// The identity provider's group that gives it at each sign-in; absent when it was
    /// granted in Lyre (only those can be revoked here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A role to grant or revoke. `master` takes no scope; `modify` and `release` take a
/// `namespace` (`*` for every one) with an optional `env`, or an `env` and a `cluster`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleRequest {
    /// The user who gets or loses the role.
    pub user: String,
    /// The role.
    #[param(inline)]
    pub role: RoleKind,
    /// The namespace, or `*`.
    pub namespace: Option<String>,
    /// The environment.
    pub env: Option<String>,
    /// The cluster.
    pub cluster: Option<String>,
}

impl RoleRequest {
    /// The grant this asks for, checked.
    fn grant(&self, state: &PortalState, app: &str) -> Result<Grant, PortalError> {
        let env = self
            .env
            .as_deref()
            .map(|e| state.admins().env(e).map_err(|_| unknown_env(state, e)))
            .transpose()?;
        let action = match self.role {
            RoleKind::Master => {
                if self.namespace.is_some() || env.is_some() || self.cluster.is_some() {
                    return Err(PortalError::InvalidRequest(
                        "`master` covers the whole app: send no `namespace`, `env` or `cluster`"
                            .into(),
                    ));
                }
                return Ok(Grant::Master { app: app.into() });
            }
            RoleKind::Modify => Action::Modify,
            RoleKind::Release => Action::Release,
            RoleKind::Reveal => Action::Reveal,
        };
        match (self.namespace.as_deref(), env, self.cluster.as_deref()) {
            (Some(ns), env, None) => {
                check_name("namespace", ns, true)?;
                Ok(Grant::Namespace {
                    action,
                    app: app.into(),
                    namespace: (ns != "*").then(|| ns.to_owned()),
                    env,
                })
            }
            (None, Some(_), Some(_)) if action == Action::Reveal => Err(PortalError::InvalidRequest(
                "`reveal` is granted per namespace (`*` for all, optionally with an `env`), not \
                 per cluster"
                    .into(),
            )),
            (None, Some(env), Some(cluster)) => {
                check_name("cluster", cluster, false)?;
                Ok(Grant::Cluster {
                    action,
                    app: app.into(),
                    env,
                    cluster: cluster.to_owned(),
                })
            }
            _ => Err(PortalError::InvalidRequest(
                "`modify` and `release` take a `namespace` (`*` for all, optionally with an \
                 `env`), or an `env` and a `cluster`"
                    .into(),
            )),
        }
    }
}

fn unknown_env(state: &PortalState, env: &str) -> PortalError {
    PortalError::InvalidRequest(format!(
        "`env`: no environment `{env}`; the environments are {}",
        state.admins().envs().join(", ")
    ))
    .because(
        "unknown_env",
        [
            ("field", "env".to_owned()),
            ("env", env.to_owned()),
            ("envs", state.admins().envs().join(", ")),
        ],
    )
}

fn check_name(field: &str, name: &str, wildcard: bool) -> Result<(), PortalError> {
    let ok = (wildcard && name == "*")
        || (!name.is_empty()
            && name.len() <= 128
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')));
    if ok {
        Ok(())
    } else {
        Err(
            PortalError::InvalidRequest(format!("`{field}`: `{name}` is not a valid name"))
                .because("field_invalid", [("field", field), ("value", name)]),
        )
    }
}

/// How a stored role binding of `app` reads in the API.
pub(crate) fn view(holder: Holder, grant: &Grant) -> RoleGrant {
    let (role, namespace, env, cluster) = match grant {
        Grant::Master { .. } => (RoleKind::Master, None, None, None),
        Grant::Namespace {
            action,
            namespace,
            env,
            ..
        } => (
            kind(*action),
            Some(namespace.clone().unwrap_or_else(|| "*".into())),
            env.clone(),
            None,
        ),
        Grant::Cluster {
            action,
            env,
            cluster,
            ..
        } => (
            kind(*action),
            None,
            Some(env.clone()),
            Some(cluster.clone()),
        ),
    };
    RoleGrant {
        subject_type: holder.subject_type,
        subject: holder.subject,
        role,
        namespace,
        env,
        cluster,
        granted_by: holder.granted_by,
        granted_at: rfc3339(holder.granted_at),
        group: holder
            .origin
            .strip_prefix(crate::sso::GROUP_ORIGIN)
            .map(str::to_owned),
    }
}

fn kind(action: Action) -> RoleKind {
    match action {
        Action::Modify => RoleKind::Modify,
        Action::Release => RoleKind::Release,
        Action::Reveal => RoleKind::Reveal,
    }
}

/// Every role binding concerning `app`, with the grant each stands for.
pub(crate) async fn of_app(
    state: &PortalState,
    app: &str,
) -> Result<Vec<(Holder, Grant)>, PortalError> {
    let parse = |name: &str| {
        let (ty, target) = name.split_once('+')?;
        Grant::parse(ty, target)
    };
    let holders = rbac::holders(state.db(), &format!("%+{app}%"), |name| {
        parse(name).is_some_and(|g| grant_app(&g) == app)
    })
    .await?;
    Ok(holders
        .into_iter()
        .filter_map(|h| Some((parse(&h.role)?, h)))
        .map(|(g, h)| (h, g))
        .collect())
}

fn grant_app(grant: &Grant) -> &str {
    match grant {
        Grant::Master { app } | Grant::Namespace { app, .. } | Grant::Cluster { app, .. } => app,
    }
}

/// Who holds which role in the app.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/roles",
    tag = "roles",
    params(AppPath),
    responses(
        (status = 200, description = "The app's role grants, oldest first", body = Vec<RoleGrant>),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<AppPath>,
) -> Result<Json<Vec<RoleGrant>>, PortalError> {
    let found = of_app(&state, &path.app_id).await?;
    Ok(Json(found.into_iter().map(|(h, g)| view(h, &g)).collect()))
}

/// Grants a role in the app to a user (the app's masters only). Granting a held role again
/// changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/roles",
    tag = "roles",
    params(AppPath),
    request_body = RoleRequest,
    responses(
        (status = 201, description = "Granted", body = RoleGrant),
        (status = 400, description = "No such user, or the scope does not fit the role", body = ErrorBody),
    )
)]
pub(crate) async fn grant(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppPath>,
    Json(body): Json<RoleRequest>,
) -> Result<(StatusCode, Json<RoleGrant>), PortalError> {
    let grant = body.grant(&state, &path.app_id)?;
    if !accounts::find_user(state.db(), &body.user)
        .await?
        .is_some_and(|u| u.is_enabled)
    {
        return Err(PortalError::InvalidRequest(format!(
            "`user`: no enabled user `{}`",
            body.user
        ))
        .because("no_enabled_user", [("field", "user"), ("user", &body.user)]));
    }
    let (role, permission_type, target) = grant.role();
    let txn = write::begin(state.db()).await?;
    rbac::grant(
        &txn,
        &role,
        &[(&permission_type, &target)],
        SUBJECT_USER,
        &body.user,
        &user.username,
    )
    .await?;
    record(
        &txn,
        &path.app_id,
        &role,
        &body.user,
        "grant",
        &user.username,
    )
    .await?;
    txn.commit().await?;
    let granted = of_app(&state, &path.app_id)
        .await?
        .into_iter()
        .find(|(h, g)| {
            h.subject_type == SUBJECT_USER
                && h.subject == body.user
                && h.origin.is_empty()
                && *g == grant
        })
        .map(|(h, g)| view(h, &g))
        .ok_or_else(|| PortalError::Internal("a granted role was not found".into()))?;
    Ok((StatusCode::CREATED, Json(granted)))
}

/// Takes a role in the app from a user (the app's masters only). The app's last master
/// stays.
#[utoipa::path(
    delete,
    path = "/api/v1/apps/{appId}/roles",
    tag = "roles",
    params(AppPath, RoleRequest),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "The user does not hold that role", body = ErrorBody),
        (status = 409, description = "The app's last master, or a role that comes from an \
            identity provider's group", body = ErrorBody),
    )
)]
pub(crate) async fn revoke(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppPath>,
    Query(query): Query<RoleRequest>,
) -> Result<StatusCode, PortalError> {
    let grant = query.grant(&state, &path.app_id)?;
    let (role, _, _) = grant.role();
    let txn = write::begin(state.db()).await?;
    if grant
        == (Grant::Master {
            app: path.app_id.clone(),
        })
    {
        let masters = rbac::holders(&txn, &role, |name| name == role).await?;
        let others = masters
            .iter()
            .filter(|h| !(h.subject_type == SUBJECT_USER && h.subject == query.user))
            .count();
        if others == 0 && masters.len() == 1 {
            return Err(PortalError::Conflict(format!(
                "`{}` is the last master of app `{}`; grant the role to someone else first",
                query.user, path.app_id
            ))
            .because(
                "last_master",
                [("user", &query.user), ("app", &path.app_id)],
            ));
        }
    }
    if !rbac::revoke(&txn, &role, SUBJECT_USER, &query.user, &user.username).await? {
        let mapped = rbac::bindings_of(&txn, SUBJECT_USER, &query.user)
            .await?
            .into_iter()
            .find(|b| b.role == role && !b.origin.is_empty());
        return Err(match mapped {
            Some(b) => PortalError::Conflict(format!(
                "`{}` holds {role} through the identity provider's group `{}`; it goes when \
                 they leave the group (or the mapping in sign_in.groups changes)",
                query.user,
                b.origin.trim_start_matches(crate::sso::GROUP_ORIGIN)
            ))
            .because(
                "role_from_group",
                [
                    ("user", query.user.clone()),
                    ("role", role.to_string()),
                    (
                        "group",
                        b.origin
                            .trim_start_matches(crate::sso::GROUP_ORIGIN)
                            .to_owned(),
                    ),
                ],
            ),
            None => PortalError::NotFound(format!("`{}` does not hold {role}", query.user))
                .because(
                    "role_not_held",
                    [("user", query.user.clone()), ("role", role.to_string())],
                ),
        });
    }
    record(
        &txn,
        &path.app_id,
        &role,
        &query.user,
        "revoke",
        &user.username,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn record(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    app: &str,
    role: &str,
    subject: &str,
    operation: &str,
    operator: &str,
) -> Result<(), PortalError> {
    audit::record(
        db,
        audit::Record {
            env: "",
            app_id: app,
            entity_type: "role",
            entity_id: role,
            operation,
            detail: serde_json::json!({"role": role, "user": subject}).to_string(),
            operator,
        },
    )
    .await?;
    Ok(())
}

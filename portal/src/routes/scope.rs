//! The paths of `/api/v1` (and `/openapi/v1`), what they name, and the checks every endpoint
//! makes before it reaches the admin service.

use lyre_admin_service::ops::call;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::envs;
use crate::rbac::{Action, Grants, Scope};
use crate::{PortalError, PortalState};
use lyre_admin_service::ops::call::NsName;

/// `{env}` of a path.
#[derive(Deserialize)]
pub(crate) struct EnvPath {
    pub env: String,
}

/// `/apps/{appId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppPath {
    pub app_id: String,
}

/// `/envs/{env}/apps/{appId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvAppPath {
    pub env: String,
    pub app_id: String,
}

/// `/envs/{env}/apps/{appId}/clusters/{clusterName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterPath {
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
}

/// `/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct NsPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
    pub cluster_name: String,
    /// The namespace
    pub namespace_name: String,
}

/// A namespace path with one more segment: `{key}` or `{branchName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NsKeyPath {
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    #[serde(alias = "branchName")]
    pub key: String,
}

/// A branch path with one more segment: `{key}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BranchKeyPath {
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    pub branch_name: String,
    pub key: String,
}

/// `/envs/{env}/releases/{releaseId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReleasePath {
    pub env: String,
    pub release_id: i64,
}

/// A namespace, its names checked against the configured environments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct NsAt {
    pub env: String,
    pub app: String,
    pub cluster: String,
    pub namespace: String,
}

impl NsAt {
    pub(crate) fn new(
        state: &PortalState,
        env: &str,
        app: &str,
        cluster: &str,
        namespace: &str,
    ) -> Result<Self, PortalError> {
        Ok(Self {
            env: state.admins().env(env)?,
            app: app.to_owned(),
            cluster: cluster.to_owned(),
            namespace: namespace.to_owned(),
        })
    }

    pub(crate) fn scope(&self) -> Scope<'_> {
        Scope {
            env: &self.env,
            app: &self.app,
            cluster: &self.cluster,
            namespace: &self.namespace,
        }
    }

    /// The namespace as an admin operation names it.
    pub(crate) fn name(&self) -> NsName {
        NsName {
            env: self.env.clone(),
            app_id: self.app.clone(),
            cluster: self.cluster.clone(),
            namespace: self.namespace.clone(),
        }
    }
}

impl std::fmt::Display for NsAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{} in {}",
            self.app, self.cluster, self.namespace, self.env
        )
    }
}

impl NsPath {
    pub(crate) fn at(&self, state: &PortalState) -> Result<NsAt, PortalError> {
        NsAt::new(
            state,
            &self.env,
            &self.app_id,
            &self.cluster_name,
            &self.namespace_name,
        )
    }
}

impl NsKeyPath {
    pub(crate) fn at(&self, state: &PortalState) -> Result<NsAt, PortalError> {
        NsAt::new(
            state,
            &self.env,
            &self.app_id,
            &self.cluster_name,
            &self.namespace_name,
        )
    }
}

impl BranchKeyPath {
    pub(crate) fn at(&self, state: &PortalState) -> Result<NsAt, PortalError> {
        NsAt::new(
            state,
            &self.env,
            &self.app_id,
            &self.cluster_name,
            &self.namespace_name,
        )
    }
}

/// Whether `grants` may read the configuration of the namespace at `at`: everyone signed in
/// may, except where the environment shows private namespaces to the app's members only.
pub(crate) async fn require_view(
    state: &PortalState,
    grants: &Grants,
    at: &NsAt,
) -> Result<(), PortalError> {
    if grants.is_member(&at.app) {
        return Ok(());
    }
    let rules = envs::rules(state.db(), &at.env).await?;
    if !rules.member_only_view {
        return Ok(());
    }
    let namespace = state
        .admins()
        .call(&at.env, call::clusters::GetNamespace { ns: at.name() })
        .await?;
    if namespace.is_public {
        return Ok(());
    }
    Err(PortalError::Forbidden(format!(
        "{} shows private namespaces to members of app `{}` only",
        at.env, at.app
    )))
}

/// Whether `grants` allow `action` on `at`.
pub(crate) fn require(grants: &Grants, action: Action, at: &NsAt) -> Result<(), PortalError> {
    grants.require(action, at.scope())
}

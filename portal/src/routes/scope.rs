//! The paths of `/api/v1` (and `/openapi/v1`), what they name, and the checks every endpoint
//! makes before it reaches the admin service.

use lyre_admin_service::ops::call;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::envs;
use crate::rbac::{Action, Grants, Scope};
use crate::{PortalError, PortalState};
use lyre_admin_service::ops::call::NsName;

/// `/envs/{env}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct EnvPath {
    /// The environment
    pub env: String,
}

/// `/apps/{appId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct AppPath {
    /// The app
    pub app_id: String,
}

/// `/envs/{env}/apps/{appId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct EnvAppPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
}

/// `/envs/{env}/apps/{appId}/clusters/{clusterName}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct ClusterPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
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

/// An item of a namespace: `{namespace path}/items/{key}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct NsKeyPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
    pub cluster_name: String,
    /// The namespace
    pub namespace_name: String,
    /// The key
    pub key: String,
}

/// A namespace's gray branch: `{namespace path}/branches/{branchName}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct BranchPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
    pub cluster_name: String,
    /// The namespace
    pub namespace_name: String,
    /// The gray branch (the name of its cluster)
    pub branch_name: String,
}

/// An override of a gray branch: `{branch path}/overrides/{key}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct BranchKeyPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
    pub cluster_name: String,
    /// The namespace
    pub namespace_name: String,
    /// The gray branch (the name of its cluster)
    pub branch_name: String,
    /// The key
    pub key: String,
}

/// `/envs/{env}/releases/{releaseId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct ReleasePath {
    /// The environment
    pub env: String,
    /// The release
    pub release_id: i64,
}

/// A namespace of an app, in no particular cluster: `/apps/{appId}/.../{namespaceName}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct AppNsPath {
    /// The app
    pub app_id: String,
    /// The namespace
    pub namespace_name: String,
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

/// The namespace a path names, checked against the configured environments.
macro_rules! namespace_of {
    ($($path:ty),*) => {$(
        impl $path {
            pub(crate) fn at(&self, state: &PortalState) -> Result<NsAt, PortalError> {
                NsAt::new(state, &self.env, &self.app_id, &self.cluster_name, &self.namespace_name)
            }
        }
    )*};
}
namespace_of!(NsPath, NsKeyPath, BranchPath, BranchKeyPath);

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

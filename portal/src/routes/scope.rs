//! The paths of `/api/v1` (and `/openapi/v1`), what they name, and the checks every endpoint
//! makes before it reaches the admin service.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use lyre_admin_service::ops::call;
use lyre_service_kit::extract::Path;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::auth::{Caller, CurrentUser};
use crate::envs;
use crate::rbac::{Action, Grants, Scope};
use crate::{PortalError, PortalState};
use lyre_admin_service::ops::call::{AppName, ClusterName, NsName, Operation};

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

/// A namespace's staged rollout: `{namespace path}/rollouts/{rolloutId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct RolloutPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
    pub cluster_name: String,
    /// The namespace
    pub namespace_name: String,
    /// The rollout
    pub rollout_id: i64,
}

/// What is done to a rollout: `{rollout path}/{verb}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct RolloutVerbPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The cluster
    pub cluster_name: String,
    /// The namespace
    pub namespace_name: String,
    /// The rollout
    pub rollout_id: i64,
    /// `pause`, `resume`, `advance` or `abort`
    #[param(value_type = String)]
    pub verb: lyre_protocol::admin::RolloutVerb,
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

/// `/envs/{env}/apps/{appId}/accesskeys/{keyId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct KeyPath {
    /// The environment
    pub env: String,
    /// The app
    pub app_id: String,
    /// The access key
    pub key_id: i64,
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

    /// The namespace as an error's params name it: `env`, `app`, `cluster`, `namespace`.
    pub(crate) fn params(&self) -> [(&'static str, &str); 4] {
        self.scope().params()
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

/// A path that names a namespace.
pub(crate) trait NamesNamespace {
    /// The namespace, checked against the configured environments.
    fn at(&self, state: &PortalState) -> Result<NsAt, PortalError>;
}

macro_rules! names_namespace {
    ($($path:ty),*) => {$(
        impl NamesNamespace for $path {
            fn at(&self, state: &PortalState) -> Result<NsAt, PortalError> {
                NsAt::new(state, &self.env, &self.app_id, &self.cluster_name, &self.namespace_name)
            }
        }
    )*};
}
names_namespace!(
    NsPath,
    NsKeyPath,
    BranchPath,
    BranchKeyPath,
    RolloutPath,
    RolloutVerbPath
);

/// The namespace a request's path names (its path type `P` as extracted, and the namespace
/// checked against the configured environments), for an endpoint whose caller the permission
/// layer has authenticated and checked: a handler taking it calls admin operations on it.
pub(crate) struct Ns<P = NsPath> {
    pub path: P,
    pub at: NsAt,
    state: PortalState,
}

impl<P> Ns<P> {
    /// The namespace as an admin operation names it.
    pub(crate) fn name(&self) -> NsName {
        self.at.name()
    }

    pub(crate) fn state(&self) -> &PortalState {
        &self.state
    }

    /// Runs `op` on the admin service of the namespace's environment.
    pub(crate) async fn call<O: Operation>(&self, op: O) -> Result<O::Output, PortalError> {
        self.state.admins().call(&self.at.env, op).await
    }
}

impl<P> FromRequestParts<PortalState> for Ns<P>
where
    P: NamesNamespace + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let path: P = checked_path(parts, state).await?;
        let at = path.at(state).map_err(IntoResponse::into_response)?;
        Ok(Self {
            path,
            at,
            state: state.clone(),
        })
    }
}

/// A path that names an environment.
pub(crate) trait NamesEnv {
    /// The environment as the path spells it.
    fn env(&self) -> &str;
}

macro_rules! names_env {
    ($($path:ty),*) => {$(
        impl NamesEnv for $path {
            fn env(&self) -> &str {
                &self.env
            }
        }
    )*};
}
names_env!(EnvPath, EnvAppPath, ClusterPath, ReleasePath, KeyPath);

/// A path that names an app in an environment.
pub(crate) trait NamesApp: NamesEnv {
    fn app_id(&self) -> &str;
}

macro_rules! names_app {
    ($($path:ty),*) => {$(
        impl NamesApp for $path {
            fn app_id(&self) -> &str {
                &self.app_id
            }
        }
    )*};
}
names_app!(EnvAppPath, ClusterPath, KeyPath);

/// The environment a request's path names (its path type `P` as extracted, and the environment
/// checked against the configured ones, as configured), for an endpoint whose caller the
/// permission layer has authenticated: a handler taking it calls admin operations there.
pub(crate) struct Env<P> {
    pub path: P,
    pub name: String,
    state: PortalState,
}

impl<P> Env<P> {
    pub(crate) fn state(&self) -> &PortalState {
        &self.state
    }

    /// Runs `op` on the admin service of the environment.
    pub(crate) async fn call<O: Operation>(&self, op: O) -> Result<O::Output, PortalError> {
        self.state.admins().call(&self.name, op).await
    }
}

impl<P: NamesApp> Env<P> {
    /// The app in the path, in this environment.
    pub(crate) fn app(&self) -> AppName {
        AppName::new(&self.name, self.path.app_id())
    }
}

impl Env<ClusterPath> {
    /// The cluster in the path, in this environment.
    pub(crate) fn cluster(&self) -> ClusterName {
        ClusterName::new(&self.name, &self.path.app_id, &self.path.cluster_name)
    }
}

impl<P> FromRequestParts<PortalState> for Env<P>
where
    P: NamesEnv + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let path: P = checked_path(parts, state).await?;
        let name = state
            .admins()
            .env(path.env())
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            path,
            name,
            state: state.clone(),
        })
    }
}

/// The path of a request the permission layer has authenticated (else `401`).
async fn checked_path<P: DeserializeOwned + Send>(
    parts: &mut Parts,
    state: &PortalState,
) -> Result<P, Response> {
    let authenticated = parts.extensions.get::<CurrentUser>().is_some()
        || parts.extensions.get::<Caller>().is_some();
    if !authenticated {
        return Err(PortalError::Unauthenticated.into_response());
    }
    let Path(path) = Path::<P>::from_request_parts(parts, state).await?;
    Ok(path)
}

/// Whether `grants` may read the configuration of the namespace at `at`: everyone signed in
/// may, except where the environment shows private namespaces to the app's members only.
/// Without a cluster, `at` names the app's namespace as it is defined (its schema, say).
pub(crate) async fn require_view(
    state: &PortalState,
    grants: &Grants,
    at: &NsAt,
) -> Result<(), PortalError> {
    if grants.is_member(&at.app)
        || !envs::rules(state.db(), &at.env).await?.member_only_view
        || is_public(state, at).await?
    {
        return Ok(());
    }
    Err(PortalError::Forbidden(format!(
        "{} shows private namespaces to members of app `{}` only",
        at.env, at.app
    ))
    .because(
        "private_namespace_members_only",
        [("env", &at.env), ("app", &at.app)],
    ))
}

/// Like [`require_view`] for what every environment shares of an app's namespace (the
/// versions of its schema): readable where at least one environment shows the namespace.
pub(crate) async fn require_view_somewhere(
    state: &PortalState,
    grants: &Grants,
    app: &str,
    namespace: &str,
) -> Result<(), PortalError> {
    if grants.is_member(app) {
        return Ok(());
    }
    for env in state.admins().envs() {
        if !envs::rules(state.db(), env).await?.member_only_view {
            return Ok(());
        }
    }
    let at = NsAt::new(state, &super::apps::first_env(state)?, app, "", namespace)?;
    if is_public(state, &at).await? {
        return Ok(());
    }
    Err(PortalError::Forbidden(format!(
        "every environment shows private namespaces to members of app `{app}` only"
    ))
    .because("private_namespace_members_only", [("app", app)]))
}

/// Whether the namespace at `at` is public. One that does not exist counts as public: the
/// handler then answers that it does not exist.
async fn is_public(state: &PortalState, at: &NsAt) -> Result<bool, PortalError> {
    if !at.cluster.is_empty() {
        let namespace = state
            .admins()
            .call(&at.env, call::clusters::GetNamespace { ns: at.name() })
            .await?;
        return Ok(namespace.is_public);
    }
    let defined = state
        .admins()
        .call(
            &at.env,
            call::apps::Namespaces {
                app_id: at.app.clone(),
            },
        )
        .await?;
    Ok(defined
        .iter()
        .find(|d| d.name == at.namespace)
        .is_none_or(|d| d.is_public))
}

/// Whether `grants` allow `action` on `at`.
pub(crate) fn require(grants: &Grants, action: Action, at: &NsAt) -> Result<(), PortalError> {
    grants.require(action, at.scope())
}

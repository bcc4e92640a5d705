//! Clusters and the namespaces in them: anyone signed in may list them; an app's master creates
//! and deletes clusters and associates public namespaces.

use axum::extract::State;
use axum::http::StatusCode;
use futures_util::future::join_all;
use lyre_admin_service::ops::call::{self, AppName, ClusterName};
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AssociateNamespace, Cluster, CreateCluster, Namespace, NamespaceLock};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;
use serde::Serialize;
use utoipa::ToSchema;

use super::scope::{AppPath, ClusterPath, Env, EnvAppPath, Ns, NsPath};
use crate::auth::CurrentUser;
use crate::{PortalError, PortalState};

/// The clusters of an app in one environment.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters",
    tag = "clusters",
    params(EnvAppPath),
    responses(
        (status = 200, description = "Its clusters", body = Vec<Cluster>),
        (status = 404, description = "No such app or environment", body = ErrorBody),
    )
)]
pub(crate) async fn list(env: Env<EnvAppPath>) -> Result<Json<Vec<Cluster>>, PortalError> {
    env.call(call::clusters::List { app: env.app() })
        .await
        .map(Json)
}

/// Creates a cluster, with every namespace the app defines (the app's masters only).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters",
    tag = "clusters",
    params(EnvAppPath),
    request_body = CreateCluster,
    responses(
        (status = 201, description = "Created", body = Cluster),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    user: CurrentUser,
    env: Env<EnvAppPath>,
    Json(mut body): Json<CreateCluster>,
) -> Result<(StatusCode, Json<Cluster>), PortalError> {
    body.operator.clone_from(&user.username);
    let cluster = env
        .call(call::clusters::Create {
            app: env.app(),
            new: body.clone(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(cluster)))
}

/// One cluster.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "clusters",
    params(ClusterPath),
    responses(
        (status = 200, description = "The cluster", body = Cluster),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn get(env: Env<ClusterPath>) -> Result<Json<Cluster>, PortalError> {
    env.call(call::clusters::Get {
        cluster: env.cluster(),
    })
    .await
    .map(Json)
}

/// Deletes a cluster and its namespaces (the app's masters only; never `default`).
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "clusters",
    params(ClusterPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    user: CurrentUser,
    env: Env<ClusterPath>,
) -> Result<StatusCode, PortalError> {
    env.call(call::clusters::Delete {
        cluster: env.cluster(),
        operator: user.username.clone(),
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The namespaces of a cluster (without their items).
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "clusters",
    params(ClusterPath),
    responses(
        (status = 200, description = "Its namespaces", body = Vec<Namespace>),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn namespaces(env: Env<ClusterPath>) -> Result<Json<Vec<Namespace>>, PortalError> {
    env.call(call::clusters::ListNamespaces {
        cluster: env.cluster(),
    })
    .await
    .map(Json)
}

/// Associates another app's public namespace into this cluster (the app's masters only).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "clusters",
    params(ClusterPath),
    request_body = AssociateNamespace,
    responses(
        (status = 201, description = "Associated", body = Namespace),
        (status = 404, description = "No such public namespace", body = ErrorBody),
        (status = 409, description = "Already there", body = ErrorBody),
    )
)]
pub(crate) async fn associate(
    user: CurrentUser,
    env: Env<ClusterPath>,
    Json(mut body): Json<AssociateNamespace>,
) -> Result<(StatusCode, Json<Namespace>), PortalError> {
    body.operator.clone_from(&user.username);
    let namespace = env
        .call(call::clusters::Associate {
            cluster: env.cluster(),
            association: body.clone(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(namespace)))
}

/// One namespace (without its items).
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "clusters",
    params(NsPath),
    responses(
        (status = 200, description = "The namespace", body = Namespace),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn namespace(ns: Ns) -> Result<Json<Namespace>, PortalError> {
    ns.call(call::clusters::GetNamespace { ns: ns.name() })
        .await
        .map(Json)
}

/// Removes an associated public namespace (and this app's overrides of it) from the cluster
/// (the app's masters only). An app's own namespaces are deleted through their definition.
#[utoipa::path(
    delete,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "clusters",
    params(NsPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn delete_namespace(user: CurrentUser, ns: Ns) -> Result<StatusCode, PortalError> {
    ns.call(call::clusters::Dissociate {
        ns: ns.name(),
        operator: user.username.clone(),
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who holds a namespace's edit lock, where the environment locks namespaces.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/lock",
    tag = "clusters",
    params(NsPath),
    responses(
        (status = 200, description = "The lock", body = NamespaceLock),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn lock(ns: Ns) -> Result<Json<NamespaceLock>, PortalError> {
    ns.call(call::clusters::Lock { ns: ns.name() })
        .await
        .map(Json)
}

/// An app across environments: each environment's clusters and their namespaces.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvClusters {
    /// The environment.
    env: String,
    /// Its clusters with their namespaces; empty when the environment could not be reached.
    clusters: Vec<ClusterOverview>,
    /// Why the environment could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One cluster and its namespaces.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterOverview {
    /// The cluster.
    cluster: Cluster,
    /// Its namespaces.
    namespaces: Vec<Namespace>,
}

/// The app in every environment: clusters and namespaces with their unpublished-change
/// flags and latest releases. An environment that cannot be reached says why instead of
/// failing the whole answer.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/envclusters",
    tag = "apps",
    params(AppPath),
    responses(
        (status = 200, description = "The app per environment", body = Vec<EnvClusters>),
    )
)]
pub(crate) async fn overview(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Path(path): Path<AppPath>,
) -> Result<Json<Vec<EnvClusters>>, PortalError> {
    let envs = state.admins().envs().to_vec();
    let answers = join_all(
        envs.iter()
            .map(|env| env_overview(&state, env, &path.app_id)),
    )
    .await;
    Ok(Json(
        envs.into_iter()
            .zip(answers)
            .map(|(env, answer)| match answer {
                Ok(clusters) => EnvClusters {
                    env,
                    clusters,
                    error: None,
                },
                Err(e) => EnvClusters {
                    env,
                    clusters: Vec::new(),
                    error: Some(e.to_string()),
                },
            })
            .collect(),
    ))
}

async fn env_overview(
    state: &PortalState,
    env: &str,
    app: &str,
) -> Result<Vec<ClusterOverview>, PortalError> {
    let clusters = state
        .admins()
        .call(
            env,
            call::clusters::List {
                app: AppName::new(env, app),
            },
        )
        .await?;
    let namespaces = join_all(clusters.iter().map(|c| {
        state.admins().call(
            env,
            call::clusters::ListNamespaces {
                cluster: ClusterName::new(env, app, &c.name),
            },
        )
    }))
    .await;
    clusters
        .into_iter()
        .zip(namespaces)
        .map(|(cluster, namespaces)| {
            Ok(ClusterOverview {
                cluster,
                namespaces: namespaces?,
            })
        })
        .collect()
}

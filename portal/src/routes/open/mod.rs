//! The Open API (`/openapi/v1`): Apollo's paths and fields, for CI. Callers send a consumer
//! token as `Authorization: <token>` (or a signed-in user's `Bearer <session token>`); `401`
//! for an unknown token, `403` for a missing permission, `429` past the consumer's rate limit.
//! Consumers read only the apps they hold a grant on. Beyond Apollo: release history and
//! release requests, so CI can follow the review workflow, and the instances that read a
//! namespace (what `lyre ctl instances` shows).

pub(crate) mod dto;
pub(crate) mod instances;
pub(crate) mod items;
pub(crate) mod releases;
pub(crate) mod rollouts;
pub(crate) mod schemas;

use axum::extract::State;
use axum::http::StatusCode;
use futures_util::future::join_all;
use lyre_admin_service::ops::call::{self, AppName};
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{CreateApp, CreateAppNamespace, CreateCluster};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::page::PageRequest;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use self::dto::{OpenApp, OpenAppNamespace, OpenCluster, OpenEnvClusters, OpenLock, OpenNamespace};
use super::apps::{create_everywhere, everywhere, first_env, grant_founder};
use super::scope::{AppPath, ClusterPath, Env, EnvAppPath, Ns, NsAt, NsPath, require_view};
use crate::auth::Caller;
use crate::rbac::Action;
use crate::{PortalError, PortalState};

/// Whether `caller` may read the namespace at `at`: a consumer needs a grant (modify or
/// release) that covers it, in its environment; a user may read what they may see in the
/// portal.
pub(crate) async fn require_read(
    state: &PortalState,
    caller: &Caller,
    at: &NsAt,
) -> Result<(), PortalError> {
    if caller.consumer.is_none() {
        return require_view(state, &caller.grants, at).await;
    }
    let covered = [Action::Modify, Action::Release]
        .into_iter()
        .any(|action| caller.grants.can(action, at.scope()));
    if covered {
        Ok(())
    } else {
        Err(
            PortalError::Forbidden(format!("the token has no grant on {at}"))
                .because("token_no_grant", at.params()),
        )
    }
}

/// Whether a consumer holds any grant on `app` (users may read every app).
pub(crate) fn require_app(caller: &Caller, app: &str) -> Result<(), PortalError> {
    if caller.consumer.is_none() || caller.grants.is_member(app) {
        Ok(())
    } else {
        Err(
            PortalError::Forbidden(format!("the token has no grant on app `{app}`"))
                .because("token_no_grant", [("app", app)]),
        )
    }
}

/// The environments.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs",
    tag = "open api",
    responses(
        (status = 200, description = "The environment names", body = Vec<String>),
        (status = 401, description = "No or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn envs(State(state): State<PortalState>, _caller: Caller) -> Json<Vec<String>> {
    Json(state.admins().envs().to_vec())
}

/// The clusters of an app in every environment.
#[utoipa::path(
    get,
    path = "/openapi/v1/apps/{appId}/envclusters",
    tag = "open api",
    params(AppPath),
    responses(
        (status = 200, description = "Cluster names per environment", body = Vec<OpenEnvClusters>),
    )
)]
pub(crate) async fn env_clusters(
    State(state): State<PortalState>,
    _caller: Caller,
    Path(path): Path<AppPath>,
) -> Result<Json<Vec<OpenEnvClusters>>, PortalError> {
    let envs = state.admins().envs().to_vec();
    let found = join_all(envs.iter().map(|env| {
        state.admins().call(
            env,
            call::clusters::List {
                app: AppName::new(env, &path.app_id),
            },
        )
    }))
    .await;
    let mut out = Vec::new();
    for (env, clusters) in envs.into_iter().zip(found) {
        out.push(OpenEnvClusters {
            env,
            clusters: clusters?.into_iter().map(|c| c.name).collect(),
        });
    }
    Ok(Json(out))
}

/// Which apps.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppsQuery {
    /// Comma-separated app ids; by default every app the caller may read.
    app_ids: Option<String>,
}

/// Apps: those named, or every app the caller may read.
#[utoipa::path(
    get,
    path = "/openapi/v1/apps",
    tag = "open api",
    params(AppsQuery),
    responses(
        (status = 200, description = "The apps", body = Vec<OpenApp>),
        (status = 401, description = "No or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn apps(
    State(state): State<PortalState>,
    caller: Caller,
    Query(query): Query<AppsQuery>,
) -> Result<Json<Vec<OpenApp>>, PortalError> {
    let env = first_env(&state)?;
    let wanted: Option<Vec<&str>> = query.app_ids.as_deref().map(|ids| {
        ids.split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .collect()
    });
    let all = PageRequest::new(0, PageRequest::MAX_SIZE);
    let page = state
        .admins()
        .call(
            &env,
            call::apps::List {
                search: None.map(str::to_owned),
                page: all,
            },
        )
        .await?;
    Ok(Json(
        page.items
            .into_iter()
            .filter(|a| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.contains(&a.app_id.as_str()))
            })
            .filter(|a| require_app(&caller, &a.app_id).is_ok())
            .map(OpenApp::from)
            .collect(),
    ))
}

/// An app to create (Apollo's `OpenCreateAppDTO`).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct OpenCreateApp {
    /// The app.
    app: CreateApp,
    /// Users who become its masters besides its owner.
    #[serde(default)]
    admins: Vec<String>,
}

/// Creates an app in every environment (signed-in users only; its owner and `admins` become
/// its masters).
#[utoipa::path(
    post,
    path = "/openapi/v1/apps",
    tag = "open api",
    request_body = OpenCreateApp,
    responses(
        (status = 200, description = "Created", body = OpenApp),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "A consumer token", body = ErrorBody),
        (status = 409, description = "The app id is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create_app(
    State(state): State<PortalState>,
    caller: Caller,
    Json(body): Json<OpenCreateApp>,
) -> Result<Json<OpenApp>, PortalError> {
    if caller.consumer.is_some() {
        return Err(PortalError::Forbidden(
            "consumers do not create apps; a signed-in user does".into(),
        )
        .because("consumer_creates_app", lyre_protocol::error::NO_PARAMS));
    }
    let mut app = body.app;
    if app.owner_name.trim().is_empty() {
        app.owner_name.clone_from(&caller.name);
    }
    for name in std::iter::once(&app.owner_name).chain(&body.admins) {
        if !lyre_store::accounts::find_user(state.db(), name.trim())
            .await?
            .is_some_and(|u| u.is_enabled)
        {
            return Err(
                PortalError::InvalidRequest(format!("no enabled user `{name}`"))
                    .because("no_enabled_user", [("user", name)]),
            );
        }
    }
    app.operator.clone_from(&caller.name);
    let created = create_everywhere(&state, app.clone()).await?;
    let owner = app.owner_name.trim().to_owned();
    for subject in std::iter::once(&owner).chain(&body.admins) {
        grant_founder(&state, &created.app_id, subject.trim(), &caller.name).await?;
    }
    Ok(Json(created.into()))
}

/// One cluster.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "open api",
    params(ClusterPath),
    responses(
        (status = 200, description = "The cluster", body = OpenCluster),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn cluster(env: Env<ClusterPath>) -> Result<Json<OpenCluster>, PortalError> {
    let cluster = env
        .call(call::clusters::Get {
            cluster: env.cluster(),
        })
        .await?;
    Ok(Json(cluster.into()))
}

/// A cluster to create (Apollo's `OpenClusterDTO`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenCreateCluster {
    /// Its name.
    name: String,
    /// Who creates it.
    #[serde(default)]
    data_change_created_by: Option<String>,
}

/// Creates a cluster (a master of the app only).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters",
    tag = "open api",
    params(EnvAppPath),
    request_body = OpenCreateCluster,
    responses(
        (status = 200, description = "Created", body = OpenCluster),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create_cluster(
    caller: Caller,
    env: Env<EnvAppPath>,
    Json(body): Json<OpenCreateCluster>,
) -> Result<Json<OpenCluster>, PortalError> {
    let operator = caller
        .operator(env.state(), body.data_change_created_by.as_deref())
        .await?;
    let create = CreateCluster {
        name: body.name,
        comment: String::new(),
        operator,
    };
    let cluster = env
        .call(call::clusters::Create {
            app: env.app(),
            new: create,
        })
        .await?;
    Ok(Json(cluster.into()))
}

/// The namespace at `at` with its items.
pub(crate) async fn with_items(
    state: &PortalState,
    at: &NsAt,
) -> Result<OpenNamespace, PortalError> {
    let admins = state.admins();
    let (namespace, items) = tokio::try_join!(
        admins.call(&at.env, call::clusters::GetNamespace { ns: at.name() }),
        admins.call(&at.env, call::items::List { ns: at.name() })
    )?;
    Ok(OpenNamespace::new(namespace, items))
}

/// The namespaces of a cluster, with their items.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces",
    tag = "open api",
    params(ClusterPath),
    responses(
        (status = 200, description = "Its namespaces", body = Vec<OpenNamespace>),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn namespaces(
    caller: Caller,
    env: Env<ClusterPath>,
) -> Result<Json<Vec<OpenNamespace>>, PortalError> {
    let list = env
        .call(call::clusters::ListNamespaces {
            cluster: env.cluster(),
        })
        .await?;
    let mut out = Vec::new();
    for n in list {
        let at = NsAt::new(
            env.state(),
            &env.name,
            &n.app_id,
            &n.cluster_name,
            &n.namespace_name,
        )?;
        if require_read(env.state(), &caller, &at).await.is_ok() {
            out.push(with_items(env.state(), &at).await?);
        }
    }
    Ok(Json(out))
}

/// One namespace, with its items.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}",
    tag = "open api",
    params(NsPath),
    responses(
        (status = 200, description = "The namespace", body = OpenNamespace),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn namespace(ns: Ns) -> Result<Json<OpenNamespace>, PortalError> {
    with_items(ns.state(), &ns.at).await.map(Json)
}

/// A namespace definition to create (Apollo's `OpenAppNamespaceDTO`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenCreateAppNamespace {
    name: String,
    #[serde(default = "properties")]
    format: String,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    data_change_created_by: Option<String>,
}

fn properties() -> String {
    "properties".into()
}

/// Defines a namespace of the app (a master of the app only).
#[utoipa::path(
    post,
    path = "/openapi/v1/apps/{appId}/appnamespaces",
    tag = "open api",
    params(AppPath),
    request_body = OpenCreateAppNamespace,
    responses(
        (status = 200, description = "Created", body = OpenAppNamespace),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create_app_namespace(
    State(state): State<PortalState>,
    caller: Caller,
    Path(path): Path<AppPath>,
    Json(body): Json<OpenCreateAppNamespace>,
) -> Result<Json<OpenAppNamespace>, PortalError> {
    let operator = caller
        .operator(&state, body.data_change_created_by.as_deref())
        .await?;
    let create = CreateAppNamespace {
        name: body.name,
        format: body.format,
        is_public: body.is_public,
        comment: body.comment,
        operator,
    };
    let create = call::apps::CreateNamespace {
        app_id: path.app_id,
        new: create,
    };
    let created = everywhere(&state, StatusCode::CONFLICT, create).await?;
    Ok(Json(created.into()))
}

/// Who holds a namespace's edit lock.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/lock",
    tag = "open api",
    params(NsPath),
    responses(
        (status = 200, description = "The lock", body = OpenLock),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn lock(ns: Ns) -> Result<Json<OpenLock>, PortalError> {
    let lock = ns.call(call::clusters::Lock { ns: ns.name() }).await?;
    Ok(Json(OpenLock {
        namespace_name: lock.namespace_name,
        is_locked: lock.is_locked,
        locked_by: lock.locked_by.unwrap_or_default(),
    }))
}

//! Clusters of an app, per environment.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Cluster, CreateCluster};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, clusters, namespaces};
use lyre_store::entity::cluster;
use lyre_store::sea_orm::ConnectionTrait;
use lyre_store::time::now_millis;
use lyre_store::write;
use serde::Deserialize;

use super::apps::check_len;
use super::apps::create::DEFAULT_CLUSTER;
use crate::domain::{Audit, delete_namespaces, record};
use crate::error::exists_or;
use crate::params::{ClusterAt, ClusterPath, OperatorQuery, app_id, cluster_name, operator};
use crate::{AdminError, AdminState, view};

/// The live cluster at `at`, or 404.
pub(crate) async fn existing(
    db: &impl ConnectionTrait,
    at: &ClusterAt,
) -> Result<cluster::Model, AdminError> {
    clusters::find(db, &at.env, at.app_id.as_str(), at.cluster.as_str())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "cluster_not_found",
                format!(
                    "cluster `{}` of app `{}` does not exist in {}",
                    at.cluster, at.app_id, at.env
                ),
            )
        })
}

/// `/envs/{env}/apps/{appId}/clusters`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppEnvPath {
    env: String,
    app_id: String,
}

/// The app's clusters in an environment, `default` first (gray branches are not listed).
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters",
    tag = "clusters",
    params(("env" = String, Path, description = "The environment"), ("appId" = String, Path, description = "The app")),
    responses(
        (status = 200, description = "The clusters", body = Vec<Cluster>),
        (status = 404, description = "No such environment or app", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<AppEnvPath>,
) -> Result<Json<Vec<Cluster>>, AdminError> {
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    super::apps::existing(state.db(), id.as_str()).await?;
    let found = clusters::list(state.db(), &env, id.as_str()).await?;
    Ok(Json(found.into_iter().map(view::cluster).collect()))
}

/// One cluster.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "clusters",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
    ),
    responses(
        (status = 200, description = "The cluster", body = Cluster),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
) -> Result<Json<Cluster>, AdminError> {
    let at = path.check(&state)?;
    Ok(Json(view::cluster(existing(state.db(), &at).await?)))
}

/// Creates a cluster with every namespace its app defines.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters",
    tag = "clusters",
    params(("env" = String, Path, description = "The environment"), ("appId" = String, Path, description = "The app")),
    request_body = CreateCluster,
    responses(
        (status = 201, description = "Created", body = Cluster),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such environment or app", body = ErrorBody),
        (status = 409, description = "The cluster exists", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Path(path): Path<AppEnvPath>,
    Json(body): Json<CreateCluster>,
) -> Result<(StatusCode, Json<Cluster>), AdminError> {
    let env = state.env(&path.env)?;
    let id = app_id(&path.app_id)?;
    let name = cluster_name(&body.name)?;
    let operator = operator(&body.operator)?;
    check_len("comment", &body.comment, 1024)?;
    let txn = write::begin(state.db()).await?;
    super::apps::existing(&txn, id.as_str()).await?;
    let cluster = clusters::insert(
        &txn,
        &env,
        id.as_str(),
        name.as_str(),
        0,
        &body.comment,
        &operator,
    )
    .await
    .map_err(|e| {
        exists_or(e, || {
            format!("cluster `{name}` of app `{id}` already exists in {env}")
        })
    })?;
    for definition in app_namespaces::list(&txn, id.as_str()).await? {
        let at = NamespaceRef {
            env: &env,
            app_id: id.as_str(),
            cluster: name.as_str(),
            namespace: &definition.name,
        };
        namespaces::insert(&txn, at, &operator).await?;
    }
    let cluster = view::cluster(cluster);
    record(
        &txn,
        Audit {
            env: &env,
            app_id: id.as_str(),
            entity_type: "cluster",
            entity_id: &format!("{env}/{id}/{name}"),
            operation: "create",
            operator: &operator,
        },
        serde_json::to_string(&cluster).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(cluster)))
}

/// Deletes a cluster (never `default`) with its gray branches, namespaces, items and releases.
#[utoipa::path(
    delete,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}",
    tag = "clusters",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        OperatorQuery,
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The `default` cluster cannot be deleted", body = ErrorBody),
        (status = 404, description = "No such cluster", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(path): Path<ClusterPath>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let at = path.check(&state)?;
    let operator = query.operator()?;
    if at.cluster.as_str() == DEFAULT_CLUSTER {
        return Err(AdminError::Invalid(format!(
            "the `{DEFAULT_CLUSTER}` cluster is where clients fall back to; it cannot be deleted"
        )));
    }
    let txn = write::begin(state.db()).await?;
    let cluster = existing(&txn, &at).await?;
    let branches = clusters::children(&txn, cluster.id).await?;
    let now = now_millis();
    let mut doomed = Vec::new();
    for c in branches.iter().chain(std::iter::once(&cluster)) {
        doomed.extend(
            namespaces::list_of_app(&txn, at.app_id.as_str(), Some((&at.env, &c.name))).await?,
        );
    }
    let announced = delete_namespaces(&txn, &doomed, &operator, now).await?;
    let ids: Vec<i64> = branches
        .iter()
        .chain(std::iter::once(&cluster))
        .map(|c| c.id)
        .collect();
    clusters::soft_delete(&txn, &ids, &operator, now).await?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "cluster",
            entity_id: &format!("{}/{}/{}", at.env, at.app_id, at.cluster),
            operation: "delete",
            operator: &operator,
        },
        serde_json::json!({"namespaces": doomed.len(), "branches": branches.len()}).to_string(),
    )
    .await?;
    txn.commit().await?;
    state.announce(announced);
    Ok(StatusCode::NO_CONTENT)
}

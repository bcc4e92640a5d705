//! Clusters of an app, per environment: a cluster holds an instance of each of the app's
//! namespaces; deleting one deletes its gray branches and all their namespaces.

use lyre_protocol::admin::{Cluster, CreateCluster};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, clusters, namespaces};
use lyre_store::entity::cluster;
use lyre_store::sea_orm::ConnectionTrait;
use lyre_store::time::now_millis;
use lyre_store::write;

use super::AppIn;
use super::apps::{self, DEFAULT_CLUSTER, check_len};
use crate::domain::{Audit, delete_namespaces, record};
use crate::error::exists_or;
use crate::params::{ClusterAt, app_id, cluster_name, operator};
use crate::{AdminError, AdminState, view};

/// A cluster as the caller names it (each operation checks the names).
#[derive(Clone, Copy, Debug)]
pub struct ClusterIn<'a> {
    /// The environment.
    pub env: &'a str,
    /// The app.
    pub app_id: &'a str,
    /// The cluster.
    pub cluster: &'a str,
}

impl ClusterIn<'_> {
    pub(crate) fn check(&self, state: &AdminState) -> Result<ClusterAt, AdminError> {
        Ok(ClusterAt {
            env: state.env(self.env)?,
            app_id: app_id(self.app_id)?,
            cluster: cluster_name(self.cluster)?,
        })
    }
}

/// The live cluster at `at`, or 404.
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
            .because(
                "not_found",
                [
                    ("kind", "cluster"),
                    ("name", at.cluster.as_str()),
                    ("app", at.app_id.as_str()),
                    ("env", &at.env),
                ],
            )
        })
}

/// The app's clusters in an environment, `default` first (gray branches are not listed).
pub async fn list(state: &AdminState, app: AppIn<'_>) -> Result<Vec<Cluster>, AdminError> {
    let env = state.env(app.env)?;
    let id = app_id(app.app_id)?;
    apps::existing(state.db(), id.as_str()).await?;
    let found = clusters::list(state.db(), &env, id.as_str()).await?;
    Ok(found.into_iter().map(view::cluster).collect())
}

/// One cluster.
pub async fn get(state: &AdminState, cluster: ClusterIn<'_>) -> Result<Cluster, AdminError> {
    let at = cluster.check(state)?;
    Ok(view::cluster(existing(state.db(), &at).await?))
}

/// Creates a cluster with every namespace its app defines.
pub async fn create(
    state: &AdminState,
    app: AppIn<'_>,
    body: &CreateCluster,
) -> Result<Cluster, AdminError> {
    let env = state.env(app.env)?;
    let id = app_id(app.app_id)?;
    let name = cluster_name(&body.name)?;
    let operator = operator(&body.operator)?;
    check_len("comment", &body.comment, 1024)?;
    let txn = write::begin(state.db()).await?;
    apps::existing(&txn, id.as_str()).await?;
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
        .because(
            "already_exists",
            [
                ("kind", "cluster"),
                ("name", name.as_str()),
                ("app", id.as_str()),
                ("env", env.as_str()),
            ],
        )
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
    Ok(cluster)
}

/// Deletes a cluster (never `default`) with its gray branches, namespaces, items and releases.
pub async fn delete(
    state: &AdminState,
    cluster: ClusterIn<'_>,
    operator_name: &str,
) -> Result<(), AdminError> {
    let at = cluster.check(state)?;
    let operator = operator(operator_name)?;
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
    Ok(())
}

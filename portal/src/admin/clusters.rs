//! The cluster and namespace-instance operations, typed: in process through
//! `lyre_admin_service::ops::{clusters, namespaces}`, or over HTTP to the environment's admin
//! service. The admin service's URLs for them are built here and nowhere else.

use lyre_admin_service::ops::clusters::{self, ClusterIn};
use lyre_admin_service::ops::{AppIn, namespaces};
use lyre_protocol::admin::{AssociateNamespace, Cluster, CreateCluster, Namespace, NamespaceLock};
use reqwest::Method;

use super::items::ns;
use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::queries::OperatorQuery;
use crate::routes::scope::{NsAt, with_query};

fn clusters_path(env: &str, app: &str) -> String {
    format!("/envs/{}/apps/{}/clusters", encode(env), encode(app))
}

fn cluster_path(env: &str, app: &str, cluster: &str, suffix: &str) -> String {
    format!("{}/{}{suffix}", clusters_path(env, app), encode(cluster))
}

impl Admins {
    /// The app's clusters in `env`.
    pub(crate) async fn clusters(&self, env: &str, app: &str) -> Result<Vec<Cluster>, PortalError> {
        match self.operations() {
            Some(state) => run(clusters::list(state, AppIn { env, app_id: app })).await,
            None => self.get(env, &clusters_path(env, app)).await,
        }
    }

    /// One cluster of the app in `env`.
    pub(crate) async fn cluster(
        &self,
        env: &str,
        app: &str,
        cluster: &str,
    ) -> Result<Cluster, PortalError> {
        let at = ClusterIn {
            env,
            app_id: app,
            cluster,
        };
        match self.operations() {
            Some(state) => run(clusters::get(state, at)).await,
            None => self.get(env, &cluster_path(env, app, cluster, "")).await,
        }
    }

    /// Creates a cluster of the app in `env`.
    pub(crate) async fn create_cluster(
        &self,
        env: &str,
        app: &str,
        new: &CreateCluster,
    ) -> Result<Cluster, PortalError> {
        if let Some(state) = self.operations() {
            return run(clusters::create(state, AppIn { env, app_id: app }, new)).await;
        }
        self.send_json(env, Method::POST, &clusters_path(env, app), new)
            .await?
            .json()
    }

    /// Deletes a cluster of the app in `env`, with its gray branches and namespaces.
    pub(crate) async fn delete_cluster(
        &self,
        env: &str,
        app: &str,
        cluster: &str,
        operator: &str,
    ) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            let at = ClusterIn {
                env,
                app_id: app,
                cluster,
            };
            return run(clusters::delete(state, at, operator)).await;
        }
        let path = with_query(
            &cluster_path(env, app, cluster, ""),
            &OperatorQuery { operator },
        )?;
        self.send(env, Method::DELETE, &path, None).await?.ok()?;
        Ok(())
    }

    /// The namespaces of a cluster.
    pub(crate) async fn namespaces(
        &self,
        env: &str,
        app: &str,
        cluster: &str,
    ) -> Result<Vec<Namespace>, PortalError> {
        let at = ClusterIn {
            env,
            app_id: app,
            cluster,
        };
        match self.operations() {
            Some(state) => run(namespaces::list(state, at)).await,
            None => {
                let path = cluster_path(env, app, cluster, "/namespaces");
                self.get(env, &path).await
            }
        }
    }

    /// One namespace, described.
    pub(crate) async fn namespace(&self, at: &NsAt) -> Result<Namespace, PortalError> {
        match self.operations() {
            Some(state) => run(namespaces::get(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("")).await,
        }
    }

    /// Associates a public namespace with a cluster.
    pub(crate) async fn associate(
        &self,
        env: &str,
        app: &str,
        cluster: &str,
        association: &AssociateNamespace,
    ) -> Result<Namespace, PortalError> {
        if let Some(state) = self.operations() {
            let at = ClusterIn {
                env,
                app_id: app,
                cluster,
            };
            return run(namespaces::associate(state, at, association)).await;
        }
        let path = cluster_path(env, app, cluster, "/namespaces");
        self.send_json(env, Method::POST, &path, association)
            .await?
            .json()
    }

    /// Removes an associated public namespace from its cluster.
    pub(crate) async fn dissociate(&self, at: &NsAt, operator: &str) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            return run(namespaces::dissociate(state, ns(at), operator)).await;
        }
        let path = with_query(&at.admin(""), &OperatorQuery { operator })?;
        self.send(&at.env, Method::DELETE, &path, None)
            .await?
            .ok()?;
        Ok(())
    }

    /// Who holds the namespace's lock.
    pub(crate) async fn namespace_lock(&self, at: &NsAt) -> Result<NamespaceLock, PortalError> {
        match self.operations() {
            Some(state) => run(namespaces::lock(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("/lock")).await,
        }
    }
}

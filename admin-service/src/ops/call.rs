//! The admin operations as data: each a command or query type that names its operation, what
//! it answers, and runs it. A caller in this process runs one with [`Operation::run`]; a caller
//! elsewhere sends it as the JSON body of `POST /ops/{NAME}` to an admin service (behind its
//! credential), which runs the same code. So both ways of reaching the operations are one
//! interface, and the wire between them is derived from the types.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use lyre_protocol::admin::{
    AccessKey, AdminPublish, Adoption, App, AppNamespace, AssociateNamespace, AuditEntry,
    BlastRadius, BlastRadiusRequest, Branch, Cluster, Commit, CreateApp, CreateAppNamespace,
    CreateCluster, CreateItem, EnvSettings, GrayRules, Instance, Item, ItemBatch, ItemBatchResult,
    Namespace, NamespaceLock, NamespaceSchema, NamespaceText, Page, Release, ReleaseComparison,
    ReleaseHistory, ReleaseSummary, RevealedSecret, Rollback, SchemaInEnv, SchemaProblem,
    SearchHit, SetNamespaceSchema, SetOverride, SetSchemaMode, UnpublishedChanges, UpdateAccessKey,
    UpdateApp, UpdateEnvSettings, UpdateGrayRules, UpdateItem, UpdateText,
};
use lyre_service_kit::Json;
use lyre_store::page::PageRequest;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::audits::AuditFilter;
use super::clusters::ClusterIn;
use super::instances::Recent;
use super::items::Saved;
use super::{AppIn, Ns};
use crate::{AdminError, AdminState};

/// An admin operation as data.
pub trait Operation: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Its name on the wire: `POST /ops/{NAME}`.
    const NAME: &'static str;
    /// What it answers.
    type Output: Serialize + DeserializeOwned + Send + 'static;
    /// Runs it, with its rules, for the caller the request was authenticated as.
    fn run(
        &self,
        state: &AdminState,
    ) -> impl Future<Output = Result<Self::Output, AdminError>> + Send;
}

/// A namespace by name (each operation checks the names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NsName {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster (the main cluster, for a gray branch's operations).
    pub cluster: String,
    /// The namespace.
    pub namespace: String,
}

impl NsName {
    fn ns(&self) -> Ns<'_> {
        Ns {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster,
            namespace: &self.namespace,
        }
    }
}

/// A cluster by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterName {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster.
    pub cluster: String,
}

impl ClusterName {
    /// The cluster `cluster` of app `app_id` in `env`.
    pub fn new(env: &str, app_id: &str, cluster: &str) -> Self {
        Self {
            env: env.to_owned(),
            app_id: app_id.to_owned(),
            cluster: cluster.to_owned(),
        }
    }

    fn cluster(&self) -> ClusterIn<'_> {
        ClusterIn {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster,
        }
    }
}

/// An app in one environment, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppName {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
}

impl AppName {
    /// App `app_id` in `env`.
    pub fn new(env: &str, app_id: &str) -> Self {
        Self {
            env: env.to_owned(),
            app_id: app_id.to_owned(),
        }
    }

    fn app(&self) -> AppIn<'_> {
        AppIn {
            env: &self.env,
            app_id: &self.app_id,
        }
    }
}

/// Runs the operation a caller sent: `POST /ops/{NAME}`.
async fn serve<O: Operation>(
    State(state): State<AdminState>,
    Json(operation): Json<O>,
) -> Result<Json<O::Output>, AdminError> {
    operation.run(&state).await.map(Json)
}

/// Defines operations in a module: each a struct of its fields, its wire name, its answer and
/// its body (with `state` and the operation `op` in scope), and `routes` serving them all.
macro_rules! operations {
    ($(
        $(#[$doc:meta])*
        $name:ident = $wire:literal { $( $field:ident : $ty:ty ),* $(,)? } -> $out:ty
            => |$state:ident, $op:ident| $body:expr;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Debug, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct $name {
                $( pub $field: $ty, )*
            }

            impl Operation for $name {
                const NAME: &'static str = $wire;
                type Output = $out;
                async fn run(&self, $state: &AdminState) -> Result<$out, AdminError> {
                    let $op = self;
                    $body.await
                }
            }
        )*

        /// `POST /ops/{NAME}` for each operation of this module.
        pub(crate) fn routes(router: Router<AdminState>) -> Router<AdminState> {
            router $( .route(concat!("/ops/", $wire), post(serve::<$name>)) )*
        }
    };
}

/// Items one at a time, item sets, text and history.
pub mod items {
    use super::*;
    use crate::ops::{items, text};

    operations! {
        /// The namespace's items, in order.
        List = "items.list" { ns: NsName } -> Vec<Item>
            => |state, op| items::list(state, op.ns.ns());
        /// One item.
        Get = "items.get" { ns: NsName, key: String } -> Item
            => |state, op| items::get(state, op.ns.ns(), &op.key);
        /// A secret item's plain value (audited); the caller checks who may see it.
        Reveal = "items.reveal" { ns: NsName, key: String, operator: String } -> RevealedSecret
            => |state, op| items::reveal(state, op.ns.ns(), &op.key, &op.operator);
        /// Adds an item at the end.
        Create = "items.create" { ns: NsName, new: CreateItem } -> Item
            => |state, op| items::create(state, op.ns.ns(), &op.new);
        /// Changes an item (adds it when missing and `create_if_missing`).
        Update = "items.update" {
            ns: NsName, key: String, change: UpdateItem, create_if_missing: bool,
        } -> Saved
            => |state, op| items::update(state, op.ns.ns(), &op.key, &op.change, op.create_if_missing);
        /// Deletes an item; with `version`, only if it is still at that version.
        Delete = "items.delete" {
            ns: NsName, key: String, operator: String, version: Option<i64>,
        } -> ()
            => |state, op| items::delete(state, op.ns.ns(), &op.key, &op.operator, op.version);
        /// Sets and deletes several keys at once, all or nothing.
        Batch = "items.batch" { ns: NsName, batch: ItemBatch } -> ItemBatchResult
            => |state, op| text::batch(state, op.ns.ns(), &op.batch);
        /// The recorded changes, newest first; with `key`, only those that touched it.
        Commits = "items.commits" { ns: NsName, key: Option<String>, page: PageRequest } -> Page<Commit>
            => |state, op| items::commits(state, op.ns.ns(), op.key.as_deref(), op.page);
        /// Who edited the namespace (or its gray branch `branch`) since release
        /// `since_release_id` (0: ever), as the audit log names them.
        Editors = "items.editors" { ns: NsName, branch: Option<String>, since_release_id: i64 } -> Vec<String>
            => |state, op| items::editors(state, op.ns.ns(), op.branch.as_deref(), op.since_release_id);
        /// The namespace as text.
        Text = "text.get" { ns: NsName } -> NamespaceText
            => |state, op| text::get(state, op.ns.ns());
        /// Replaces the namespace's items with those of a text.
        PutText = "text.put" { ns: NsName, change: UpdateText } -> NamespaceText
            => |state, op| text::put(state, op.ns.ns(), &op.change);
    }
}

/// Releases, rollback and the instances that read them.
pub mod releases {
    use super::*;
    use crate::ops::{instances, releases};

    operations! {
        /// Publishes the namespace (main); with a release request, checks and closes it too.
        Publish = "releases.publish" { ns: NsName, command: AdminPublish } -> Release
            => |state, op| releases::publish(state, op.ns.ns(), &op.command);
        /// One page of the namespace's releases, newest first.
        List = "releases.list" { ns: NsName, page: PageRequest } -> Page<ReleaseSummary>
            => |state, op| releases::list(state, op.ns.ns(), op.page);
        /// One page of the namespace's release history, newest first.
        Histories = "releases.histories" { ns: NsName, page: PageRequest } -> Page<ReleaseHistory>
            => |state, op| releases::histories(state, op.ns.ns(), op.page);
        /// The release the namespace's clients get now.
        Latest = "releases.latest" { ns: NsName } -> Release
            => |state, op| releases::latest(state, op.ns.ns());
        /// The namespace's changes not yet published.
        Changes = "releases.changes" { ns: NsName } -> UnpublishedChanges
            => |state, op| releases::changes(state, op.ns.ns());
        /// One release of an environment.
        Get = "releases.get" { env: String, id: i64 } -> Release
            => |state, op| releases::get(state, &op.env, op.id);
        /// How release `to` differs from release `base` (0 for none).
        Compare = "releases.compare" { env: String, base: i64, to: i64 } -> ReleaseComparison
            => |state, op| releases::compare(state, &op.env, op.base, op.to);
        /// Rolls back from release `id` to the one before, or to `to_release_id`.
        RollBack = "releases.rollback" {
            env: String, id: i64, operator: String, to_release_id: Option<i64>,
        } -> Rollback
            => |state, op| releases::rollback(state, &op.env, op.id, &op.operator, op.to_release_id);
        /// One page of the instances that read the namespace recently.
        Instances = "instances.of_namespace" { ns: NsName, recent: Recent, page: PageRequest } -> Page<Instance>
            => |state, op| instances::of_namespace(state, op.ns.ns(), op.recent, op.page);
        /// Per release the namespace's recent instances hold: how many, applied, rejected.
        NamespaceAdoption = "instances.adoption" { ns: NsName, recent: Recent } -> Adoption
            => |state, op| instances::adoption(state, op.ns.ns(), op.recent);
        /// Which live instances a publish of the namespace (or of its gray branch) would reach.
        Radius = "instances.blast_radius" { ns: NsName, request: BlastRadiusRequest } -> BlastRadius
            => |state, op| instances::blast_radius(state, op.ns.ns(), &op.request);
        /// One page of the instances that hold a release.
        ReleaseInstances = "instances.of_release" {
            env: String, id: i64, recent: Recent, page: PageRequest,
        } -> Page<Instance>
            => |state, op| instances::of_release(state, &op.env, op.id, op.recent, op.page);
    }
}

/// Gray branches: named by their main namespace and the branch's name.
pub mod branches {
    use super::*;
    use crate::ops::branches::{self, overrides, rules};

    operations! {
        /// The namespace's gray branch.
        Get = "branches.get" { ns: NsName } -> Branch
            => |state, op| branches::get(state, op.ns.ns());
        /// Creates the namespace's gray branch.
        Create = "branches.create" { ns: NsName, operator: String } -> Branch
            => |state, op| branches::create(state, op.ns.ns(), &op.operator);
        /// Abandons a gray branch: its clients go back to main.
        Abandon = "branches.abandon" { ns: NsName, branch: String, operator: String } -> ()
            => |state, op| branches::abandon(state, op.ns.ns(), &op.branch, &op.operator);
        /// One page of the instances served a branch's release.
        Instances = "branches.instances" {
            ns: NsName, branch: String, recent: Recent, page: PageRequest,
        } -> Page<Instance>
            => |state, op| branches::instances(state, op.ns.ns(), &op.branch, op.recent, op.page);
        /// A branch's rules.
        Rules = "branches.rules" { ns: NsName, branch: String } -> GrayRules
            => |state, op| rules::get(state, op.ns.ns(), &op.branch);
        /// Replaces a branch's rules.
        SetRules = "branches.set_rules" { ns: NsName, branch: String, change: UpdateGrayRules } -> GrayRules
            => |state, op| rules::set(state, op.ns.ns(), &op.branch, &op.change);
        /// Sets a branch's override of a key.
        Override = "branches.set_override" {
            ns: NsName, branch: String, key: String, change: SetOverride,
        } -> Branch
            => |state, op| overrides::set(state, op.ns.ns(), &op.branch, &op.key, &op.change);
        /// Removes a branch's override of a key.
        DeleteOverride = "branches.delete_override" {
            ns: NsName, branch: String, key: String, operator: String,
        } -> ()
            => |state, op| overrides::delete(state, op.ns.ns(), &op.branch, &op.key, &op.operator);
        /// Publishes a branch to the clients its rules select.
        Publish = "branches.publish" { ns: NsName, branch: String, command: AdminPublish } -> Release
            => |state, op| branches::publish(state, op.ns.ns(), &op.branch, &op.command);
        /// Merges a branch into main and publishes main.
        Merge = "branches.merge" {
            ns: NsName, branch: String, delete_branch: bool, command: AdminPublish,
        } -> Release
            => |state, op| branches::merge(state, op.ns.ns(), &op.branch, op.delete_branch, &op.command);
    }
}

/// Staged rollouts of gray branches.
pub mod rollouts {
    use super::*;
    use crate::ops::rollouts;
    use lyre_protocol::admin::{Rollout, RolloutAction, RolloutVerb, StartRollout};

    operations! {
        /// Starts a staged rollout of the namespace's gray branch.
        Start = "rollouts.start" { ns: NsName, plan: StartRollout } -> Rollout
            => |state, op| rollouts::start(state, op.ns.ns(), &op.plan);
        /// The namespace's rollouts, newest first.
        List = "rollouts.list" { ns: NsName } -> Vec<Rollout>
            => |state, op| rollouts::list(state, op.ns.ns());
        /// One rollout of the namespace.
        Get = "rollouts.get" { ns: NsName, id: i64 } -> Rollout
            => |state, op| rollouts::get(state, op.ns.ns(), op.id);
        /// Pauses, resumes, advances or aborts a rollout.
        Act = "rollouts.act" { ns: NsName, id: i64, verb: RolloutVerb, action: RolloutAction } -> Rollout
            => |state, op| rollouts::act(state, op.ns.ns(), op.id, op.verb, &op.action);
    }
}

/// Clusters and the namespaces in them.
pub mod clusters {
    use super::*;
    use crate::ops::{clusters, namespaces};

    operations! {
        /// The app's clusters in an environment.
        List = "clusters.list" { app: AppName } -> Vec<Cluster>
            => |state, op| clusters::list(state, op.app.app());
        /// One cluster.
        Get = "clusters.get" { cluster: ClusterName } -> Cluster
            => |state, op| clusters::get(state, op.cluster.cluster());
        /// Creates a cluster.
        Create = "clusters.create" { app: AppName, new: CreateCluster } -> Cluster
            => |state, op| clusters::create(state, op.app.app(), &op.new);
        /// Deletes a cluster with its gray branches and namespaces.
        Delete = "clusters.delete" { cluster: ClusterName, operator: String } -> ()
            => |state, op| clusters::delete(state, op.cluster.cluster(), &op.operator);
        /// The namespaces of a cluster.
        ListNamespaces = "namespaces.list" { cluster: ClusterName } -> Vec<Namespace>
            => |state, op| namespaces::list(state, op.cluster.cluster());
        /// One namespace, described.
        GetNamespace = "namespaces.get" { ns: NsName } -> Namespace
            => |state, op| namespaces::get(state, op.ns.ns());
        /// Associates a public namespace with a cluster.
        Associate = "namespaces.associate" { cluster: ClusterName, association: AssociateNamespace } -> Namespace
            => |state, op| namespaces::associate(state, op.cluster.cluster(), &op.association);
        /// Removes an associated public namespace from its cluster.
        Dissociate = "namespaces.dissociate" { ns: NsName, operator: String } -> ()
            => |state, op| namespaces::dissociate(state, op.ns.ns(), &op.operator);
        /// Who holds a namespace's lock.
        Lock = "namespaces.lock" { ns: NsName } -> NamespaceLock
            => |state, op| namespaces::lock(state, op.ns.ns());
    }
}

/// Apps and the namespaces they define.
pub mod apps {
    use super::*;
    use crate::ops::{app_namespaces, apps};

    operations! {
        /// One page of apps, optionally only those whose id or name contains `search`.
        List = "apps.list" { search: Option<String>, page: PageRequest } -> Page<App>
            => |state, op| apps::list(state, op.search.as_deref(), op.page);
        /// One app.
        Get = "apps.get" { app_id: String } -> App
            => |state, op| apps::get(state, &op.app_id);
        /// Creates an app.
        Create = "apps.create" { new: CreateApp } -> App
            => |state, op| apps::create(state, &op.new);
        /// Changes an app.
        Update = "apps.update" { app_id: String, change: UpdateApp } -> App
            => |state, op| apps::update(state, &op.app_id, &op.change);
        /// Deletes an app with everything it holds.
        Delete = "apps.delete" { app_id: String, operator: String } -> ()
            => |state, op| apps::delete(state, &op.app_id, &op.operator);
        /// The namespaces an app defines.
        Namespaces = "app_namespaces.list" { app_id: String } -> Vec<AppNamespace>
            => |state, op| app_namespaces::list(state, &op.app_id);
        /// Every public namespace definition.
        PublicNamespaces = "app_namespaces.public" {} -> Vec<AppNamespace>
            => |state, _op| app_namespaces::list_public(state);
        /// Defines a namespace of an app.
        CreateNamespace = "app_namespaces.create" { app_id: String, new: CreateAppNamespace } -> AppNamespace
            => |state, op| app_namespaces::create(state, &op.app_id, &op.new);
        /// Deletes an app's namespace everywhere.
        DeleteNamespace = "app_namespaces.delete" { app_id: String, name: String, operator: String } -> ()
            => |state, op| app_namespaces::delete(state, &op.app_id, &op.name, &op.operator);
    }
}

/// Access keys, environment policy, the audit log and search.
pub mod system {
    use super::*;
    use crate::ops::{access_keys, audits, schemas, search, settings};

    operations! {
        /// An app's access keys in an environment, without their secrets.
        AccessKeys = "access_keys.list" { app: AppName } -> Vec<AccessKey>
            => |state, op| access_keys::list(state, op.app.app());
        /// A new access key, disabled, with its secret.
        CreateAccessKey = "access_keys.create" { app: AppName, operator: String } -> AccessKey
            => |state, op| access_keys::create(state, op.app.app(), &op.operator);
        /// Changes an access key's mode.
        ChangeAccessKey = "access_keys.update" { app: AppName, key_id: i64, change: UpdateAccessKey } -> AccessKey
            => |state, op| access_keys::update(state, op.app.app(), op.key_id, &op.change);
        /// Deletes an access key.
        DeleteAccessKey = "access_keys.delete" { app: AppName, key_id: i64, operator: String } -> ()
            => |state, op| access_keys::delete(state, op.app.app(), op.key_id, &op.operator);
        /// An access key with its secret (audited).
        RevealAccessKey = "access_keys.reveal" { app: AppName, key_id: i64, operator: String } -> AccessKey
            => |state, op| access_keys::reveal(state, op.app.app(), op.key_id, &op.operator);
        /// An environment's policy.
        EnvPolicy = "settings.get" { env: String } -> EnvSettings
            => |state, op| settings::get(state, &op.env);
        /// Changes an environment's policy.
        SetEnvPolicy = "settings.put" { env: String, change: UpdateEnvSettings } -> EnvSettings
            => |state, op| settings::put(state, &op.env, &op.change);
        /// The schema in force for an app's namespace, and how an environment treats it.
        NamespaceSchemaIn = "schemas.get" { env: String, app_id: String, namespace: String } -> SchemaInEnv
            => |state, op| schemas::get(state, &op.env, &op.app_id, &op.namespace);
        /// Every version of an app's namespace's schema, newest first.
        NamespaceSchemaHistory = "schemas.history" { app_id: String, namespace: String } -> Vec<NamespaceSchema>
            => |state, op| schemas::history(state, &op.app_id, &op.namespace);
        /// Sets a new version of an app's namespace's schema.
        SetNamespaceSchemaVersion = "schemas.set" { app_id: String, namespace: String, body: SetNamespaceSchema } -> NamespaceSchema
            => |state, op| schemas::set(state, &op.app_id, &op.namespace, &op.body);
        /// What the namespace's (or its gray branch's) next publish would not fit of its schema.
        PendingSchemaProblems = "schemas.pending" { ns: NsName, branch: Option<String> } -> Vec<SchemaProblem>
            => |state, op| schemas::pending(state, op.ns.ns(), op.branch.as_deref());
        /// What a namespace's items would not fit of its schema with one item changed, unsaved.
        ItemSchemaProblems = "schemas.check_item" { ns: NsName, key: String, value: String } -> Vec<SchemaProblem>
            => |state, op| schemas::check_item(state, op.ns.ns(), &op.key, &op.value);
        /// What a namespace's unsaved text would not fit of its schema.
        TextSchemaProblems = "schemas.check_text" { ns: NsName, text: String } -> Vec<SchemaProblem>
            => |state, op| schemas::check_text(state, op.ns.ns(), &op.text);
        /// Sets how an environment treats an app's namespace's schema.
        SetNamespaceSchemaMode = "schemas.mode" { env: String, app_id: String, namespace: String, body: SetSchemaMode } -> SchemaInEnv
            => |state, op| schemas::set_mode(state, &op.env, &op.app_id, &op.namespace, &op.body);
        /// One page of audit entries, newest first.
        Audits = "audits.list" { filter: AuditQuery, page: PageRequest } -> Page<AuditEntry>
            => |state, op| audits::list(state, op.filter.as_filter(), op.page);
        /// Items whose key or value contains `text`.
        Search = "search" { text: String, limit: Option<u64> } -> Vec<SearchHit>
            => |state, op| search::search(state, &op.text, op.limit);
    }

    /// Which audit entries (see [`AuditFilter`]).
    #[derive(Clone, Debug, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct AuditQuery {
        pub app_id: Option<String>,
        pub operator: Option<String>,
        pub env: Option<String>,
        pub entity_type: Option<String>,
        pub from: Option<String>,
        pub to: Option<String>,
    }

    impl AuditQuery {
        fn as_filter(&self) -> AuditFilter<'_> {
            AuditFilter {
                app_id: self.app_id.as_deref(),
                operator: self.operator.as_deref(),
                env: self.env.as_deref(),
                entity_type: self.entity_type.as_deref(),
                from: self.from.as_deref(),
                to: self.to.as_deref(),
            }
        }
    }
}

/// `POST /ops/{NAME}` for every operation.
pub(crate) fn routes(router: Router<AdminState>) -> Router<AdminState> {
    let router = items::routes(router);
    let router = releases::routes(router);
    let router = branches::routes(router);
    let router = rollouts::routes(router);
    let router = clusters::routes(router);
    let router = apps::routes(router);
    system::routes(router)
}

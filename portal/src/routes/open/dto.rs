//! Apollo's Open API shapes, made from the admin service's.

use lyre_protocol::admin::{
    App, AppNamespace, Cluster, Item, Namespace, Release, ReleaseHistory, Stamps,
};
use lyre_protocol::config::Configurations;
use lyre_protocol::gray::GrayRuleItem;
use lyre_service_kit::time::apollo_time;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who created and changed something, and when (Apollo's `dataChange*` fields).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DataChange {
    /// Who created it.
    pub data_change_created_by: String,
    /// Who changed it last.
    pub data_change_last_modified_by: String,
    /// When it was created.
    pub data_change_created_time: String,
    /// When it was changed last.
    pub data_change_last_modified_time: String,
}

impl From<Stamps> for DataChange {
    fn from(s: Stamps) -> Self {
        Self {
            data_change_created_by: s.created_by,
            data_change_last_modified_by: s.updated_by,
            data_change_created_time: apollo_time(&s.created_at),
            data_change_last_modified_time: apollo_time(&s.updated_at),
        }
    }
}

/// An app.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenApp {
    pub app_id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub owner_name: String,
    pub owner_email: String,
    #[serde(flatten)]
    pub data_change: DataChange,
}

impl From<App> for OpenApp {
    fn from(a: App) -> Self {
        Self {
            app_id: a.app_id,
            name: a.name,
            org_id: a.org_id,
            org_name: a.org_name,
            owner_name: a.owner_name,
            owner_email: a.owner_email,
            data_change: a.stamps.into(),
        }
    }
}

/// The clusters of an app in one environment.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OpenEnvClusters {
    pub env: String,
    pub clusters: Vec<String>,
}

/// A cluster.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenCluster {
    pub name: String,
    pub app_id: String,
    #[serde(flatten)]
    pub data_change: DataChange,
}

impl From<Cluster> for OpenCluster {
    fn from(c: Cluster) -> Self {
        Self {
            name: c.name,
            app_id: c.app_id,
            data_change: c.stamps.into(),
        }
    }
}

/// An item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenItem {
    pub key: String,
    pub value: String,
    pub comment: String,
    #[serde(flatten)]
    pub data_change: DataChange,
}

impl From<Item> for OpenItem {
    fn from(i: Item) -> Self {
        Self {
            key: i.key,
            value: i.value,
            comment: i.comment,
            data_change: i.stamps.into(),
        }
    }
}

/// A namespace with its items.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenNamespace {
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    pub comment: String,
    pub format: String,
    pub is_public: bool,
    pub items: Vec<OpenItem>,
}

impl OpenNamespace {
    pub(crate) fn new(n: Namespace, items: Vec<Item>) -> Self {
        Self {
            app_id: n.app_id,
            cluster_name: n.cluster_name,
            namespace_name: n.namespace_name,
            comment: n.comment,
            format: n.format,
            is_public: n.is_public,
            items: items.into_iter().map(OpenItem::from).collect(),
        }
    }
}

/// A namespace definition.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenAppNamespace {
    pub name: String,
    pub app_id: String,
    pub format: String,
    pub is_public: bool,
    pub comment: String,
    #[serde(flatten)]
    pub data_change: DataChange,
}

impl From<AppNamespace> for OpenAppNamespace {
    fn from(a: AppNamespace) -> Self {
        Self {
            name: a.name,
            app_id: a.app_id,
            format: a.format,
            is_public: a.is_public,
            comment: a.comment,
            data_change: a.stamps.into(),
        }
    }
}

/// A namespace's edit lock.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenLock {
    pub namespace_name: String,
    pub is_locked: bool,
    pub locked_by: String,
}

/// A release.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenRelease {
    pub id: i64,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    /// The release's title.
    pub name: String,
    pub configurations: Configurations,
    pub comment: String,
    #[serde(flatten)]
    pub data_change: DataChange,
}

impl From<Release> for OpenRelease {
    fn from(r: Release) -> Self {
        let s = r.summary;
        Self {
            id: s.id,
            app_id: r.app_id,
            cluster_name: r.cluster_name,
            namespace_name: r.namespace_name,
            name: s.title,
            configurations: r.configurations,
            comment: s.comment,
            data_change: DataChange {
                data_change_created_by: s.created_by.clone(),
                data_change_last_modified_by: s.created_by,
                data_change_created_time: apollo_time(&s.created_at),
                data_change_last_modified_time: apollo_time(&s.created_at),
            },
        }
    }
}

/// One entry of a namespace's release history (beyond Apollo's Open API).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenReleaseHistory {
    pub id: i64,
    pub release_id: i64,
    pub previous_release_id: i64,
    /// `normal_release`, `rollback`, `gray_release`, `merge`, ...
    pub operation: String,
    pub branch_name: String,
    pub release_title: String,
    pub is_emergency_publish: bool,
    pub data_change_created_by: String,
    pub data_change_created_time: String,
}

impl From<ReleaseHistory> for OpenReleaseHistory {
    fn from(h: ReleaseHistory) -> Self {
        Self {
            id: h.id,
            release_id: h.release_id,
            previous_release_id: h.previous_release_id,
            operation: serde_json::to_value(h.operation)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            branch_name: h.branch_name,
            release_title: h.release_title,
            is_emergency_publish: h.is_emergency_publish,
            data_change_created_by: h.created_by,
            data_change_created_time: apollo_time(&h.created_at),
        }
    }
}

/// A gray branch's rules.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenGrayRules {
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    pub branch_name: String,
    pub rule_items: Vec<GrayRuleItem>,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OpenPage<T> {
    pub page: u64,
    pub size: u64,
    pub total: u64,
    pub content: Vec<T>,
}

/// An item to create or change (Apollo's `OpenItemDTO`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenItemInput {
    /// The key (for a change, the path's key wins).
    #[serde(default)]
    pub key: String,
    pub value: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// Who creates it (an existing user; a consumer's own name when absent).
    #[serde(default)]
    pub data_change_created_by: Option<String>,
    /// Who changes it.
    #[serde(default)]
    pub data_change_last_modified_by: Option<String>,
}

/// A publish (Apollo's `NamespaceReleaseDTO`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenPublish {
    pub release_title: String,
    #[serde(default)]
    pub release_comment: String,
    /// Who publishes (an existing user; a consumer's own name when absent).
    #[serde(default)]
    pub released_by: Option<String>,
    /// Skip review where the environment allows it (the super admin only).
    #[serde(default)]
    pub is_emergency_publish: bool,
}

//! Apollo's client protocol: what `/configs` and `/notifications/v2` answer, as Apollo's
//! clients read it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Configurations;

/// The answer of `GET /configs/{appId}/{cluster}/{namespace}`.
///
/// ```
/// use lyre_protocol::client::ApolloConfig;
/// let body = r#"{"appId":"a","cluster":"default","namespaceName":"application","configurations":{"k":"v"},"releaseKey":"20170430092936-dee2d58e74515ff3"}"#;
/// let config: ApolloConfig = serde_json::from_str(body).unwrap();
/// assert_eq!(config.configurations.get("k"), Some("v"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApolloConfig {
    /// The app asked for.
    pub app_id: String,
    /// The cluster actually loaded (after falling back).
    pub cluster: String,
    /// The namespace as the client spelled it.
    pub namespace_name: String,
    /// The keys and values; a non-properties namespace has one key, `content`.
    pub configurations: Configurations,
    /// The release keys served, joined with `+` (the app's own first).
    pub release_key: String,
}

/// The notification ids a client has seen, per watch key: `{"details":{"a+default+ns":7}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationMessages {
    /// Watch key (`appId+cluster+namespace`) to the latest message id.
    #[serde(default)]
    pub details: BTreeMap<String, i64>,
}

/// One namespace a client watches (in a long poll's `notifications`), or one that changed (in
/// its answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApolloConfigNotification {
    /// The namespace, with its suffix for non-properties formats (`datasources.yaml`).
    pub namespace_name: String,
    /// The latest message id the client has seen (`-1` or `0`: none); in an answer, the new one.
    pub notification_id: i64,
    /// In an answer: the ids of every watch key of the namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<NotificationMessages>,
}

/// One namespace in the `notifications` of a long poll from Lyre's SDK: Apollo's two fields and
/// the schema hash of the app's typed view of the namespace (what `/configs` takes as
/// `schemaHash`), for when the answer carries the configuration (`withConfigs=true`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchedNamespace {
    /// As in [`ApolloConfigNotification`].
    pub namespace_name: String,
    /// As in [`ApolloConfigNotification`].
    pub notification_id: i64,
    /// The schema hash of the app's typed view of the namespace, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_hash: Option<String>,
}

/// One namespace that changed, in the answer to a long poll that asked for the configuration
/// with the notification (`withConfigs=true`, a Lyre extension: an Apollo client never asks,
/// and an Apollo server never answers with one, so a reader falls back to `/configs`).
///
/// ```
/// use lyre_protocol::client::ChangedNamespace;
/// let body = r#"[{"namespaceName":"application","notificationId":7,
///   "configuration":{"appId":"a","cluster":"default","namespaceName":"application",
///   "configurations":{"k":"v"},"releaseKey":"20170430092936-dee2d58e74515ff3"}}]"#;
/// let changed: Vec<ChangedNamespace> = serde_json::from_str(body).unwrap();
/// assert_eq!(changed[0].notification.notification_id, 7);
/// assert_eq!(changed[0].configuration.as_ref().unwrap().configurations.get("k"), Some("v"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ChangedNamespace {
    /// Apollo's notification.
    #[serde(flatten)]
    pub notification: ApolloConfigNotification,
    /// The namespace's configuration as `/configs` answers this client now; absent when the
    /// namespace has no release or it could not be read.
    #[serde(default)]
    pub configuration: Option<ApolloConfig>,
}

/// Whether an instance could use a release it read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplyStatus {
    /// In use: every typed view of the namespace accepted it (or nothing reads it typed).
    Applied,
    /// Not in use: a typed view could not read it and keeps the last good value.
    Rejected,
}

impl ApplyStatus {
    /// As stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Rejected => "rejected",
        }
    }
}

/// What an instance made of one release of one namespace (`POST /reports`, a Lyre extension
/// of Apollo's protocol).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// The namespace, as the client reads it.
    pub namespace_name: String,
    /// The release it read (keys joined with `+` for a public namespace).
    pub release_key: String,
    /// Whether it could use it.
    pub status: ApplyStatus,
    /// Why not, when rejected (a deserialization error, a reload command's output).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// An instance's reports, batched: the body of `POST /reports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReports {
    /// The client's app.
    pub app_id: String,
    /// The cluster it reads.
    pub cluster: String,
    /// Its IP, as it sends it with its reads.
    pub ip: String,
    /// Its data center, if it sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_center: Option<String>,
    /// The reports, one per namespace.
    pub reports: Vec<ApplyReport>,
}

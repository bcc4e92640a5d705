//! The admin service's API: what the portal (and anyone else with access to the admin port)
//! sends and receives. Times are RFC 3339 strings in UTC; names are camelCase.

use serde::{Deserialize, Serialize};

use crate::config::Configurations;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One page of a longer list, newest first where the list has an order in time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The entries of this page.
    pub items: Vec<T>,
    /// The page number, from 0.
    pub page: u64,
    /// The page size asked for.
    pub size: u64,
    /// How many entries there are in all.
    pub total: u64,
}

/// Who made a change and when; carried by most entities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Stamps {
    /// Who created it.
    pub created_by: String,
    /// When it was created.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: String,
    /// When it was changed last.
    pub updated_at: String,
}

/// An application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// Unique id, e.g. `order-service`.
    pub app_id: String,
    /// Name shown to people.
    pub name: String,
    /// Owning organisation's id.
    pub org_id: String,
    /// Owning organisation's name.
    pub org_name: String,
    /// The person responsible.
    pub owner_name: String,
    /// How to reach them.
    pub owner_email: String,
    /// Who created and changed it, and when.
    #[serde(flatten)]
    pub stamps: Stamps,
}

/// A new application. Creating it creates the `default` cluster in every environment and its
/// private `application` namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateApp {
    /// Unique id: letters, digits, `_`, `-`, `.`; at most 128.
    pub app_id: String,
    /// Name shown to people.
    pub name: String,
    /// Owning organisation's id.
    #[serde(default)]
    pub org_id: String,
    /// Owning organisation's name.
    #[serde(default)]
    pub org_name: String,
    /// The person responsible (the portal defaults it to the creator).
    #[serde(default)]
    pub owner_name: String,
    /// How to reach them.
    #[serde(default)]
    pub owner_email: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// Changes to an application; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateApp {
    /// New name.
    pub name: Option<String>,
    /// New organisation id.
    pub org_id: Option<String>,
    /// New organisation name.
    pub org_name: Option<String>,
    /// New owner.
    pub owner_name: Option<String>,
    /// New owner email.
    pub owner_email: Option<String>,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A cluster of an app in one environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster's name.
    pub name: String,
    /// What it is for.
    pub comment: String,
    /// Who created and changed it, and when.
    #[serde(flatten)]
    pub stamps: Stamps,
}

/// A new cluster. It gets every namespace of its app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateCluster {
    /// The name: letters, digits, `_`, `-`, `.`; at most 128.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub comment: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A namespace definition of an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppNamespace {
    /// The app that owns it.
    pub app_id: String,
    /// The name; non-properties formats end with their suffix, e.g. `datasources.yaml`.
    pub name: String,
    /// `properties`, `xml`, `json`, `yml`, `yaml` or `txt`.
    pub format: String,
    /// Whether other apps may associate it.
    pub is_public: bool,
    /// What it is for.
    pub comment: String,
    /// Who created and changed it, and when.
    #[serde(flatten)]
    pub stamps: Stamps,
}

/// A new namespace definition. It is created in every cluster of its app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateAppNamespace {
    /// The name; for a non-properties format the suffix (e.g. `.yaml`) is added if missing.
    pub name: String,
    /// `properties` (the default), `xml`, `json`, `yml`, `yaml` or `txt`.
    #[serde(default = "default_format")]
    pub format: String,
    /// Whether other apps may associate it; public names are unique across apps.
    #[serde(default)]
    pub is_public: bool,
    /// What it is for.
    #[serde(default)]
    pub comment: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

fn default_format() -> String {
    "properties".into()
}

/// A namespace in one cluster: an app's own, or a public namespace of another app associated
/// into this app (whose items then override the public ones).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster.
    pub cluster_name: String,
    /// The namespace.
    pub namespace_name: String,
    /// Its format.
    pub format: String,
    /// Whether the definition is public.
    pub is_public: bool,
    /// The app that defines it (another app for an associated namespace).
    pub owner_app_id: String,
    /// Whether this is another app's public namespace associated into this app.
    pub is_associated: bool,
    /// The definition's comment.
    pub comment: String,
    /// How many items it holds.
    pub item_count: u64,
    /// Grows with every change to its items; send it back to detect concurrent edits.
    pub revision: i64,
    /// Who holds its edit lock, when the environment locks namespaces.
    pub locked_by: Option<String>,
    /// The latest active release, if any.
    pub latest_release: Option<ReleaseSummary>,
    /// Whether its items differ from the latest release.
    pub has_unpublished_changes: bool,
}

/// Associates another app's public namespace into this cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AssociateNamespace {
    /// The public namespace's name.
    pub namespace_name: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A key and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The key (`content` for a non-properties namespace).
    pub key: String,
    /// The value; a secret item's is sealed (`lyre:v1:<key id>:…`), never the plain value.
    pub value: String,
    /// Whether the value is secret: stored sealed, served only to clients signed with an
    /// enforced access key, shown to people only through `reveal`.
    #[serde(default)]
    pub secret: bool,
    /// The comment shown beside it (and above it in text mode).
    pub comment: String,
    /// Its position in the namespace, from 1.
    pub line_num: i32,
    /// Grows with every change; send it back to detect concurrent edits.
    pub version: i64,
    /// Who created and changed it, and when.
    #[serde(flatten)]
    pub stamps: Stamps,
}

/// A secret item's plain value, as revealed to someone allowed to see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RevealedSecret {
    /// The key.
    pub key: String,
    /// The plain value.
    pub value: String,
    /// The item's version the value is of.
    pub version: i64,
}

/// A new item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateItem {
    /// The key.
    pub key: String,
    /// The value (plain; sealed before it is stored when `secret`).
    pub value: String,
    /// Store the value sealed, as a secret item.
    #[serde(default)]
    pub secret: bool,
    /// A comment.
    #[serde(default)]
    pub comment: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A new value (and comment) for an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateItem {
    /// The new value (plain; sealed before it is stored when the item is or becomes secret).
    /// A secret item's sealed value sent back unchanged leaves it as it is.
    pub value: String,
    /// Make the item secret (`true`) or plain again (`false`); absent keeps it as it is.
    #[serde(default)]
    pub secret: Option<bool>,
    /// The new comment; absent keeps the old one.
    pub comment: Option<String>,
    /// The version the change is based on; when it is no longer current the update is refused
    /// with 409 instead of overwriting someone else's change.
    pub version: Option<i64>,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A whole namespace as text: properties text (comments included) or the file's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamespaceText {
    /// The namespace's format.
    pub format: String,
    /// The text.
    pub text: String,
    /// The namespace's revision this text shows.
    pub revision: i64,
}

/// Replaces a namespace's items with those of a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateText {
    /// The whole text.
    pub text: String,
    /// The revision the text was edited from; refused with 409 when the namespace changed since.
    pub revision: Option<i64>,
    /// A comment for the change.
    #[serde(default)]
    pub comment: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// An item as a change set records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ItemState {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// The comment.
    pub comment: String,
}

/// An item's value and comment before and after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ItemUpdate {
    /// The key.
    pub key: String,
    /// The value before.
    pub old_value: String,
    /// The value after.
    pub new_value: String,
    /// The comment before.
    pub old_comment: String,
    /// The comment after.
    pub new_comment: String,
}

/// What one change did to a namespace's items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangeSet {
    /// Items created.
    pub created: Vec<ItemState>,
    /// Items changed.
    pub updated: Vec<ItemUpdate>,
    /// Items deleted.
    pub deleted: Vec<ItemState>,
}

impl ChangeSet {
    /// Whether the change did nothing.
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }

    /// Whether the change touched `key`.
    pub fn touches(&self, key: &str) -> bool {
        self.created.iter().any(|i| i.key == key)
            || self.updated.iter().any(|i| i.key == key)
            || self.deleted.iter().any(|i| i.key == key)
    }
}

/// One recorded change of a namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Commit {
    /// Its id; later commits have larger ids.
    pub id: i64,
    /// What changed.
    pub change_set: ChangeSet,
    /// A comment given with the change.
    pub comment: String,
    /// Who changed it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// How a key differs between two states of a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the newer state.
    Added,
    /// In both, with different values.
    Modified,
    /// Only in the older state.
    Deleted,
}

/// One key's difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyChange {
    /// The key.
    pub key: String,
    /// Added, modified or deleted.
    pub kind: ChangeKind,
    /// The value in the older state.
    pub old_value: Option<String>,
    /// The value in the newer state.
    pub new_value: Option<String>,
}

/// The changes of a namespace not yet released: its items against its latest release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnpublishedChanges {
    /// The latest active release compared against, if there is one.
    pub base_release: Option<ReleaseSummary>,
    /// The namespace's revision the changes were computed at.
    pub revision: i64,
    /// The differences, in item order (deleted keys last).
    pub changes: Vec<KeyChange>,
}

/// The differences between two releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReleaseComparison {
    /// The older release (0: none, everything is added).
    pub base_release_id: i64,
    /// The newer release.
    pub to_release_id: i64,
    /// The differences.
    pub changes: Vec<KeyChange>,
}

/// Publishes a namespace's items as a new release. Apollo's names (`releaseTitle`,
/// `releaseComment`, `releasedBy`) are accepted too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Publish {
    /// The release's title.
    #[serde(alias = "releaseTitle")]
    pub title: String,
    /// What the release changes.
    #[serde(default, alias = "releaseComment")]
    pub comment: String,
    /// Who publishes.
    #[serde(alias = "releasedBy")]
    #[serde(default)]
    pub operator: String,
    /// Publish even where the namespace lock would forbid it, if the environment allows.
    #[serde(default)]
    pub is_emergency_publish: bool,
    /// Publish only if the namespace (for a gray publish, the branch) is still at this
    /// revision: what was reviewed is what goes out. `409` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
}

/// What the admin service's publish and merge take: a [`Publish`], with what a reviewed
/// publish must hold to, checked in the same transaction that writes the release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminPublish {
    /// The release.
    #[serde(flatten)]
    pub publish: Publish,
    /// An approved release request of this namespace (or, for a gray publish, this branch),
    /// frozen at `revision`: the release is written and the request closed as published
    /// together, or neither (`409` when it is not approved, or the namespace moved on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_request: Option<i64>,
    /// For a merge: main must still be at this revision (and the branch at `revision`), the
    /// ones that were checked before merging. `409` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_revision: Option<i64>,
}

impl From<Publish> for AdminPublish {
    fn from(publish: Publish) -> Self {
        Self {
            publish,
            release_request: None,
            main_revision: None,
        }
    }
}

/// A release without its configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSummary {
    /// Its id.
    pub id: i64,
    /// Its key, `yyyyMMddHHmmss-<16 hex>`; clients compare keys.
    pub release_key: String,
    /// Its title.
    pub title: String,
    /// Its comment.
    pub comment: String,
    /// Whether it was rolled back (abandoned releases are never served).
    pub is_abandoned: bool,
    /// Who published it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// A release with its configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Release {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster.
    pub cluster_name: String,
    /// The namespace.
    pub namespace_name: String,
    /// Id, key, title and who published it.
    #[serde(flatten)]
    pub summary: ReleaseSummary,
    /// The keys and values it serves.
    pub configurations: Configurations,
    /// What it does not fit of its namespace's schema, where the environment checks schemas
    /// in `warn` mode (in `enforce` mode such a publish is refused).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_problems: Vec<SchemaProblem>,
}

/// One way a configuration does not fit its namespace's schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SchemaProblem {
    /// Where: the key as written (`db.pool-size`) in a properties namespace, a JSON pointer
    /// (`/db/pool_size`) in a json or yaml one; empty for the whole configuration.
    pub at: String,
    /// What the schema expects, and what is there.
    pub message: String,
}

/// How an environment treats a namespace's schema when it is published.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SchemaMode {
    /// Not checked.
    #[default]
    Off,
    /// Checked; a publish that does not fit goes out, with its problems in the answer.
    Warn,
    /// Checked; a publish that does not fit is refused (422, `schema_violation`).
    Enforce,
}

impl SchemaMode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Warn => "warn",
            Self::Enforce => "enforce",
        }
    }

    /// The mode a stored name stands for (`off` for anything else).
    pub fn parse(stored: &str) -> Self {
        match stored {
            "warn" => Self::Warn,
            "enforce" => Self::Enforce,
            _ => Self::Off,
        }
    }
}

/// One version of a namespace's JSON Schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSchema {
    /// The app.
    pub app_id: String,
    /// The namespace.
    pub namespace_name: String,
    /// 1 for the first, one more for each after.
    pub version: i64,
    /// The JSON Schema (draft 2020-12).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub document: serde_json::Value,
    /// Who set it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A namespace's schema in force, and how the environment asked treats it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SchemaInEnv {
    /// The newest version, if the namespace has a schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<NamespaceSchema>,
    /// The environment.
    pub env: String,
    /// How it checks publishes against the schema.
    pub mode: SchemaMode,
}

/// A new version of a namespace's schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetNamespaceSchema {
    /// The JSON Schema (draft 2020-12), e.g. as `lyre_client::schema::write` writes it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub document: serde_json::Value,
    /// Who sets it (filled in by the portal).
    #[serde(default)]
    pub operator: String,
}

/// How an environment is to treat a namespace's schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetSchemaMode {
    /// `off`, `warn` or `enforce`.
    pub mode: SchemaMode,
    /// Who sets it (filled in by the portal).
    #[serde(default)]
    pub operator: String,
}

/// The outcome of a rollback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// The releases abandoned, newest first.
    pub abandoned: Vec<ReleaseSummary>,
    /// The release served from now on.
    pub active: ReleaseSummary,
    /// What that release does not fit of the namespace's schema, where the environment checks
    /// schemas (a rollback is never refused for it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_problems: Vec<SchemaProblem>,
}

/// A kind of release operation, as release history records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReleaseOperation {
    /// A normal publish.
    NormalRelease,
    /// A rollback to an earlier release.
    Rollback,
    /// A publish of a gray branch.
    GrayRelease,
    /// A change of a gray branch's rules.
    GrayRulesUpdate,
    /// A gray branch merged into main and published.
    Merge,
    /// A main release carried into a gray branch.
    MainToGray,
    /// A main rollback carried into a gray branch.
    RollbackToGray,
    /// A gray branch abandoned.
    AbandonGray,
    /// A gray branch deleted after its merge.
    GrayDeletedAfterMerge,
}

impl ReleaseOperation {
    /// The code stored in the database (Apollo's numbering).
    pub fn code(self) -> i32 {
        match self {
            Self::NormalRelease => 0,
            Self::Rollback => 1,
            Self::GrayRelease => 2,
            Self::GrayRulesUpdate => 3,
            Self::Merge => 4,
            Self::MainToGray => 5,
            Self::RollbackToGray => 6,
            Self::AbandonGray => 7,
            Self::GrayDeletedAfterMerge => 8,
        }
    }

    /// The operation of a stored code.
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => Self::NormalRelease,
            1 => Self::Rollback,
            2 => Self::GrayRelease,
            3 => Self::GrayRulesUpdate,
            4 => Self::Merge,
            5 => Self::MainToGray,
            6 => Self::RollbackToGray,
            7 => Self::AbandonGray,
            8 => Self::GrayDeletedAfterMerge,
            _ => return None,
        })
    }
}

/// One entry of a namespace's release history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReleaseHistory {
    /// Its id; later entries have larger ids.
    pub id: i64,
    /// What happened.
    pub operation: ReleaseOperation,
    /// The release served after the operation.
    pub release_id: i64,
    /// The release served before it (0: none).
    pub previous_release_id: i64,
    /// The release's title.
    pub release_title: String,
    /// The branch (the cluster's name for main).
    pub branch_name: String,
    /// Whether it was an emergency publish.
    pub is_emergency_publish: bool,
    /// Who did it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// A namespace's edit lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamespaceLock {
    /// The namespace.
    pub namespace_name: String,
    /// Whether someone holds it.
    pub is_locked: bool,
    /// Who, when someone does.
    pub locked_by: Option<String>,
}

/// Settings of one environment that govern edits and publishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvSettings {
    /// The environment.
    pub env: String,
    /// Whether the first editor of a namespace holds it until publish, and may not publish
    /// their own change.
    pub namespace_lock: bool,
    /// Whether an emergency publish may skip that rule.
    pub emergency_publish_allowed: bool,
    /// Whether changes are published only through approved release requests (on in `PRO`
    /// until changed).
    #[serde(default)]
    pub review_required: bool,
    /// Whether private namespaces are shown to the app's members (and the super admin) only
    /// (on in `PRO` until changed).
    #[serde(default)]
    pub member_only_view: bool,
}

/// Changes to an environment's settings; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateEnvSettings {
    /// See [`EnvSettings::namespace_lock`].
    pub namespace_lock: Option<bool>,
    /// See [`EnvSettings::emergency_publish_allowed`].
    pub emergency_publish_allowed: Option<bool>,
    /// See [`EnvSettings::review_required`].
    #[serde(default)]
    pub review_required: Option<bool>,
    /// See [`EnvSettings::member_only_view`].
    #[serde(default)]
    pub member_only_view: Option<bool>,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// One audited write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Its id.
    pub id: i64,
    /// The environment, when the entity has one.
    pub env: String,
    /// The app concerned.
    pub app_id: String,
    /// What kind of entity: `app`, `cluster`, `app_namespace`, `namespace`, `item`, `release`, ...
    pub entity_type: String,
    /// Which one, e.g. `app1/default/application`.
    pub entity_id: String,
    /// What was done: `create`, `update`, `delete`, `publish`, `rollback`, ...
    pub operation: String,
    /// The change, as JSON text.
    pub detail: String,
    /// Who did it.
    pub operator: String,
    /// When.
    pub created_at: String,
}

/// An access key of an app in one environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccessKey {
    /// Its id.
    pub id: i64,
    /// The secret clients sign with: only in the answer that creates the key and in an
    /// explicit (audited) reveal, never in a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The secret's last four characters, to tell keys apart.
    pub secret_hint: String,
    /// Whether config services check it.
    pub enabled: bool,
    /// `enforce` (unsigned requests are refused) or `observe` (only logged).
    pub mode: String,
    /// Who created and changed it, and when.
    #[serde(flatten)]
    pub stamps: Stamps,
}

/// Turns an access key on or off, or changes its mode; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateAccessKey {
    /// Whether config services check it.
    pub enabled: Option<bool>,
    /// `enforce` or `observe`.
    pub mode: Option<String>,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// Who makes a change that carries no other data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OperatorBody {
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A client instance and the release of a namespace it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    /// The client's app.
    pub app_id: String,
    /// The cluster the client asked for.
    pub cluster_name: String,
    /// The client's data center ("" when none).
    pub data_center: String,
    /// The client's IP.
    pub ip: String,
    /// The client's label ("" when none).
    pub label: String,
    /// The cluster whose release it received.
    pub config_cluster_name: String,
    /// The release keys it holds (joined with `+` for a public namespace).
    pub release_key: String,
    /// When it received that release.
    pub release_delivered_at: String,
    /// When it last read the namespace.
    pub last_seen_at: String,
    /// The hash of the schema its typed view of the namespace was built with, where Lyre's SDK
    /// sent one (see `lyre_protocol::schema_hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_hash: Option<String>,
    /// The version of the namespace's schema with that hash, where one has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<i64>,
    /// What it made of the release it last reported on, where it reports (Lyre's SDK and
    /// `lyre agent` do; Apollo clients only read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<Applied>,
    /// The release it holds has secret values, and they were left out of its answer: its app
    /// has no enforced access key in the environment, so its reads are not signed. Left out
    /// when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secrets_withheld: bool,
}

/// How far a namespace's releases reached the instances that read it recently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Adoption {
    /// Instances that read the namespace within the window (in any cluster or gray branch).
    pub live: u64,
    /// Per release some of them hold, newest first.
    pub releases: Vec<ReleaseAdoption>,
}

/// How many live instances hold a release, and what they said they made of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReleaseAdoption {
    /// The release.
    pub release_key: String,
    /// Its id (absent for a release no longer kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<i64>,
    /// Instances holding it.
    pub read: u64,
    /// Of those, how many reported it applied.
    pub applied: u64,
    /// Of those, how many reported it rejected (their reasons are in the release's instances).
    pub rejected: u64,
}

/// What an instance said it made of a release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The release it reported on (compare with `releaseKey`, the one it holds).
    pub release_key: String,
    /// `applied` or `rejected`.
    pub status: String,
    /// Why it rejected it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// When it reported (RFC 3339).
    pub at: String,
}

/// A key a gray branch overrides: a new value, or (with `deleted`) the key removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Override {
    /// The key.
    pub key: String,
    /// The value gray clients get (empty when deleted).
    pub value: String,
    /// A comment.
    pub comment: String,
    /// Whether gray clients get no such key.
    pub deleted: bool,
}

/// Sets a branch's override of a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetOverride {
    /// The value gray clients get (ignored when `deleted`).
    #[serde(default)]
    pub value: String,
    /// A comment.
    #[serde(default)]
    pub comment: String,
    /// Remove the key for gray clients instead.
    #[serde(default)]
    pub deleted: bool,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// One key to set in a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetItem {
    /// The key; a new key goes after the existing ones.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Its comment; absent keeps an existing item's comment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Several changes to a namespace's items, made together or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ItemBatch {
    /// Keys to create or change.
    #[serde(default)]
    pub set: Vec<SetItem>,
    /// Keys to delete (absent keys are ignored).
    #[serde(default)]
    pub delete: Vec<String>,
    /// Apply only if the namespace is still at this revision (`409` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    /// What the change is for, recorded in the commit.
    #[serde(default)]
    pub comment: String,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// What a batch did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ItemBatchResult {
    /// The namespace's revision after it.
    pub revision: i64,
    /// The items created, changed and deleted.
    pub change_set: ChangeSet,
}

/// An item found by a search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster (a gray branch's name for its overrides).
    pub cluster_name: String,
    /// For a gray branch's override, the cluster the branch belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_of: Option<String>,
    /// The namespace.
    pub namespace_name: String,
    /// Whether the namespace is public.
    pub is_public: bool,
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// A gray branch of a namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    /// The branch's name (its child cluster's name).
    pub branch_name: String,
    /// The cluster it branches from.
    pub parent_cluster: String,
    /// Who gets the branch's release.
    pub rule_items: Vec<crate::gray::GrayRuleItem>,
    /// What the branch changes relative to main.
    pub overrides: Vec<Override>,
    /// The branch's latest release, if it was published.
    pub latest_release: Option<ReleaseSummary>,
    /// The branch's revision: grows with every change to its overrides.
    pub revision: i64,
    /// What a gray publish now would change for gray clients: main's latest release with the
    /// overrides, against the branch's latest release (main's, before the first gray publish).
    pub pending_changes: Vec<KeyChange>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// A branch's rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GrayRules {
    /// The branch.
    pub branch_name: String,
    /// Its rules, Apollo's shape plus `percentage`.
    pub rule_items: Vec<crate::gray::GrayRuleItem>,
}

/// New rules for a branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateGrayRules {
    /// The rules; an empty list selects nobody.
    pub rule_items: Vec<crate::gray::GrayRuleItem>,
    /// Who does this.
    #[serde(alias = "dataChangeLastModifiedBy")]
    #[serde(default)]
    pub operator: String,
}

/// Starts a staged rollout of a namespace's gray branch: its release goes to a growing share
/// of the app's instances, one step at a time, and is rolled back as soon as instances reject
/// it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StartRollout {
    /// The branch (the namespace's gray branch when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    /// The share of the app's instances at each step, in percent: increasing, the last 100
    /// (`[5, 25, 50, 100]` when empty).
    #[serde(default)]
    pub steps: Vec<u8>,
    /// How long each step bakes before the next, in seconds (300 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_seconds: Option<u64>,
    /// How many instances may reject the release before the rollout halts (0: the first
    /// rejection halts it).
    #[serde(default)]
    pub max_rejected: u64,
    /// The title of the gray release and of main's release at the end.
    pub release_title: String,
    /// Their comment.
    #[serde(default)]
    pub release_comment: String,
    /// Where the environment requires review: the super admin starts it without one.
    #[serde(default)]
    pub is_emergency_publish: bool,
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// A person's action on a rollout.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RolloutAction {
    /// Who does this.
    #[serde(default)]
    pub operator: String,
}

/// What a person may do to a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum RolloutVerb {
    /// Hold it at its step (the bake clock stops).
    Pause,
    /// Let it advance again.
    Resume,
    /// Go to the next step now (or finish, at the last).
    Advance,
    /// Stop it and send its instances back to main's release.
    Abort,
}

impl RolloutVerb {
    /// Its name in paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Advance => "advance",
            Self::Abort => "abort",
        }
    }
}

/// A staged rollout and how its release fares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rollout {
    /// Its id.
    pub id: i64,
    /// The gray branch rolled out.
    pub branch_name: String,
    /// The share of the app's instances at each step, in percent.
    pub steps: Vec<u8>,
    /// The step in force (0-based).
    pub step: u32,
    /// The share in force, in percent (0 once halted or aborted).
    pub percentage: u8,
    /// `running`, `paused`, `halted`, `aborted` or `completed`.
    pub state: String,
    /// Bake time per step, in seconds.
    pub bake_seconds: u64,
    /// Rejections tolerated.
    pub max_rejected: u64,
    /// Why it halted or was aborted (for a halt, the rejections that caused it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The title of its releases.
    #[serde(default)]
    pub release_title: String,
    /// Their comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub release_comment: String,
    /// Main's release when it started: the one instances go back to if it halts.
    pub base_release_id: i64,
    /// The release rolled out (the branch's latest).
    pub release_id: i64,
    /// Its key.
    pub release_key: String,
    /// When the step in force began (RFC 3339).
    pub step_started_at: String,
    /// When the next step is due, while it runs (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step_at: Option<String>,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// Instances that hold one of its releases now (after a halt they go back to main's, so
    /// an ended rollout's counts fall; its `reason` keeps what halted it).
    pub read: u64,
    /// Of those, how many reported it applied.
    pub applied: u64,
    /// Instances whose latest report rejects one of its releases.
    pub rejected: u64,
    /// The rejecting instances, with their reasons (at most 20).
    pub rejections: Vec<Rejection>,
    /// Who started it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Who (or which process) changed it last.
    pub updated_by: String,
    /// When (RFC 3339).
    pub updated_at: String,
}

/// An instance that rejected a release, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    /// Its IP.
    pub ip: String,
    /// Its label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The release it rejected.
    pub release_key: String,
    /// Why.
    pub reason: String,
    /// When it said so (RFC 3339).
    pub at: String,
}

/// Asks which live instances a publish would reach, before it is made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BlastRadiusRequest {
    /// A gray branch's publish (the clients its rules select) instead of main's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    /// With `branchName`: select this share of the app's instances instead of the branch's
    /// rules (a staged rollout's first step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<u8>,
    /// The configuration to publish when it is not the saved one (`lyre publish --dry-run`
    /// sends its file's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configurations: Option<Configurations>,
}

/// The live instances a publish would reach.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BlastRadius {
    /// Live means seen within this many seconds (waiting instances are seen every minute).
    pub live_within_seconds: u64,
    /// Live instances reading the namespace (in any cluster or gray branch).
    pub live: u64,
    /// Of those, the ones the publish sends a new release.
    pub receiving: u64,
    /// Receiving instances per cluster they read.
    pub clusters: Vec<RadiusCount>,
    /// Receiving instances now served a gray branch, per branch.
    pub branches: Vec<RadiusCount>,
    /// Receiving instances per label ("" for none).
    pub labels: Vec<RadiusCount>,
    /// The receiving instances' IPs, sorted (at most 1000).
    pub ips: Vec<String>,
    /// Per schema the receiving instances' typed views were built with (those that say): how
    /// many run it and what of the release it would refuse.
    pub schemas: Vec<RadiusSchema>,
    /// Receiving instances whose schema would refuse the release.
    pub rejecting: u64,
}

/// How many instances share something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RadiusCount {
    /// The cluster, branch or label.
    pub name: String,
    /// How many.
    pub instances: u64,
}

/// Instances that run one schema, and what of a release it would refuse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RadiusSchema {
    /// The schema's hash, as the instances send it.
    pub hash: String,
    /// Its version in Lyre (absent for a schema never pushed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Instances running it.
    pub instances: u64,
    /// What of the release it refuses (empty: it fits; at most 20).
    pub problems: Vec<SchemaProblem>,
}

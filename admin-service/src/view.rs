//! Stored rows as the API shows them.

use lyre_protocol::admin::{
    App, AppNamespace, AuditEntry, ChangeSet, Cluster, Commit, Item, Release, ReleaseHistory,
    ReleaseOperation, ReleaseSummary, Stamps,
};
use lyre_protocol::config::Configurations;
use lyre_service_kit::time::rfc3339;
use lyre_store::entity::{
    app, app_namespace, audit, cluster, commit, item, release, release_history,
};

use crate::AdminError;

fn stamps(created_by: &str, created_at: i64, updated_by: &str, updated_at: i64) -> Stamps {
    Stamps {
        created_by: created_by.to_owned(),
        created_at: rfc3339(created_at),
        updated_by: updated_by.to_owned(),
        updated_at: rfc3339(updated_at),
    }
}

pub(crate) fn app(m: app::Model) -> App {
    App {
        stamps: stamps(&m.created_by, m.created_at, &m.updated_by, m.updated_at),
        app_id: m.app_id,
        name: m.name,
        org_id: m.org_id,
        org_name: m.org_name,
        owner_name: m.owner_name,
        owner_email: m.owner_email,
    }
}

pub(crate) fn cluster(m: cluster::Model) -> Cluster {
    Cluster {
        stamps: stamps(&m.created_by, m.created_at, &m.updated_by, m.updated_at),
        env: m.env,
        app_id: m.app_id,
        name: m.name,
        comment: m.comment,
    }
}

pub(crate) fn app_namespace(m: app_namespace::Model) -> AppNamespace {
    AppNamespace {
        stamps: stamps(&m.created_by, m.created_at, &m.updated_by, m.updated_at),
        app_id: m.app_id,
        name: m.name,
        format: m.format,
        is_public: m.is_public,
        comment: m.comment,
    }
}

pub(crate) fn item(m: item::Model) -> Item {
    Item {
        stamps: stamps(&m.created_by, m.created_at, &m.updated_by, m.updated_at),
        key: m.key,
        secret: lyre_protocol::secret::is_sealed(&m.value),
        value: m.value,
        comment: m.comment,
        line_num: m.line_num,
        version: m.version,
    }
}

pub(crate) fn release_summary(m: &release::Model) -> ReleaseSummary {
    ReleaseSummary {
        id: m.id,
        release_key: m.release_key.clone(),
        title: m.name.clone(),
        comment: m.comment.clone(),
        is_abandoned: m.is_abandoned,
        created_by: m.created_by.clone(),
        created_at: rfc3339(m.created_at),
    }
}

/// The configuration a release stores.
pub(crate) fn configurations(m: &release::Model) -> Result<Configurations, AdminError> {
    serde_json::from_str(&m.configurations).map_err(|e| {
        AdminError::Database(lyre_store::sea_orm::DbErr::Custom(format!(
            "release {} holds unreadable configurations: {e}",
            m.id
        )))
    })
}

pub(crate) fn release(m: release::Model) -> Result<Release, AdminError> {
    Ok(Release {
        summary: release_summary(&m),
        configurations: configurations(&m)?,
        env: m.env,
        app_id: m.app_id,
        cluster_name: m.cluster_name,
        namespace_name: m.namespace_name,
        schema_problems: Vec::new(),
    })
}

/// The change set a commit stores (empty if unreadable, which only a hand-edited row can be).
pub(crate) fn change_set(m: &commit::Model) -> ChangeSet {
    serde_json::from_str(&m.change_sets).unwrap_or_default()
}

pub(crate) fn commit(m: commit::Model) -> Commit {
    Commit {
        change_set: change_set(&m),
        id: m.id,
        comment: m.comment,
        created_by: m.created_by,
        created_at: rfc3339(m.created_at),
    }
}

pub(crate) fn history(m: release_history::Model, release_title: String) -> ReleaseHistory {
    let context: serde_json::Value = serde_json::from_str(&m.operation_context).unwrap_or_default();
    ReleaseHistory {
        id: m.id,
        operation: ReleaseOperation::from_code(m.operation)
            .unwrap_or(ReleaseOperation::NormalRelease),
        release_id: m.release_id,
        previous_release_id: m.previous_release_id,
        release_title,
        branch_name: m.branch_name,
        is_emergency_publish: context["isEmergencyPublish"].as_bool().unwrap_or(false),
        created_by: m.created_by,
        created_at: rfc3339(m.created_at),
    }
}

pub(crate) fn audit(m: audit::Model) -> AuditEntry {
    AuditEntry {
        id: m.id,
        env: m.env,
        app_id: m.app_id,
        entity_type: m.entity_type,
        entity_id: m.entity_id,
        operation: m.operation,
        detail: m.detail,
        operator: m.created_by,
        created_at: rfc3339(m.created_at),
    }
}

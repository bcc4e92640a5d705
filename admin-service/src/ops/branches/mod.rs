//! Gray branches: a namespace's overrides in a child cluster, published to the clients their
//! rules select; merged into main or abandoned when done.
//!
//! Writers lock the main namespace's row before the branch's, always in that order. A branch
//! is named with its main namespace (`Ns`, the main cluster) and its branch name.

mod manage;
pub mod overrides;
mod publish;
pub mod rules;

pub use manage::{abandon, create, get, instances};
pub(crate) use publish::{delete_merged, fold_overrides};
pub use publish::{merge, publish};

use lyre_protocol::admin::{Branch, Override, ReleaseOperation};
use lyre_protocol::config::Configurations;
use lyre_protocol::gray::GrayRuleItem;
use lyre_protocol::names::ClusterName;
use lyre_service_kit::keyed::KeyedGuard;
use lyre_service_kit::time::rfc3339;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::{branches, items, namespaces};
use lyre_store::entity::{gray_rule, item, namespace, release};
use lyre_store::sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};

use crate::domain::{diff, gray_configuration, lock_namespace, store_release};
use crate::params::NamespaceAt;
use crate::{AdminError, AdminState, view};

/// The branch's namespace: the main one, in the branch's cluster.
pub(crate) fn branch_at(main: &NamespaceAt, branch: &str) -> Result<NamespaceAt, AdminError> {
    Ok(NamespaceAt {
        cluster: ClusterName::parse(branch).map_err(|e| AdminError::Invalid(e.to_string()))?,
        ..main.clone()
    })
}

pub(crate) fn no_branch(main: &NamespaceAt, branch: Option<&str>) -> AdminError {
    let message = match branch {
        Some(b) => format!("namespace {main} has no gray branch `{b}`"),
        None => format!("namespace {main} has no gray branch"),
    };
    let error = AdminError::not_found("branch_not_found", message)
        .because("not_found", main.params())
        .with("kind", "branch");
    match branch {
        Some(b) => error.with("name", b),
        None => error,
    }
}

/// A branch, locked for change with its main namespace.
pub(crate) struct Locked {
    pub txn: DatabaseTransaction,
    pub main: namespace::Model,
    pub branch: namespace::Model,
    pub rule: gray_rule::Model,
    /// Dropped after the transaction (fields drop in order).
    _gate: KeyedGuard,
}

/// Locks the main namespace, then its branch `branch_name`.
pub(crate) async fn lock(
    state: &AdminState,
    main: &NamespaceAt,
    branch_name: &str,
) -> Result<Locked, AdminError> {
    let (gate, txn, main_ns) = lock_namespace(state, main).await?;
    let rule = branches::active(&txn, main.r())
        .await?
        .filter(|r| r.branch_name == branch_name)
        .ok_or_else(|| no_branch(main, Some(branch_name)))?;
    let at = branch_at(main, branch_name)?;
    let branch = namespaces::find_for_update(&txn, at.r())
        .await?
        .ok_or_else(|| no_branch(main, Some(branch_name)))?;
    Ok(Locked {
        txn,
        _gate: gate,
        main: main_ns,
        branch,
        rule,
    })
}

/// The branch's overrides (its items), in order.
pub(crate) async fn overrides_of(
    db: &impl ConnectionTrait,
    branch: &namespace::Model,
) -> Result<Vec<item::Model>, DbErr> {
    Ok(items::list(db, branch.id)
        .await?
        .into_iter()
        .filter(|i| !i.key.is_empty())
        .collect())
}

pub(crate) fn rule_items(rule: &gray_rule::Model) -> Vec<GrayRuleItem> {
    serde_json::from_str(&rule.rules).unwrap_or_default()
}

/// The branch as the API shows it.
pub(crate) async fn describe(
    db: &impl ConnectionTrait,
    main: &NamespaceAt,
    rule: &gray_rule::Model,
    branch: &namespace::Model,
) -> Result<Branch, AdminError> {
    let latest = if rule.release_id == 0 {
        None
    } else {
        releases::find(db, &main.env, rule.release_id).await?
    };
    let (main_now, _) = main_configuration(db, main.r()).await?;
    let overrides = overrides_of(db, branch).await?;
    let gray_next = gray_configuration(&main_now, &overrides);
    let gray_now = match &latest {
        Some(release) => view::configurations(release)?,
        None => main_now,
    };
    Ok(Branch {
        revision: branch.revision,
        pending_changes: diff(&gray_now, &gray_next),
        branch_name: rule.branch_name.clone(),
        parent_cluster: rule.cluster_name.clone(),
        rule_items: rule_items(rule),
        overrides: overrides
            .into_iter()
            .map(|i| Override {
                key: i.key,
                value: if i.deletes_key {
                    String::new()
                } else {
                    i.value
                },
                comment: i.comment,
                deleted: i.deletes_key,
            })
            .collect(),
        latest_release: latest.as_ref().map(view::release_summary),
        created_by: rule.created_by.clone(),
        created_at: rfc3339(rule.created_at),
    })
}

/// Main's latest configuration (empty when never published).
pub(crate) async fn main_configuration(
    db: &impl ConnectionTrait,
    main: NamespaceRef<'_>,
) -> Result<(Configurations, i64), AdminError> {
    Ok(match releases::latest_active(db, main).await? {
        Some(release) => (view::configurations(&release)?, release.id),
        None => (Configurations::default(), 0),
    })
}

/// What the branch's next release (main's latest with its overrides) does not fit of the
/// namespace's schema, as the environment checks it (see `schemas::verdict`); `refuse`: an
/// error where the environment enforces it.
pub(crate) async fn gray_verdict(
    db: &impl ConnectionTrait,
    main: &NamespaceAt,
    branch: &namespace::Model,
    refuse: bool,
) -> Result<Vec<lyre_protocol::admin::SchemaProblem>, AdminError> {
    let (base, _) = main_configuration(db, main.r()).await?;
    let configuration = gray_configuration(&base, &overrides_of(db, branch).await?);
    crate::ops::schemas::of(db, main, &configuration, refuse).await
}

/// What a branch release is called, and why it is made.
pub(crate) struct BranchRelease<'a> {
    pub title: &'a str,
    pub comment: &'a str,
    pub operation: ReleaseOperation,
}

/// Publishes the branch: main's latest release with the branch's overrides; records it in
/// main's release history under the operation. The caller writes the release message.
pub(crate) async fn publish_branch(
    db: &impl ConnectionTrait,
    main: &NamespaceAt,
    rule: &gray_rule::Model,
    branch: &namespace::Model,
    label: BranchRelease<'_>,
    operator: &str,
) -> Result<release::Model, AdminError> {
    let BranchRelease {
        title,
        comment,
        operation,
    } = label;
    let (base, base_id) = main_configuration(db, main.r()).await?;
    let configuration = gray_configuration(&base, &overrides_of(db, branch).await?);
    let at = branch_at(main, &rule.branch_name)?;
    let release = store_release(db, at.r(), title, comment, &configuration, operator).await?;
    releases::insert_history(
        db,
        NewHistory {
            namespace: main.r(),
            branch_name: &rule.branch_name,
            release_id: release.id,
            previous_release_id: rule.release_id,
            operation: operation.code(),
            operation_context: serde_json::json!({"baseReleaseId": base_id}).to_string(),
        },
        operator,
    )
    .await?;
    branches::set_release(db, rule.id, release.id, operator).await?;
    Ok(release)
}

/// After main changed (a publish or rollback, in `txn`, with main's row locked): an active
/// branch that was published is published again on the new main release.
pub(crate) async fn follow_main(
    txn: &DatabaseTransaction,
    main: &NamespaceAt,
    operation: ReleaseOperation,
    title: &str,
    operator: &str,
) -> Result<(), AdminError> {
    let Some(rule) = branches::active(txn, main.r()).await? else {
        return Ok(());
    };
    if rule.release_id == 0 {
        return Ok(());
    }
    let at = branch_at(main, &rule.branch_name)?;
    let Some(branch) = namespaces::find_for_update(txn, at.r()).await? else {
        return Ok(());
    };
    let label = BranchRelease {
        title,
        comment: "",
        operation,
    };
    publish_branch(txn, main, &rule, &branch, label, operator).await?;
    Ok(())
}

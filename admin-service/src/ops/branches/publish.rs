//! Publishing a branch to its clients, and merging it into main.

use lyre_protocol::admin::{
    AdminPublish, ChangeSet, ItemState, ItemUpdate, Release, ReleaseOperation,
};
use lyre_store::config::items::{self, NewItem};
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::{branches, clusters, commits, locks, namespaces};
use lyre_store::time::now_millis;

use super::{BranchRelease, Locked, gray_verdict, lock, overrides_of, publish_branch};
use crate::domain::{
    Audit, announce, configurations_of, definition, delete_namespaces, env_rules, notify, record,
    store_release,
};
use crate::ops::Ns;
use crate::ops::releases::check_publish;
use crate::params::NamespaceAt;
use crate::routes::releases::reviewed;
use crate::{AdminError, AdminState, view};
use lyre_store::entity::release_message;
use lyre_store::sea_orm::DatabaseTransaction;

/// Publishes the branch: main's latest release with the branch's overrides, served to the
/// clients its rules select (who are notified).
pub async fn publish(
    state: &AdminState,
    ns: Ns<'_>,
    branch: &str,
    command: &AdminPublish,
) -> Result<Release, AdminError> {
    let AdminPublish {
        publish: body,
        release_request,
        ..
    } = command;
    let release_request = *release_request;
    let (at, name) = (ns.check(state)?, branch.to_owned());
    let (operator, title) = check_publish(body)?;
    let locked = lock(state, &at, &name).await?;
    let txn = &locked.txn;
    crate::ops::rollouts::refuse_while_open(txn, &at, "publish the branch yourself").await?;
    if let Some(id) = release_request {
        reviewed::check(txn, id, &at, &name, body.revision).await?;
    }
    crate::ops::releases::expect_revision(
        &format!("branch `{name}` of {at}"),
        locked.branch.revision,
        &locked.branch.updated_by,
        body.revision,
    )?;
    let rules = env_rules(txn, &at.env).await?;
    let lock_holder = locks::find(txn, locked.branch.id)
        .await?
        .map(|l| l.created_by);
    if rules.namespace_lock
        && !(body.is_emergency_publish && rules.emergency_publish_allowed)
        && lock_holder.as_deref() == Some(operator.as_str())
    {
        return Err(AdminError::Forbidden(format!(
            "`{operator}` made the unpublished changes of branch `{name}`; another person must publish them"
        ))
        .because("own_branch_changes", [("user", operator), ("branch", name)]));
    }
    let schema_problems = gray_verdict(txn, &at, &locked.branch, true).await?;
    let release = publish_branch(
        txn,
        &at,
        &locked.rule,
        &locked.branch,
        BranchRelease {
            title: &title,
            comment: &body.comment,
            operation: ReleaseOperation::GrayRelease,
        },
        &operator,
    )
    .await?;
    locks::release(txn, &[locked.branch.id]).await?;
    let announced = vec![notify(txn, &at).await?];
    record(
        txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "branch",
            entity_id: &format!("{at}/{name}"),
            operation: "gray_publish",
            operator: &operator,
        },
        serde_json::json!({
            "releaseId": release.id,
            "releaseKey": release.release_key,
            "releaseRequest": release_request,
        })
        .to_string(),
    )
    .await?;
    announce(
        txn,
        at.r(),
        "gray.published",
        serde_json::json!({
            "branchName": name,
            "releaseId": release.id,
            "releaseKey": release.release_key,
            "title": title,
            "releaseRequest": release_request,
        }),
        &operator,
    )
    .await?;
    if let Some(id) = release_request {
        reviewed::close(txn, id, release.id, &operator).await?;
    }
    locked.txn.commit().await?;
    crate::published(&at.env, "gray");
    state.announce(announced);
    let mut answer = view::release(release)?;
    answer.schema_problems = schema_problems;
    Ok(answer)
}

/// Merges the branch into main: its overrides become main's items (recorded as one commit),
/// main is published, and the branch is deleted (or, with `deleteBranch=false`, kept and
/// republished on the new main release).
pub async fn merge(
    state: &AdminState,
    ns: Ns<'_>,
    branch: &str,
    delete_branch: bool,
    command: &AdminPublish,
) -> Result<Release, AdminError> {
    let AdminPublish {
        publish: body,
        main_revision,
        ..
    } = command;
    let main_revision = *main_revision;
    let (at, name) = (ns.check(state)?, branch.to_owned());
    let (operator, title) = check_publish(body)?;
    let locked = lock(state, &at, &name).await?;
    let txn = &locked.txn;
    // What was checked (in a reviewed merge: both fully published) is what is merged.
    crate::ops::releases::expect_revision(
        &at.to_string(),
        locked.main.revision,
        &locked.main.updated_by,
        main_revision,
    )?;
    crate::ops::releases::expect_revision(
        &format!("branch `{name}` of {at}"),
        locked.branch.revision,
        &locked.branch.updated_by,
        body.revision,
    )?;

    // The overrides become main's items.
    let changes = fold_overrides(txn, &at, &locked, &operator).await?;
    if delete_branch {
        crate::ops::rollouts::end_with_branch(txn, &at, true, &operator).await?;
    } else {
        crate::ops::rollouts::refuse_while_open(txn, &at, "merge and keep the branch").await?;
    }

    // Main is published with the merged items.
    let format = definition(txn, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .map_or(lyre_protocol::format::Format::Properties, |d| d.format());
    let configuration = configurations_of(&items::list(txn, locked.main.id).await?, format);
    let schema_problems = crate::ops::schemas::verdict(
        txn,
        &at.env,
        at.app_id.as_str(),
        at.namespace.as_str(),
        format,
        &configuration,
    )
    .await?;
    let previous = releases::latest_active(txn, at.r()).await?;
    let release = store_release(
        txn,
        at.r(),
        &title,
        &body.comment,
        &configuration,
        &operator,
    )
    .await?;
    releases::insert_history(
        txn,
        NewHistory {
            namespace: at.r(),
            branch_name: &name,
            release_id: release.id,
            previous_release_id: previous.as_ref().map_or(0, |p| p.id),
            operation: ReleaseOperation::Merge.code(),
            operation_context: serde_json::json!({"branchReleaseId": locked.rule.release_id})
                .to_string(),
        },
        &operator,
    )
    .await?;
    let mut announced = Vec::new();
    if delete_branch {
        announced.extend(delete_merged(txn, &at, &locked, release.id, &operator).await?);
    } else if locked.rule.release_id != 0 {
        publish_branch(
            txn,
            &at,
            &locked.rule,
            &locked.branch,
            BranchRelease {
                title: &title,
                comment: "",
                operation: ReleaseOperation::MainToGray,
            },
            &operator,
        )
        .await?;
    }
    locks::release(txn, &[locked.main.id, locked.branch.id]).await?;
    announced.push(notify(txn, &at).await?);
    record(
        txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "branch",
            entity_id: &format!("{at}/{name}"),
            operation: "merge",
            operator: &operator,
        },
        serde_json::json!({"releaseId": release.id, "changes": changes, "deleteBranch": delete_branch}).to_string(),
    )
    .await?;
    announce(
        txn,
        at.r(),
        "gray.merged",
        serde_json::json!({
            "branchName": name,
            "releaseId": release.id,
            "releaseKey": release.release_key,
            "title": release.name,
            "deleteBranch": delete_branch,
        }),
        &operator,
    )
    .await?;
    locked.txn.commit().await?;
    crate::published(&at.env, "merge");
    state.announce(announced);
    let mut answer = view::release(release)?;
    answer.schema_problems = schema_problems;
    Ok(answer)
}

/// Writes the branch's overrides into main's items (recorded as one commit): what changed.
pub(crate) async fn fold_overrides(
    txn: &DatabaseTransaction,
    at: &NamespaceAt,
    locked: &Locked,
    operator: &str,
) -> Result<ChangeSet, AdminError> {
    let name = &locked.rule.branch_name;
    let main_items = items::list(txn, locked.main.id).await?;
    let mut changes = ChangeSet::default();
    let mut next_line = main_items.iter().map(|i| i.line_num).max().unwrap_or(0) + 1;
    let now = now_millis();
    for o in overrides_of(txn, &locked.branch).await? {
        match (main_items.iter().find(|i| i.key == o.key), o.deletes_key) {
            (Some(item), true) => {
                items::soft_delete(txn, item, operator, now).await?;
                changes.deleted.push(ItemState {
                    key: item.key.clone(),
                    value: item.value.clone(),
                    comment: item.comment.clone(),
                });
            }
            (None, true) => {}
            (Some(item), false) if item.value == o.value => {}
            (Some(item), false) => {
                items::update(txn, item, &o.value, &item.comment, item.line_num, operator).await?;
                changes.updated.push(ItemUpdate {
                    key: o.key.clone(),
                    old_value: item.value.clone(),
                    new_value: o.value.clone(),
                    old_comment: item.comment.clone(),
                    new_comment: item.comment.clone(),
                });
            }
            (None, false) => {
                let new = NewItem {
                    namespace_id: locked.main.id,
                    key: &o.key,
                    value: &o.value,
                    comment: &o.comment,
                    line_num: next_line,
                    deletes_key: false,
                };
                next_line += 1;
                items::insert(txn, &new, operator).await?;
                changes.created.push(ItemState {
                    key: o.key.clone(),
                    value: o.value.clone(),
                    comment: o.comment.clone(),
                });
            }
        }
    }
    if !changes.is_empty() {
        namespaces::bump_revision(txn, &locked.main, operator).await?;
        commits::insert(
            txn,
            at.r(),
            serde_json::to_string(&changes).unwrap_or_default(),
            &format!("merged gray branch `{name}`"),
            operator,
        )
        .await?;
    }
    Ok(changes)
}

/// Deletes a branch merged into main's release `release_id`: its namespace, its cluster, and
/// its record (ended as merged); the release messages to announce.
pub(crate) async fn delete_merged(
    txn: &DatabaseTransaction,
    at: &NamespaceAt,
    locked: &Locked,
    release_id: i64,
    operator: &str,
) -> Result<Vec<release_message::Model>, AdminError> {
    let name = &locked.rule.branch_name;
    let now = now_millis();
    let announced =
        delete_namespaces(txn, std::slice::from_ref(&locked.branch), operator, now).await?;
    if let Some(cluster) = clusters::find(txn, &at.env, at.app_id.as_str(), name).await? {
        clusters::soft_delete(txn, &[cluster.id], operator, now).await?;
    }
    branches::end(txn, locked.rule.id, branches::MERGED, operator).await?;
    releases::insert_history(
        txn,
        NewHistory {
            namespace: at.r(),
            branch_name: name,
            release_id,
            previous_release_id: locked.rule.release_id,
            operation: ReleaseOperation::GrayDeletedAfterMerge.code(),
            operation_context: "{}".into(),
        },
        operator,
    )
    .await?;
    Ok(announced)
}

//! `POST .../releases`: publish a namespace.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AdminPublish, Release, ReleaseOperation};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;
use lyre_store::config::releases::{self, NewHistory};
use lyre_store::config::{items, locks};

use super::reviewed;
use crate::domain::{
    Audit, configurations_of, definition, env_rules, lock_namespace, namespace_not_found, record,
    store_release,
};
use crate::params::{NamespacePath, operator};
use crate::routes::apps::check_len;
use crate::{AdminError, AdminState, view};

/// Publishes the namespace's items as a new release with a new key (even when nothing
/// changed), records it in release history, and notifies config services, all in one
/// transaction. Where the environment locks namespaces, the person holding the lock (who made
/// the changes) may not publish them, unless this is an emergency publish the environment
/// allows. With `releaseRequest`, the approved request is closed in that same transaction.
#[utoipa::path(
    post,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    request_body = AdminPublish,
    responses(
        (status = 201, description = "Published", body = Release),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "The publisher made the locked changes", body = ErrorBody),
        (status = 404, description = "No such namespace, or release request", body = ErrorBody),
        (status = 409, description = "Changed since `revision`, or the release request is not approved", body = ErrorBody),
    )
)]
pub(crate) async fn publish(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Json(AdminPublish {
        publish: body,
        release_request,
        ..
    }): Json<AdminPublish>,
) -> Result<(StatusCode, Json<Release>), AdminError> {
    let at = path.check(&state)?;
    let operator = operator(&body.operator)?;
    let title = body.title.trim();
    if title.is_empty() {
        return Err(AdminError::Invalid("`title` must not be empty".into()));
    }
    check_len("title", title, 256)?;
    check_len("comment", &body.comment, 1024)?;

    let (_gate, txn, ns) = lock_namespace(&state, &at).await?;
    refuse_branch(&txn, &at).await?;
    if let Some(id) = release_request {
        reviewed::check(&txn, id, &at, "", body.revision).await?;
    }
    expect_revision(&at.to_string(), ns.revision, &ns.updated_by, body.revision)?;
    let rules = env_rules(&txn, &at.env).await?;
    if body.is_emergency_publish && !rules.emergency_publish_allowed {
        return Err(AdminError::Forbidden(format!(
            "emergency publishes are not allowed in {}",
            at.env
        )));
    }
    let lock = locks::find(&txn, ns.id).await?;
    if rules.namespace_lock
        && !body.is_emergency_publish
        && lock.as_ref().is_some_and(|l| l.created_by == operator)
    {
        return Err(AdminError::Forbidden(format!(
            "`{operator}` made the unpublished changes of {at}; another person must review and \
             publish them"
        )));
    }
    let format = definition(&txn, at.app_id.as_str(), at.namespace.as_str())
        .await?
        .ok_or_else(|| namespace_not_found(&at))?
        .format();
    let configurations = configurations_of(&items::list(&txn, ns.id).await?, format);
    let previous = releases::latest_active(&txn, at.r()).await?;
    let release = store_release(
        &txn,
        at.r(),
        title,
        &body.comment,
        &configurations,
        &operator,
    )
    .await?;
    let context = serde_json::json!({"isEmergencyPublish": body.is_emergency_publish});
    releases::insert_history(
        &txn,
        NewHistory {
            namespace: at.r(),
            branch_name: at.cluster.as_str(),
            release_id: release.id,
            previous_release_id: previous.as_ref().map_or(0, |p| p.id),
            operation: ReleaseOperation::NormalRelease.code(),
            operation_context: context.to_string(),
        },
        &operator,
    )
    .await?;
    // A gray branch follows main: its clients get main's release for every key it does not
    // override.
    crate::routes::branches::follow_main(&txn, &at, ReleaseOperation::MainToGray, title, &operator)
        .await?;
    let message = releases::message_key(
        at.app_id.as_str(),
        at.cluster.as_str(),
        at.namespace.as_str(),
    );
    let announced = vec![releases::insert_message(&txn, &at.env, &message).await?];
    locks::release(&txn, &[ns.id]).await?;
    record(
        &txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "release",
            entity_id: &at.to_string(),
            operation: if body.is_emergency_publish {
                "emergency_publish"
            } else {
                "publish"
            },
            operator: &operator,
        },
        serde_json::json!({
            "releaseId": release.id,
            "releaseKey": release.release_key,
            "previousReleaseId": previous.as_ref().map_or(0, |p| p.id),
            "title": title,
            "releaseRequest": release_request,
        })
        .to_string(),
    )
    .await?;
    if let Some(id) = release_request {
        reviewed::close(&txn, id, release.id, &operator).await?;
    }
    txn.commit().await?;
    crate::published(&at.env, "normal");
    state.announce(announced);
    tracing::info!(namespace = %at, release.key = %release.release_key, "published");
    Ok((StatusCode::CREATED, Json(view::release(release)?)))
}

/// Refuses to publish a gray branch as if it were main: a branch is published with its
/// overrides merged onto main's release.
pub(crate) async fn refuse_branch(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    at: &crate::params::NamespaceAt,
) -> Result<(), AdminError> {
    let cluster =
        lyre_store::config::clusters::find(db, &at.env, at.app_id.as_str(), at.cluster.as_str())
            .await?;
    if cluster.is_some_and(|c| c.parent_cluster_id != 0) {
        return Err(AdminError::Invalid(format!(
            "`{}` is a gray branch: publish it with POST .../namespaces/{}/branches/{}/releases on its main cluster",
            at.cluster, at.namespace, at.cluster
        )));
    }
    Ok(())
}

/// Refuses a publish that names a revision the namespace is no longer at.
pub(crate) fn expect_revision(
    what: &str,
    current: i64,
    changed_by: &str,
    expected: Option<i64>,
) -> Result<(), AdminError> {
    match expected {
        Some(expected) if expected != current => Err(AdminError::Changed(format!(
            "{what} is at revision {current}, not {expected}: `{changed_by}` changed it since"
        ))),
        _ => Ok(()),
    }
}

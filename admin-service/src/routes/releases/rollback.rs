//! `PUT /envs/{env}/releases/{releaseId}/rollback`.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{ReleaseOperation, Rollback};
use lyre_protocol::names::{AppId, ClusterName, NamespaceName};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::releases::{self, NewHistory};
use serde::Deserialize;
use utoipa::IntoParams;

use super::read::ReleasePath;
use super::release_not_found;
use crate::domain::{Audit, lock_namespace, record};
use crate::params::{NamespaceAt, operator};
use crate::{AdminError, AdminState, view};

/// `?operator=&toReleaseId=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RollbackQuery {
    /// Who rolls back.
    operator: Option<String>,
    /// The earlier release to go back to; by default the one before.
    to_release_id: Option<i64>,
}

/// Rolls a namespace back from its latest release to the release before it, or to
/// `toReleaseId`: the releases after that one are abandoned and never served again, clients
/// are notified, and the namespace's unpublished edits are left alone.
#[utoipa::path(
    put,
    path = "/envs/{env}/releases/{releaseId}/rollback",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("releaseId" = i64, Path, description = "The latest release, to roll back"),
        RollbackQuery,
    ),
    responses(
        (status = 200, description = "Rolled back", body = Rollback),
        (status = 400, description = "Nothing to roll back to, or not an earlier release of the namespace", body = ErrorBody),
        (status = 404, description = "No such release", body = ErrorBody),
        (status = 409, description = "The release is not the one served", body = ErrorBody),
    )
)]
pub(crate) async fn rollback(
    State(state): State<AdminState>,
    Path(path): Path<ReleasePath>,
    Query(query): Query<RollbackQuery>,
) -> Result<Json<Rollback>, AdminError> {
    let env = state.env(&path.env)?;
    let operator = operator(query.operator.as_deref().unwrap_or(""))?;
    let release = releases::find(state.db(), &env, path.release_id)
        .await?
        .ok_or_else(|| release_not_found(&env, path.release_id))?;
    let invalid_name = |e: lyre_protocol::names::NameError| AdminError::Invalid(e.to_string());
    let at = NamespaceAt {
        env: env.clone(),
        app_id: AppId::parse(&release.app_id).map_err(invalid_name)?,
        cluster: ClusterName::parse(&release.cluster_name).map_err(invalid_name)?,
        namespace: NamespaceName::parse(&release.namespace_name).map_err(invalid_name)?,
    };

    let (_gate, txn, _ns) = lock_namespace(&state, &at).await?;
    super::publish::refuse_branch(&txn, &at).await?;
    // Read again under the lock: another rollback or publish may have come first.
    let active = releases::active(&txn, at.r(), None).await?;
    let Some(latest) = active.first() else {
        return Err(AdminError::Invalid(format!(
            "namespace {at} has no active release"
        )));
    };
    if latest.id != release.id {
        return Err(AdminError::Conflict(format!(
            "release {} is not the one {at} serves (that is release {}); only the latest active \
             release can be rolled back",
            release.id, latest.id
        )));
    }
    let target = match query.to_release_id {
        None => active.get(1).ok_or_else(|| {
            AdminError::Invalid(format!(
                "release {} is the first active release of {at}: there is nothing to roll back to",
                release.id
            ))
        })?,
        Some(id) => active.iter().find(|r| r.id == id && r.id < release.id).ok_or_else(|| {
            AdminError::Invalid(format!(
                "release {id} is not an earlier active release of {at}, so it cannot be rolled back to"
            ))
        })?,
    };
    let abandoned: Vec<_> = active.iter().take_while(|r| r.id > target.id).collect();
    let ids: Vec<i64> = abandoned.iter().map(|r| r.id).collect();
    releases::abandon(&txn, &ids, &operator).await?;
    releases::insert_history(
        &txn,
        NewHistory {
            namespace: at.r(),
            branch_name: at.cluster.as_str(),
            release_id: target.id,
            previous_release_id: release.id,
            operation: ReleaseOperation::Rollback.code(),
            operation_context: serde_json::json!({"abandonedReleaseIds": ids}).to_string(),
        },
        &operator,
    )
    .await?;
    // A gray branch follows main: its clients get main's release for every key it does not
    // override.
    crate::routes::branches::follow_main(
        &txn,
        &at,
        ReleaseOperation::RollbackToGray,
        &target.name,
        &operator,
    )
    .await?;
    let message = releases::message_key(
        at.app_id.as_str(),
        at.cluster.as_str(),
        at.namespace.as_str(),
    );
    let announced = vec![releases::insert_message(&txn, &env, &message).await?];
    record(
        &txn,
        Audit {
            env: &env,
            app_id: at.app_id.as_str(),
            entity_type: "release",
            entity_id: &at.to_string(),
            operation: "rollback",
            operator: &operator,
        },
        serde_json::json!({"from": release.id, "to": target.id, "abandoned": ids}).to_string(),
    )
    .await?;
    let result = Rollback {
        abandoned: abandoned
            .iter()
            .map(|r| {
                let mut summary = view::release_summary(r);
                summary.is_abandoned = true;
                summary
            })
            .collect(),
        active: view::release_summary(target),
    };
    txn.commit().await?;
    crate::published(&at.env, "rollback");
    state.announce(announced);
    tracing::info!(namespace = %at, from = release.id, to = target.id, "rolled back");
    Ok(Json(result))
}

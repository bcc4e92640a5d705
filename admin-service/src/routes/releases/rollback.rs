//! `PUT /envs/{env}/releases/{releaseId}/rollback`.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::Rollback;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use super::read::ReleasePath;
use crate::ops::releases;
use crate::{AdminError, AdminState};

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
    releases::rollback(
        &state,
        &path.env,
        path.release_id,
        query.operator.as_deref().unwrap_or(""),
        query.to_release_id,
    )
    .await
    .map(Json)
}

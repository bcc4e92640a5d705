//! `POST .../releases`: publish a namespace.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AdminPublish, Release};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;

use crate::ops::releases;
use crate::params::NamespacePath;
use crate::{AdminError, AdminState};

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
    Json(command): Json<AdminPublish>,
) -> Result<(StatusCode, Json<Release>), AdminError> {
    let release = releases::publish(&state, path.ns(), &command).await?;
    Ok((StatusCode::CREATED, Json(release)))
}

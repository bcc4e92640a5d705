//! Which client instances read a namespace, or hold a release.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Instance, Page};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops::instances::{self, Recent};
use crate::params::{NamespacePath, PageQuery};
use crate::routes::releases::read::ReleasePath;
use crate::{AdminError, AdminState};

/// `?withinHours=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecentQuery {
    /// Only instances seen within this many hours (default 24).
    within_hours: Option<u32>,
}

impl RecentQuery {
    pub(crate) fn recent(&self) -> Recent {
        Recent {
            within_hours: self.within_hours,
        }
    }
}

/// Instances that read the namespace recently, most recent first, with the release each holds.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/instances",
    tag = "instances",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        RecentQuery,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn of_namespace(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(recent): Query<RecentQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Instance>>, AdminError> {
    instances::of_namespace(&state, path.ns(), recent.recent(), page.request())
        .await
        .map(Json)
}

/// Instances that hold the release (alone or under an app's overrides of a public namespace).
#[utoipa::path(
    get,
    path = "/envs/{env}/releases/{releaseId}/instances",
    tag = "instances",
    params(
        ("env" = String, Path, description = "The environment"),
        ("releaseId" = i64, Path, description = "The release"),
        RecentQuery,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of instances", body = Page<Instance>),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn of_release(
    State(state): State<AdminState>,
    Path(path): Path<ReleasePath>,
    Query(recent): Query<RecentQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Instance>>, AdminError> {
    instances::of_release(
        &state,
        &path.env,
        path.release_id,
        recent.recent(),
        page.request(),
    )
    .await
    .map(Json)
}

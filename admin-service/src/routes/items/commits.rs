//! `GET .../commits`: the recorded changes of a namespace, or of one key.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Commit, Page};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops;
use crate::params::{NamespacePath, PageQuery};
use crate::{AdminError, AdminState};

/// Commits are read in batches of this many when filtering by key.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct KeyQuery {
    /// Only the commits that touched this key.
    key: Option<String>,
}

/// The namespace's commits, newest first; with `key`, only those that touched that key.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/commits",
    tag = "items",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        KeyQuery,
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of commits", body = Page<Commit>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(key): Query<KeyQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Commit>>, AdminError> {
    let key = key.key.as_deref();
    ops::items::commits(&state, path.ns(), key, page.request())
        .await
        .map(Json)
}

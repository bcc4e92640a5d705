//! `GET .../commits`: the recorded changes of a namespace, or of one key.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Commit, Page};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::commits;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::params::{NamespacePath, PageQuery};
use crate::routes::namespaces::existing;
use crate::{AdminError, AdminState, view};

/// Commits are read in batches of this many when filtering by key.
const BATCH: u64 = 500;

/// `?key=`.
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
    let at = path.check(&state)?;
    existing(state.db(), &at).await?;
    let request = page.request();
    let Some(key) = key.key.filter(|k| !k.is_empty()) else {
        let found = commits::list(state.db(), at.r(), request).await?;
        return Ok(Json(Page {
            items: found.items.into_iter().map(view::commit).collect(),
            page: request.page,
            size: request.size,
            total: found.total,
        }));
    };
    // A key's history: walk all commits, newest first, keeping those that touched it.
    let skip = request.page.saturating_mul(request.size);
    let mut items = Vec::new();
    let mut total = 0u64;
    let mut before = 0;
    loop {
        let batch = commits::batch(state.db(), at.r(), before, BATCH).await?;
        let Some(last) = batch.last() else { break };
        before = last.id;
        let done = (batch.len() as u64) < BATCH;
        for commit in batch {
            if !view::change_set(&commit).touches(&key) {
                continue;
            }
            if total >= skip && (items.len() as u64) < request.size {
                items.push(view::commit(commit));
            }
            total += 1;
        }
        if done {
            break;
        }
    }
    Ok(Json(Page {
        items,
        page: request.page,
        size: request.size,
        total,
    }))
}

//! Reading releases: a page of them, the latest, one, the difference between two, the
//! unpublished changes, and release history.

use std::collections::HashMap;

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{
    Page, Release, ReleaseComparison, ReleaseHistory, ReleaseSummary, UnpublishedChanges,
};
use lyre_protocol::config::Configurations;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::{items, releases};
use serde::Deserialize;
use utoipa::IntoParams;

use super::release_not_found;
use crate::domain::{configurations_of, diff};
use crate::params::{NamespacePath, PageQuery};
use crate::routes::namespaces::existing;
use crate::{AdminError, AdminState, view};

/// The namespace's releases, newest first (abandoned ones included and marked).
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of releases", body = Page<ReleaseSummary>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ReleaseSummary>>, AdminError> {
    let at = path.check(&state)?;
    existing(state.db(), &at).await?;
    let request = page.request();
    let found = releases::list(state.db(), at.r(), request).await?;
    Ok(Json(Page {
        items: found.items.iter().map(view::release_summary).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

/// The release served now: the latest that is not abandoned.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/latest",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The latest active release", body = Release),
        (status = 404, description = "No such namespace, or never published", body = ErrorBody),
    )
)]
pub(crate) async fn latest(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<Release>, AdminError> {
    let at = path.check(&state)?;
    existing(state.db(), &at).await?;
    let release = releases::latest_active(state.db(), at.r())
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "release_not_found",
                format!("namespace {at} has never been published"),
            )
        })?;
    Ok(Json(view::release(release)?))
}

/// `/envs/{env}/releases/{releaseId}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReleasePath {
    pub(crate) env: String,
    pub(crate) release_id: i64,
}

/// One release.
#[utoipa::path(
    get,
    path = "/envs/{env}/releases/{releaseId}",
    tag = "releases",
    params(("env" = String, Path, description = "The environment"), ("releaseId" = i64, Path, description = "The release")),
    responses(
        (status = 200, description = "The release", body = Release),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<ReleasePath>,
) -> Result<Json<Release>, AdminError> {
    let env = state.env(&path.env)?;
    let release = releases::find(state.db(), &env, path.release_id)
        .await?
        .ok_or_else(|| release_not_found(&env, path.release_id))?;
    Ok(Json(view::release(release)?))
}

/// `?baseReleaseId=&toReleaseId=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CompareQuery {
    /// The older release; 0 for none (every key is then added).
    #[serde(default)]
    base_release_id: i64,
    /// The newer release.
    to_release_id: i64,
}

/// `/envs/{env}/releases/compare`.
#[derive(Deserialize)]
pub(crate) struct EnvPath {
    env: String,
}

/// How one release differs from another.
#[utoipa::path(
    get,
    path = "/envs/{env}/releases/compare",
    tag = "releases",
    params(("env" = String, Path, description = "The environment"), CompareQuery),
    responses(
        (status = 200, description = "The differences", body = ReleaseComparison),
        (status = 404, description = "No such release", body = ErrorBody),
    )
)]
pub(crate) async fn compare(
    State(state): State<AdminState>,
    Path(path): Path<EnvPath>,
    Query(query): Query<CompareQuery>,
) -> Result<Json<ReleaseComparison>, AdminError> {
    let env = state.env(&path.env)?;
    let load = |id: i64| {
        let state = state.clone();
        let env = env.clone();
        async move {
            if id == 0 {
                return Ok(Configurations::default());
            }
            let release = releases::find(state.db(), &env, id)
                .await?
                .ok_or_else(|| release_not_found(&env, id))?;
            view::configurations(&release)
        }
    };
    let base = load(query.base_release_id).await?;
    let to = load(query.to_release_id).await?;
    Ok(Json(ReleaseComparison {
        base_release_id: query.base_release_id,
        to_release_id: query.to_release_id,
        changes: diff(&base, &to),
    }))
}

/// The changes not yet published: the namespace's items against its latest release. This is
/// what a person reviews before publishing.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/changes",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
    ),
    responses(
        (status = 200, description = "The unpublished changes", body = UnpublishedChanges),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn changes(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
) -> Result<Json<UnpublishedChanges>, AdminError> {
    let at = path.check(&state)?;
    let (ns, def) = existing(state.db(), &at).await?;
    let current = configurations_of(&items::list(state.db(), ns.id).await?, def.format());
    let latest = releases::latest_active(state.db(), at.r()).await?;
    let released = match &latest {
        Some(release) => view::configurations(release)?,
        None => Configurations::default(),
    };
    Ok(Json(UnpublishedChanges {
        base_release: latest.as_ref().map(view::release_summary),
        revision: ns.revision,
        changes: diff(&released, &current),
    }))
}

/// The namespace's release history, newest first, each entry with its operation.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/releases/histories",
    tag = "releases",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of history", body = Page<ReleaseHistory>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn histories(
    State(state): State<AdminState>,
    Path(path): Path<NamespacePath>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ReleaseHistory>>, AdminError> {
    let at = path.check(&state)?;
    existing(state.db(), &at).await?;
    let request = page.request();
    let found = releases::list_history(state.db(), at.r(), request).await?;
    let ids: Vec<i64> = found.items.iter().map(|h| h.release_id).collect();
    let titles: HashMap<i64, String> = releases::titles(state.db(), &ids)
        .await?
        .into_iter()
        .collect();
    Ok(Json(Page {
        items: found
            .items
            .into_iter()
            .map(|h| {
                let title = titles.get(&h.release_id).cloned().unwrap_or_default();
                view::history(h, title)
            })
            .collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

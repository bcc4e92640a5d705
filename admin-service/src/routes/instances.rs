//! Which client instances read a namespace, or hold a release.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Instance, Page};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::{instances, releases};
use lyre_store::time::now_millis;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::params::{NamespacePath, PageQuery};
use crate::routes::namespaces::existing;
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
    pub(crate) fn since(&self) -> i64 {
        now_millis() - i64::from(self.within_hours.unwrap_or(24)) * 3_600_000
    }
}

pub(crate) fn view(v: instances::InstanceView) -> Instance {
    Instance {
        app_id: v.instance.app_id,
        cluster_name: v.instance.cluster_name,
        data_center: v.instance.data_center,
        ip: v.instance.ip,
        label: v.instance.label,
        config_cluster_name: v.config.config_cluster_name,
        release_key: v.config.release_key,
        release_delivered_at: rfc3339(v.config.release_delivered_at),
        last_seen_at: rfc3339(v.config.updated_at),
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
    let at = path.check(&state)?;
    existing(state.db(), &at).await?;
    let request = page.request();
    let found = instances::of_namespace(
        state.db(),
        &at.env,
        at.app_id.as_str(),
        Some(at.cluster.as_str()),
        at.namespace.as_str(),
        recent.since(),
        request,
    )
    .await?;
    Ok(Json(Page {
        items: found.items.into_iter().map(view).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
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
    let env = state.env(&path.env)?;
    let release = releases::find(state.db(), &env, path.release_id)
        .await?
        .ok_or_else(|| {
            AdminError::not_found(
                "release_not_found",
                format!("release {} does not exist in {env}", path.release_id),
            )
        })?;
    let request = page.request();
    let found = instances::of_release(
        state.db(),
        &env,
        &release.release_key,
        recent.since(),
        request,
    )
    .await?;
    Ok(Json(Page {
        items: found.items.into_iter().map(view).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

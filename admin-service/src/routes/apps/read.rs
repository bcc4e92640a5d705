//! `GET /apps/{appId}` and `GET /apps`.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{App, Page};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::apps;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::params::{PageQuery, app_id};
use crate::{AdminError, AdminState, view};

/// One app.
#[utoipa::path(
    get,
    path = "/apps/{appId}",
    tag = "apps",
    params(("appId" = String, Path, description = "The app")),
    responses(
        (status = 200, description = "The app", body = App),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
) -> Result<Json<App>, AdminError> {
    let id = app_id(&raw)?;
    Ok(Json(view::app(
        super::existing(state.db(), id.as_str()).await?,
    )))
}

/// `?search=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Matches app ids and names, ignoring case.
    search: Option<String>,
}

/// Apps by id, optionally only those whose id or name contains `search`.
#[utoipa::path(
    get,
    path = "/apps",
    tag = "apps",
    params(SearchQuery, PageQuery),
    responses((status = 200, description = "One page of apps", body = Page<App>))
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Query(search): Query<SearchQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<App>>, AdminError> {
    let request = page.request();
    let found = apps::list(state.db(), search.search.as_deref().map(str::trim), request).await?;
    Ok(Json(Page {
        items: found.items.into_iter().map(view::app).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

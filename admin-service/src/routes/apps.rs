//! Apps over HTTP; the operations are `crate::ops::apps`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{App, CreateApp, Page, UpdateApp};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops::apps;
use crate::params::{OperatorQuery, PageQuery};
use crate::{AdminError, AdminState};

/// Creates an app, with the `default` cluster in every environment and its private
/// `application` namespace in each.
#[utoipa::path(
    post,
    path = "/apps",
    tag = "apps",
    request_body = CreateApp,
    responses(
        (status = 201, description = "Created", body = App),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "The app exists", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Json(body): Json<CreateApp>,
) -> Result<(StatusCode, Json<App>), AdminError> {
    let app = apps::create(&state, &body).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

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
    apps::get(&state, &raw).await.map(Json)
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
    apps::list(&state, search.search.as_deref(), page.request())
        .await
        .map(Json)
}

/// Changes an app's name, organisation or owner; absent fields stay as they are.
#[utoipa::path(
    put,
    path = "/apps/{appId}",
    tag = "apps",
    params(("appId" = String, Path, description = "The app")),
    request_body = UpdateApp,
    responses(
        (status = 200, description = "The changed app", body = App),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
    Json(body): Json<UpdateApp>,
) -> Result<Json<App>, AdminError> {
    apps::update(&state, &raw, &body).await.map(Json)
}

/// Deletes an app with its clusters, namespaces, items and releases (kept as history, never
/// served again). Refused while another app associates one of its public namespaces.
#[utoipa::path(
    delete,
    path = "/apps/{appId}",
    tag = "apps",
    params(("appId" = String, Path, description = "The app"), OperatorQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such app", body = ErrorBody),
        (status = 409, description = "Another app uses one of its public namespaces", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let operator = query.operator.as_deref().unwrap_or("");
    apps::delete(&state, &raw, operator).await?;
    Ok(StatusCode::NO_CONTENT)
}

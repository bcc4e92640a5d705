//! Finding items by key or value over HTTP; the operation is `crate::ops::search`.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::SearchHit;
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops;
use crate::{AdminError, AdminState};

/// Most hits answered.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Text the key or the value contains (ASCII case ignored); at least 2 characters.
    q: String,
    /// Most hits to answer (default 100, at most 500).
    limit: Option<u64>,
}

/// Items whose key or value contains a text, in every app and environment, with whether their
/// namespace is public (callers decide who may see what).
#[utoipa::path(
    get,
    path = "/search",
    tag = "items",
    params(SearchQuery),
    responses(
        (status = 200, description = "The items found", body = Vec<SearchHit>),
        (status = 400, description = "The text is too short", body = ErrorBody),
    )
)]
pub(crate) async fn search(
    State(state): State<AdminState>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, AdminError> {
    ops::search::search(&state, &query.q, query.limit)
        .await
        .map(Json)
}

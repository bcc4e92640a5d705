//! Finding keys and values across apps, and a user's favorite apps.

use lyre_admin_service::ops::call;
use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::SearchHit;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::favorites;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::apps::{distinct_envs, first_env};
use super::scope::AppPath;
use crate::auth::CurrentUser;
use crate::envs;
use crate::{PortalError, PortalState};

/// What to look for.
#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchQuery {
    /// Text the key or the value contains (ASCII case ignored); at least 2 characters.
    q: String,
    /// Most hits to answer (default 100, at most 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
}

/// Keys and values across every app and environment, leaving out what the caller may not
/// see (private namespaces of apps they are no member of, where the environment shows those
/// to members only).
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "The items found", body = Vec<SearchHit>),
        (status = 400, description = "The text is too short", body = ErrorBody),
    )
)]
pub(crate) async fn search(
    State(state): State<PortalState>,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, PortalError> {
    let mut hits: Vec<SearchHit> = Vec::new();
    for env in distinct_envs(&state).await? {
        let found = state
            .admins()
            .call(
                &env,
                call::system::Search {
                    text: query.q.clone(),
                    limit: query.limit,
                },
            )
            .await?;
        for hit in found {
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
    }
    let mut member_only: HashMap<String, bool> = HashMap::new();
    let mut visible = Vec::with_capacity(hits.len());
    for hit in hits {
        let Ok(env) = state.admins().env(&hit.env) else {
            continue;
        };
        let hidden = match member_only.get(&env) {
            Some(rule) => *rule,
            None => {
                let rule = envs::rules(state.db(), &env).await?.member_only_view;
                member_only.insert(env.clone(), rule);
                rule
            }
        };
        if !hidden || hit.is_public || user.grants.is_member(&hit.app_id) {
            visible.push(hit);
        }
    }
    Ok(Json(visible))
}

/// A favorite app.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Favorite {
    /// The app.
    app_id: String,
}

/// The signed-in user's favorite apps, in their order.
#[utoipa::path(
    get,
    path = "/api/v1/favorites",
    tag = "search",
    responses(
        (status = 200, description = "Favorite apps", body = Vec<Favorite>),
    )
)]
pub(crate) async fn list_favorites(
    State(state): State<PortalState>,
    user: CurrentUser,
) -> Result<Json<Vec<Favorite>>, PortalError> {
    let found = favorites::list(state.db(), user.user_id).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|f| Favorite { app_id: f.app_id })
            .collect(),
    ))
}

/// An app to mark.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddFavorite {
    /// The app.
    app_id: String,
}

/// Marks an app as a favorite (last in order); marking it again changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/favorites",
    tag = "search",
    request_body = AddFavorite,
    responses(
        (status = 201, description = "Marked", body = Favorite),
        (status = 200, description = "Already a favorite", body = Favorite),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn add_favorite(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<AddFavorite>,
) -> Result<(StatusCode, Json<Favorite>), PortalError> {
    let env = first_env(&state)?;
    let app = state
        .admins()
        .call(
            &env,
            call::apps::Get {
                app_id: body.app_id.clone(),
            },
        )
        .await?;
    let added = favorites::add(state.db(), user.user_id, &app.app_id).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Favorite { app_id: app.app_id })))
}

/// The new order of one's favorites.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderFavorites {
    /// Favorite apps, first first; favorites not named keep their order after them.
    app_ids: Vec<String>,
}

/// Reorders the signed-in user's favorites.
#[utoipa::path(
    put,
    path = "/api/v1/favorites",
    tag = "search",
    request_body = OrderFavorites,
    responses(
        (status = 200, description = "The favorites in their new order", body = Vec<Favorite>),
    )
)]
pub(crate) async fn order_favorites(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<OrderFavorites>,
) -> Result<Json<Vec<Favorite>>, PortalError> {
    favorites::reorder(state.db(), user.user_id, &body.app_ids).await?;
    list_favorites(State(state), user).await
}

/// Unmarks an app.
#[utoipa::path(
    delete,
    path = "/api/v1/favorites/{appId}",
    tag = "search",
    params(AppPath),
    responses(
        (status = 204, description = "Unmarked"),
        (status = 404, description = "Not a favorite", body = ErrorBody),
    )
)]
pub(crate) async fn remove_favorite(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppPath>,
) -> Result<StatusCode, PortalError> {
    if favorites::remove(state.db(), user.user_id, &path.app_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(PortalError::NotFound(format!(
            "app `{}` is not one of your favorites",
            path.app_id
        ))
        .because("not_found", [("kind", "favorite"), ("name", &path.app_id)]))
    }
}

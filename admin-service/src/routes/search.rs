//! Finding items by key or value across every app.

use std::collections::HashMap;

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::SearchHit;
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use lyre_store::config::{app_namespaces, branches, items};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{AdminError, AdminState};

/// Most hits answered.
const MAX_HITS: u64 = 500;

/// What to look for.
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
    let text = query.q.trim();
    if text.chars().count() < 2 {
        return Err(AdminError::Invalid(
            "`q` must have at least 2 characters".into(),
        ));
    }
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_HITS);
    let found = items::search(state.db(), text, limit).await?;
    let mut public: HashMap<(String, String), bool> = HashMap::new();
    let mut hits = Vec::with_capacity(found.len());
    for (item, ns) in found {
        let key = (ns.app_id.clone(), ns.namespace_name.clone());
        let is_public = match public.get(&key) {
            Some(p) => *p,
            None => {
                let own = app_namespaces::find(state.db(), &ns.app_id, &ns.namespace_name).await?;
                let p = match own {
                    Some(def) => def.is_public,
                    // Not the app's own: an associated public namespace.
                    None => true,
                };
                public.insert(key, p);
                p
            }
        };
        let branch_of =
            branches::parent_of(state.db(), &ns.env, &ns.app_id, &ns.cluster_name).await?;
        hits.push(SearchHit {
            branch_of,
            env: ns.env,
            app_id: ns.app_id,
            cluster_name: ns.cluster_name,
            namespace_name: ns.namespace_name,
            is_public,
            key: item.key,
            value: item.value,
        });
    }
    Ok(Json(hits))
}

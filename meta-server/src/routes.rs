//! `GET /services/config`, `GET /services/admin` and `GET /services/meta`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lyre_protocol::meta::{ADMIN_SERVICE, CONFIG_SERVICE, ServiceInstance};
use lyre_service_kit::env::RequestEnv;
use lyre_service_kit::{Json, error_response};
use lyre_store::registry;
use lyre_store::time::now_millis;

use crate::MetaState;

pub(crate) fn router(state: MetaState) -> Router {
    Router::new()
        .route("/services/config", get(config_services))
        .route("/services/meta", get(config_services))
        .route("/services/admin", get(admin_services))
        .with_state(state)
}

/// Config service instances serving the request's environment. Their URLs carry the
/// environment prefix when the request did, so the client stays in that environment.
async fn config_services(State(state): State<MetaState>, env: RequestEnv) -> Response {
    list(&state, CONFIG_SERVICE, &env, true).await
}

/// Admin service instances serving the request's environment, for holders of the admin
/// credential only.
async fn admin_services(
    State(state): State<MetaState>,
    env: RequestEnv,
    headers: HeaderMap,
) -> Response {
    if !state.0.admin_callers.allows(&headers) {
        return lyre_service_kit::credential::unauthorized("listing the admin services");
    }
    list(&state, ADMIN_SERVICE, &env, false).await
}

async fn list(state: &MetaState, service: &str, env: &RequestEnv, prefix_env: bool) -> Response {
    let expiry = i64::try_from(state.0.expiry.as_millis()).unwrap_or(i64::MAX);
    let since = now_millis().saturating_sub(expiry);
    let rows = match registry::live_instances(&state.0.db, service, since).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "service registry unreadable");
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "registry_unavailable",
                "the service registry cannot be read right now; retry shortly",
            );
        }
    };
    let instances: Vec<ServiceInstance> = rows
        .into_iter()
        .filter(|row| {
            row.envs.is_empty()
                || row
                    .envs
                    .split(',')
                    .any(|e| e.eq_ignore_ascii_case(&env.name))
        })
        .map(|row| ServiceInstance {
            homepage_url: if prefix_env && env.explicit {
                format!("{}{}/", row.homepage_url, env.name)
            } else {
                row.homepage_url
            },
            app_name: row.service_name,
            instance_id: row.instance_id,
        })
        .collect();
    Json(instances).into_response()
}

/// How long an instance stays listed after its last heartbeat by default: three heartbeats.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(30);

//! Every route of the config service, wired in one place.

use axum::Router;
use axum::routing::{get, get_service, post};
use lyre_service_kit::health::{self, Readiness};

use crate::ConfigState;
use crate::routes::{configfiles, configs, notifications, reports};

/// The service name the config service registers and reports under.
pub const SERVICE_NAME: &str = lyre_protocol::meta::CONFIG_SERVICE;

/// Apollo's client endpoints, `/health` and `/ready`. The caller adds environment prefixes
/// (`lyre_service_kit::env::route_envs`), the meta server and tracing.
pub fn router(state: ConfigState) -> Router {
    let loaded = state.clone();
    let waiting = state.clone();
    let readiness = Readiness::new(SERVICE_NAME, state.db().clone()).with_check(
        std::sync::Arc::new(move || {
            (!loaded.is_loaded())
                .then(|| "still loading release state from the database".to_owned())
        }),
    );
    Router::new()
        .route(
            "/configs/{appId}/{clusterName}/{namespaceName}",
            get(configs::configs),
        )
        .route(
            "/configfiles/{appId}/{clusterName}/{namespaceName}",
            get(configfiles::text),
        )
        .route(
            "/configfiles/json/{appId}/{clusterName}/{namespaceName}",
            get(configfiles::json),
        )
        .route(
            "/configfiles/raw/{appId}/{clusterName}/{namespaceName}",
            get(configfiles::raw),
        )
        .route(
            "/notifications/v2",
            get_service(tower::service_fn(move |request| {
                notifications::notifications(waiting.clone(), request)
            })),
        )
        .route("/reports", post(reports::reports))
        .with_state(state)
        .merge(health::routes(readiness))
}

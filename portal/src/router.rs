//! Every route of the portal, wired in one place.

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::any;
use lyre_service_kit::health::{self, Readiness};
use lyre_service_kit::{error_response, trace};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::routes::{auth, system};
use crate::{PortalState, ui};

/// The service name the portal reports in `/health` and `/ready`.
pub const SERVICE_NAME: &str = "lyre-portal";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lyre portal API",
        description = "The portal's API: sign-in and sessions, and the state of the system. \
            Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/login`, \
            or with the `lyre_session` cookie it sets.",
    ),
    modifiers(&SessionSecurity),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "system", description = "Environments and the health of their services"),
    )
)]
struct ApiDoc;

/// Declares the `session` security scheme (a bearer JWT) used by signed-in endpoints.
struct SessionSecurity;

impl Modify for SessionSecurity {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login::login))
        .routes(routes!(auth::logout::logout))
        .routes(routes!(auth::me::me))
        .routes(routes!(system::status::status))
}

/// The OpenAPI document of the portal's API.
pub fn openapi() -> OpenApiDoc {
    api().split_for_parts().1
}

/// The portal: its API, `/openapi.json` with Swagger UI at `/swagger-ui`, `/health`,
/// `/ready`, and the web UI for every other path.
pub fn router(state: PortalState) -> Router {
    let (api, doc) = api().split_for_parts();
    let readiness = Readiness::new(SERVICE_NAME, state.db().clone());
    let ui_dir = state.settings().ui_dir.clone();
    let app = Router::new()
        .merge(api.with_state(state))
        .route("/api/{*rest}", any(api_not_found))
        .merge(SwaggerUi::new("/swagger-ui").url("/openapi.json", doc))
        .merge(health::routes(readiness))
        .fallback_service(ui::service(ui_dir));
    trace::layer(app)
}

async fn api_not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
}

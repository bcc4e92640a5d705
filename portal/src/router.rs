//! Every route of the portal, wired in one place.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use lyre_service_kit::health::{self, Readiness};
use lyre_service_kit::{error_response, trace};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::routes::{
    apps, auth, branches, clusters, consumers, items, manage, open, releases, requests, roles,
    rollouts, schemas, search, system, transfer, users, webhooks,
};
use crate::{PortalState, ui};

/// The service name the portal reports in `/health` and `/ready`.
pub const SERVICE_NAME: &str = "lyre-portal";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lyre portal API",
        description = "The portal's API (`/api/v1`): apps, clusters, namespaces, items, releases, \
            gray branches, release requests, roles and users. Authenticate with \
            `Authorization: Bearer <token>` from `POST /api/v1/auth/login`, or with the \
            `lyre_session` cookie it sets. Every write is made as the signed-in user: `operator` \
            fields in request bodies are ignored. The Open API (`/openapi/v1`) speaks Apollo's \
            paths and fields for CI, authenticated with a consumer token sent as \
            `Authorization: <token>`.",
    ),
    modifiers(&SessionSecurity),
    tags(
        (name = "auth", description = "Signing in and out, one's own password"),
        (name = "system", description = "Environments, their rules, and the health of their services"),
        (name = "users", description = "People (managed by the super admin)"),
        (name = "apps", description = "Apps and the namespaces they define"),
        (name = "schemas", description = "Namespace schemas: what may be published, from the app's own types"),
        (name = "roles", description = "Who may do what in an app"),
        (name = "clusters", description = "Clusters and the namespaces in them"),
        (name = "items", description = "A namespace's keys and values"),
        (name = "releases", description = "Publishing, history, rollback, instances"),
        (name = "gray", description = "Gray branches: overrides, rules, gray publish, merge, abandon"),
        (name = "reviews", description = "Release requests: the review workflow"),
        (name = "access keys", description = "Secrets apps sign their requests with"),
        (name = "audit", description = "Who did what, when"),
        (name = "transfer", description = "Compare and copy across environments; export and import files"),
        (name = "search", description = "Search across apps; favorites"),
        (name = "consumers", description = "CI consumers of the Open API and their tokens"),
        (name = "webhooks", description = "Signed HTTP deliveries of an app's (or every app's) events"),
        (name = "open api", description = "Apollo's Open API for CI (`Authorization: <consumer token>`)"),
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
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "A consumer token from `POST /api/v1/consumers`, sent as it is",
            ))),
        );
    }
}

fn api() -> OpenApiRouter<PortalState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login::login))
        .routes(routes!(auth::logout::logout))
        .routes(routes!(auth::me::me))
        .routes(routes!(auth::me::set_language))
        .routes(routes!(auth::oidc::methods))
        .routes(routes!(auth::oidc::start))
        .routes(routes!(auth::oidc::callback))
        .routes(routes!(users::change_own_password))
        .routes(routes!(system::status::status))
        .routes(routes!(manage::envs))
        .routes(routes!(manage::env_settings, manage::update_env_settings))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::update))
        .routes(routes!(users::reset_password))
        .routes(routes!(apps::list, apps::create))
        .routes(routes!(apps::get, apps::update, apps::delete))
        .routes(routes!(apps::namespaces, apps::create_namespace))
        .routes(routes!(schemas::get))
        .routes(routes!(schemas::history))
        .routes(routes!(schemas::set))
        .routes(routes!(schemas::set_mode))
        .routes(routes!(schemas::check))
        .routes(routes!(schemas::check_item))
        .routes(routes!(apps::delete_namespace))
        .routes(routes!(apps::public_namespaces))
        .routes(routes!(clusters::overview))
        .routes(routes!(roles::list, roles::grant, roles::revoke))
        .routes(routes!(clusters::list, clusters::create))
        .routes(routes!(clusters::get, clusters::delete))
        .routes(routes!(clusters::namespaces, clusters::associate))
        .routes(routes!(clusters::namespace, clusters::delete_namespace))
        .routes(routes!(clusters::lock))
        .routes(routes!(items::list, items::create))
        .routes(routes!(items::get, items::update, items::delete))
        .routes(routes!(items::text, items::put_text))
        .routes(routes!(items::check_text))
        .routes(routes!(items::reveal))
        .routes(routes!(items::changes))
        .routes(routes!(items::commits))
        .routes(routes!(releases::publish, releases::list))
        .routes(routes!(releases::histories))
        .routes(routes!(releases::latest))
        .routes(routes!(releases::instances))
        .routes(routes!(releases::adoption))
        .routes(routes!(releases::blast_radius))
        .routes(routes!(releases::get))
        .routes(routes!(releases::release_instances))
        .routes(routes!(releases::compare))
        .routes(routes!(releases::rollback))
        .routes(routes!(branches::get, branches::create))
        .routes(routes!(branches::abandon))
        .routes(routes!(branches::instances))
        .routes(routes!(branches::set_override, branches::delete_override))
        .routes(routes!(branches::rules, branches::set_rules))
        .routes(routes!(branches::publish))
        .routes(routes!(branches::merge))
        .routes(routes!(rollouts::list, rollouts::start))
        .routes(routes!(rollouts::get))
        .routes(routes!(rollouts::act))
        .routes(routes!(requests::open))
        .routes(routes!(requests::list))
        .routes(routes!(requests::get))
        .routes(routes!(requests::approve))
        .routes(routes!(requests::reject))
        .routes(routes!(requests::publish))
        .routes(routes!(requests::refresh))
        .routes(routes!(requests::withdraw))
        .routes(routes!(manage::list_keys, manage::create_key))
        .routes(routes!(manage::update_key, manage::delete_key))
        .routes(routes!(manage::reveal_key))
        .routes(routes!(manage::audits))
        .routes(routes!(transfer::compare))
        .routes(routes!(transfer::copy))
        .routes(routes!(transfer::export_namespace))
        .routes(routes!(transfer::import_namespace))
        .routes(routes!(transfer::export_app))
        .routes(routes!(transfer::import_app))
        .routes(routes!(search::search))
        .routes(routes!(
            search::list_favorites,
            search::add_favorite,
            search::order_favorites
        ))
        .routes(routes!(search::remove_favorite))
        .routes(routes!(consumers::create, consumers::list))
        .routes(routes!(consumers::rotate))
        .routes(routes!(consumers::delete))
        .routes(routes!(consumers::adopt))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(webhooks::system_list, webhooks::system_create))
        .routes(routes!(webhooks::system_update, webhooks::system_delete))
        .routes(routes!(webhooks::system_rotate))
        .routes(routes!(webhooks::system_deliveries))
        .routes(routes!(webhooks::system_redeliver))
        .routes(routes!(open::envs))
        .routes(routes!(open::schemas::get))
        .routes(routes!(open::schemas::set))
        .routes(routes!(open::env_clusters))
        .routes(routes!(open::apps, open::create_app))
        .routes(routes!(open::cluster))
        .routes(routes!(open::create_cluster))
        .routes(routes!(open::namespaces))
        .routes(routes!(open::namespace))
        .routes(routes!(open::create_app_namespace))
        .routes(routes!(open::lock))
        .routes(routes!(open::items::list, open::items::create))
        .routes(routes!(
            open::items::get,
            open::items::update,
            open::items::delete
        ))
        .routes(routes!(open::releases::publish))
        .routes(routes!(open::releases::latest))
        .routes(routes!(open::releases::histories))
        .routes(routes!(open::releases::rollback))
        .routes(routes!(open::instances::list))
        .routes(routes!(open::instances::adoption))
        .routes(routes!(open::instances::blast_radius))
        .routes(routes!(
            open::releases::branch,
            open::releases::create_branch
        ))
        .routes(routes!(open::releases::abandon))
        .routes(routes!(open::releases::rules, open::releases::set_rules))
        .routes(routes!(open::releases::gray_publish))
        .routes(routes!(open::releases::merge))
        .routes(routes!(open::rollouts::list, open::rollouts::start))
        .routes(routes!(open::rollouts::get))
        .routes(routes!(open::rollouts::act))
        .routes(routes!(open::releases::open_request))
        .routes(routes!(open::releases::request))
        .routes(routes!(open::releases::publish_request))
}

/// The OpenAPI document of the portal's API.
pub fn openapi() -> OpenApiDoc {
    api_parts().1
}

/// The API's routes and their document, which states what each endpoint needs.
fn api_parts() -> (Router<PortalState>, OpenApiDoc) {
    let (api, mut doc) = api().split_for_parts();
    crate::permissions::document(&mut doc);
    (api, doc)
}

/// The portal: its API, `/openapi.json` with Swagger UI at `/swagger-ui`, `/health`,
/// `/ready`, and the web UI for every other path.
pub fn router(state: PortalState) -> Router {
    let (api, doc) = api_parts();
    let readiness = Readiness::new(SERVICE_NAME, state.db().clone());
    let ui = state.settings().ui.clone();
    let checked = api
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::permissions::enforce,
        ))
        .with_state(state);
    let app = Router::new()
        .merge(checked)
        .route("/api/{*rest}", any(api_not_found))
        .route("/openapi/{*rest}", any(api_not_found))
        .merge(SwaggerUi::new("/swagger-ui").url("/openapi.json", doc))
        .merge(health::routes(readiness))
        .fallback_service(ui::service(ui))
        .layer(axum::middleware::from_fn(guard_pages))
        .layer(axum::middleware::from_fn(crate::actor::layer))
        .layer(axum::middleware::from_fn(
            lyre_service_kit::complete::run_to_completion,
        ));
    trace::layer(app, SERVICE_NAME)
}

/// What pages and answers of the portal may do in a browser: load code, styles and data from
/// the portal only, never be framed by another site, and never have their type guessed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// Adds the portal's browser defences to every answer that does not set its own.
async fn guard_pages(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

async fn api_not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
}

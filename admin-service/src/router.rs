//! Every route of the admin service, wired in one place.

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use lyre_service_kit::credential::{self, ServiceCredential};
use lyre_service_kit::health::{self, Readiness};
use lyre_service_kit::{document, error_response, trace};
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::AdminState;
use crate::routes::{
    access_keys, apps, audits, branches, clusters, envs, instances, items, namespaces, releases,
    search,
};

/// The service name the admin service registers and reports under.
pub const SERVICE_NAME: &str = lyre_protocol::meta::ADMIN_SERVICE;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lyre admin service API",
        description = "Every write to configuration data: apps, clusters, namespaces, items, \
            releases and rollbacks. Internal: the portal and the Open API call it; each write \
            names its `operator`, and each is recorded in the audit log. Every request needs \
            the admin service credential, `Authorization: Bearer <token>` with one of the \
            service's admin_tokens.",
    ),
    tags(
        (name = "apps", description = "Applications"),
        (name = "clusters", description = "Clusters of an app, per environment"),
        (name = "namespaces", description = "Namespace definitions and namespaces in clusters"),
        (name = "items", description = "Items, text mode, and commits"),
        (name = "releases", description = "Publishing, rollback, history, differences"),
        (name = "envs", description = "Environments and their settings"),
        (name = "audit", description = "The audit log"),
        (name = "access keys", description = "Secrets with which an app's clients sign their reads"),
        (name = "instances", description = "Client instances and the releases they hold"),
        (name = "gray", description = "Gray branches: overrides, rules, gray publish, merge, abandon"),
    )
)]
struct ApiDoc;

fn api() -> OpenApiRouter<AdminState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(apps::list, apps::create))
        .routes(routes!(apps::get, apps::update, apps::delete))
        .routes(routes!(clusters::list, clusters::create))
        .routes(routes!(clusters::get, clusters::delete))
        .routes(routes!(
            namespaces::definitions::list,
            namespaces::definitions::create
        ))
        .routes(routes!(namespaces::definitions::delete))
        .routes(routes!(namespaces::definitions::list_public))
        .routes(routes!(
            namespaces::instances::list,
            namespaces::instances::associate
        ))
        .routes(routes!(
            namespaces::instances::get,
            namespaces::instances::dissociate
        ))
        .routes(routes!(namespaces::instances::lock))
        .routes(routes!(items::read::list, items::edit::create))
        .routes(routes!(
            items::read::get,
            items::edit::update,
            items::edit::delete
        ))
        .routes(routes!(items::text::get, items::text::put))
        .routes(routes!(items::text::batch))
        .routes(routes!(items::commits::list))
        .routes(routes!(releases::read::list, releases::publish::publish))
        .routes(routes!(releases::read::latest))
        .routes(routes!(releases::read::histories))
        .routes(routes!(releases::read::changes))
        .routes(routes!(releases::read::get))
        .routes(routes!(releases::read::compare))
        .routes(routes!(releases::rollback::rollback))
        .routes(routes!(envs::list))
        .routes(routes!(envs::get, envs::put))
        .routes(routes!(audits::list))
        .routes(routes!(search::search))
        .routes(routes!(access_keys::list, access_keys::create))
        .routes(routes!(access_keys::update, access_keys::delete))
        .routes(routes!(access_keys::reveal))
        .routes(routes!(instances::of_namespace))
        .routes(routes!(instances::of_release))
        .routes(routes!(branches::get, branches::create))
        .routes(routes!(branches::abandon))
        .routes(routes!(branches::instances))
        .routes(routes!(branches::get_rules, branches::put_rules))
        .routes(routes!(branches::put_override, branches::delete_override))
        .routes(routes!(branches::gray_publish))
        .routes(routes!(branches::merge))
}

/// The OpenAPI document of the admin service.
pub fn openapi() -> OpenApiDoc {
    api_parts().1
}

/// The routes, and the document that describes them as served on the service's port: every
/// operation needs the service credential (`401` without it), and answers bad input and names
/// that are not there as every endpoint does.
fn api_parts() -> (Router<AdminState>, OpenApiDoc) {
    let (api, mut doc) = api().split_for_parts();
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "credential",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    document::each_operation(&mut doc, |_, _, operation| {
        document::bad_input(operation);
        operation.security = Some(vec![SecurityRequirement::new(
            "credential",
            Vec::<String>::new(),
        )]);
        document::answers(
            operation,
            "401",
            "No admin service credential, or one that is not valid",
        );
    });
    (api, doc)
}

/// The admin service as the portal calls it in its own process: its API, `/openapi.json` with
/// Swagger UI at `/swagger-ui`, `/health` and `/ready`. It checks no credential, so it must
/// never be served on a port: [`listening_router`] is for that.
pub fn router(state: AdminState) -> Router {
    trace::layer(app(state), SERVICE_NAME)
}

/// The admin service for its own port: the same as [`router`], but every request except the
/// probes and `/metrics` must present `credential` (401 otherwise, with nothing touched).
pub fn listening_router(state: AdminState, credential: ServiceCredential) -> Router {
    trace::layer(credential::require(app(state), credential), SERVICE_NAME)
}

fn app(state: AdminState) -> Router {
    let (api, doc) = api_parts();
    let readiness = Readiness::new(SERVICE_NAME, state.db().clone());
    // The operations as data, for a portal in another process (see `ops::call`).
    let calls = crate::ops::call::routes(Router::new()).with_state(state.clone());
    Router::new()
        .merge(api.with_state(state))
        .merge(calls)
        .merge(SwaggerUi::new("/swagger-ui").url("/openapi.json", doc))
        .merge(health::routes(readiness))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(crate::actor::layer))
        .layer(axum::middleware::from_fn(
            lyre_service_kit::complete::run_to_completion,
        ))
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

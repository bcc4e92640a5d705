//! One span per request: method, matched route, request id; one event per response with its
//! status and latency, and the request counted in the metrics served at `/metrics`. The request id comes from `x-request-id` when the caller sends one,
//! is generated otherwise, and is echoed on the response. A handler that panics answers a
//! JSON `500` instead of dropping the connection.

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request as AxumRequest};
use axum::http::{Request, Response};
use axum::middleware::{self, Next};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Wraps `router` (the service named `service`) with request ids, request tracing and request
/// metrics, and adds `GET /metrics`.
pub fn layer(router: Router, service: &'static str) -> Router {
    let router = router
        .merge(crate::metrics::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(
            move |request: AxumRequest, next: Next| count(service, request, next),
        ));
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("", MatchedPath::as_str);
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!(
                "request",
                http.method = %request.method(),
                http.route = route,
                request.id = request_id,
            )
        })
        .on_request(())
        .on_response(|response: &Response<_>, latency: Duration, _span: &Span| {
            tracing::info!(
                http.status = response.status().as_u16(),
                latency_ms = latency.as_secs_f64() * 1000.0,
                "response"
            );
        });
    router
        .layer(CatchPanicLayer::custom(panicked))
        .layer(trace)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Counts a request by service, method, matched route and status, with its latency. Requests
/// that match no route count under `unmatched`, so scanners cannot grow the series.
async fn count(
    service: &'static str,
    request: AxumRequest,
    next: Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let registry = crate::metrics::registry();
    registry.count(
        "lyre_http_requests_total",
        "HTTP requests answered, by service, method, route and status.",
        vec![
            ("service", service.to_owned()),
            ("method", method.clone()),
            ("route", route.clone()),
            ("status", response.status().as_u16().to_string()),
        ],
        1,
    );
    registry.observe(
        "lyre_http_request_duration_seconds",
        "Time to answer HTTP requests (long polls included), by service, method and route.",
        vec![
            ("service", service.to_owned()),
            ("method", method),
            ("route", route),
        ],
        seconds,
    );
    response
}

/// A known path asked with a method it does not take: said in the same JSON as every error.
async fn method_not_allowed(request: AxumRequest) -> axum::response::Response {
    crate::error_response(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// The answer to a request whose handler panicked (the panic itself is logged by the hook).
fn panicked(_payload: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    crate::error_response(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; see the service's log",
    )
}

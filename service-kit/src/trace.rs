//! One span per request: method, matched route, request id; one event per response with its
//! status and latency, and the request counted in the metrics served at `/metrics`. The request id comes from `x-request-id` when the caller sends one,
//! is generated otherwise, and is echoed on the response. A handler that panics answers a
//! JSON `500` instead of dropping the connection.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request as AxumRequest};
use axum::http::{Method, Request, Response, StatusCode};
use tower::{Layer, Service};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::metrics;

/// Wraps `router` (the service named `service`) with request ids, request tracing and request
/// metrics, and adds `GET /metrics`.
pub fn layer(router: Router, service: &'static str) -> Router {
    let router = router
        .merge(crate::metrics::routes())
        .method_not_allowed_fallback(method_not_allowed);
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
    // One layer of the whole stack, not one per middleware: `Router::layer` boxes each route's
    // service once per call, and every box is cloned, called and dropped on every request.
    router.layer(
        tower::ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(RandomId))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(trace)
            .layer(CatchPanicLayer::custom(panicked))
            .layer(CountLayer(service)),
    )
}

/// Request ids: random (version 4) UUIDs, drawn from a generator seeded once per thread rather
/// than from a system call per request, and written without an intermediate `String`.
#[derive(Clone, Copy)]
struct RandomId;

impl MakeRequestId for RandomId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let mut text = uuid::Uuid::encode_buffer();
        let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
        axum::http::HeaderValue::from_str(id)
            .ok()
            .map(RequestId::new)
    }
}

/// Counts each request by service, method, matched route and status, with its latency.
/// Requests that match no route count under `unmatched`, so scanners cannot grow the series.
///
/// A layer of its own rather than `axum::middleware::from_fn`: its future is the inner one plus
/// a few words, where `from_fn` boxes a future of about a kilobyte for every request, and a
/// waiting long poll keeps that for as long as it waits.
#[derive(Clone, Copy)]
struct CountLayer(&'static str);

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count {
            inner,
            service: self.0,
        }
    }
}

#[derive(Clone)]
struct Count<S> {
    inner: S,
    service: &'static str,
}

impl<S> Service<AxumRequest> for Count<S>
where
    S: Service<AxumRequest, Response = axum::response::Response>,
{
    type Response = axum::response::Response;
    type Error = S::Error;
    type Future = Counting<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: AxumRequest) -> Self::Future {
        let labels = Labels {
            service: self.service,
            method: counted_method(request.method()),
            route: request.extensions().get::<MatchedPath>().cloned(),
        };
        Counting {
            inner: self.inner.call(request),
            started: Instant::now(),
            labels: Some(labels),
        }
    }
}

/// What a request is counted under, but its status.
struct Labels {
    service: &'static str,
    method: &'static str,
    route: Option<MatchedPath>,
}

pin_project_lite::pin_project! {
    /// A request's answer, counted when it is ready.
    struct Counting<F> {
        #[pin]
        inner: F,
        started: Instant,
        labels: Option<Labels>,
    }
}

impl<F, E> Future for Counting<F>
where
    F: Future<Output = Result<axum::response::Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        if let (Ok(response), Some(labels)) = (&result, this.labels.take()) {
            record(labels, response.status(), this.started.elapsed());
        }
        Poll::Ready(result)
    }
}

/// A request's series: what it is counted under, its status included.
struct SeriesKey {
    labels: Labels,
    status: StatusCode,
}

impl PartialEq for SeriesKey {
    fn eq(&self, other: &Self) -> bool {
        self.labels.service == other.labels.service
            && self.labels.method == other.labels.method
            && route(&self.labels) == route(&other.labels)
            && self.status == other.status
    }
}

impl Eq for SeriesKey {}

impl std::hash::Hash for SeriesKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.labels.service.hash(state);
        self.labels.method.hash(state);
        route(&self.labels).hash(state);
        self.status.hash(state);
    }
}

fn route(labels: &Labels) -> &str {
    labels
        .route
        .as_ref()
        .map_or("unmatched", MatchedPath::as_str)
}

/// The series each request is counted in, found once per service, method, route and status
/// and kept: counting a request then takes one lookup here and no allocation.
type Series = HashMap<SeriesKey, (metrics::Counter, metrics::Timings)>;

fn record(labels: Labels, status: StatusCode, latency: Duration) {
    static SERIES: OnceLock<Mutex<Series>> = OnceLock::new();
    let key = SeriesKey { labels, status };
    let mut series = SERIES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let (counter, timings) = series.entry(key).or_insert_with_key(|key| {
        let registry = metrics::registry();
        let method = key.labels.method.to_owned();
        let route = route(&key.labels).to_owned();
        let counter = registry.counter(
            "lyre_http_requests_total",
            "HTTP requests answered, by service, method, route and status.",
            vec![
                ("service", key.labels.service.to_owned()),
                ("method", method.clone()),
                ("route", route.clone()),
                ("status", key.status.as_u16().to_string()),
            ],
        );
        let timings = registry.timings(
            "lyre_http_request_duration_seconds",
            "Time to answer HTTP requests (long polls included), by service, method and route.",
            vec![
                ("service", key.labels.service.to_owned()),
                ("method", method),
                ("route", route),
            ],
        );
        (counter, timings)
    });
    counter.add(1);
    timings.observe(latency.as_secs_f64());
}

/// A request's method as counted: one of HTTP's own, else `other`. A client may send any token
/// as a method; counted by name, each would add series for as long as the process runs.
fn counted_method(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn request_id(router: &Router, sent: Option<&str>) -> String {
        let mut request = Request::get("/hello");
        if let Some(id) = sent {
            request = request.header("x-request-id", id);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[tokio::test]
    async fn requests_get_a_random_uuid_as_id_unless_they_bring_one() {
        let router = layer(
            Router::new().route("/hello", get(|| async { "hello" })),
            "test",
        );
        let first = request_id(&router, None).await;
        let second = request_id(&router, None).await;
        let parsed = uuid::Uuid::parse_str(&first).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4, "{first}");
        assert_eq!(
            first,
            parsed.hyphenated().to_string(),
            "lower-case, hyphenated"
        );
        assert_ne!(first, second);
        assert_eq!(request_id(&router, Some("abc-123")).await, "abc-123");
    }

    #[tokio::test]
    async fn methods_nobody_serves_are_counted_together_so_clients_cannot_add_series() {
        let router = layer(
            Router::new().route("/brew", get(|| async { "tea" })),
            "brewing",
        );
        for method in ["BREW", "BREW2", "WHEN"] {
            let request = Request::builder()
                .method(method)
                .uri("/brew")
                .body(Body::empty())
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        }
        let text = metrics::registry().render();
        let counted: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("lyre_http_requests_total{service=\"brewing\""))
            .collect();
        assert_eq!(
            counted,
            [
                "lyre_http_requests_total{service=\"brewing\",method=\"other\",route=\"/brew\",status=\"405\"} 3"
            ],
            "{text}"
        );
    }
}

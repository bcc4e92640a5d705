//! One span per request: method, matched route, request id; one event per response with its
//! status and latency, and the request counted in the metrics served at `/metrics`. The request id comes from `x-request-id` when the caller sends one,
//! is generated otherwise, and is echoed on the response. A handler that panics answers a
//! JSON `500` instead of dropping the connection.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request as AxumRequest};
use axum::http::{Method, Request, Response, StatusCode};
use tower::{Layer, Service};
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
        .layer(CountLayer(service));
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
            method: request.method().clone(),
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
    method: Method,
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
            record(&labels, response.status(), this.started.elapsed());
        }
        Poll::Ready(result)
    }
}

fn record(labels: &Labels, status: StatusCode, latency: Duration) {
    let method = labels.method.as_str().to_owned();
    let route = labels
        .route
        .as_ref()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let registry = crate::metrics::registry();
    registry.count(
        "lyre_http_requests_total",
        "HTTP requests answered, by service, method, route and status.",
        vec![
            ("service", labels.service.to_owned()),
            ("method", method.clone()),
            ("route", route.clone()),
            ("status", status.as_u16().to_string()),
        ],
        1,
    );
    registry.observe(
        "lyre_http_request_duration_seconds",
        "Time to answer HTTP requests (long polls included), by service, method and route.",
        vec![
            ("service", labels.service.to_owned()),
            ("method", method),
            ("route", route),
        ],
        latency.as_secs_f64(),
    );
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

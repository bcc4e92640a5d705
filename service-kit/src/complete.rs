//! Requests run to their end once started. A server drops a handler's future when its caller
//! hangs up or gives up waiting; a handler cut off between two statements of a transaction
//! leaves its database connection mid-conversation (on MySQL, the next request on that
//! connection can fail). With this layer each request runs in its own task, which finishes (a
//! write commits or rolls back) whether or not anyone is still waiting for the answer.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

/// Runs the rest of the stack for `request` in its own task, in the request's span. A panic in
/// it goes on up the stack (where the panic layer answers 500).
pub async fn run_to_completion(request: Request, next: Next) -> Response {
    let task = tokio::spawn(next.run(request).instrument(tracing::Span::current()));
    match task.await {
        Ok(response) => response,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a request's task ended without an answer: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::routing::post;
    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn a_request_whose_caller_went_away_still_finishes() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let app = Router::new()
            .route(
                "/write",
                post(move || async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    flag.store(true, Ordering::SeqCst);
                }),
            )
            .layer(axum::middleware::from_fn(run_to_completion));
        let request = axum::http::Request::post("/write")
            .body(Body::empty())
            .unwrap();
        // The caller gives up long before the handler is done.
        let answer = tokio::time::timeout(Duration::from_millis(5), app.oneshot(request)).await;
        assert!(answer.is_err(), "the caller stopped waiting");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            finished.load(Ordering::SeqCst),
            "the handler ran to its end"
        );
    }
}

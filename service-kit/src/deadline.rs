//! Request bodies that must arrive within a deadline.
//!
//! hyper bounds how long a client may take over a request head, but not over its body: a client
//! that announces a body and sends it a byte a minute holds the connection (and the handler
//! waiting for the body) for as long as it likes. On every port, a body has
//! [`ConnectionLimits::body_timeout`](crate::ConnectionLimits) from the end of its head to its
//! last byte; a slower one fails the handler's read, and the answer becomes `408` with the
//! connection closed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use hyper::body::{Body, Frame, SizeHint};

/// A body was still arriving when its deadline passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} s", .0.as_secs())]
pub(crate) struct TooSlow(Duration);

pin_project_lite::pin_project! {
    /// `body`, failing with [`TooSlow`] once `limit` has passed with more of it still to come.
    pub(crate) struct Deadline<B> {
        #[pin]
        body: B,
        #[pin]
        sleep: tokio::time::Sleep,
        limit: Duration,
        expired: Arc<AtomicBool>,
    }
}

impl<B> Deadline<B> {
    /// Starts the clock now; `expired` is set when the deadline cut the body off.
    pub(crate) fn new(body: B, limit: Duration, expired: Arc<AtomicBool>) -> Self {
        Self {
            body,
            sleep: tokio::time::sleep(limit),
            limit,
            expired,
        }
    }
}

impl<B> Body for Deadline<B>
where
    B: Body,
    B::Error: Into<axum::BoxError>,
{
    type Data = B::Data;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.body.poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.sleep.poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(TooSlow(*this.limit).into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// What a client whose body came too slowly is told, whatever the handler made of the failed
/// read; the connection closes after it.
pub(crate) fn too_slow(limit: Duration) -> Response {
    let mut response = crate::error_response(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        TooSlow(limit).to_string(),
    );
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

//! Who an admin call acts for. The portal (in this process, or over HTTP with the service
//! credential) names the identity it authenticated, the signed-in user or the consumer and its
//! owner, in `x-lyre-actor`; the audit log records that identity, and the `operator` a request
//! names only as a label next to it when the two differ.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use lyre_service_kit::credential::actor_of;

tokio::task_local! {
    static ACTOR: Option<String>;
}

/// The identity the current request acts for, when its caller named one.
pub(crate) fn current() -> Option<String> {
    ACTOR.try_with(Clone::clone).ok().flatten()
}

/// Runs `operation` as done for `actor`, for callers of the operations in process (the portal
/// in the same process), as a request naming it would be.
pub async fn acting_as<F: std::future::Future>(actor: Option<String>, operation: F) -> F::Output {
    ACTOR.scope(actor, operation).await
}

/// Runs the request with the identity its caller named.
pub(crate) async fn layer(request: Request, next: Next) -> Response {
    let actor = actor_of(request.headers());
    ACTOR.scope(actor, next.run(request)).await
}

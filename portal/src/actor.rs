//! The identity a request was authenticated as, kept for the request's lifetime so that every
//! admin call it makes names it (`x-lyre-actor`) and the audit log records it, whatever
//! `operator` the request itself named.

use std::sync::{Arc, OnceLock};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static ACTOR: Arc<OnceLock<String>>;
}

/// Records that the current request is authenticated as `identity` (the first one sticks).
pub(crate) fn authenticated(identity: impl FnOnce() -> String) {
    let _ = ACTOR.try_with(|cell| {
        cell.get_or_init(identity);
    });
}

/// The identity the current request was authenticated as, if any.
pub(crate) fn current() -> Option<String> {
    ACTOR.try_with(|cell| cell.get().cloned()).ok().flatten()
}

/// Runs the request with room for its identity.
pub(crate) async fn layer(request: Request, next: Next) -> Response {
    ACTOR.scope(Arc::default(), next.run(request)).await
}

/// How a consumer is named in the audit log and as a request's author: its name and its owner.
pub(crate) fn consumer(name: &str, owner: &str) -> String {
    if owner.is_empty() {
        format!("{name} (consumer)")
    } else {
        format!("{name} (consumer of {owner})")
    }
}

/// Whether `identity` (as [`consumer`] or a user's name spells it) is `user` or a consumer
/// `user` owns: what `user` did, in person or through a token of theirs.
pub(crate) fn acts_for(identity: &str, user: &str) -> bool {
    identity == user
        || identity
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once(" (consumer of "))
            .is_some_and(|(_, owner)| owner == user)
}

//! The address of the client at the other end of the connection.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The peer's socket address, when the server recorded it (it does when serving through
/// [`crate::serve`]; requests made in tests without a socket have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub Option<SocketAddr>);

impl PeerAddr {
    /// The peer's IP as text, or `unknown`.
    pub fn ip_string(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| *addr),
        ))
    }
}

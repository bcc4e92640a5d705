//! The address of the client at the other end of the connection.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::Extensions;
use axum::http::request::Parts;

/// The peer's socket address, when the server recorded it (it does when serving through
/// [`crate::serve`]; requests made in tests without a socket have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub Option<SocketAddr>);

impl PeerAddr {
    /// The peer of the request whose extensions these are.
    pub fn of(extensions: &Extensions) -> Self {
        Self(
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| *addr),
        )
    }

    /// The peer's IP as text, or `unknown`.
    pub fn ip_string(&self) -> String {
        match self.0.map(|a| a.ip()) {
            None => "unknown".to_owned(),
            // Written digit by digit: `Display` goes through the formatting machinery (width,
            // padding), which cost more than the rest of reading where a request came from.
            Some(IpAddr::V4(v4)) => {
                let mut text = String::with_capacity(15);
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        text.push('.');
                    }
                    if octet >= 100 {
                        text.push(char::from(b'0' + octet / 100));
                    }
                    if octet >= 10 {
                        text.push(char::from(b'0' + octet / 10 % 10));
                    }
                    text.push(char::from(b'0' + octet % 10));
                }
                text
            }
            Some(ip) => ip.to_string(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.extensions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_as_display_writes_them() {
        for ip in [
            "0.0.0.0",
            "1.20.3.199",
            "10.0.100.255",
            "127.0.0.1",
            "255.255.255.255",
            "::1",
            "2001:db8::7",
        ] {
            let addr = SocketAddr::new(ip.parse().unwrap(), 80);
            assert_eq!(PeerAddr(Some(addr)).ip_string(), ip);
        }
        assert_eq!(PeerAddr(None).ip_string(), "unknown");
    }
}

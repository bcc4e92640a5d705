//! The lean connection path's parts, without sockets, for the fuzz targets in
//! `service-kit/fuzz` (behind the `fuzzing` feature; nothing else uses it).
//!
//! The lean path must see exactly the requests hyper would see in the same bytes, and hand
//! hyper the rest of a connection byte for byte: anything else would let a client make the two
//! disagree about where one request ends and the next begins.

use axum::http::Request;
use tokio::io::{AsyncRead, AsyncWrite};

/// What the lean path makes of the bytes at the start of a connection's buffer.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per parse and taken apart at once"
)]
pub enum Head {
    /// A head that has not arrived whole: the lean path reads on (up to [`MAX_HEAD`] bytes).
    Partial,
    /// Not one for the lean path: the connection goes to hyper, these bytes first.
    Other,
    /// A request the lean path answers itself.
    Lean {
        /// The request as the router receives it (its body is always empty).
        request: Request<()>,
        /// Whether the connection stays open after the answer.
        keep_alive: bool,
        /// The head's length in bytes: what follows is the next request.
        length: usize,
    },
}

/// A buffer this long with no whole head in it goes to hyper.
pub const MAX_HEAD: usize = crate::lean::MAX_HEAD;

/// Parses the head at the start of `buffer` as the lean path does.
pub fn parse_head(buffer: &[u8]) -> Head {
    match crate::lean::parse(buffer) {
        crate::lean::Parsed::Partial => Head::Partial,
        crate::lean::Parsed::Other => Head::Other,
        crate::lean::Parsed::Lean(request, keep_alive, length) => Head::Lean {
            request: request.map(|_| ()),
            keep_alive,
            length,
        },
    }
}

/// `stream` as hyper is handed it: its reads start with `read`, the bytes the lean path had
/// read and not answered.
pub fn rewind<S>(read: Vec<u8>, stream: S) -> impl AsyncRead + AsyncWrite + Unpin
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    crate::lean::Rewind::new(read, stream)
}

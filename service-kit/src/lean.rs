//! One HTTP/1.1 connection, with a lean path for plain `GET`s.
//!
//! A long poll waits a minute or more for a change, and a config service keeps tens of
//! thousands of them. hyper keeps two buffers for the whole life of a connection: 8 KiB to
//! write, and 8 to 16 KiB to read, which it takes again while a request is pending so that it
//! notices the client hanging up. Those buffers weigh more than the waiting request itself.
//!
//! So on the config service's port, connections start here. A request head is read onto the
//! stack and parsed there with httparse (only a head split over several reads is gathered in a
//! buffer, freed while the request runs or waits); the socket is watched for the client hanging
//! up without a buffer; the response goes out in one vectored write. Requests still go through
//! the whole router, so tracing, metrics and every check apply as on any other port. The port's
//! clients (Apollo clients, the SDK, the agent) send nothing but `GET`s, and a client's long
//! polls and reads often share one keep-alive connection, so every plain `GET` stays here.
//! Anything else (another method, a body, HTTP/1.0, `Expect`, an upgrade, a head over 16 KiB
//! or one httparse refuses) hands the connection, with the bytes read so far, to hyper, which
//! serves the rest of it exactly as it serves every other port. Responses are whole in memory
//! before they are written: the config port's answers are built that way anyway.

use std::convert::Infallible;
use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, DATE, TRANSFER_ENCODING};
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::TcpStream;
use tower::ServiceExt;

use crate::deadline::{Deadline, too_slow};
use crate::server::{App, Shutdown};

/// A longer head goes to hyper, whose limit is much higher.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// More headers than this also go to hyper.
const MAX_HEADERS: usize = 48;

/// Serves one accepted connection until it closes.
pub(crate) async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    app: impl App,
    lean: bool,
    shutdown: Shutdown,
) {
    let mut read = Vec::new();
    if lean {
        let lean = Lean {
            peer,
            app: &app,
            shutdown: &shutdown,
        };
        if let Outcome::Closed = lean.serve(&mut stream, &mut read).await {
            return;
        }
    }
    // Boxed, so that a connection that stays on the lean path does not carry hyper's state.
    Box::pin(with_hyper(stream, read, peer, app, shutdown)).await;
}

/// How the lean path left a connection.
enum Outcome {
    /// Closed (by either side, or because of an error).
    Closed,
    /// For hyper to go on with; the buffer holds what has been read and not answered.
    HandOver,
}

/// A parsed request head.
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per request and taken apart at once"
)]
pub(crate) enum Parsed {
    /// More bytes are needed.
    Partial,
    /// Not one for the lean path.
    Other,
    /// A request to answer here, whether the connection stays open after it, and the head's
    /// length in bytes.
    Lean(Request<Body>, bool, usize),
}

struct Lean<'a, A> {
    peer: SocketAddr,
    app: &'a A,
    shutdown: &'a Shutdown,
}

impl<A: App> Lean<'_, A> {
    async fn serve(&self, stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Outcome {
        let (limits, _) = crate::server::limits();
        loop {
            // A head must arrive whole within `head_timeout` of its first byte; a connection
            // with nothing under way closes after `idle_timeout`.
            let mut head_started = (!buffer.is_empty()).then(tokio::time::Instant::now);
            let idle_since = tokio::time::Instant::now();
            let (mut request, keep_alive) = loop {
                match parse(buffer) {
                    Parsed::Lean(request, keep_alive, length) => {
                        buffer.drain(..length);
                        break (request, keep_alive);
                    }
                    Parsed::Other => return Outcome::HandOver,
                    Parsed::Partial if buffer.len() >= MAX_HEAD => return Outcome::HandOver,
                    Parsed::Partial => {}
                }
                // Idle between requests, a connection closes at shutdown; mid-head it does not.
                let deadline = match head_started {
                    Some(started) => started + limits.head_timeout,
                    None => idle_since + limits.idle_timeout,
                };
                let ready = tokio::select! {
                    ready = stream.readable() => ready,
                    () = self.shutdown.clone().wait(), if buffer.is_empty() => return Outcome::Closed,
                    () = tokio::time::sleep_until(deadline) => return Outcome::Closed,
                };
                if ready.is_err() {
                    return Outcome::Closed;
                }
                match read_head(stream, buffer) {
                    Ok(Read::Eof) | Err(_) => return Outcome::Closed,
                    Ok(Read::Request(request, keep_alive)) => break (request, keep_alive),
                    Ok(Read::More) if !buffer.is_empty() => {
                        head_started.get_or_insert_with(tokio::time::Instant::now);
                    }
                    Ok(Read::More) => {}
                }
            };
            if buffer.is_empty() {
                // Nothing pipelined: hold the request without a buffer.
                *buffer = Vec::new();
            }
            request.extensions_mut().insert(ConnectInfo(self.peer));
            let Some(response) = self.answer(stream, request, buffer).await else {
                return Outcome::Closed;
            };
            let closing = !keep_alive || self.shutdown.is_triggered();
            if write_response(stream, response, closing).await.is_err() || closing {
                return Outcome::Closed;
            }
        }
    }

    /// Runs `request` through the router, or gives up (`None`) when the client hangs up first.
    /// Bytes the client sends meanwhile (a pipelined request) are kept in `buffer`.
    async fn answer(
        &self,
        stream: &TcpStream,
        request: Request<Body>,
        buffer: &mut Vec<u8>,
    ) -> Option<Response<Body>> {
        let mut call = std::pin::pin!(self.app.clone().oneshot(request));
        loop {
            tokio::select! {
                response = &mut call => {
                    let Ok(response) = response;
                    return Some(response);
                }
                ready = stream.readable(), if buffer.len() < MAX_HEAD => {
                    ready.ok()?;
                    match read_ready(stream, buffer) {
                        Ok(0) => return None,
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(_) => return None,
                    }
                }
            }
        }
    }
}

/// What one read of a request head gave.
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per read and taken apart at once"
)]
enum Read {
    /// The client closed the connection.
    Eof,
    /// A whole request for the lean path (and whether the connection stays open after it).
    Request(Request<Body>, bool),
    /// Bytes appended to the buffer, to parse (again) there.
    More,
}

/// Reads what the socket has ready. A whole lean request arriving into an empty buffer (the
/// usual case) is parsed straight from the stack, so no buffer is allocated for it at all (and
/// the stack space is not zeroed first: the read fills it).
fn read_head(stream: &TcpStream, buffer: &mut Vec<u8>) -> io::Result<Read> {
    let mut space = [MaybeUninit::uninit(); 4096];
    let mut scratch = ReadBuf::uninit(&mut space);
    match drain(stream, &mut scratch) {
        Ok(0) => return Ok(Read::Eof),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Read::More),
        Err(e) => return Err(e),
    }
    if buffer.is_empty()
        && let Parsed::Lean(request, keep_alive, length) = parse(scratch.filled())
    {
        buffer.extend_from_slice(&scratch.filled()[length..]);
        return Ok(Read::Request(request, keep_alive));
    }
    buffer.extend_from_slice(scratch.filled());
    Ok(Read::More)
}

/// Reads what the socket has ready into `scratch`, as `try_read` does, and when that is less
/// than `scratch` holds (the socket's queue is empty now), also marks the socket not readable,
/// as a read that would block does. The next wait for the client's next request then waits for
/// it, instead of waking at once to a read that fails with `EAGAIN`: one system call less for
/// every request on a kept-alive connection. Bytes that arrive after the read wake the wait
/// again: the mark only clears the readiness that was seen before the read.
fn drain(stream: &TcpStream, scratch: &mut ReadBuf<'_>) -> io::Result<usize> {
    let mut read = 0;
    let outcome = stream.try_io(Interest::READABLE, || {
        read = stream.try_read_buf(scratch)?;
        if read > 0 && scratch.remaining() > 0 {
            // Seen by `try_io` as "would block": it clears the readiness it saw before the read.
            Err(io::ErrorKind::WouldBlock.into())
        } else {
            Ok(())
        }
    });
    match outcome {
        Ok(()) => Ok(read),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock && read > 0 => Ok(read),
        Err(e) => Err(e),
    }
}

/// Appends what the socket has ready to `buffer`; `Ok(0)` is the client's end of stream. Not
/// async, so the scratch space lives on the stack only for the call.
fn read_ready(stream: &TcpStream, buffer: &mut Vec<u8>) -> io::Result<usize> {
    let mut space = [MaybeUninit::uninit(); 4096];
    let mut scratch = ReadBuf::uninit(&mut space);
    let read = stream.try_read_buf(&mut scratch)?;
    buffer.extend_from_slice(scratch.filled());
    Ok(read)
}

/// Parses the head at the start of `buffer` and decides whether the lean path takes it.
pub(crate) fn parse(buffer: &[u8]) -> Parsed {
    if buffer.is_empty() {
        return Parsed::Partial;
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut headers);
    let length = match head.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Other,
    };
    if head.method != Some("GET") || head.version != Some(1) {
        return Parsed::Other;
    }
    let Some(target) = head.path.filter(|t| t.starts_with('/')) else {
        return Parsed::Other;
    };
    let Ok(mut request) = Request::builder()
        .method(Method::GET)
        .uri(target)
        .version(Version::HTTP_11)
        .body(Body::empty())
    else {
        return Parsed::Other;
    };
    let mut keep_alive = true;
    let mut has_length = false;
    for header in head.headers.iter() {
        let name = header.name;
        let value = header.value;
        let refused = ["transfer-encoding", "expect", "upgrade"];
        if refused.iter().any(|r| name.eq_ignore_ascii_case(r)) {
            return Parsed::Other;
        }
        // One `Content-Length: 0` is no body; anything more (hyper folds repeated lengths into
        // one header) is hyper's to judge.
        if name.eq_ignore_ascii_case("content-length") {
            if has_length || value.trim_ascii() != b"0" {
                return Parsed::Other;
            }
            has_length = true;
        }
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) else {
            return Parsed::Other;
        };
        // Tokens read as hyper reads them: a value with bytes outside visible ASCII has none.
        if name == CONNECTION
            && let Ok(tokens) = value.to_str()
        {
            for token in tokens.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("upgrade") {
                    return Parsed::Other;
                }
            }
        }
        request.headers_mut().append(name, value);
    }
    Parsed::Lean(request, keep_alive, length)
}

/// Writes `response` with its length, head and body in one vectored write where the socket
/// takes it all (no small second segment for Nagle's algorithm to hold back).
async fn write_response(
    stream: &mut TcpStream,
    response: Response<Body>,
    closing: bool,
) -> io::Result<()> {
    let (parts, body) = response.into_parts();
    let status = parts.status;
    let bodiless = status == StatusCode::NOT_MODIFIED
        || status == StatusCode::NO_CONTENT
        || status.is_informational();
    let body = if bodiless {
        Bytes::new()
    } else {
        body.collect().await.map_err(io::Error::other)?.to_bytes()
    };
    let mut head = Vec::with_capacity(256);
    head.extend_from_slice(b"HTTP/1.1 ");
    head.extend_from_slice(status.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    head.extend_from_slice(b"\r\n");
    let mut line = |name: &[u8], value: &[u8]| {
        head.extend_from_slice(name);
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    };
    for (name, value) in &parts.headers {
        if name != CONTENT_LENGTH && name != TRANSFER_ENCODING && name != CONNECTION {
            line(name.as_str().as_bytes(), value.as_bytes());
        }
    }
    if !bodiless {
        line(b"content-length", body.len().to_string().as_bytes());
    }
    if closing {
        line(b"connection", b"close");
    }
    if !parts.headers.contains_key(DATE) {
        line(b"date", &http_date());
    }
    head.extend_from_slice(b"\r\n");
    let (mut head_at, mut body_at) = (0, 0);
    while head_at < head.len() || body_at < body.len() {
        let parts = [
            io::IoSlice::new(&head[head_at..]),
            io::IoSlice::new(&body[body_at..]),
        ];
        let mut written = stream.write_vectored(&parts).await?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        let from_head = written.min(head.len() - head_at);
        head_at += from_head;
        written -= from_head;
        body_at += written;
    }
    Ok(())
}

/// Today's `Date` header value, formatted once a second per thread.
fn http_date() -> [u8; 29] {
    thread_local! {
        static NOW: std::cell::Cell<(u64, [u8; 29])> = const { std::cell::Cell::new((u64::MAX, [0; 29])) };
    }
    let now = SystemTime::now();
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    NOW.with(|cell| {
        let (cached, text) = cell.get();
        if cached == second {
            return text;
        }
        let mut text = [0; 29];
        let formatted = httpdate::fmt_http_date(now);
        let len = formatted.len().min(29);
        text[..len].copy_from_slice(&formatted.as_bytes()[..len]);
        cell.set((second, text));
        text
    })
}

/// Serves the rest of the connection with hyper, starting with the bytes already read.
async fn with_hyper(
    stream: TcpStream,
    read: Vec<u8>,
    peer: SocketAddr,
    app: impl App,
    shutdown: Shutdown,
) {
    let io = TokioIo::new(Rewind::new(read, stream));
    let (limits, _) = crate::server::limits();
    let body_timeout = limits.body_timeout;
    let service = tower::service_fn(move |request: Request<Incoming>| {
        let expired = Arc::new(AtomicBool::new(false));
        let mut request =
            request.map(|body| Body::new(Deadline::new(body, body_timeout, expired.clone())));
        request.extensions_mut().insert(ConnectInfo(peer));
        let call = app.clone().oneshot(request);
        async move {
            let response = call.await?;
            if expired.load(Ordering::Relaxed) {
                return Ok::<_, Infallible>(too_slow(body_timeout));
            }
            Ok(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .serve_connection(io, TowerToHyperService::new(service));
    let mut connection = std::pin::pin!(connection);
    let mut stopping = std::pin::pin!(shutdown.wait());
    let mut stop_asked = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = &mut stopping, if !stop_asked => {
                stop_asked = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// A socket that first gives back bytes already read from it.
pub(crate) struct Rewind<S> {
    read: Vec<u8>,
    at: usize,
    stream: S,
}

impl<S> Rewind<S> {
    /// `stream`, whose reads start with `read`.
    pub(crate) fn new(read: Vec<u8>, stream: S) -> Self {
        Self {
            read,
            at: 0,
            stream,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.at < this.read.len() {
            let n = out.remaining().min(this.read.len() - this.at);
            out.put_slice(&this.read[this.at..this.at + n]);
            this.at += n;
            if this.at == this.read.len() {
                this.read = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, out)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, data)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

//! The config port's lean HTTP/1.1 path, over real sockets: what a client sees on the wire,
//! and that hyper takes over whatever the lean path does not answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use lyre_service_kit::peer::PeerAddr;
use lyre_service_kit::{ShutdownTrigger, serve_lean, shutdown_channel};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

#[derive(Clone, Default)]
struct Waits {
    /// Requests to `/wait` that started, and that were dropped before answering.
    started: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    release: Arc<Notify>,
}

/// Counts a waiting request as dropped unless it was answered.
struct Dropped(Arc<AtomicUsize>, bool);

impl Drop for Dropped {
    fn drop(&mut self) {
        if !self.1 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn wait(State(waits): State<Waits>) -> &'static str {
    waits.started.fetch_add(1, Ordering::SeqCst);
    let mut guard = Dropped(waits.dropped.clone(), false);
    waits.release.notified().await;
    guard.1 = true;
    "released"
}

async fn echo(body: Bytes) -> Bytes {
    body
}

async fn peer(peer: PeerAddr) -> String {
    peer.ip_string()
}

/// The request's `Content-Length` headers, one per line.
async fn lengths(headers: axum::http::HeaderMap) -> String {
    headers
        .get_all("content-length")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()) + "\n")
        .collect()
}

struct Server {
    addr: SocketAddr,
    waits: Waits,
    trigger: ShutdownTrigger,
    stopped: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start() -> Server {
    let waits = Waits::default();
    let router = Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route("/unchanged", get(|| async { StatusCode::NOT_MODIFIED }))
        .route("/big", get(|| async { "x".repeat(300_000) }))
        .route(
            "/echo",
            get(echo).post(echo).head(|| async { StatusCode::OK }),
        )
        .route("/peer", get(peer))
        .route("/lengths", get(lengths))
        .route("/wait", get(wait))
        .with_state(waits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, shutdown) = shutdown_channel();
    let stopped = tokio::spawn(serve_lean(
        listener,
        router,
        shutdown,
        Duration::from_secs(5),
    ));
    Server {
        addr,
        waits,
        trigger,
        stopped,
    }
}

/// One parsed response off the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response from `stream` (bodies by `content-length`; none for 304 or HEAD).
async fn read_reply(stream: &mut TcpStream, pending: &mut Vec<u8>, head_only: bool) -> Reply {
    let head_end = loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        pending.reserve(4096);
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read_buf(pending))
            .await
            .expect("a response within 10 s")
            .unwrap();
        assert!(n > 0, "connection closed before a response");
    };
    let head = String::from_utf8(pending[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect();
    pending.drain(..head_end);
    let length: usize = if head_only || status == 304 {
        0
    } else {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap())
    };
    while pending.len() < length {
        pending.reserve(65536);
        let n = stream.read_buf(pending).await.unwrap();
        assert!(n > 0, "connection closed inside a body");
    }
    let body = pending.drain(..length).collect();
    Reply {
        status,
        headers,
        body,
    }
}

async fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0_u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// A connection whose `GET /wait` the server has started on (and holds until released).
async fn waiting_request(server: &Server) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(get_request("/wait").as_bytes())
        .await
        .unwrap();
    eventually("the waiting request started", || {
        server.waits.started.load(Ordering::SeqCst) > 0
    })
    .await;
    stream
}

/// Waits up to 5 s for `holds` to become true; fails with `what` otherwise.
async fn eventually(what: &str, mut holds: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !holds() {
        assert!(tokio::time::Instant::now() < deadline, "not in 5 s: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: lyre\r\n\r\n")
}

#[tokio::test]
async fn gets_are_answered_with_length_and_date_and_the_connection_is_reused() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..3 {
        stream
            .write_all(get_request("/hello").as_bytes())
            .await
            .unwrap();
        let reply = read_reply(&mut stream, &mut pending, false).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"hello");
        assert_eq!(reply.header("content-length"), Some("5"));
        assert!(reply.header("date").is_some_and(|d| d.ends_with(" GMT")));
        assert_eq!(reply.header("connection"), None);
    }
    stream
        .write_all(get_request("/unchanged").as_bytes())
        .await
        .unwrap();
    let reply = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!(reply.status, 304);
    assert_eq!(reply.header("content-length"), None);
    // A large body arrives whole.
    stream
        .write_all(get_request("/big").as_bytes())
        .await
        .unwrap();
    let reply = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!(reply.body.len(), 300_000);
    assert!(pending.is_empty(), "nothing after the body");
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let three = format!(
        "{}{}{}",
        get_request("/hello"),
        get_request("/echo"),
        "GET /peer HTTP/1.1\r\nHost: lyre\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(three.as_bytes()).await.unwrap();
    let mut pending = Vec::new();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.body,
        b"hello"
    );
    assert_eq!(read_reply(&mut stream, &mut pending, false).await.body, b"");
    let last = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!(last.body, b"127.0.0.1", "the peer address reaches handlers");
    assert_eq!(last.header("connection"), Some("close"));
    assert!(
        closed(&mut stream).await,
        "closed after `Connection: close`"
    );
}

#[tokio::test]
async fn a_client_hanging_up_ends_its_waiting_request() {
    let server = start().await;
    drop(waiting_request(&server).await);
    eventually("the waiting request dropped after the client left", || {
        server.waits.dropped.load(Ordering::SeqCst) > 0
    })
    .await;
}

#[tokio::test]
async fn a_request_pipelined_behind_a_waiting_one_is_answered_after_it() {
    let server = start().await;
    let mut stream = waiting_request(&server).await;
    stream
        .write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.waits.release.notify_one();
    let mut pending = Vec::new();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.body,
        b"released"
    );
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.body,
        b"hello"
    );
    assert_eq!(server.waits.dropped.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn hyper_takes_over_what_the_lean_path_does_not_answer() {
    let server = start().await;
    let mut pending = Vec::new();
    // A body: answered by hyper, and the same connection then serves GETs.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let post = "POST /echo HTTP/1.1\r\nHost: lyre\r\nContent-Length: 5\r\n\r\nabcde";
    stream.write_all(post.as_bytes()).await.unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.body,
        b"abcde"
    );
    stream
        .write_all(get_request("/peer").as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.body,
        b"127.0.0.1"
    );
    // After some lean GETs, a chunked body hands over mid-connection.
    stream
        .write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    read_reply(&mut stream, &mut pending, false).await;
    let chunked = "GET /echo HTTP/1.1\r\nHost: lyre\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n";
    stream.write_all(chunked.as_bytes()).await.unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.body,
        b"xyz"
    );

    // HEAD, HTTP/1.0, a malformed head, and a head over 16 KiB.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "HEAD /echo HTTP/1.1\r\nHost: lyre\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, true).await.status,
        200
    );

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).await.unwrap();
    assert!(all.starts_with(b"HTTP/1.0 200 OK\r\n"));
    assert!(all.ends_with(b"\r\n\r\nhello"));

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /hello HTTP/1.1\r\nNo colon here\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.status,
        400
    );

    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let long = format!(
        "GET /hello HTTP/1.1\r\nHost: lyre\r\nX-Long: {}\r\n\r\n",
        "v".repeat(20_000)
    );
    stream.write_all(long.as_bytes()).await.unwrap();
    let reply = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!((reply.status, reply.body.as_slice()), (200, &b"hello"[..]));
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_lets_a_waiting_request_finish() {
    let server = start().await;
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    let mut pending = Vec::new();
    idle.write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    read_reply(&mut idle, &mut pending, false).await;

    let mut busy = waiting_request(&server).await;
    server.trigger.trigger();
    assert!(closed(&mut idle).await, "an idle connection closes");
    // Not accepting any more (checked by connecting, so a loop rather than a closure).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(server.addr).await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still accepting connections after shutdown"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.waits.release.notify_one();
    let reply = read_reply(&mut busy, &mut Vec::new(), false).await;
    assert_eq!(reply.body, b"released");
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(closed(&mut busy).await);
    tokio::time::timeout(Duration::from_secs(5), server.stopped)
        .await
        .expect("serving ends once every connection closed")
        .unwrap()
        .unwrap();
}

/// Found by the lean path's fuzz target (`service-kit/fuzz`): a GET with `Content-Length: 0`
/// twice reached the router with both headers on the lean path and with one through hyper. The
/// router sees the same request either way.
#[tokio::test]
async fn a_repeated_zero_length_reaches_the_router_as_hyper_gives_it() {
    let server = start().await;
    let mut pending = Vec::new();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let twice = "GET /lengths HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
    stream.write_all(twice.as_bytes()).await.unwrap();
    let reply = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!((reply.status, reply.body.as_slice()), (200, &b"0\n"[..]));
    // Once is lean, and the same.
    let once = "GET /lengths HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    stream.write_all(once.as_bytes()).await.unwrap();
    let reply = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!((reply.status, reply.body.as_slice()), (200, &b"0\n"[..]));
}

/// Found by the fuzz target: a `Connection` value with a byte outside visible ASCII and a
/// `close` token closed the connection on the lean path, while hyper reads no tokens in such a
/// value and keeps it open. The lean path now reads it as hyper does.
#[tokio::test]
async fn a_connection_header_hyper_cannot_read_closes_nothing() {
    let server = start().await;
    let mut pending = Vec::new();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = b"GET /hello HTTP/1.1\r\nConnection: \xc8, close\r\n\r\n";
    stream.write_all(head).await.unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.status,
        200
    );
    stream
        .write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_reply(&mut stream, &mut pending, false).await.status,
        200
    );
}

#[tokio::test]
async fn a_head_that_arrives_in_pieces_is_answered_once_whole() {
    // Each piece is read short of the read buffer, which marks the socket drained: the next
    // piece must still wake the connection.
    let server = start().await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..2 {
        for piece in ["GET /hel", "lo HTTP/1.1\r\nHo", "st: lyre\r\n", "\r\n"] {
            stream.write_all(piece.as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        let reply = read_reply(&mut stream, &mut pending, false).await;
        assert_eq!((reply.status, reply.body.as_slice()), (200, &b"hello"[..]));
    }
}

#[tokio::test]
async fn a_client_that_sends_its_request_and_its_end_together_is_answered_and_closed() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    stream.shutdown().await.unwrap();
    let mut pending = Vec::new();
    let reply = read_reply(&mut stream, &mut pending, false).await;
    assert_eq!(reply.body, b"hello");
    assert!(
        closed(&mut stream).await,
        "the server closes once the client's end is read, not at the idle timeout"
    );
}

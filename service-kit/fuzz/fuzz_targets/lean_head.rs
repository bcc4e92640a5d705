//! The lean connection path against hyper: from any bytes a client may send, the requests the
//! router receives on the config port (lean path first, hyper for the rest after the hand-off)
//! are exactly those hyper alone would make of the same bytes. A difference would let a client
//! make the two disagree about where a request ends, what it asks for, or whether the
//! connection goes on.

#![no_main]

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use libfuzzer_sys::fuzz_target;
use lyre_service_kit::fuzzing::{Head, MAX_HEAD, parse_head, rewind};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// What the router would be given: method, target, version, headers in order, body.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    method: String,
    uri: String,
    version: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn seen<B>(request: &Request<B>, body: Vec<u8>) -> Seen {
    Seen {
        method: request.method().to_string(),
        uri: request.uri().to_string(),
        version: format!("{:?}", request.version()),
        headers: request
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
        body,
    }
}

/// The requests hyper makes of what `io` gives to read, answering each with an empty `200`.
async fn hyper_sees(io: impl AsyncRead + AsyncWrite + Unpin + 'static) -> Vec<Seen> {
    let found = Rc::new(RefCell::new(Vec::new()));
    let record = found.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let record = record.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes().to_vec())
                .unwrap_or_default();
            record
                .borrow_mut()
                .push(seen(&Request::from_parts(parts, ()), body));
            Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
        }
    });
    // The client's end of stream stands for "nothing more yet": hyper answers what came before
    // it, as it would on a connection that stays open.
    let _ = hyper::server::conn::http1::Builder::new()
        .half_close(true)
        .serve_connection(TokioIo::new(io), service)
        .await;
    found.take()
}

/// A connection whose client sent `bytes` and then closed its sending side: the server's end,
/// and the client's, which must stay open while the server answers (the answers fit in its
/// buffer, so nothing waits for them to be read).
async fn client_sent(bytes: &[u8]) -> (tokio::io::DuplexStream, tokio::io::DuplexStream) {
    let (mut client, server) = tokio::io::duplex(bytes.len() * 64 + 64 * 1024);
    client.write_all(bytes).await.unwrap();
    client.shutdown().await.unwrap();
    (server, client)
}

/// What the router receives when the lean path serves the connection first, as
/// `service-kit/src/lean.rs` does with all of `bytes` read.
async fn lean_then_hyper_sees(bytes: &[u8]) -> Vec<Seen> {
    let mut found = Vec::new();
    let mut at = 0;
    loop {
        match parse_head(&bytes[at..]) {
            Head::Lean {
                request,
                keep_alive,
                length,
            } => {
                assert!(length > 0 && at + length <= bytes.len());
                found.push(seen(&request, Vec::new()));
                at += length;
                if !keep_alive {
                    return found;
                }
            }
            // The client closed mid-head: the lean path closes too.
            Head::Partial if bytes.len() - at < MAX_HEAD => return found,
            Head::Partial | Head::Other => {
                let (server, _client) = client_sent(&[]).await;
                found.extend(hyper_sees(rewind(bytes[at..].to_vec(), server)).await);
                return found;
            }
        }
    }
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
}

fuzz_target!(|bytes: &[u8]| {
    RUNTIME.with(|runtime| {
        let (lean, alone) = runtime.block_on(async {
            let lean = lean_then_hyper_sees(bytes).await;
            let (server, _client) = client_sent(bytes).await;
            let alone = hyper_sees(server).await;
            (lean, alone)
        });
        assert_eq!(
            lean,
            alone,
            "the lean path and hyper see different requests in {:?}",
            String::from_utf8_lossy(bytes)
        );
    });
});

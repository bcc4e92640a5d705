//! Binding listeners with errors that say which service and address failed, serving a router
//! until shutdown, and the shutdown signal itself.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::Service;

/// A listener could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} for the {service}: {source}")]
pub struct BindError {
    /// The address asked for.
    pub addr: String,
    /// The service that wanted it, e.g. `config service`.
    pub service: String,
    /// The operating system's reason (e.g. address in use).
    pub source: std::io::Error,
}

/// Binds `addr` (`host:port`) for `service`.
pub async fn bind(addr: &str, service: &str) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|source| BindError {
        addr: addr.to_owned(),
        service: service.to_owned(),
        source,
    })
}

/// Tells every part of the process that it is time to stop.
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// Resolves once shutdown has been triggered; cheap to clone and hand to every task.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<bool>);

/// A trigger and the signal it fires.
pub fn shutdown_channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown(rx))
}

impl ShutdownTrigger {
    /// Starts the shutdown.
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    /// Waits for the shutdown (at once if it has already begun).
    pub async fn wait(mut self) {
        // An error means the trigger was dropped, which also means stop.
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    /// Whether shutdown has begun.
    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
pub async fn os_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// How long a client may take to send a request head and leave a connection idle, and how many
/// connections this process serves at once, on all its ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From a head's first byte to its last.
    pub head_timeout: Duration,
    /// Between requests (and before the first), on the lean path; hyper's path closes a
    /// connection that has not sent a whole head within `head_timeout` of waiting for one.
    pub idle_timeout: Duration,
    /// From a request head's end to its body's last byte (on hyper's path, the only one that
    /// takes bodies); a slower body is answered `408` and the connection closed.
    pub body_timeout: Duration,
    /// Connections served at once; past it, a connection is answered `503` and closed.
    pub max_connections: usize,
}

/// File descriptors kept for what is not a client connection: listeners, database
/// connections, logs.
const RESERVED_FILES: usize = 128;

impl Default for ConnectionLimits {
    /// 10 s for a head, 30 s for a body, 60 s idle, and as many connections as the process's open-file limit
    /// allows after [`RESERVED_FILES`] (at least 64).
    fn default() -> Self {
        Self {
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
            max_connections: open_file_limit().saturating_sub(RESERVED_FILES).max(64),
        }
    }
}

/// The process's open-file limit (its soft limit), from `/proc`; 1024 where it cannot be read.
fn open_file_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|soft| soft.parse().ok())
        })
        .unwrap_or(1024)
}

static LIMITS: std::sync::OnceLock<(ConnectionLimits, Arc<Semaphore>)> = std::sync::OnceLock::new();

/// Sets this process's connection limits, before anything is served: `false` when they were
/// set (or used) already.
pub fn limit_connections(limits: ConnectionLimits) -> bool {
    let mut set = false;
    LIMITS.get_or_init(|| {
        set = true;
        (limits, Arc::new(Semaphore::new(limits.max_connections)))
    });
    set
}

/// This process's connection limits, and the turns its connections take.
pub(crate) fn limits() -> &'static (ConnectionLimits, Arc<Semaphore>) {
    LIMITS.get_or_init(|| {
        let limits = ConnectionLimits::default();
        (limits, Arc::new(Semaphore::new(limits.max_connections)))
    })
}

/// What a connection past the limit is told before it is closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Content-Type: application/json\r\n\
Retry-After: 1\r\n\
Connection: close\r\n\
Content-Length: 89\r\n\
\r\n\
{\"code\":\"unavailable\",\"message\":\"too many connections to this server; try again shortly\"}";

/// Tells a connection past the limit so, and closes it.
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt as _;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(REFUSAL).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// What a port serves: an [`axum::Router`], or a service in front of one (as
/// [`crate::env::route_envs`] puts environment prefixes in front of a router).
pub trait App:
    Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> App for S where
    S: Service<
            Request<Body>,
            Response = Response<Body>,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Serves `app` on `listener` until `shutdown`, then lets in-flight requests finish for at
/// most `grace`.
pub async fn serve(
    listener: TcpListener,
    app: impl App,
    shutdown: Shutdown,
    grace: Duration,
) -> std::io::Result<()> {
    serve_connections(listener, app, shutdown, grace, false).await
}

/// [`serve`] for a port whose requests are plain `GET`s that may wait long (the config
/// service's long polls): they take a leaner path that keeps no buffers while a request waits
/// (the `lean` module).
pub async fn serve_lean(
    listener: TcpListener,
    app: impl App,
    shutdown: Shutdown,
    grace: Duration,
) -> std::io::Result<()> {
    serve_connections(listener, app, shutdown, grace, true).await
}

async fn serve_connections(
    listener: TcpListener,
    app: impl App,
    shutdown: Shutdown,
    grace: Duration,
    lean: bool,
) -> std::io::Result<()> {
    // Every connection task holds a receiver; once all are gone, every connection has closed.
    let (closed_tx, closed_rx) = watch::channel(());
    let serving = async {
        let mut stopping = std::pin::pin!(shutdown.clone().wait());
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        accept_failed(&e).await;
                        continue;
                    }
                },
                () = &mut stopping => break,
            };
            // Responses leave whole (one write each) or stream (files): neither gains from
            // Nagle's algorithm, and a stream's tail would wait on the client's delayed ACK.
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
            let Ok(turn) = Arc::clone(&limits().1).try_acquire_owned() else {
                tracing::debug!(client.address = %peer, "refused a connection past max_connections");
                tokio::spawn(refuse(stream));
                continue;
            };
            let app = app.clone();
            let signal = shutdown.clone();
            let closed = closed_rx.clone();
            tokio::spawn(async move {
                crate::lean::connection(stream, peer, app, lean, signal).await;
                drop(turn);
                drop(closed);
            });
        }
        drop(listener);
        drop(closed_rx);
        closed_tx.closed().await;
    };
    let stopped = shutdown.clone();
    tokio::select! {
        () = serving => Ok(()),
        () = async {
            stopped.wait().await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still open after the grace period; closing them");
            Ok(())
        }
    }
}

/// An accept error: one connection's trouble is skipped; anything else (such as running out of
/// file descriptors) is logged and retried after a pause rather than spinning.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept a connection; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_one_whole_http_answer() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }

    #[test]
    fn the_default_connection_limit_follows_the_open_file_limit() {
        let limits = ConnectionLimits::default();
        assert_eq!(
            limits.max_connections,
            open_file_limit().saturating_sub(RESERVED_FILES).max(64)
        );
        assert!(limits.max_connections >= 64);
    }
}

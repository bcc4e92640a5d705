//! Binding listeners with errors that say which service and address failed, serving a router
//! until shutdown, and the shutdown signal itself.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

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

/// Serves `router` on `listener` until `shutdown`, then lets in-flight requests finish for at
/// most `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: Shutdown,
    grace: Duration,
) -> std::io::Result<()> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = axum::serve(listener, service).with_graceful_shutdown(shutdown.clone().wait());
    let mut graceful = std::pin::pin!(graceful.into_future());
    tokio::select! {
        result = &mut graceful => result,
        () = async {
            shutdown.wait().await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still open after the grace period; closing them");
            Ok(())
        }
    }
}

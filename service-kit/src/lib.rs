//! What every Lyre service shares over HTTP: the JSON error shape, `/health` and `/ready`,
//! request tracing with request ids, binding and graceful shutdown, registry heartbeats, and the
//! service credential that guards the admin service.

pub mod complete;
pub mod credential;
mod deadline;
pub mod document;
pub mod env;
pub mod error;
pub mod extract;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod health;
pub mod heartbeat;
pub mod json;
pub mod keyed;
mod lean;
pub mod metrics;
pub mod net;
pub mod peer;
pub mod server;
pub mod time;
pub mod trace;

pub use error::{error_response, error_response_with_reason};
pub use json::Json;
pub use server::{
    App, BindError, ConnectionLimits, Shutdown, ShutdownTrigger, bind, limit_connections, serve,
    serve_lean, shutdown_channel,
};

//! The `lyre` binary's library: configuration and start-up. Each service lives in its own
//! crate; this crate only reads configuration and starts the services asked for.

pub mod agent;
pub mod config;
pub mod ctl;
pub mod import;
pub mod logging;
pub mod publish;
pub mod run;
pub mod schema;
pub mod secrets;
mod ui;

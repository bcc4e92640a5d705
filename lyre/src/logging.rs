//! Logs: `tracing` to standard error, for people by default, JSON on request.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `filter` is an `EnvFilter` directive such as `info`.
pub fn init(filter: &str, format: LogFormat) {
    // Database drivers are chatty at `info`; their warnings still show.
    let directive = format!("{filter},sqlx=warn,sea_orm=warn");
    let filter = EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
}

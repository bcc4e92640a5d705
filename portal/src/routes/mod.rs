//! Handlers, one file per action, grouped by resource.

pub(crate) mod auth;
pub(crate) mod system;

/// Epoch milliseconds as an RFC 3339 UTC timestamp.
pub(crate) fn rfc3339(millis: i64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

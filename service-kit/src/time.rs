//! Times as the APIs show them.

/// Epoch milliseconds as an RFC 3339 timestamp in UTC, e.g. `2026-11-21T09:30:00.000Z`.
pub fn rfc3339(millis: i64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// An RFC 3339 timestamp as epoch milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// An RFC 3339 timestamp in the form Apollo's Open API uses, with milliseconds and a numeric
/// offset, e.g. `2026-11-21T09:30:00.000+0000`; empty when `text` is no timestamp.
pub fn apollo_time(text: &str) -> String {
    let Some(millis) = parse_rfc3339(text) else {
        return String::new();
    };
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let t = rfc3339(1_795_230_564_151);
        assert_eq!(t, "2026-11-21T03:09:24.151Z");
        assert_eq!(parse_rfc3339(&t), Some(1_795_230_564_151));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(apollo_time(&t), "2026-11-21T03:09:24.151+0000");
        assert_eq!(
            apollo_time("1970-01-01T00:00:00Z"),
            "1970-01-01T00:00:00.000+0000"
        );
    }
}

//! What can go wrong.

use std::path::PathBuf;

/// An error of the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The builder is missing something or was given something invalid.
    #[error("invalid client settings: {0}")]
    Settings(String),
    /// No config service answered, and the client may not start from its cache (or has none).
    #[error("no config service answered for namespace `{namespace}`: {reason}")]
    Unavailable {
        /// The namespace that could not be loaded.
        namespace: String,
        /// The last failure.
        reason: String,
    },
    /// A cache file could not be read back: it is ignored, never trusted.
    #[error("the cache file {path} is unreadable and was ignored: {reason}")]
    CorruptCache {
        /// The file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// The configuration does not fit the type asked for; the last good value stays.
    #[error(
        "namespace `{namespace}` (release {release_key}) does not fit the requested type: {reason}"
    )]
    Mismatch {
        /// The namespace.
        namespace: String,
        /// The release that did not fit.
        release_key: String,
        /// What did not fit, as serde says it.
        reason: String,
    },
    /// A value could not be parsed as the type asked for.
    #[error(
        "key `{key}` of namespace `{namespace}` holds `{value}`, which does not parse: {reason}"
    )]
    Parse {
        /// The namespace.
        namespace: String,
        /// The key.
        key: String,
        /// Its value.
        value: String,
        /// The parser's complaint.
        reason: String,
    },
}

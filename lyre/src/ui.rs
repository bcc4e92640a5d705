//! The portal's web UI, built into the binary: `portal-ui/dist` as it was when `lyre` was
//! compiled (`make ui` builds it; `build.rs` has cargo compile `lyre` again when it changes).
//! Compiled without it, the binary has none, and the portal's `/` says how to build it.

use lyre_portal::UiFile;

#[derive(rust_embed::Embed)]
#[folder = "../portal-ui/dist"]
#[allow_missing = true]
struct Built;

/// The built UI's file at `path` (`index.html`, `assets/...`).
pub(crate) fn file(path: &str) -> Option<UiFile> {
    Built::get(path).map(|f| UiFile {
        digest: f.metadata.sha256_hash(),
        bytes: f.data,
    })
}

//! The OpenAPI document is reviewed as a file: `portal/openapi.json`. The web UI's API types
//! are generated from it (`npm run gen:api` in `portal-ui/`).

use std::path::PathBuf;

#[test]
fn openapi_document_matches_the_snapshot() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let current = serde_json::to_string_pretty(&lyre_portal::openapi()).unwrap() + "\n";
    if std::env::var("LYRE_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        snapshot == current,
        "portal/openapi.json is stale: review the API change, then run \
         `LYRE_UPDATE_OPENAPI=1 cargo test -p lyre-portal --test openapi` and `npm run gen:api` in portal-ui/"
    );
}

//! The admin service's OpenAPI document is reviewed as a file: `admin-service/openapi.json`.

use std::path::PathBuf;

#[test]
fn openapi_document_matches_the_snapshot() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let current = serde_json::to_string_pretty(&lyre_admin_service::openapi()).unwrap() + "\n";
    if std::env::var("LYRE_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        snapshot == current,
        "admin-service/openapi.json is stale: review the API change, then run \
         `LYRE_UPDATE_OPENAPI=1 cargo test -p lyre-admin-service --test openapi`"
    );
}

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

/// Each operation of the document says who may call it, how to authenticate and how it refuses
/// callers, as the permission table (the rule the portal enforces) says, and how it refuses
/// malformed input.
#[test]
fn every_operation_documents_its_row_of_the_permission_table() {
    use lyre_portal::permissions::{Need, need_of};
    let doc = serde_json::to_value(lyre_portal::openapi()).unwrap();
    let mut checked = 0;
    for (route, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let need = need_of(&method.to_uppercase(), route)
                .unwrap_or_else(|| panic!("{method} {route} has no row in the permission table"));
            let takes_values = operation["parameters"]
                .as_array()
                .is_some_and(|p| !p.is_empty());
            let takes_json = operation["requestBody"]["content"]["application/json"].is_object();
            if takes_values || operation["requestBody"].is_object() {
                assert!(
                    operation["responses"]["400"].is_object(),
                    "{method} {route} does not document its 400"
                );
            }
            if takes_json {
                assert!(
                    operation["responses"]["415"].is_object(),
                    "{method} {route} does not document its 415"
                );
            }
            let description = operation["description"].as_str().unwrap_or_default();
            let security = &operation["security"];
            if need == Need::Anyone {
                assert!(security.is_null(), "{method} {route} needs no credential");
                continue;
            }
            assert!(
                description.ends_with(&format!("Needs: {}.", need.words())),
                "{method} {route} does not state what it needs: {description:?}"
            );
            let scheme = if route.starts_with("/openapi/") {
                "token"
            } else {
                "session"
            };
            assert_eq!(
                security,
                &serde_json::json!([{ scheme: [] }]),
                "{method} {route}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} operations were checked");
}

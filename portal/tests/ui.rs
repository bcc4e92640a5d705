//! The web UI's files, and what `/` says when the UI is not built.

mod common;

use axum::http::{StatusCode, header};
use common::{TestPortal, settings};
use lyre_store::testing::{TestBackend, TestDb};

#[tokio::test]
async fn without_a_built_ui_the_portal_says_so() {
    let t = TestDb::new(TestBackend::Sqlite).await.unwrap();
    let portal = TestPortal::new(&t).await;
    let reply = portal.get("/", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.text.contains("web UI is not built"), "{}", reply.text);
    assert!(reply.text.contains("make ui"));
    // The API and health still answer.
    assert_eq!(portal.get("/health", None).await.status, StatusCode::OK);
    assert_eq!(portal.get("/ready", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn serves_the_built_ui_and_its_routes() {
    let t = TestDb::new(TestBackend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<div id=root></div>").unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").unwrap();
    let portal = TestPortal::with_settings(&t, settings(dir.path().to_owned())).await;

    let index = portal.get("/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.text, "<div id=root></div>");

    let asset = portal.get("/assets/app.js", None).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(
        asset.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );

    // A route of the UI itself, reloaded in the browser, gets the UI.
    let deep = portal.get("/apps/orders/DEV", None).await;
    assert_eq!(deep.status, StatusCode::OK);
    assert_eq!(deep.text, "<div id=root></div>");
    assert_eq!(deep.headers[header::CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn swagger_ui_and_the_document_are_served_locally() {
    let t = TestDb::new(TestBackend::Sqlite).await.unwrap();
    let portal = TestPortal::new(&t).await;
    let doc = portal.get("/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json()["paths"]["/api/v1/auth/login"]["post"].is_object());
    let swagger = portal.get("/swagger-ui/", None).await;
    assert_eq!(swagger.status, StatusCode::OK);
    assert!(
        !swagger.text.contains("unpkg.com") && !swagger.text.contains("cdn."),
        "no remote assets"
    );
}

//! Bad input answers 4xx with a message naming the problem, and changes nothing.

mod common;

use axum::http::{Method, StatusCode};
use common::{Admin, OPERATOR, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

db_test!(async fn bad_requests_change_nothing(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    admin
        .post("/apps/orders/appnamespaces", json!({"name": "datasources", "format": "yaml", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    let yaml_ns = ns("DEV", "orders", "default", "datasources.yaml");
    admin.add_item(&app_ns, "timeout", "30").await.expect(StatusCode::CREATED);
    admin.put_text(&yaml_ns, "a: 1\n").await.expect(StatusCode::OK);
    let release = admin.publish(&app_ns, "v1").await.expect(StatusCode::CREATED).json();
    let before = admin.fingerprint().await;

    let long = "x".repeat(200);
    let cases: Vec<(Method, String, Option<Value>, StatusCode, &str)> = vec![
        // Unknown things.
        (Method::GET, "/apps/nobody".into(), None, StatusCode::NOT_FOUND, "app `nobody` does not exist"),
        (Method::POST, format!("{}/items", ns("DEV", "nobody", "default", "application")), Some(json!({"key": "k", "value": "v", "operator": OPERATOR})), StatusCode::NOT_FOUND, "does not exist"),
        (Method::POST, format!("{}/items", ns("QA", "orders", "default", "application")), Some(json!({"key": "k", "value": "v", "operator": OPERATOR})), StatusCode::NOT_FOUND, "unknown environment `QA`"),
        (Method::POST, "/envs/DEV/apps/nobody/clusters".into(), Some(json!({"name": "east", "operator": OPERATOR})), StatusCode::NOT_FOUND, "app `nobody`"),
        (Method::DELETE, format!("{app_ns}/items/missing?operator=bob"), None, StatusCode::NOT_FOUND, "no item `missing`"),
        (Method::DELETE, "/apps/nobody?operator=bob".into(), None, StatusCode::NOT_FOUND, "nobody"),
        (Method::DELETE, "/envs/DEV/apps/orders/clusters/ghost?operator=bob".into(), None, StatusCode::NOT_FOUND, "ghost"),
        (Method::DELETE, "/apps/orders/appnamespaces/ghost?operator=bob".into(), None, StatusCode::NOT_FOUND, "ghost"),
        (Method::PUT, "/envs/DEV/releases/987654/rollback?operator=bob".into(), Some(json!({})), StatusCode::NOT_FOUND, "release 987654"),
        // Bad names.
        (Method::POST, "/apps".into(), Some(json!({"appId": "has space", "name": "x", "ownerName": "o", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "invalid app id"),
        (Method::POST, "/apps".into(), Some(json!({"appId": long, "name": "x", "ownerName": "o", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "128"),
        (Method::POST, "/envs/DEV/apps/orders/clusters".into(), Some(json!({"name": "a/b", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "invalid cluster name"),
        (Method::POST, "/apps/orders/appnamespaces".into(), Some(json!({"name": "x.properties", "operator": OPERATOR})), StatusCode::BAD_REQUEST, ".properties"),
        (Method::GET, "/envs/DEV/apps/or%20ders/clusters".into(), None, StatusCode::BAD_REQUEST, "invalid app id"),
        // Bad fields.
        (Method::POST, "/apps".into(), Some(json!({"appId": "x", "name": "", "ownerName": "o", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "`name`"),
        (Method::POST, "/apps".into(), Some(json!({"appId": "x", "name": "n", "ownerName": "o"})), StatusCode::BAD_REQUEST, "operator"),
        (Method::POST, "/apps".into(), Some(json!({"appId": "x", "name": "n", "ownerName": "o", "operator": "  "})), StatusCode::BAD_REQUEST, "operator"),
        (Method::POST, format!("{app_ns}/items"), Some(json!({"key": "", "value": "v", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "the key is empty"),
        (Method::POST, format!("{app_ns}/items"), Some(json!({"key": "a=b", "value": "v", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "`=`"),
        (Method::POST, format!("{app_ns}/items"), Some(json!({"key": long, "value": "v", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "longer than 128"),
        (Method::POST, format!("{app_ns}/items"), Some(json!({"key": "big", "value": "v".repeat(20_001), "operator": OPERATOR})), StatusCode::BAD_REQUEST, "the limit is 20000"),
        (Method::POST, format!("{app_ns}/items"), Some(json!({"key": "timeout", "value": "v", "operator": OPERATOR})), StatusCode::CONFLICT, "already has an item `timeout`"),
        (Method::PUT, format!("{yaml_ns}/text"), Some(json!({"text": "a: [1, 2\nb: 3\n", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "line"),
        (Method::PUT, format!("{app_ns}/text"), Some(json!({"text": "ok = 1\nbroken\n", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "line 2"),
        (Method::POST, format!("{app_ns}/releases"), Some(json!({"title": " ", "operator": OPERATOR})), StatusCode::BAD_REQUEST, "`title`"),
        (Method::PUT, format!("/envs/DEV/releases/{}/rollback?operator=bob", release["id"]), Some(json!({})), StatusCode::BAD_REQUEST, "nothing to roll back to"),
        (Method::DELETE, "/envs/DEV/apps/orders/clusters/default?operator=bob".into(), None, StatusCode::BAD_REQUEST, "default"),
        // Malformed requests.
        (Method::GET, "/envs/DEV/releases/not-a-number".into(), None, StatusCode::BAD_REQUEST, "releaseId"),
        (Method::GET, format!("{app_ns}/releases?page=-1"), None, StatusCode::BAD_REQUEST, "page"),
        (Method::POST, "/apps".into(), Some(json!({"appId": 7})), StatusCode::BAD_REQUEST, "appId"),
        (Method::GET, "/no/such/endpoint".into(), None, StatusCode::NOT_FOUND, "no such endpoint"),
    ];
    for (method, path, body, status, expected) in cases {
        let reply = admin.call(method.clone(), &path, body).await;
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.text);
        let message = reply.message();
        assert!(message.contains(expected), "{method} {path}: `{message}` should mention `{expected}`");
        assert!(!reply.code().is_empty(), "{method} {path}: a code");
    }
    assert!(before == admin.fingerprint().await, "no request changed the database");
});

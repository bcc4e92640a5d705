//! The portal's `/api/v1` in front of a real admin service: apps, items, releases and the
//! rules each environment sets.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

db_test!(async fn an_app_is_created_edited_and_published_as_its_owner(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let created = s.call(Method::POST, "/api/v1/apps", Some(&alice), &json!({"appId": "shop", "name": "Shop"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["ownerName"], "alice", "the creator owns it by default");

    let roles = s.ok(Method::GET, "/api/v1/apps/shop/roles", &alice, &Value::Null).await;
    let held: Vec<(String, String)> = roles.as_array().unwrap().iter().map(|r| (r["subject"].as_str().unwrap().to_owned(), r["role"].as_str().unwrap().to_owned())).collect();
    assert!(held.contains(&("alice".into(), "master".into())), "{roles}");

    let dev = ns("DEV", "shop", "application");
    let item = s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "timeout", "value": "30", "operator": "mallory"})).await;
    assert_eq!(item["updatedBy"], "alice", "the operator is the signed-in user: {item}");
    let release = s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "first"})).await;
    assert_eq!(release["configurations"], json!({"timeout": "30"}));
    assert_eq!(release["createdBy"], "alice");

    // PRO requires review by default: no direct publish, even for the owner.
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "timeout", "value": "60"})).await;
    let direct = s.call(Method::POST, &format!("{pro}/releases"), Some(&alice), &json!({"title": "now"})).await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN, "{}", direct.text);
    assert!(direct.json()["message"].as_str().unwrap().contains("requires review"), "{}", direct.text);

    // Errors of the admin service come through as they are.
    let missing = s.call(Method::GET, &format!("{dev}/items/nope"), Some(&alice), &Value::Null).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let unknown_env = s.call(Method::GET, &ns("QA", "shop", "application"), Some(&alice), &Value::Null).await;
    assert_eq!(unknown_env.status, StatusCode::NOT_FOUND);
    assert!(unknown_env.text.contains("DEV, PRO"), "{}", unknown_env.text);
});

//! Environments served by deployments that share nothing (an admin service and a database
//! each), as the portal sees them.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{ADMIN_TOKEN, Stack};
use lyre_store::db_test;
use lyre_store::testing::TestDb;
use serde_json::{Value, json};

db_test!(async fn an_app_id_taken_in_another_deployment_makes_no_one_its_master(t) {
    let pro = TestDb::new(t.backend).await.unwrap();
    let (s, pro_admin) = Stack::split(&t, &pro).await;
    let alice = s.user("alice").await;
    s.user("bob").await;
    // Bob's `shop` lives in PRO's deployment only.
    let made = reqwest::Client::new()
        .post(format!("{pro_admin}/apps"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"appId": "shop", "name": "Bob's shop", "ownerName": "bob", "operator": "bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED, "{}", made.text().await.unwrap());

    let taken = s.call(Method::POST, "/api/v1/apps", Some(&alice), &json!({"appId": "shop", "name": "Mine"})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text);
    assert!(taken.text.contains("already exists (in PRO"), "{}", taken.text);
    let roles = s.ok(Method::GET, "/api/v1/apps/shop/roles", &alice, &Value::Null).await;
    assert!(!roles.to_string().contains("alice"), "alice became a master of bob's app: {roles}");
    let dev = s.call(Method::GET, "/api/v1/envs/DEV/apps/shop/clusters", Some(&alice), &Value::Null).await;
    assert_eq!(dev.status, StatusCode::NOT_FOUND, "nothing was made in DEV: {}", dev.text);

    // An id free everywhere is made in both deployments.
    s.ok(Method::POST, "/api/v1/apps", &alice, &json!({"appId": "cart", "name": "Cart"})).await;
    for env in ["DEV", "PRO"] {
        s.ok(Method::GET, &format!("/api/v1/envs/{env}/apps/cart/clusters"), &alice, &Value::Null).await;
    }
});

//! The namespace lock: where an environment turns it on, the first editor holds a namespace
//! until its publish, and may not publish their own change.

mod common;

use axum::http::StatusCode;
use common::{Admin, ns};
use lyre_store::db_test;
use serde_json::json;

db_test!(async fn the_first_editor_holds_the_namespace_and_another_publishes(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let settings = admin.get("/envs/PRO/settings").await.expect(StatusCode::OK).json();
    assert_eq!(settings["namespaceLock"], false, "off by default");
    admin
        .put("/envs/PRO/settings", json!({"namespaceLock": true, "operator": "admin"}))
        .await
        .expect(StatusCode::OK);

    let pro = ns("PRO", "orders", "default", "application");
    let edit = |who: &'static str, key: &'static str| {
        let admin = &admin;
        let pro = pro.clone();
        async move { admin.post(&format!("{pro}/items"), json!({"key": key, "value": "1", "operator": who})).await }
    };
    edit("alice", "a").await.expect(StatusCode::CREATED);
    edit("alice", "b").await.expect(StatusCode::CREATED);
    let lock = admin.get(&format!("{pro}/lock")).await.expect(StatusCode::OK).json();
    assert_eq!(lock, json!({"namespaceName": "application", "isLocked": true, "lockedBy": "alice"}));
    assert_eq!(admin.get(&pro).await.json()["lockedBy"], "alice");

    let refused = edit("bob", "c").await.expect(StatusCode::CONFLICT);
    assert_eq!(refused.code(), "namespace_locked");
    assert!(refused.message().contains("alice"), "{}", refused.message());

    let own = admin
        .post(&format!("{pro}/releases"), json!({"title": "mine", "operator": "alice"}))
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(own.message().contains("another person"), "{}", own.message());
    admin
        .post(&format!("{pro}/releases"), json!({"title": "reviewed", "operator": "bob"}))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(admin.get(&format!("{pro}/lock")).await.json()["isLocked"], false, "released by the publish");
    edit("bob", "c").await.expect(StatusCode::CREATED);

    // DEV does not lock.
    let dev = ns("DEV", "orders", "default", "application");
    admin.post(&format!("{dev}/items"), json!({"key": "a", "value": "1", "operator": "alice"})).await.expect(StatusCode::CREATED);
    admin.post(&format!("{dev}/items"), json!({"key": "b", "value": "1", "operator": "bob"})).await.expect(StatusCode::CREATED);
    admin.post(&format!("{dev}/releases"), json!({"title": "t", "operator": "bob"})).await.expect(StatusCode::CREATED);
});

db_test!(async fn emergency_publishes_need_the_environment_to_allow_them(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    admin.put("/envs/PRO/settings", json!({"namespaceLock": true, "operator": "admin"})).await.expect(StatusCode::OK);
    let pro = ns("PRO", "orders", "default", "application");
    admin.post(&format!("{pro}/items"), json!({"key": "a", "value": "1", "operator": "alice"})).await.expect(StatusCode::CREATED);

    let emergency = json!({"title": "hotfix", "operator": "alice", "isEmergencyPublish": true});
    let refused = admin.post(&format!("{pro}/releases"), emergency.clone()).await.expect(StatusCode::FORBIDDEN);
    assert!(refused.message().contains("not allowed in PRO"));

    let settings = admin
        .put("/envs/PRO/settings", json!({"emergencyPublishAllowed": true, "operator": "admin"}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        settings,
        json!({
            "env": "PRO",
            "namespaceLock": true,
            "emergencyPublishAllowed": true,
            // The portal's rules, on in PRO until changed.
            "reviewRequired": true,
            "memberOnlyView": true,
        })
    );
    admin.post(&format!("{pro}/releases"), emergency).await.expect(StatusCode::CREATED);

    let history = admin.get(&format!("{pro}/releases/histories")).await.json();
    assert_eq!(history["items"][0]["isEmergencyPublish"], true);
    let audit = admin.get("/audits?appId=orders&entityType=release").await.json();
    assert_eq!(audit["items"][0]["operation"], "emergency_publish");
    assert_eq!(audit["items"][0]["operator"], "alice");
});

//! Error bodies name their situation (`reason`) and its values (`params`), so the web UI can say
//! them in the user's language: checked through real requests to a portal in front of a real
//! admin service, for the errors people of the UI meet most.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

db_test!(async fn a_missing_role_names_the_role_and_the_namespace(t) {
    let s = Stack::start(&t).await;
    let carol = s.user("carol").await;
    s.app("shop", "admin").await;
    s.grant("shop", "carol", "modify", json!({"namespace": "application", "env": "PRO"})).await;
    let dev = ns("DEV", "shop", "application");
    let refused = s.call(Method::POST, &format!("{dev}/items"), Some(&carol), &json!({"key": "k", "value": "1"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let body = refused.json();
    assert_eq!(body["code"], "forbidden");
    assert_eq!(body["reason"], "missing_role");
    assert_eq!(
        body["params"],
        json!({"role": "modify", "app": "shop", "env": "DEV", "cluster": "default", "namespace": "application"})
    );
    assert!(body["message"].as_str().unwrap().contains("no modify role"), "{body}");
});

db_test!(async fn a_locked_namespace_names_who_holds_it(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.grant("shop", "bob", "modify", json!({"namespace": "*"})).await;
    s.env_rules("DEV", json!({"namespaceLock": true, "reviewRequired": false})).await;
    let dev = ns("DEV", "shop", "application");
    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "a", "value": "1"})).await;
    let refused = s.call(Method::POST, &format!("{dev}/items"), Some(&bob), &json!({"key": "b", "value": "2"})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let body = refused.json();
    assert_eq!((body["code"].as_str(), body["reason"].as_str()), (Some("namespace_locked"), Some("locked_by_other")), "{body}");
    assert_eq!(
        body["params"],
        json!({"user": "alice", "app": "shop", "env": "DEV", "cluster": "default", "namespace": "application"})
    );
});

db_test!(async fn a_wrong_password_says_nothing_more(t) {
    let s = Stack::start(&t).await;
    s.user("alice").await;
    for name in ["alice", "nobody"] {
        let refused = s.portal.login(name, "wrong-password").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
        let body = refused.json();
        assert_eq!(
            body,
            json!({"code": "invalid_credentials", "message": "invalid username or password", "reason": "invalid_credentials"}),
            "the same answer for a user and for no user, with no params"
        );
    }
});

db_test!(async fn reviewing_ones_own_request_names_the_request_and_its_author(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    // Alice masters the app, so she holds the release role too.
    s.app("shop", "alice").await;
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "timeout", "value": "30"})).await;
    let opened = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "timeout"})).await;
    let id = opened["id"].as_i64().unwrap();
    let own = s.call(Method::POST, &format!("/api/v1/release-requests/{id}/approve"), Some(&alice), &Value::Null).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text);
    let body = own.json();
    assert_eq!((body["code"].as_str(), body["reason"].as_str()), (Some("forbidden"), Some("own_request")), "{body}");
    assert_eq!(body["params"], json!({"requestId": id, "user": "alice"}));

    let twice = s.call(Method::POST, &format!("{pro}/release-requests"), Some(&alice), &json!({"title": "again"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
    let body = twice.json();
    assert_eq!((body["code"].as_str(), body["reason"].as_str(), body["requestId"].as_i64()), (Some("request_under_way"), Some("request_under_way"), Some(id)), "{body}");
    assert_eq!(
        body["params"],
        json!({"requestId": id, "status": "open", "user": "alice", "app": "shop", "env": "PRO", "cluster": "default", "namespace": "application"})
    );
});

db_test!(async fn an_unknown_namespace_names_its_kind_and_name(t) {
    let s = Stack::start(&t).await;
    s.app("shop", "admin").await;
    let missing = s.call(Method::GET, &ns("DEV", "shop", "nope"), Some(&s.root), &Value::Null).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let body = missing.json();
    assert_eq!((body["code"].as_str(), body["reason"].as_str()), (Some("namespace_not_found"), Some("not_found")), "{body}");
    assert_eq!(
        body["params"],
        json!({"kind": "namespace", "name": "nope", "app": "shop", "env": "DEV", "cluster": "default", "namespace": "nope"})
    );

    let no_env = s.call(Method::GET, &ns("QA", "shop", "application"), Some(&s.root), &Value::Null).await;
    assert_eq!(no_env.status, StatusCode::NOT_FOUND, "{}", no_env.text);
    let body = no_env.json();
    assert_eq!(body["reason"], "not_found", "{body}");
    assert_eq!((body["params"]["kind"].as_str(), body["params"]["name"].as_str()), (Some("env"), Some("QA")), "{body}");
});

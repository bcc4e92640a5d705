//! The Open API for CI: consumers, their tokens, Apollo's paths and fields.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::Reply;
use common::stack::Stack;
use lyre_store::db_test;
use serde_json::{Value, json};

const OPEN: &str = "/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";

async fn with_token(s: &Stack, method: Method, path: &str, token: &str, body: &Value) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, token);
    let body = if body.is_null() {
        Body::empty()
    } else {
        request = request.header(header::CONTENT_TYPE, "application/json");
        Body::from(body.to_string())
    };
    s.portal.send(request.body(body).unwrap()).await
}

async fn consumer(s: &Stack, by: &str, body: Value) -> Reply {
    s.call(Method::POST, "/api/v1/consumers", Some(by), &body)
        .await
}

db_test!(async fn a_consumer_token_edits_and_publishes_within_its_grants(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.app("other", "bob").await;

    // Only masters of every app named (or the super admin) create consumers.
    let named_like_a_user = consumer(&s, &s.root, json!({"name": "bob", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]})).await;
    assert_eq!(named_like_a_user.status, StatusCode::CONFLICT, "{}", named_like_a_user.text);
    let refused = consumer(&s, &bob, json!({"name": "ci", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let no_app = consumer(&s, &s.root, json!({"name": "ci", "grants": [{"appId": "nope", "namespace": "*", "permissions": ["modify"]}]})).await;
    assert_eq!(no_app.status, StatusCode::BAD_REQUEST, "{}", no_app.text);
    assert!(no_app.text.contains("nope"), "{}", no_app.text);
    let bad = consumer(&s, &alice, json!({"name": "ci", "grants": [{"appId": "shop", "namespace": "*", "envs": ["QA"], "permissions": ["modify"]}]})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("QA"), "{}", bad.text);
    let created = consumer(&s, &alice, json!({
        "name": "shop-ci",
        "rateLimit": 100,
        "grants": [{"appId": "shop", "namespace": "application", "envs": ["DEV"], "permissions": ["modify", "release"]}]
    })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 40);
    assert_eq!(created["tokenHint"], token[36..]);
    let listed = s.ok(Method::GET, "/api/v1/consumers", &alice, &Value::Null).await;
    assert!(listed[0].get("token").is_none(), "the token is shown once: {listed}");
    let stored: Vec<String> = lyre_store::consumers::list(&t.db).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(stored, ["shop-ci"]);

    // Apollo's calls, with Apollo's fields.
    let item = with_token(&s, Method::POST, &format!("{OPEN}/items"), &token, &json!({"key": "timeout", "value": "30", "comment": "seconds", "dataChangeCreatedBy": "alice"})).await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.text);
    let item = item.json();
    assert_eq!((item["key"].as_str(), item["dataChangeCreatedBy"].as_str()), (Some("timeout"), Some("alice")));
    assert!(item["dataChangeCreatedTime"].as_str().unwrap().ends_with("+0000"), "{item}");
    let unknown_operator = with_token(&s, Method::POST, &format!("{OPEN}/items"), &token, &json!({"key": "x", "value": "1", "dataChangeCreatedBy": "nobody"})).await;
    assert_eq!(unknown_operator.status, StatusCode::BAD_REQUEST, "{}", unknown_operator.text);
    let upsert = with_token(&s, Method::PUT, &format!("{OPEN}/items/retries?createIfNotExists=true"), &token, &json!({"key": "retries", "value": "3"})).await;
    assert_eq!(upsert.status, StatusCode::OK, "{}", upsert.text);
    assert_eq!(upsert.json()["dataChangeLastModifiedBy"], "shop-ci", "a consumer without an operator is itself");
    let page = with_token(&s, Method::GET, &format!("{OPEN}/items?size=1"), &token, &Value::Null).await.json();
    assert_eq!((page["total"].as_u64(), page["content"].as_array().unwrap().len()), (Some(2), 1));
    let namespace = with_token(&s, Method::GET, OPEN, &token, &Value::Null).await.json();
    assert_eq!(namespace["items"].as_array().unwrap().len(), 2);
    assert_eq!(namespace["format"], "properties");

    let published = with_token(&s, Method::POST, &format!("{OPEN}/releases"), &token, &json!({"releaseTitle": "from CI", "releaseComment": "build 42", "releasedBy": "alice"})).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    let release = published.json();
    assert_eq!(release["name"], "from CI");
    assert_eq!(release["configurations"], json!({"timeout": "30", "retries": "3"}));
    assert_eq!(release["dataChangeCreatedBy"], "alice");
    // The audit log names who was authenticated, the consumer; `alice` is only a label.
    let audits = s.ok(Method::GET, "/api/v1/audits?size=1", &s.root, &Value::Null).await;
    let entry = &audits["items"][0];
    assert_eq!(entry["operation"], "publish", "{entry}");
    assert!(entry["operator"].as_str().unwrap().starts_with("shop-ci (consumer"), "{entry}");
    let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["onBehalfOf"], "alice", "{entry}");
    let latest = with_token(&s, Method::GET, &format!("{OPEN}/releases/latest"), &token, &Value::Null).await.json();
    assert_eq!(latest["id"], release["id"]);
    let history = with_token(&s, Method::GET, &format!("{OPEN}/releases/histories"), &token, &Value::Null).await.json();
    assert_eq!(history["content"][0]["operation"], "normal_release");
    // A caller cannot name the identity itself: the portal sends the one it authenticated.
    let spoofed = Request::builder()
        .method(Method::POST)
        .uri(format!("{OPEN}/releases"))
        .header(header::AUTHORIZATION, &token)
        .header("x-lyre-actor", "mallory")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"releaseTitle": "spoofed"}).to_string()))
        .unwrap();
    assert_eq!(s.portal.send(spoofed).await.status, StatusCode::OK);
    let audits = s.ok(Method::GET, "/api/v1/audits?size=1", &s.root, &Value::Null).await;
    let operator = audits["items"][0]["operator"].as_str().unwrap().to_owned();
    assert!(operator.starts_with("shop-ci (consumer"), "{operator}");

    // Outside its grants: 403; an unknown token: 401.
    for (method, path) in [
        (Method::POST, "/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces/application/items"),
        (Method::POST, "/openapi/v1/envs/DEV/apps/other/clusters/default/namespaces/application/items"),
    ] {
        let reply = with_token(&s, method, path, &token, &json!({"key": "k", "value": "v"})).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}: {}", reply.text);
    }
    let other = with_token(&s, Method::GET, "/openapi/v1/envs/DEV/apps/other/clusters/default/namespaces/application", &token, &Value::Null).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "a consumer reads only apps it holds a grant on");
    let apps = with_token(&s, Method::GET, "/openapi/v1/apps", &token, &Value::Null).await.json();
    assert_eq!(apps.as_array().unwrap().len(), 1, "{apps}");
    for wrong in ["0123456789abcdef0123456789abcdef01234567", ""] {
        let reply = with_token(&s, Method::GET, "/openapi/v1/envs", wrong, &Value::Null).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
    }
    let unauthenticated = s.call(Method::GET, "/openapi/v1/envs", None, &Value::Null).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);

    // A signed-in user's session works as a bearer token.
    let by_user = s.call(Method::GET, "/openapi/v1/envs", Some(&alice), &Value::Null).await;
    assert_eq!(by_user.json(), json!(["DEV", "PRO"]));

    // Rotating the token ends the old one; deleting the consumer ends the new one.
    let id = created["id"].as_i64().unwrap();
    let rotated = s.ok(Method::POST, &format!("/api/v1/consumers/{id}/token"), &alice, &Value::Null).await;
    let new_token = rotated["token"].as_str().unwrap().to_owned();
    assert_eq!(with_token(&s, Method::GET, "/openapi/v1/envs", &token, &Value::Null).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(with_token(&s, Method::GET, "/openapi/v1/envs", &new_token, &Value::Null).await.status, StatusCode::OK);
    let not_yours = s.call(Method::DELETE, &format!("/api/v1/consumers/{id}"), Some(&bob), &Value::Null).await;
    assert_eq!(not_yours.status, StatusCode::FORBIDDEN);
    s.ok(Method::DELETE, &format!("/api/v1/consumers/{id}"), &alice, &Value::Null).await;
    assert_eq!(with_token(&s, Method::GET, "/openapi/v1/envs", &new_token, &Value::Null).await.status, StatusCode::UNAUTHORIZED);
});

db_test!(async fn ci_follows_the_review_workflow_and_its_rate_limit(t) {
    let s = Stack::start(&t).await;
    s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.grant("shop", "bob", "release", json!({"namespace": "*"})).await;
    let created = consumer(&s, &s.root, json!({
        "name": "ci", "rateLimit": 2,
        "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify", "release"]}]
    })).await.json();
    let token = created["token"].as_str().unwrap().to_owned();
    let pro = "/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";

    let item = with_token(&s, Method::POST, &format!("{pro}/items"), &token, &json!({"key": "k", "value": "1"})).await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.text);
    let direct = with_token(&s, Method::POST, &format!("{pro}/releases"), &token, &json!({"releaseTitle": "now"})).await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN, "{}", direct.text);
    assert_eq!(direct.code(), "review_required", "CI can tell review from a missing permission");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let opened = with_token(&s, Method::POST, &format!("{pro}/release-requests"), &token, &json!({"title": "k=1", "operator": "alice"})).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let id = opened.json()["id"].as_i64().unwrap();
    assert_eq!(opened.json()["createdBy"], "ci (consumer of admin)", "the consumer is the author, whoever it names");

    // Two requests per second: a burst is cut off.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(with_token(&s, Method::GET, &format!("/openapi/v1/release-requests/{id}"), &token, &Value::Null).await.status.as_u16());
    }
    assert_eq!(statuses[..2], [200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let early = with_token(&s, Method::POST, &format!("/openapi/v1/release-requests/{id}/publish?operator=alice"), &token, &Value::Null).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    let own = s.call(Method::POST, &format!("/api/v1/release-requests/{id}/approve"), Some(&s.root), &Value::Null).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "the consumer's owner is the author, through CI");
    s.ok(Method::POST, &format!("/api/v1/release-requests/{id}/approve"), &bob, &Value::Null).await;
    let published = with_token(&s, Method::POST, &format!("/openapi/v1/release-requests/{id}/publish?operator=alice"), &token, &Value::Null).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    assert_eq!(published.json()["configurations"], json!({"k": "1"}));
});

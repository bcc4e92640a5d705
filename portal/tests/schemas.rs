//! Namespace schemas through the portal: set by masters, versioned, checked at publish as each
//! environment says (`off`, `warn`, `enforce`), with each problem named by its key.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

/// The schema of the app's settings, as `lyre_client::schema::write` writes it.
fn settings_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Settings",
        "type": "object",
        "properties": {
            "db": {"$ref": "#/$defs/Db"},
            "mode": {"type": "string", "enum": ["fast", "safe"]}
        },
        "required": ["db"],
        "$defs": {
            "Db": {
                "type": "object",
                "properties": {
                    "url": {"type": "string"},
                    "pool_size": {"type": "integer", "format": "uint16", "minimum": 0}
                },
                "required": ["url", "pool_size"]
            }
        }
    })
}

const SCHEMA: &str = "/api/v1/apps/shop/namespaces/application/schema";

fn mode_path(env: &str) -> String {
    format!("/api/v1/envs/{env}/apps/shop/namespaces/application/schema/mode")
}

db_test!(async fn a_publish_is_checked_against_the_schema_as_each_environment_says(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    let dev = ns("DEV", "shop", "application");

    // Only a master sets the schema; it must be one.
    let bob = s.user("bob").await;
    let refused = s.call(Method::PUT, SCHEMA, Some(&bob), &json!({"document": settings_schema()})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let bad = s.call(Method::PUT, SCHEMA, Some(&alice), &json!({"document": {"type": "no-such-type"}})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert!(bad.text.contains("not a valid JSON Schema"), "{}", bad.text);
    let set = s.ok(Method::PUT, SCHEMA, &alice, &json!({"document": settings_schema()})).await;
    assert_eq!((set["version"].as_i64(), set["createdBy"].as_str()), (Some(1), Some("alice")));

    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "db.url", "value": "postgres://db/shop"})).await;
    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "db.pool-size", "value": "1O"})).await;

    // Off (the default): published, nothing said.
    let state = s.ok(Method::GET, "/api/v1/envs/DEV/apps/shop/namespaces/application/schema", &bob, &Value::Null).await;
    assert_eq!((state["mode"].as_str(), state["current"]["version"].as_i64()), (Some("off"), Some(1)));
    let off = s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "off"})).await;
    assert!(off.get("schemaProblems").is_none(), "{off}");

    // Warn: published, the problem in the answer, named by the key as written.
    s.ok(Method::PUT, &mode_path("DEV"), &alice, &json!({"mode": "warn"})).await;
    let ahead = s.ok(Method::GET, &format!("{dev}/schema-check"), &bob, &Value::Null).await;
    assert_eq!(ahead[0]["at"], "db.pool-size", "the publish dialog's verdict: {ahead}");
    // The item dialog's check as a value is typed: nothing is saved.
    let typed = s.ok(Method::POST, &format!("{dev}/item-check"), &bob, &json!({"key": "db.pool-size", "value": "many"})).await;
    assert_eq!((typed[0]["at"].as_str(), typed.as_array().unwrap().len()), (Some("db.pool-size"), 1), "{typed}");
    assert!(typed[0]["message"].as_str().unwrap().contains("\"many\""), "{typed}");
    let fixed = s.ok(Method::POST, &format!("{dev}/item-check"), &bob, &json!({"key": "db.pool-size", "value": "12"})).await;
    assert_eq!(fixed, json!([]));
    let added = s.ok(Method::POST, &format!("{dev}/item-check"), &bob, &json!({"key": "mode", "value": "slow"})).await;
    assert!(added.as_array().unwrap().iter().any(|p| p["at"] == "mode"), "a new key is checked too: {added}");
    let stored = s.ok(Method::GET, &format!("{dev}/items/db.pool-size"), &alice, &Value::Null).await;
    assert_eq!(stored["value"], "1O", "nothing saved");
    let warned = s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "warn"})).await;
    let problems = warned["schemaProblems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{warned}");
    assert_eq!(problems[0]["at"], "db.pool-size");
    assert!(problems[0]["message"].as_str().unwrap().contains("\"1O\""), "{warned}");

    // Enforce: refused with 422, nothing published.
    s.ok(Method::PUT, &mode_path("DEV"), &alice, &json!({"mode": "enforce"})).await;
    let before = s.ok(Method::GET, &format!("{dev}/releases"), &alice, &Value::Null).await["total"].clone();
    let enforced = s.call(Method::POST, &format!("{dev}/releases"), Some(&alice), &json!({"title": "enforce"})).await;
    assert_eq!(enforced.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", enforced.text);
    assert_eq!(enforced.code(), "schema_violation");
    let body = enforced.json();
    assert_eq!(body["problems"][0]["at"], "db.pool-size");
    assert!(body["message"].as_str().unwrap().contains("`db.pool-size`"), "{body}");
    let after = s.ok(Method::GET, &format!("{dev}/releases"), &alice, &Value::Null).await["total"].clone();
    assert_eq!(before, after, "nothing published");

    // Fixed, it goes out; another environment keeps its own mode.
    s.ok(Method::PUT, &format!("{dev}/items/db.pool-size"), &alice, &json!({"value": "10"})).await;
    let fixed = s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "fixed"})).await;
    assert!(fixed.get("schemaProblems").is_none(), "{fixed}");
    let pro = s.ok(Method::GET, "/api/v1/envs/PRO/apps/shop/namespaces/application/schema", &alice, &Value::Null).await;
    assert_eq!(pro["mode"], "off");

    // A rollback is never refused, even to a release the enforced schema rejects; it says so.
    let fixed_id = fixed["id"].as_i64().unwrap();
    let back = s.ok(Method::PUT, &format!("/api/v1/envs/DEV/releases/{fixed_id}/rollback"), &alice, &Value::Null).await;
    assert_eq!(back["active"]["title"], "warn", "{back}");
    assert_eq!(back["schemaProblems"][0]["at"], "db.pool-size", "{back}");

    // A missing required key is named too.
    s.call(Method::DELETE, &format!("{dev}/items/db.url"), Some(&alice), &Value::Null).await;
    let missing = s.call(Method::POST, &format!("{dev}/releases"), Some(&alice), &json!({"title": "missing"})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.text);
    assert!(missing.json()["problems"][0]["message"].as_str().unwrap().contains("url"), "{}", missing.text);

    // History: every version, newest first, with who set it.
    s.ok(Method::PUT, SCHEMA, &alice, &json!({"document": {"type": "object"}})).await;
    let history = s.ok(Method::GET, &format!("{SCHEMA}/history"), &bob, &Value::Null).await;
    let versions: Vec<i64> = history.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [2, 1]);
});

db_test!(async fn yaml_namespaces_are_checked_as_documents_and_xml_ones_not_at_all(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "settings", "format": "yaml"})).await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "layout", "format": "xml"})).await;
    let schema = "/api/v1/apps/shop/namespaces/settings.yaml/schema";
    s.ok(Method::PUT, schema, &alice, &json!({"document": settings_schema()})).await;
    s.ok(Method::PUT, "/api/v1/envs/DEV/apps/shop/namespaces/settings.yaml/schema/mode", &alice, &json!({"mode": "enforce"})).await;
    let yaml = ns("DEV", "shop", "settings.yaml");
    s.ok(Method::PUT, &format!("{yaml}/text"), &alice, &json!({"text": "db:\n  url: x\n  pool_size: ten\n"})).await;
    let refused = s.call(Method::POST, &format!("{yaml}/releases"), Some(&alice), &json!({"title": "ten"})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(refused.json()["problems"][0]["at"], "/db/pool_size");

    // A namespace deleted and made again starts without the old schema.
    s.ok(Method::DELETE, "/api/v1/apps/shop/appnamespaces/settings.yaml", &alice, &Value::Null).await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "settings", "format": "yaml"})).await;
    let again = s.ok(Method::GET, "/api/v1/envs/DEV/apps/shop/namespaces/settings.yaml/schema", &alice, &Value::Null).await;
    assert!(again.get("current").is_none(), "{again}");
    assert_eq!(again["mode"], "off");

    let xml = s.call(Method::PUT, "/api/v1/apps/shop/namespaces/layout.xml/schema", Some(&alice), &json!({"document": {}})).await;
    assert_eq!(xml.status, StatusCode::BAD_REQUEST, "{}", xml.text);
    assert!(xml.text.contains("schemas check properties, json and yaml namespaces"), "{}", xml.text);
});

db_test!(async fn gray_publishes_and_merges_are_checked_too(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    let dev = ns("DEV", "shop", "application");
    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "db.url", "value": "x"})).await;
    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "db.pool-size", "value": "5"})).await;
    s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "good"})).await;
    s.ok(Method::PUT, SCHEMA, &alice, &json!({"document": settings_schema()})).await;
    s.ok(Method::PUT, &mode_path("DEV"), &alice, &json!({"mode": "enforce"})).await;

    let branch = s.ok(Method::POST, &format!("{dev}/branches"), &alice, &Value::Null).await["branchName"].as_str().unwrap().to_owned();
    s.ok(Method::PUT, &format!("{dev}/branches/{branch}/overrides/db.pool-size"), &alice, &json!({"value": "lots"})).await;
    s.ok(Method::PUT, &format!("{dev}/branches/{branch}/rules"), &alice, &json!({"ruleItems": [{"clientAppId": "shop", "clientIpList": ["10.0.0.1"]}]})).await;
    // The gray publish dialog's verdict: the branch's release, not main's (which fits).
    let main_check = s.ok(Method::GET, &format!("{dev}/schema-check"), &alice, &Value::Null).await;
    assert_eq!(main_check, json!([]));
    let gray_check = s.ok(Method::GET, &format!("{dev}/schema-check?branch={branch}"), &alice, &Value::Null).await;
    assert_eq!(gray_check[0]["at"], "db.pool-size", "{gray_check}");
    assert!(gray_check[0]["message"].as_str().unwrap().contains("\"lots\""), "{gray_check}");
    let no_branch = s.call(Method::GET, &format!("{dev}/schema-check?branch=nope"), Some(&alice), &Value::Null).await;
    assert_eq!((no_branch.status, no_branch.code()), (StatusCode::NOT_FOUND, "branch_not_found".into()), "{}", no_branch.text);
    let gray = s.call(Method::POST, &format!("{dev}/branches/{branch}/releases"), Some(&alice), &json!({"title": "gray"})).await;
    assert_eq!(gray.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", gray.text);
    assert_eq!(gray.json()["problems"][0]["at"], "db.pool-size");
    let merge = s.call(Method::POST, &format!("{dev}/branches/{branch}/merge"), Some(&alice), &json!({"title": "merge"})).await;
    assert_eq!(merge.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", merge.text);

    // In warn mode both go out, saying what does not fit.
    s.ok(Method::PUT, &mode_path("DEV"), &alice, &json!({"mode": "warn"})).await;
    let gray = s.ok(Method::POST, &format!("{dev}/branches/{branch}/releases"), &alice, &json!({"title": "gray"})).await;
    assert_eq!(gray["schemaProblems"][0]["at"], "db.pool-size");
    let merged = s.ok(Method::POST, &format!("{dev}/branches/{branch}/merge"), &alice, &json!({"title": "merge"})).await;
    assert_eq!(merged["schemaProblems"][0]["at"], "db.pool-size");
});

db_test!(async fn a_reviewer_sees_what_a_request_would_not_fit_and_its_publish_is_refused(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.grant("shop", "bob", "release", json!({"namespace": "*"})).await;
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::PUT, SCHEMA, &alice, &json!({"document": settings_schema()})).await;
    s.ok(Method::PUT, &mode_path("PRO"), &alice, &json!({"mode": "enforce"})).await;
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "db.url", "value": "x"})).await;
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "db.pool-size", "value": "1O"})).await;
    let opened = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "pool"})).await;
    let id = opened["id"].as_i64().unwrap();

    let seen = s.ok(Method::GET, &format!("/api/v1/release-requests/{id}"), &bob, &Value::Null).await;
    assert_eq!(seen["schemaProblems"][0]["at"], "db.pool-size", "{seen}");
    s.ok(Method::POST, &format!("/api/v1/release-requests/{id}/approve"), &bob, &json!({"comment": "ok"})).await;
    let published = s.call(Method::POST, &format!("/api/v1/release-requests/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(published.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", published.text);
    assert_eq!(published.code(), "schema_violation");
    let still = s.ok(Method::GET, &format!("/api/v1/release-requests/{id}"), &bob, &Value::Null).await;
    assert_eq!(still["status"], "approved", "the request waits for a fix: {still}");
});

db_test!(async fn a_private_namespaces_schema_is_shown_only_where_its_configuration_is(t) {
    // A schema says which keys a namespace holds, their types, enum values and defaults: where
    // an environment shows a private namespace to the app's members only, its schema is theirs
    // too, through the portal and the Open API alike.
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let eve = s.user("eve").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "other"})).await;
    s.ok(Method::PUT, SCHEMA, &alice, &json!({"document": settings_schema()})).await;
    s.env_rules("PRO", json!({"memberOnlyView": true})).await;

    let in_env = |env: &str| format!("/api/v1/envs/{env}/apps/shop/namespaces/application/schema");
    let dev = s.call(Method::GET, &in_env("DEV"), Some(&eve), &Value::Null).await;
    assert_eq!(dev.status, StatusCode::OK, "DEV shows it to everyone: {}", dev.text);
    let pro = s.call(Method::GET, &in_env("PRO"), Some(&eve), &Value::Null).await;
    assert_eq!(pro.status, StatusCode::FORBIDDEN, "PRO hides it from non-members: {}", pro.text);
    assert!(pro.text.contains("members of app `shop`"), "{}", pro.text);
    let open_pro = s.call(Method::GET, &format!("/openapi{}", &in_env("PRO")[4..]), Some(&eve), &Value::Null).await;
    assert_eq!(open_pro.status, StatusCode::FORBIDDEN, "the Open API with eve's session: {}", open_pro.text);
    assert_eq!(s.ok(Method::GET, &in_env("PRO"), &alice, &Value::Null).await["current"]["version"], 1);

    // The history is the same document in every environment: shown while one environment
    // shows the namespace, hidden once none does.
    let history = format!("{SCHEMA}/history");
    let shown = s.call(Method::GET, &history, Some(&eve), &Value::Null).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    s.env_rules("DEV", json!({"memberOnlyView": true})).await;
    let hidden = s.call(Method::GET, &history, Some(&eve), &Value::Null).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN, "{}", hidden.text);
    s.ok(Method::GET, &history, &alice, &Value::Null).await;
    let dev_hidden = s.call(Method::GET, &in_env("DEV"), Some(&eve), &Value::Null).await;
    assert_eq!(dev_hidden.status, StatusCode::FORBIDDEN, "{}", dev_hidden.text);

    // A CI token of the app reads the schema of the namespaces its grants cover, not others.
    let mut tokens = Vec::new();
    for namespace in ["application", "other"] {
        let grants = json!([{"appId": "shop", "namespace": namespace, "permissions": ["modify"]}]);
        let created = s.ok(Method::POST, "/api/v1/consumers", &alice, &json!({"name": format!("ci-{namespace}"), "grants": grants})).await;
        tokens.push(created["token"].as_str().unwrap().to_owned());
    }
    let open = "/openapi/v1/envs/PRO/apps/shop/namespaces/application/schema";
    for (token, status) in tokens.iter().zip([StatusCode::OK, StatusCode::FORBIDDEN]) {
        let request = axum::http::Request::builder()
            .uri(open)
            .header(axum::http::header::AUTHORIZATION, token.as_str())
            .body(axum::body::Body::empty())
            .unwrap();
        let reply = s.portal.send(request).await;
        assert_eq!(reply.status, status, "{}", reply.text);
    }
});

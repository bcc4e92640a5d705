//! Webhooks through the portal's API: where they may point, who may see and change them, and
//! the events their deliveries are made of, recorded with the change they tell of.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

const HOOKS: &str = "/api/v1/apps/shop/webhooks";

db_test!(async fn a_webhook_may_not_point_inside_the_network(t) {
    let s = Stack::start(&t).await;
    s.app("shop", "admin").await;
    for (url, says) in [
        ("http://127.0.0.1:8070/api/v1/apps", "inside the network"),
        ("http://localhost:5432/", "inside the network"),
        ("http://169.254.169.254/latest/meta-data/", "inside the network"),
        ("http://10.0.0.7/hook", "inside the network"),
        ("http://[::1]:6379/", "inside the network"),
        ("http://0x7f000001/", "inside the network"),
        ("gopher://example.com/", "http or https"),
        ("http://ci:token@93.184.215.14/hook", "credentials"),
        ("https://93.184.215.14/hook", "without TLS"),
    ] {
        let reply = s.call(Method::POST, HOOKS, Some(&s.root), &json!({"url": url, "events": ["*"]})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{url}: {}", reply.text);
        assert!(reply.text.contains(says), "{url}: {}", reply.text);
    }
    let unknown = s.call(Method::POST, HOOKS, Some(&s.root), &json!({"url": "http://93.184.215.14/", "events": ["release.publish"]})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text.contains("`release.publish`, not an event kind"), "{}", unknown.text);
    let none = s.call(Method::POST, HOOKS, Some(&s.root), &json!({"url": "http://93.184.215.14/", "events": []})).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text);
    // Nothing refused was stored.
    assert_eq!(s.ok(Method::GET, HOOKS, &s.root, &Value::Null).await, json!([]));

    // Nor may a saved one be moved inside.
    let made = s.ok(Method::POST, HOOKS, &s.root, &json!({"url": "http://93.184.215.14/hook", "events": ["*"]})).await;
    let id = made["id"].as_i64().unwrap();
    let moved = s.call(Method::PUT, &format!("{HOOKS}/{id}"), Some(&s.root), &json!({"url": "http://192.168.0.1/", "events": ["*"]})).await;
    assert_eq!(moved.status, StatusCode::BAD_REQUEST, "{}", moved.text);
    let listed = s.ok(Method::GET, HOOKS, &s.root, &Value::Null).await;
    assert_eq!(listed[0]["url"], "http://93.184.215.14/hook");
});

db_test!(async fn the_secret_is_shown_once_and_only_masters_see_the_webhooks(t) {
    let s = Stack::start(&t).await;
    s.app("shop", "admin").await;
    s.app("other", "admin").await;
    let master = s.user("mona").await;
    let neighbour = s.user("nick").await;
    let member = s.user("mia").await;
    s.grant("shop", "mona", "master", json!({})).await;
    s.grant("other", "nick", "master", json!({})).await;
    s.grant("shop", "mia", "modify", json!({"namespace": "*"})).await;

    let made = s.call(Method::POST, HOOKS, Some(&master), &json!({"url": "http://93.184.215.14/hook", "events": ["release.published", "request.opened", "release.published"], "description": "chat"})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let made = made.json();
    let id = made["id"].as_i64().unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 64, "{secret}");
    assert_eq!(made["events"], json!(["release.published", "request.opened"]));
    assert_eq!(made["secretHint"], format!("…{}", &secret[secret.len() - 4..]));

    let listed = s.ok(Method::GET, HOOKS, &master, &Value::Null).await;
    assert_eq!(listed[0]["id"], id);
    assert!(listed[0].get("secret").is_none(), "the secret is not shown again: {listed}");
    assert!(!listed.to_string().contains(&secret[6..]), "{listed}");

    let rotated = s.ok(Method::POST, &format!("{HOOKS}/{id}/secret"), &master, &Value::Null).await;
    let second = rotated["secret"].as_str().unwrap();
    assert_ne!(second, secret);

    // A member who is not a master, and a master of another app, see nothing of them.
    let reply = s.call(Method::GET, HOOKS, Some(&member), &Value::Null).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    let reply = s.call(Method::GET, HOOKS, Some(&neighbour), &Value::Null).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    // Nor reach one through the app they master: its id belongs to `shop`.
    for (method, path, body) in [
        (Method::PUT, format!("/api/v1/apps/other/webhooks/{id}"), json!({"url": "http://93.184.215.14/stolen", "events": ["*"]})),
        (Method::POST, format!("/api/v1/apps/other/webhooks/{id}/secret"), Value::Null),
        (Method::GET, format!("/api/v1/apps/other/webhooks/{id}/deliveries"), Value::Null),
        (Method::DELETE, format!("/api/v1/apps/other/webhooks/{id}"), Value::Null),
        (Method::PUT, format!("/api/v1/system/webhooks/{id}"), json!({"url": "http://93.184.215.14/stolen", "events": ["*"]})),
    ] {
        let reply = s.call(method.clone(), &path, Some(if path.contains("/system/") { &s.root } else { &neighbour }), &body).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.text);
    }
    let still = s.ok(Method::GET, HOOKS, &master, &Value::Null).await;
    assert_eq!(still[0]["url"], "http://93.184.215.14/hook");
    // Installation webhooks are the super admin's.
    let reply = s.call(Method::POST, "/api/v1/system/webhooks", Some(&master), &json!({"url": "http://93.184.215.14/all", "events": ["*"]})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);

    // Every change to a webhook is audited, without its secret.
    let audits = s.ok(Method::GET, "/api/v1/audits?appId=shop&entityType=webhook", &s.root, &Value::Null).await;
    let text = audits.to_string();
    assert!(text.contains("rotate_secret") && text.contains("\"create\""), "{text}");
    assert!(!text.contains(&secret[6..]) && !text.contains(&second[6..]), "{text}");
    // Nor the address's path, which may hold the receiver's own token.
    assert!(text.contains("http://93.184.215.14") && !text.contains("/hook"), "{text}");
});

db_test!(async fn events_are_queued_with_the_change_they_tell_of(t) {
    let s = Stack::start(&t).await;
    s.app("shop", "admin").await;
    let bob = s.user("bob").await;
    s.grant("shop", "bob", "release", json!({"namespace": "*"})).await;
    let hook = s.ok(Method::POST, HOOKS, &s.root, &json!({"url": "http://93.184.215.14/hook", "events": ["release.published", "release.rolled_back", "request.opened", "request.approved"]})).await;
    let id = hook["id"].as_i64().unwrap();
    let all = s.ok(Method::POST, "/api/v1/system/webhooks", &s.root, &json!({"url": "http://93.184.215.14/all", "events": ["*"]})).await;
    let all_id = all["id"].as_i64().unwrap();

    let dev = ns("DEV", "shop", "application");
    s.ok(Method::POST, &format!("{dev}/items"), &s.root, &json!({"key": "timeout", "value": "30"})).await;
    s.ok(Method::POST, &format!("{dev}/releases"), &s.root, &json!({"title": "first"})).await;
    s.ok(Method::PUT, &format!("{dev}/items/timeout"), &s.root, &json!({"value": "45"})).await;
    let second = s.ok(Method::POST, &format!("{dev}/releases"), &s.root, &json!({"title": "second"})).await;
    s.ok(Method::PUT, &format!("/api/v1/envs/DEV/releases/{}/rollback", second["id"]), &s.root, &Value::Null).await;
    // A publish that is refused (nothing to publish in PRO without review) tells nobody.
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &s.root, &json!({"key": "timeout", "value": "30"})).await;
    let refused = s.call(Method::POST, &format!("{pro}/releases"), Some(&bob), &json!({"title": "unreviewed"})).await;
    assert!(!refused.status.is_success(), "{}", refused.text);
    let opened = s.ok(Method::POST, &format!("{pro}/release-requests"), &s.root, &json!({"title": "timeout"})).await;
    s.ok(Method::POST, &format!("/api/v1/release-requests/{}/approve", opened["id"]), &bob, &json!({"comment": "ok"})).await;

    let deliveries = s.ok(Method::GET, &format!("{HOOKS}/{id}/deliveries"), &s.root, &Value::Null).await;
    let kinds: Vec<&str> = deliveries["items"].as_array().unwrap().iter().rev().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["release.published", "release.published", "release.rolled_back", "request.opened", "request.approved"]);
    let first = &deliveries["items"][4];
    assert_eq!((first["state"].as_str(), first["attempts"].as_i64()), (Some("pending"), Some(0)));
    let body: Value = serde_json::from_str(first["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["kind"], "release.published");
    assert_eq!((body["env"].as_str(), body["appId"].as_str(), body["namespaceName"].as_str()), (Some("DEV"), Some("shop"), Some("application")));
    assert_eq!((body["data"]["title"].as_str(), body["data"]["operator"].as_str()), (Some("first"), Some("admin")));
    let approved: Value = serde_json::from_str(deliveries["items"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!((approved["data"]["operator"].as_str(), approved["data"]["comment"].as_str()), (Some("bob"), Some("ok")));

    // The installation's webhook hears everything, branch and item changes aside.
    let everything = s.ok(Method::GET, &format!("/api/v1/system/webhooks/{all_id}/deliveries"), &s.root, &Value::Null).await;
    assert_eq!(everything["total"], 5, "{everything}");

    // A delivery can be sent again: a new one, queued after the others.
    let again = s.call(Method::POST, &format!("{HOOKS}/{id}/deliveries/{}/redeliver", first["id"]), Some(&s.root), &Value::Null).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    let again = again.json();
    assert_eq!((again["eventId"].as_i64(), again["state"].as_str()), (first["eventId"].as_i64(), Some("pending")));
    assert!(again["id"].as_i64() > deliveries["items"][0]["id"].as_i64());
    let missing = s.call(Method::POST, &format!("{HOOKS}/{id}/deliveries/{}/redeliver", 999_999), Some(&s.root), &Value::Null).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);

    // Deleting a webhook deletes its deliveries.
    s.ok(Method::DELETE, &format!("{HOOKS}/{id}"), &s.root, &Value::Null).await;
    let gone = s.call(Method::GET, &format!("{HOOKS}/{id}/deliveries"), Some(&s.root), &Value::Null).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
});

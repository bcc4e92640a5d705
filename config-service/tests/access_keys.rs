//! Access keys: managed through the admin service, enforced (or observed) by config services
//! on `/configs`, `/configfiles` and `/notifications`.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, client, get, get_with, long_poll_path};
use lyre_protocol::access_key::{authorization, signature};
use lyre_store::db_test;
use lyre_store::time::now_millis;
use reqwest::Method;
use serde_json::json;

fn signed(
    app_id: &str,
    secret: &str,
    path_with_query: &str,
    at: i64,
) -> Vec<(&'static str, String)> {
    let timestamp = at.to_string();
    vec![
        ("Timestamp", timestamp.clone()),
        (
            "Authorization",
            authorization(app_id, &signature(secret, &timestamp, path_with_query)),
        ),
    ]
}

/// Waits until the config service answers `path` with `status` (keys are refreshed every second).
async fn eventually(base: &str, path: &str, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = get(&format!("{base}{path}")).await.status;
        if got == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path} still answers {got}, not {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

db_test!(async fn signed_reads_pass_and_unsigned_ones_are_refused(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    stack.admin.create_app("shop").await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "k = v\n").await;
    let keys = "/envs/DEV/apps/shop/accesskeys";
    let key = stack.admin.call(Method::POST, keys, json!({"operator": "alice"})).await;
    assert_eq!((key["enabled"].as_bool(), key["mode"].as_str()), (Some(false), Some("enforce")), "created disabled");
    let secret = key["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    let base = stack.config.url.clone();
    let path = "/configs/shop/default/application?ip=10.0.0.1";
    assert_eq!(get(&format!("{base}{path}")).await.status, 200, "a disabled key is not checked");

    let id = key["id"].as_i64().unwrap();
    stack.admin.call(Method::PUT, &format!("{keys}/{id}"), json!({"enabled": true, "operator": "alice"})).await;
    eventually(&base, path, 401).await;
    let unsigned = get(&format!("{base}{path}")).await;
    assert_eq!(unsigned.json()["code"], "unauthorized");

    let now = now_millis();
    assert_eq!(get_with(&format!("{base}{path}"), &signed("shop", &secret, path, now)).await.status, 200);
    let skewed = get_with(&format!("{base}{path}"), &signed("shop", &secret, path, now - 61_000)).await;
    assert_eq!(skewed.status, 401);
    assert!(skewed.json()["message"].as_str().unwrap().contains("60 s"));
    let other_path = get_with(&format!("{base}{path}"), &signed("shop", &secret, "/configs/shop/default/application", now)).await;
    assert_eq!(other_path.status, 401, "the query is part of what is signed");
    let wrong_secret = get_with(&format!("{base}{path}"), &signed("shop", "not-the-secret", path, now)).await;
    assert_eq!(wrong_secret.status, 401);

    // With an environment prefix, the client signs the path it requests.
    let prefixed = "/DEV/configs/shop/default/application";
    assert_eq!(get_with(&format!("{base}{prefixed}"), &signed("shop", &secret, prefixed, now)).await.status, 200);

    // /configfiles and /notifications are checked too; other apps are not affected.
    let file = "/configfiles/json/shop/default/application";
    assert_eq!(get(&format!("{base}{file}")).await.status, 401);
    assert_eq!(get_with(&format!("{base}{file}"), &signed("shop", &secret, file, now)).await.status, 200);
    let poll = long_poll_path("shop", "default", &[("application", -1)]);
    assert_eq!(get(&format!("{base}{poll}")).await.status, 401);
    assert_eq!(get_with(&format!("{base}{poll}"), &signed("shop", &secret, &poll, now)).await.status, 200);
    assert_eq!(get(&format!("{base}/PRO/configs/shop/default/application")).await.status, 404, "PRO has no keys");
    // So are apply reports: an unsigned one cannot mark the app's instances rejected.
    let report = json!({"appId": "shop", "cluster": "default", "ip": "10.0.0.1",
        "reports": [{"namespaceName": "application", "releaseKey": "k", "status": "rejected", "reason": "forged"}]});
    let post = |headers: Vec<(&'static str, String)>| {
        let mut request = common::client().post(format!("{base}/reports")).json(&report);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post(Vec::new()).await, 401);
    assert_eq!(post(signed("shop", &secret, "/reports", now)).await, 204);

    // Observe mode logs and lets through; disabling stops the checks.
    stack.admin.call(Method::PUT, &format!("{keys}/{id}"), json!({"mode": "observe", "operator": "alice"})).await;
    eventually(&base, path, 200).await;
    stack.admin.call(Method::PUT, &format!("{keys}/{id}"), json!({"mode": "enforce", "operator": "alice"})).await;
    eventually(&base, path, 401).await;
    stack.admin.call(Method::PUT, &format!("{keys}/{id}"), json!({"enabled": false, "operator": "alice"})).await;
    eventually(&base, path, 200).await;
});

db_test!(async fn an_app_has_at_most_five_keys_and_enabled_keys_stay(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    stack.admin.create_app("shop").await;
    let keys = "/envs/DEV/apps/shop/accesskeys";
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(stack.admin.call(Method::POST, keys, json!({"operator": "alice"})).await["id"].as_i64().unwrap());
    }
    let sixth = client().post(format!("{}{keys}", stack.admin.url)).json(&json!({"operator": "alice"})).send().await.unwrap();
    assert_eq!(sixth.status(), 409);
    assert!(sixth.text().await.unwrap().contains("5 access keys"));

    stack.admin.call(Method::PUT, &format!("{keys}/{}", ids[0]), json!({"enabled": true, "operator": "alice"})).await;
    let enabled = client().delete(format!("{}{keys}/{}?operator=alice", stack.admin.url, ids[0])).send().await.unwrap();
    assert_eq!(enabled.status(), 409, "an enabled key is not deleted");
    let deleted = client().delete(format!("{}{keys}/{}?operator=alice", stack.admin.url, ids[1])).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let listed = stack.admin.call(Method::GET, keys, json!(null)).await;
    assert_eq!(listed.as_array().unwrap().len(), 4);
    let bad_mode = client()
        .put(format!("{}{keys}/{}", stack.admin.url, ids[2]))
        .json(&json!({"mode": "strict", "operator": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_mode.status(), 400);
});

// The hole: until a config service has loaded the access keys, it knew of none, so an
// unsigned client read an app that enforces a key in the moment after a start.
db_test!(async fn before_its_keys_are_loaded_a_config_service_reads_nothing_unsigned(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    stack.admin.create_app("shop").await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "k = v\n").await;
    let key = stack
        .admin
        .call(Method::POST, "/envs/DEV/apps/shop/accesskeys", json!({"operator": "alice"}))
        .await;
    let id = key["id"].as_i64().unwrap();
    stack
        .admin
        .call(
            Method::PUT,
            &format!("/envs/DEV/apps/shop/accesskeys/{id}"),
            json!({"enabled": true, "operator": "alice"}),
        )
        .await;
    let starting = common::unloaded_config(&t.db, stack.shutdown.clone()).await;
    let read = get(&format!("{starting}/DEV/configs/shop/default/application?ip=10.0.0.1")).await;
    assert_eq!(read.status, 503, "an unsigned read before the keys are loaded: {}", read.body);
    assert!(read.body.contains("starting"), "{}", read.body);
    let poll = get(&format!(
        "{starting}/DEV/notifications/v2?appId=shop&cluster=default&notifications=%5B%5D"
    ))
    .await;
    assert_eq!(poll.status, 503, "{}", poll.body);
});

db_test!(async fn signed_clients_get_the_secrets_of_their_app_and_of_public_namespaces(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    let admin = &stack.admin;
    // `platform` shares a public namespace holding a secret; `shop` uses it and overrides a
    // key of it with a secret of its own.
    admin.create_app("platform").await;
    admin.create_namespace("platform", "common", "properties", true).await;
    admin.create_app("shop").await;
    admin.associate("DEV", "shop", "default", "common").await;
    let items = |app: &str| format!("/envs/DEV/apps/{app}/clusters/default/namespaces/common/items");
    for (app, key, value) in [
        ("platform", "mq.token", "platform-token"),
        ("platform", "db.password", "platform-password"),
        ("shop", "db.password", "shop-password"),
    ] {
        let item = admin
            .call(Method::POST, &items(app), json!({"key": key, "value": value, "secret": true, "operator": "alice"}))
            .await;
        assert!(item["value"].as_str().unwrap().starts_with("lyre:v1:test:"), "{item}");
    }
    admin.call(Method::POST, &items("platform"), json!({"key": "mq.host", "value": "mq", "operator": "alice"})).await;
    for app in ["platform", "shop"] {
        admin
            .call(
                Method::POST,
                &format!("/envs/DEV/apps/{app}/clusters/default/namespaces/common/releases"),
                json!({"title": "t", "operator": "bob"}),
            )
            .await;
    }
    let base = stack.config.url.clone();
    let path = "/configs/shop/default/common";
    // Without an enforced key, the secret keys are left out (the plain one is served).
    let unsigned = get(&format!("{base}{path}")).await.json();
    assert_eq!(unsigned["configurations"], json!({"mq.host": "mq"}), "{unsigned}");

    let key = admin.call(Method::POST, "/envs/DEV/apps/shop/accesskeys", json!({"operator": "alice"})).await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    let id = key["id"].as_i64().unwrap();
    admin
        .call(Method::PUT, &format!("/envs/DEV/apps/shop/accesskeys/{id}"), json!({"enabled": true, "operator": "alice"}))
        .await;
    eventually(&base, path, 401).await;
    let signed = get_with(&format!("{base}{path}"), &signed("shop", &secret, path, now_millis())).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(
        signed.json()["configurations"],
        json!({"mq.token": "platform-token", "db.password": "shop-password", "mq.host": "mq"}),
        "the owner's secrets open as the owner's, the app's override as the app's"
    );
});

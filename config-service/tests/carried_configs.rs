//! A long poll that asks for the changed configuration with the notification
//! (`withConfigs=true`, what Lyre's SDK sends): the answer carries exactly what `/configs`
//! would answer that client, gray rules, secrets and instance records included; Apollo's clients
//! never ask and see Apollo's answer.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, get, get_with};
use lyre_protocol::access_key::{authorization, signature};
use lyre_store::db_test;
use lyre_store::time::now_millis;
use reqwest::Method;
use serde_json::{Value, json};

const NS: &str = "/envs/DEV/apps/shop/clusters/default/namespaces/application";

/// A long poll of `shop`'s `application` from `ip`, having seen `id`, asking for the
/// configuration, with `extra` query parameters (and `schemaHash` in the entry when given).
fn carried_poll(id: i64, ip: &str, extra: &str, schema_hash: Option<&str>) -> String {
    let mut entry = json!({"namespaceName": "application", "notificationId": id});
    if let Some(hash) = schema_hash {
        entry["schemaHash"] = json!(hash);
    }
    let encoded: String =
        url::form_urlencoded::byte_serialize(json!([entry]).to_string().as_bytes()).collect();
    format!(
        "/notifications/v2?appId=shop&cluster=default&notifications={encoded}&ip={ip}&withConfigs=true{extra}"
    )
}

db_test!(async fn a_long_poll_that_asks_carries_what_configs_answers(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(10)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.publish_text("DEV", "shop", "default", "application", "a = 1\n").await;
    let base = stack.config.url.clone();

    // Apollo's clients do not ask, and get Apollo's answer.
    let apollo = get(&format!("{base}{}", common::long_poll_path("shop", "default", &[("application", -1)]))).await.json();
    assert!(apollo[0].get("configuration").is_none(), "{apollo}");
    let id = apollo[0]["notificationId"].as_i64().unwrap();

    // Asked: the same notification, with `/configs`'s answer for this client.
    let reply = get(&format!("{base}{}", carried_poll(-1, "10.0.0.1", "", None))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let carried = reply.json();
    assert_eq!(carried[0]["notificationId"], id);
    assert_eq!(carried[0]["messages"], apollo[0]["messages"]);
    let read = get(&format!("{base}/configs/shop/default/application?ip=10.0.0.1")).await.json();
    assert_eq!(carried[0]["configuration"], read, "{carried}");

    // A waiting poll is answered with the new release.
    let url = format!("{base}{}", carried_poll(id, "10.0.0.1", "", None));
    let poll = tokio::spawn(async move { get(&url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = admin.publish_text("DEV", "shop", "default", "application", "a = 2\n").await;
    let woken = poll.await.unwrap().json();
    assert_eq!(woken[0]["configuration"]["configurations"], json!({"a": "2"}), "{woken}");
    assert_eq!(woken[0]["configuration"]["releaseKey"], second["releaseKey"]);
    let id = woken[0]["notificationId"].as_i64().unwrap();

    // Gray: a branch for the label `canary`; each client gets what its own read would.
    let branch = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await["branchName"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("{NS}/branches/{branch}/overrides/a"), json!({"value": "3", "operator": "alice"})).await;
    admin.call(Method::PUT, &format!("{NS}/branches/{branch}/rules"), json!({"ruleItems": [{"clientAppId": "shop", "clientLabelList": ["canary"]}], "operator": "alice"})).await;
    admin.call(Method::POST, &format!("{NS}/branches/{branch}/releases"), json!({"title": "gray", "operator": "bob"})).await;
    for (extra, expected) in [("&label=canary", "3"), ("", "2")] {
        let reply = get(&format!("{base}{}", carried_poll(id, "10.0.0.2", extra, None))).await.json();
        assert_eq!(reply[0]["configuration"]["configurations"], json!({"a": expected}), "{extra}: {reply}");
        let read = get(&format!("{base}/configs/shop/default/application?ip=10.0.0.2{extra}")).await.json();
        assert_eq!(reply[0]["configuration"], read, "{extra}");
    }

    // Only `true` or `false`; anything else is refused and names the parameter.
    let bad = get(&format!("{base}{}", carried_poll(-1, "10.0.0.1", "", None).replace("withConfigs=true", "withConfigs=yes"))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("withConfigs"), "{}", bad.body);
});

db_test!(async fn a_carried_configuration_is_recorded_as_a_read_with_its_schema(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.publish_text("DEV", "shop", "default", "application", "port = 80\n").await;
    let schema = json!({"type": "object", "properties": {"port": {"type": "integer"}}});
    admin.call(Method::POST, "/ops/schemas.set", json!({"appId": "shop", "namespace": "application", "body": {"document": schema, "operator": "alice"}})).await;
    let hash = lyre_protocol::schema_hash::of(&schema);
    let reply = get(&format!("{}{}", stack.config.url, carried_poll(-1, "10.0.0.7", "", Some(&hash)))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let ns = json!({"env": "DEV", "appId": "shop", "cluster": "default", "namespace": "application"});
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let radius = admin.call(Method::POST, "/ops/instances.blast_radius", json!({"ns": ns, "request": {}})).await;
        if radius["ips"] == json!(["10.0.0.7"]) {
            assert_eq!(radius["schemas"], json!([{"hash": hash, "version": 1, "instances": 1, "problems": []}]), "{radius}");
            break;
        }
        assert!(Instant::now() < deadline, "the instance is never recorded: {radius}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
});

db_test!(async fn secrets_are_carried_only_to_clients_that_signed(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.call(Method::POST, &format!("{NS}/items"), json!({"key": "db.password", "value": "hunter2", "secret": true, "operator": "alice"})).await;
    admin.call(Method::POST, &format!("{NS}/items"), json!({"key": "db.host", "value": "db", "operator": "alice"})).await;
    admin.call(Method::POST, &format!("{NS}/releases"), json!({"title": "t", "operator": "bob"})).await;
    let base = stack.config.url.clone();
    let path = carried_poll(-1, "10.0.0.1", "", None);

    // No enforced key: the secret is withheld, as from a read.
    let unsigned = get(&format!("{base}{path}")).await.json();
    assert_eq!(unsigned[0]["configuration"]["configurations"], json!({"db.host": "db"}), "{unsigned}");

    let key = admin.call(Method::POST, "/envs/DEV/apps/shop/accesskeys", json!({"operator": "alice"})).await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("/envs/DEV/apps/shop/accesskeys/{}", key["id"]), json!({"enabled": true, "operator": "alice"})).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&format!("{base}{path}")).await.status != 401 {
        assert!(Instant::now() < deadline, "the key is never enforced");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let timestamp = now_millis().to_string();
    let headers = [
        ("Timestamp", timestamp.clone()),
        ("Authorization", authorization("shop", &signature(&secret, &timestamp, &path))),
    ];
    let signed = get_with(&format!("{base}{path}"), &headers).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let signed: Value = signed.json();
    assert_eq!(signed[0]["configuration"]["configurations"], json!({"db.host": "db", "db.password": "hunter2"}), "{signed}");
});

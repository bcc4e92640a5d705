//! The instances that read a namespace and how far its releases reached them, through the Open
//! API with a consumer token (what `lyre ctl instances` shows).

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::Reply;
use common::stack::Stack;
use lyre_service_kit::time::rfc3339;
use lyre_store::config::instances::{self, Delivery, Report};
use lyre_store::db_test;
use lyre_store::time::now_millis;
use serde_json::{Value, json};

const OPEN: &str = "/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
const HOUR: i64 = 3_600_000;

async fn get(s: &Stack, path: &str, token: &str) -> Reply {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::AUTHORIZATION, token)
        .body(Body::empty())
        .unwrap();
    s.portal.send(request).await
}

/// A consumer created by the super admin with `grants`: its token.
async fn consumer(s: &Stack, name: &str, grants: Value) -> String {
    let created = s
        .call(
            Method::POST,
            "/api/v1/consumers",
            Some(&s.root),
            &json!({"name": name, "grants": grants}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.json()["token"].as_str().unwrap().to_owned()
}

/// Publishes `shop`'s DEV application with `timeout` set to `value`: the release's id and key.
async fn publish(s: &Stack, token: &str, value: &str) -> (i64, String) {
    let send = |method: Method, path: String, body: Value| {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        s.portal.send(request)
    };
    let item = send(
        Method::PUT,
        format!("{OPEN}/items/timeout?createIfNotExists=true"),
        json!({"key": "timeout", "value": value}),
    )
    .await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.text);
    let release = send(
        Method::POST,
        format!("{OPEN}/releases"),
        json!({"releaseTitle": format!("timeout {value}")}),
    )
    .await;
    assert_eq!(release.status, StatusCode::OK, "{}", release.text);
    let latest = s
        .ok(
            Method::GET,
            "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application/releases/latest",
            &s.root,
            &Value::Null,
        )
        .await;
    assert_eq!(latest["id"], release.json()["id"]);
    (
        latest["id"].as_i64().unwrap(),
        latest["releaseKey"].as_str().unwrap().to_owned(),
    )
}

fn delivery(app: &str, ip: &str, label: &str, key: &str, at: i64) -> Delivery {
    Delivery {
        env: "DEV".into(),
        app_id: app.into(),
        cluster: "default".into(),
        data_center: String::new(),
        ip: ip.into(),
        label: label.into(),
        config_cluster: "default".into(),
        config_namespace: "application".into(),
        release_key: key.into(),
        schema_hash: String::new(),
        at,
    }
}

fn report(ip: &str, key: &str, status: &str, reason: &str, at: i64) -> Report {
    Report {
        env: "DEV".into(),
        app_id: "shop".into(),
        cluster: "default".into(),
        data_center: String::new(),
        ip: ip.into(),
        config_namespace: "application".into(),
        release_key: key.into(),
        status: status.into(),
        reason: reason.into(),
        at,
    }
}

fn ips(page: &Value) -> Vec<&str> {
    page["content"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|i| i["ip"].as_str().unwrap())
        .collect()
}

db_test!(async fn a_consumer_sees_the_instances_and_adoption_of_namespaces_it_holds_a_grant_on(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    s.app("other", "alice").await;
    let token = consumer(&s, "shop-ci", json!([
        {"appId": "shop", "namespace": "*", "envs": ["DEV"], "permissions": ["modify", "release"]}
    ])).await;
    let (old_id, old_key) = publish(&s, &token, "30").await;
    let (new_id, new_key) = publish(&s, &token, "45").await;

    // Three instances read recently, one a day and a half ago; one of another app.
    let now = now_millis();
    for d in [
        delivery("shop", "10.0.0.1", "blue", &new_key, now - 3_000),
        delivery("shop", "10.0.0.2", "", &new_key, now - 2_000),
        delivery("shop", "10.0.0.3", "green", &old_key, now - 1_000),
        delivery("shop", "10.0.0.4", "", &old_key, now - 36 * HOUR),
        delivery("other", "10.0.0.9", "", "r-other", now),
    ] {
        assert!(instances::record(&t.db, &d, 100).await.unwrap());
    }
    // Two report on the latest release (Lyre's SDK does); 10.0.0.3 is an Apollo client.
    assert!(instances::report(&t.db, &report("10.0.0.1", &new_key, "applied", "", now - 2_500)).await.unwrap());
    assert!(instances::report(&t.db, &report("10.0.0.2", &new_key, "rejected", "timeout: not a duration", now - 1_500)).await.unwrap());

    let page = get(&s, &format!("{OPEN}/instances"), &token).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let page = page.json();
    assert_eq!((&page["page"], &page["total"]), (&json!(0), &json!(3)), "{page}");
    assert_eq!(ips(&page), ["10.0.0.3", "10.0.0.2", "10.0.0.1"], "most recent first, within 24 hours");
    assert_eq!(
        page["content"][2],
        json!({
            "appId": "shop",
            "clusterName": "default",
            "dataCenter": "",
            "ip": "10.0.0.1",
            "label": "blue",
            "configClusterName": "default",
            "releaseKey": new_key,
            "releaseDeliveredAt": rfc3339(now - 3_000),
            "lastSeenAt": rfc3339(now - 3_000),
            "applied": {"releaseKey": new_key, "status": "applied", "at": rfc3339(now - 2_500)},
        })
    );
    assert_eq!(
        page["content"][1]["applied"],
        json!({"releaseKey": new_key, "status": "rejected", "reason": "timeout: not a duration", "at": rfc3339(now - 1_500)})
    );
    assert_eq!(page["content"][0]["label"], "green");
    assert!(page["content"][0].get("applied").is_none(), "an Apollo client does not report: {page}");

    let small = get(&s, &format!("{OPEN}/instances?size=2&page=1"), &token).await.json();
    assert_eq!((&small["page"], &small["size"], &small["total"]), (&json!(1), &json!(2), &json!(3)));
    assert_eq!(ips(&small), ["10.0.0.1"]);
    let wider = get(&s, &format!("{OPEN}/instances?withinHours=48"), &token).await.json();
    assert_eq!(ips(&wider), ["10.0.0.3", "10.0.0.2", "10.0.0.1", "10.0.0.4"]);

    let adoption = get(&s, &format!("{OPEN}/adoption"), &token).await;
    assert_eq!(adoption.status, StatusCode::OK, "{}", adoption.text);
    assert_eq!(
        adoption.json(),
        json!({"live": 3, "releases": [
            {"releaseKey": new_key, "releaseId": new_id, "read": 2, "applied": 1, "rejected": 1},
            {"releaseKey": old_key, "releaseId": old_id, "read": 1, "applied": 0, "rejected": 0},
        ]})
    );
    let wider = get(&s, &format!("{OPEN}/adoption?withinHours=48"), &token).await.json();
    assert_eq!((&wider["live"], &wider["releases"][1]["read"]), (&json!(4), &json!(2)), "{wider}");

    // A signed-in member reads the same with a session.
    let by_alice = s.ok(Method::GET, &format!("{OPEN}/instances"), &alice, &Value::Null).await;
    assert_eq!(ips(&by_alice), ["10.0.0.3", "10.0.0.2", "10.0.0.1"]);

    // No such namespace: 404, named.
    let missing = get(&s, "/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/nope/instances", &token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert!(missing.text.contains("nope"), "{}", missing.text);

    // Outside the token's grants: 403 naming the app (another app, or another environment).
    let outsider = consumer(&s, "other-ci", json!([
        {"appId": "other", "namespace": "*", "envs": [], "permissions": ["modify"]}
    ])).await;
    for (path, who) in [
        (format!("{OPEN}/instances"), &outsider),
        (format!("{OPEN}/adoption"), &outsider),
        ("/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces/application/instances".to_owned(), &token),
        ("/openapi/v1/envs/DEV/apps/other/clusters/default/namespaces/application/adoption".to_owned(), &token),
    ] {
        let refused = get(&s, &path, who).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}: {}", refused.text);
        let app = path.split('/').nth(6).unwrap();
        assert!(
            refused.json()["message"].as_str().unwrap().contains(app),
            "{path}: the refusal names `{app}`: {}",
            refused.text
        );
    }
    let theirs = get(&s, "/openapi/v1/envs/DEV/apps/other/clusters/default/namespaces/application/instances", &outsider).await;
    assert_eq!(ips(&theirs.json()), ["10.0.0.9"], "each sees its own app's instances");

    // An unknown token, or none: 401.
    for path in [format!("{OPEN}/instances"), format!("{OPEN}/adoption")] {
        let unknown = get(&s, &path, "0123456789abcdef0123456789abcdef01234567").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "{path}: {}", unknown.text);
        let anonymous = s.call(Method::GET, &path, None, &Value::Null).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}: {}", anonymous.text);
    }
});

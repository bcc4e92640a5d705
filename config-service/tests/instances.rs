//! Which instances read which release, as the admin service lists them.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, get};
use lyre_store::db_test;
use reqwest::Method;
use serde_json::{Value, json};

async fn listed(stack: &Stack, path: &str, want: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page = stack.admin.call(Method::GET, path, json!(null)).await;
        // The recorder writes in the background: the count and the page are read one after
        // the other, so wait until both show what is expected.
        if page["items"].as_array().unwrap().len() >= want
            && page["total"].as_u64().unwrap() >= want as u64
        {
            return page;
        }
        assert!(Instant::now() < deadline, "{path}: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

db_test!(async fn reads_are_recorded_per_instance_and_release(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    stack.admin.create_app("shop").await;
    let first = stack.admin.publish_text("DEV", "shop", "default", "application", "k = 1\n").await;
    let base = &stack.config.url;
    get(&format!("{base}/configs/shop/default/application?ip=10.0.0.1&label=blue")).await;
    get(&format!("{base}/configs/shop/default/application?ip=10.0.0.2")).await;

    let namespace_instances = "/envs/DEV/apps/shop/clusters/default/namespaces/application/instances";
    let page = listed(&stack, namespace_instances, 2).await;
    assert_eq!(page["total"], 2);
    let mut seen: Vec<(String, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["ip"].as_str().unwrap().into(), i["label"].as_str().unwrap().into(), i["releaseKey"].as_str().unwrap().into()))
        .collect();
    seen.sort();
    let key = first["releaseKey"].as_str().unwrap().to_owned();
    assert_eq!(seen, [("10.0.0.1".into(), "blue".into(), key.clone()), ("10.0.0.2".into(), String::new(), key.clone())]);

    // One instance moves to a new release.
    let second = stack.admin.publish_text("DEV", "shop", "default", "application", "k = 2\n").await;
    get(&format!("{base}/configs/shop/default/application?ip=10.0.0.1&label=blue")).await;
    let on_second = listed(&stack, &format!("/envs/DEV/releases/{}/instances", second["id"]), 1).await;
    assert_eq!(on_second["items"][0]["ip"], "10.0.0.1");
    let on_first = listed(&stack, &format!("/envs/DEV/releases/{}/instances", first["id"]), 1).await;
    assert_eq!(on_first["total"], 1);
    assert_eq!(on_first["items"][0]["ip"], "10.0.0.2");
});

db_test!(async fn instances_report_what_they_made_of_a_release(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    stack.admin.create_app("shop").await;
    let release = stack.admin.publish_text("DEV", "shop", "default", "application", "port = 8O\n").await;
    let key = release["releaseKey"].as_str().unwrap().to_owned();
    let base = &stack.config.url;
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        get(&format!("{base}/configs/shop/default/application?ip={ip}")).await;
    }
    let path = "/envs/DEV/apps/shop/clusters/default/namespaces/application/instances";
    listed(&stack, path, 3).await;

    let post = |body: Value| async move {
        common::client().post(format!("{base}/reports")).json(&body).send().await.unwrap()
    };
    let report = |ip: &str, status: &str, reason: &str| {
        json!({
            "appId": "shop", "cluster": "default", "ip": ip,
            "reports": [{"namespaceName": "application.properties", "releaseKey": key, "status": status, "reason": reason}]
        })
    };
    assert_eq!(post(report("10.0.0.1", "applied", "")).await.status(), 204);
    assert_eq!(post(report("10.0.0.2", "rejected", "invalid digit found in string: `8O` for `port`")).await.status(), 204);

    // Bad reports are refused with the reason, and change nothing.
    let unknown = post(report("10.0.0.3", "maybe", "")).await;
    assert_eq!(unknown.status(), 400);
    assert!(unknown.text().await.unwrap().contains("maybe"));
    let many: Vec<Value> = (0..201)
        .map(|i| json!({"namespaceName": format!("ns{i}"), "releaseKey": "k", "status": "applied"}))
        .collect();
    let too_many = post(json!({"appId": "shop", "cluster": "default", "ip": "10.0.0.3", "reports": many})).await;
    assert_eq!(too_many.status(), 400);
    assert!(too_many.text().await.unwrap().contains("at most 200"));

    let deadline = Instant::now() + Duration::from_secs(5);
    let applied = loop {
        let page = stack.admin.call(Method::GET, path, json!(null)).await;
        let by_ip = |ip: &str| page["items"].as_array().unwrap().iter().find(|i| i["ip"] == ip).cloned().unwrap();
        if by_ip("10.0.0.2").get("applied").is_some() && by_ip("10.0.0.1").get("applied").is_some() {
            break [by_ip("10.0.0.1"), by_ip("10.0.0.2"), by_ip("10.0.0.3")];
        }
        assert!(Instant::now() < deadline, "{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((&applied[0]["applied"]["status"], &applied[0]["applied"]["releaseKey"]), (&json!("applied"), &json!(key)));
    assert_eq!(applied[1]["applied"]["status"], "rejected");
    assert!(applied[1]["applied"]["reason"].as_str().unwrap().contains("`8O`"));
    assert!(applied[2].get("applied").is_none(), "an instance that never reported: {}", applied[2]);
});

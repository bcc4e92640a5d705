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

/// The instance at `ip`'s last-seen time as listed.
async fn last_seen(stack: &Stack, ip: &str) -> Option<String> {
    let page = stack
        .admin
        .call(
            Method::GET,
            "/envs/DEV/apps/shop/clusters/default/namespaces/application/instances",
            json!(null),
        )
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ip"] == ip)
        .map(|i| i["lastSeenAt"].as_str().unwrap().to_owned())
}

db_test!(async fn an_instance_that_waits_for_changes_stays_live(t) {
    use lyre_store::entity::{instance, instance_config};
    use lyre_store::sea_orm::{EntityTrait, sea_query::Expr};
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    stack.admin.create_app("shop").await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "k = 1\n").await;
    let base = &stack.config.url;
    get(&format!("{base}/configs/shop/default/application?ip=10.0.0.7")).await;
    listed(&stack, "/envs/DEV/apps/shop/clusters/default/namespaces/application/instances", 1).await;
    // As if it had last read an hour ago.
    let hour_ago = lyre_store::time::now_millis() - 3_600_000;
    instance_config::Entity::update_many().col_expr(instance_config::Column::UpdatedAt, Expr::value(hour_ago)).exec(&t.db).await.unwrap();
    instance::Entity::update_many().col_expr(instance::Column::UpdatedAt, Expr::value(hour_ago)).exec(&t.db).await.unwrap();
    let stale = last_seen(&stack, "10.0.0.7").await.unwrap();

    // Its long poll (answered at once: it has seen no notification yet) says it is alive.
    let poll = format!("{base}{}&ip=10.0.0.7", common::long_poll_path("shop", "default", &[("application", -1)]));
    assert_eq!(get(&poll).await.status, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while last_seen(&stack, "10.0.0.7").await.as_deref() == Some(stale.as_str()) {
        assert!(Instant::now() < deadline, "a long poll refreshes last seen");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let radius = stack.admin.call(Method::POST, "/ops/instances.blast_radius", json!({"ns": {"env": "DEV", "appId": "shop", "cluster": "default", "namespace": "application"}, "request": {}})).await;
    assert_eq!(radius["live"], 1, "{radius}");
    // A long poll from an instance that never read anything records nothing.
    get(&format!("{base}{}&ip=10.0.0.8", common::long_poll_path("shop", "default", &[("application", -1)]))).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(last_seen(&stack, "10.0.0.8").await, None);
});

db_test!(async fn a_blast_radius_names_who_a_publish_would_reach(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.create_cluster("DEV", "shop", "sh").await;
    admin.publish_text("DEV", "shop", "default", "application", "port = 80\n").await;
    let schema = json!({"type": "object", "properties": {"port": {"type": "integer"}}});
    admin.call(Method::POST, "/ops/schemas.set", json!({"appId": "shop", "namespace": "application", "body": {"document": schema, "operator": "alice"}})).await;
    let hash = lyre_protocol::schema_hash::of(&schema);
    let base = &stack.config.url;
    // Three instances of the default cluster (two with the schema, one labelled), one of
    // cluster `sh` that falls back to default's release, and one that left long ago.
    for (ip, query) in [
        ("10.0.0.1", format!("&label=blue&schemaHash={hash}")),
        ("10.0.0.2", format!("&schemaHash={hash}")),
        ("10.0.0.3", String::new()),
    ] {
        get(&format!("{base}/configs/shop/default/application?ip={ip}{query}")).await;
    }
    get(&format!("{base}/configs/shop/sh/application?ip=10.0.1.1")).await;
    get(&format!("{base}/configs/shop/default/application?ip=10.0.9.9")).await;
    listed(&stack, "/envs/DEV/apps/shop/clusters/default/namespaces/application/instances", 5).await;
    {
        use lyre_store::entity::instance_config;
        use lyre_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let gone = lyre_store::time::now_millis() - 3_600_000;
        let ids: Vec<i64> = lyre_store::entity::instance::Entity::find().filter(lyre_store::entity::instance::Column::Ip.eq("10.0.9.9")).all(&t.db).await.unwrap().iter().map(|i| i.id).collect();
        instance_config::Entity::update_many().col_expr(instance_config::Column::UpdatedAt, Expr::value(gone)).filter(instance_config::Column::InstanceId.is_in(ids)).exec(&t.db).await.unwrap();
    }
    let ns = json!({"env": "DEV", "appId": "shop", "cluster": "default", "namespace": "application"});
    let radius = |request: Value| {
        let ns = ns.clone();
        async move { admin.call(Method::POST, "/ops/instances.blast_radius", json!({"ns": ns, "request": request})).await }
    };

    // Main: every live instance served default's release; the saved items fit every schema.
    let main = radius(json!({})).await;
    assert_eq!((main["live"].as_u64(), main["receiving"].as_u64()), (Some(4), Some(4)), "{main}");
    assert_eq!(main["clusters"], json!([{"name": "default", "instances": 3}, {"name": "sh", "instances": 1}]));
    assert_eq!(main["labels"], json!([{"name": "", "instances": 3}, {"name": "blue", "instances": 1}]));
    assert_eq!(main["ips"], json!(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"]));
    assert_eq!(main["schemas"], json!([{"hash": hash, "version": 1, "instances": 2, "problems": []}]));
    assert_eq!(main["rejecting"], 0);

    // A file that does not fit: the two instances built with the schema would refuse it.
    let bad = radius(json!({"configurations": {"port": "eighty"}})).await;
    assert_eq!(bad["rejecting"], 2, "{bad}");
    assert_eq!(bad["schemas"][0]["problems"][0]["at"], "port", "{bad}");

    // A gray branch selecting the label reaches that instance only.
    let branch = admin.call(Method::POST, "/envs/DEV/apps/shop/clusters/default/namespaces/application/branches", json!({"operator": "alice"})).await["branchName"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("/envs/DEV/apps/shop/clusters/default/namespaces/application/branches/{branch}/rules"), json!({"ruleItems": [{"clientAppId": "shop", "clientLabelList": ["blue"]}], "operator": "alice"})).await;
    let gray = radius(json!({"branchName": branch})).await;
    assert_eq!(gray["ips"], json!(["10.0.0.1"]), "{gray}");
    let everyone = radius(json!({"branchName": branch, "percentage": 100})).await;
    assert_eq!(everyone["receiving"], 4, "{everyone}");
    let nobody = radius(json!({"branchName": branch, "percentage": 0})).await;
    assert_eq!(nobody["receiving"], 0, "{nobody}");
});

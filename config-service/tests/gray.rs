//! Gray release end to end: clients that differ by IP, label and identity hash get the right
//! configuration through every step.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, get, long_poll_path};
use lyre_protocol::gray::bucket;
use lyre_store::db_test;
use reqwest::Method;
use serde_json::{Value, json};

const NS: &str = "/envs/DEV/apps/shop/clusters/default/namespaces/application";

async fn read(stack: &Stack, ip: &str, label: &str) -> Value {
    let reply = get(&format!(
        "{}/configs/shop/default/application?ip={ip}&label={label}",
        stack.config.url
    ))
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn configurations(stack: &Stack, ip: &str, label: &str) -> Value {
    read(stack, ip, label).await["configurations"].clone()
}

async fn rules(stack: &Stack, branch: &str, items: Value) {
    stack
        .admin
        .call(
            Method::PUT,
            &format!("{NS}/branches/{branch}/rules"),
            json!({"ruleItems": items, "operator": "alice"}),
        )
        .await;
}

db_test!(async fn clients_get_the_right_configuration_through_every_step(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(10)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.publish_text("DEV", "shop", "default", "application", "a = 1\nb = 1\nc = 1\n").await;
    let main_v1 = json!({"a": "1", "b": "1", "c": "1"});

    // A branch with overrides: `a` changed, `d` added, `c` deleted. Not published: nobody gray.
    let branch = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await;
    let name = branch["branchName"].as_str().unwrap().to_owned();
    assert_eq!(branch["parentCluster"], "default");
    let twice = common::client().post(format!("{}{NS}/branches", admin.url)).json(&json!({"operator": "alice"})).send().await.unwrap();
    assert_eq!(twice.status(), 409, "one branch per namespace and cluster");
    for (key, body) in [("a", json!({"value": "2"})), ("d", json!({"value": "new"})), ("c", json!({"deleted": true}))] {
        let mut body = body;
        body["operator"] = json!("alice");
        admin.call(Method::PUT, &format!("{NS}/branches/{name}/overrides/{key}"), body).await;
    }
    rules(&stack, &name, json!([{"clientAppId": "shop", "clientIpList": ["10.0.0.1"], "clientLabelList": ["canary"]}])).await;
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, main_v1, "not published yet");

    // Gray publish: the selected clients get main with the overrides; waiting polls wake.
    let poll_url = format!("{}{}", stack.config.url, long_poll_path("shop", "default", &[("application", 1)]));
    let waiting = tokio::spawn(async move { get(&poll_url).await.status });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let gray = admin.call(Method::POST, &format!("{NS}/branches/{name}/releases"), json!({"title": "gray 1", "operator": "bob"})).await;
    assert_eq!(gray["configurations"], json!({"a": "2", "b": "1", "d": "new"}));
    assert_eq!(waiting.await.unwrap(), 200, "a gray publish wakes the parent cluster's watchers");
    let gray_v1 = json!({"a": "2", "b": "1", "d": "new"});
    let by_ip = read(&stack, "10.0.0.1", "").await;
    assert_eq!((by_ip["configurations"].clone(), by_ip["cluster"].as_str()), (gray_v1.clone(), Some(name.as_str())));
    assert_eq!(configurations(&stack, "10.0.0.2", "canary").await, gray_v1, "by label");
    assert_eq!(configurations(&stack, "10.0.0.3", "").await, main_v1, "not selected");
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, gray_v1, "from the cache, still gray");
    assert_eq!(configurations(&stack, "10.0.0.3", "").await, main_v1, "from the cache, still main");
    let file = get(&format!("{}/configfiles/shop/default/application?ip=10.0.0.1", stack.config.url)).await;
    assert_eq!(file.body, "a=2\nb=1\nd=new\n", "/configfiles is gray-aware too");

    // A rule change moves clients both ways, and wakes the parent cluster's watchers.
    let current = get(&format!("{}{}", stack.config.url, long_poll_path("shop", "default", &[("application", -1)]))).await.json();
    let id = current[0]["notificationId"].as_i64().unwrap();
    let poll_url = format!("{}{}", stack.config.url, long_poll_path("shop", "default", &[("application", id)]));
    let waiting = tokio::spawn(async move { get(&poll_url).await.status });
    tokio::time::sleep(Duration::from_millis(200)).await;
    rules(&stack, &name, json!([{"clientAppId": "shop", "clientIpList": ["10.0.0.3"]}])).await;
    assert_eq!(waiting.await.unwrap(), 200, "a rule change wakes the parent cluster's watchers");
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, main_v1);
    assert_eq!(configurations(&stack, "10.0.0.2", "canary").await, main_v1);
    assert_eq!(configurations(&stack, "10.0.0.3", "").await, gray_v1);

    // Percentages: each synthetic instance is gray exactly when its hash says so, and raising
    // the share keeps every instance that was in.
    let ips: Vec<String> = (0..120).map(|i| format!("10.1.{}.{}", i / 250, i % 250)).collect();
    let mut gray_at_ten = Vec::new();
    rules(&stack, &name, json!([{"clientAppId": "shop", "percentage": 10}])).await;
    for ip in &ips {
        let is_gray = configurations(&stack, ip, "").await == gray_v1;
        assert_eq!(is_gray, bucket("shop", ip) < 1_000, "{ip}");
        if is_gray {
            gray_at_ten.push(ip.clone());
        }
    }
    rules(&stack, &name, json!([{"clientAppId": "shop", "percentage": 20}])).await;
    let mut gray_at_twenty = 0;
    for ip in &ips {
        let is_gray = configurations(&stack, ip, "").await == gray_v1;
        assert_eq!(is_gray, bucket("shop", ip) < 2_000, "{ip}");
        gray_at_twenty += usize::from(is_gray);
    }
    for ip in &gray_at_ten {
        assert_eq!(configurations(&stack, ip, "").await, gray_v1, "{ip} stays gray at 20 %");
    }
    assert!(gray_at_twenty >= gray_at_ten.len());
    let labelled = configurations(&stack, "10.9.9.9", "pod-7").await == gray_v1;
    assert_eq!(labelled, bucket("shop", "pod-7") < 2_000, "a label is the identity when present");

    // A main release during gray reaches gray clients for every key the branch does not override.
    rules(&stack, &name, json!([{"clientAppId": "shop", "clientIpList": ["10.0.0.1"]}])).await;
    admin.publish_text("DEV", "shop", "default", "application", "a = 1\nb = 2\nc = 1\ne = 5\n").await;
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, json!({"a": "2", "b": "2", "d": "new", "e": "5"}));
    assert_eq!(configurations(&stack, "10.0.0.3", "").await, json!({"a": "1", "b": "2", "c": "1", "e": "5"}));
    // Deliveries are recorded in the background: wait for the one just made.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let instances = admin.call(Method::GET, &format!("{NS}/branches/{name}/instances"), json!(null)).await;
        if instances["items"].as_array().unwrap().iter().any(|i| i["ip"] == "10.0.0.1") {
            break;
        }
        assert!(Instant::now() < deadline, "the instance view shows who is on gray: {instances}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Merge: the overrides become main, everyone gets it, the branch is gone.
    let merged = admin.call(Method::POST, &format!("{NS}/branches/{name}/merge?deleteBranch=true"), json!({"title": "merge gray", "operator": "bob"})).await;
    let merged_config = json!({"a": "2", "b": "2", "e": "5", "d": "new"});
    assert_eq!(merged["configurations"], merged_config);
    for ip in ["10.0.0.1", "10.0.0.3"] {
        assert_eq!(configurations(&stack, ip, "").await, merged_config, "{ip}");
    }
    let gone = common::client().get(format!("{}{NS}/branches", admin.url)).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    let items: Vec<String> = admin.call(Method::GET, &format!("{NS}/items"), json!(null)).await.as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(items, ["a", "b", "e", "d"], "main's items took the overrides");

    // Another branch, published then abandoned: its clients go back to main.
    let second = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await;
    let second = second["branchName"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("{NS}/branches/{second}/overrides/a"), json!({"value": "3", "operator": "alice"})).await;
    rules(&stack, &second, json!([{"clientAppId": "shop", "clientIpList": ["*"]}])).await;
    admin.call(Method::POST, &format!("{NS}/branches/{second}/releases"), json!({"title": "gray 2", "operator": "bob"})).await;
    assert_eq!(configurations(&stack, "10.0.0.8", "").await["a"], "3");
    let abandoned = common::client().delete(format!("{}{NS}/branches/{second}?operator=bob", admin.url)).send().await.unwrap();
    assert_eq!(abandoned.status(), 204);
    assert_eq!(configurations(&stack, "10.0.0.8", "").await, merged_config);

    // Every operation is in release history.
    let history = admin.call(Method::GET, &format!("{NS}/releases/histories?size=50"), json!(null)).await;
    let operations: Vec<&str> = history["items"].as_array().unwrap().iter().rev().map(|h| h["operation"].as_str().unwrap()).collect();
    assert_eq!(
        operations,
        [
            "normal_release",
            "gray_rules_update",
            "gray_release",
            "gray_rules_update",
            "gray_rules_update",
            "gray_rules_update",
            "gray_rules_update",
            "normal_release",
            "main_to_gray",
            "merge",
            "gray_deleted_after_merge",
            "gray_rules_update",
            "gray_release",
            "abandon_gray",
        ]
    );
});

db_test!(async fn branch_requests_name_their_problems(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(10)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    let client = common::client();
    let missing = client.get(format!("{}{NS}/branches", admin.url)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let branch = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await;
    let name = branch["branchName"].as_str().unwrap();
    let bad_rules = client
        .put(format!("{}{NS}/branches/{name}/rules", admin.url))
        .json(&json!({"ruleItems": [{"clientAppId": "shop", "percentage": 150}], "operator": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_rules.status(), 400);
    assert!(bad_rules.text().await.unwrap().contains("rule 1"));
    let nobody = client
        .put(format!("{}{NS}/branches/{name}/rules", admin.url))
        .json(&json!({"ruleItems": [{"clientAppId": "shop"}], "operator": "alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 400);
    let wrong = client.delete(format!("{}{NS}/branches/nope?operator=bob", admin.url)).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    // A branch is published through its own endpoint, never as main.
    let as_main = client
        .post(format!("{}/envs/DEV/apps/shop/clusters/{name}/namespaces/application/releases", admin.url))
        .json(&json!({"title": "t", "operator": "bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(as_main.status(), 400);
    assert!(as_main.text().await.unwrap().contains("gray branch"));
});

db_test!(async fn a_merge_can_keep_the_branch(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(10)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.publish_text("DEV", "shop", "default", "application", "a = 1\nb = 1\n").await;
    let branch = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await;
    let name = branch["branchName"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("{NS}/branches/{name}/overrides/a"), json!({"value": "2", "operator": "alice"})).await;
    rules(&stack, &name, json!([{"clientAppId": "shop", "clientLabelList": ["canary"]}])).await;
    admin.call(Method::POST, &format!("{NS}/branches/{name}/releases"), json!({"title": "gray", "operator": "bob"})).await;

    let merged = admin.call(Method::POST, &format!("{NS}/branches/{name}/merge?deleteBranch=false"), json!({"title": "merge", "operator": "bob"})).await;
    assert_eq!(merged["configurations"], json!({"a": "2", "b": "1"}));
    let kept = admin.call(Method::GET, &format!("{NS}/branches"), json!(null)).await;
    assert_eq!(kept["branchName"], name.as_str(), "the branch is still there");
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, json!({"a": "2", "b": "1"}));
    let gray = read(&stack, "10.0.0.2", "canary").await;
    assert_eq!((gray["configurations"].clone(), gray["cluster"].as_str()), (json!({"a": "2", "b": "1"}), Some(name.as_str())), "the kept branch still serves its clients");

    // The kept branch follows later main releases and can still be abandoned.
    admin.publish_text("DEV", "shop", "default", "application", "a = 2\nb = 3\n").await;
    assert_eq!(configurations(&stack, "10.0.0.2", "canary").await, json!({"a": "2", "b": "3"}));
    let abandoned = common::client().delete(format!("{}{NS}/branches/{name}?operator=bob", admin.url)).send().await.unwrap();
    assert_eq!(abandoned.status(), 204);
    let main = read(&stack, "10.0.0.2", "canary").await;
    assert_eq!((main["configurations"].clone(), main["cluster"].as_str()), (json!({"a": "2", "b": "3"}), Some("default")));
});

db_test!(async fn a_main_rollback_during_gray_reaches_gray_clients(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(10)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.publish_text("DEV", "shop", "default", "application", "a = 1\nb = 1\n").await;
    let branch = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await;
    let name = branch["branchName"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("{NS}/branches/{name}/overrides/a"), json!({"value": "gray", "operator": "alice"})).await;
    rules(&stack, &name, json!([{"clientAppId": "shop", "clientIpList": ["10.0.0.1"]}])).await;
    admin.call(Method::POST, &format!("{NS}/branches/{name}/releases"), json!({"title": "gray", "operator": "bob"})).await;
    let bad = admin.publish_text("DEV", "shop", "default", "application", "a = 1\nb = broken\n").await;
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, json!({"a": "gray", "b": "broken"}));

    let bad_id = bad["id"].as_i64().unwrap();
    let rolled = common::client()
        .put(format!("{}/envs/DEV/releases/{bad_id}/rollback?operator=bob", admin.url))
        .send()
        .await
        .unwrap();
    assert_eq!(rolled.status(), 200, "{}", rolled.text().await.unwrap());
    assert_eq!(configurations(&stack, "10.0.0.1", "").await, json!({"a": "gray", "b": "1"}), "gray clients follow main's rollback");
    assert_eq!(configurations(&stack, "10.0.0.2", "").await, json!({"a": "1", "b": "1"}));
    let history = admin.call(Method::GET, &format!("{NS}/releases/histories"), json!(null)).await;
    let latest: Vec<&str> = history["items"].as_array().unwrap().iter().take(2).map(|h| h["operation"].as_str().unwrap()).collect();
    assert_eq!(latest, ["rollback_to_gray", "rollback"]);
});

db_test!(async fn concurrent_main_and_gray_publishes_leave_gray_on_the_latest_main(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(10)).await;
    let admin = &stack.admin;
    admin.create_app("shop").await;
    admin.publish_text("DEV", "shop", "default", "application", "a = 1\nb = 0\n").await;
    let branch = admin.call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"})).await;
    let name = branch["branchName"].as_str().unwrap().to_owned();
    admin.call(Method::PUT, &format!("{NS}/branches/{name}/overrides/a"), json!({"value": "gray", "operator": "alice"})).await;
    rules(&stack, &name, json!([{"clientAppId": "shop", "clientIpList": ["10.0.0.1"]}])).await;

    // Main releases (each changing `b`) race gray publishes; whatever the order, the gray
    // release in force must sit on the main release in force.
    let mut tasks = Vec::new();
    for round in 1..=5 {
        let url = admin.url.clone();
        let gray = format!("{url}{NS}/branches/{name}/releases");
        tasks.push(tokio::spawn(async move {
            let client = common::client();
            let text = client.put(format!("{url}{NS}/text")).json(&json!({"text": format!("a = 1\nb = {round}\n"), "operator": "alice"})).send().await.unwrap();
            assert!(text.status().is_success() || text.status() == 409, "{}", text.status());
            let main = client.post(format!("{url}{NS}/releases")).json(&json!({"title": "main", "operator": "bob"})).send().await.unwrap();
            assert_eq!(main.status(), 201, "{}", main.text().await.unwrap());
            let gray = client.post(gray).json(&json!({"title": "gray", "operator": "bob"})).send().await.unwrap();
            assert_eq!(gray.status(), 201, "{}", gray.text().await.unwrap());
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let main = configurations(&stack, "10.0.0.2", "").await;
    let gray = configurations(&stack, "10.0.0.1", "").await;
    assert_eq!(gray["a"], "gray");
    assert_eq!(gray["b"], main["b"], "main {main}, gray {gray}");
});

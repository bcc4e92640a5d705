//! Staged rollouts through the admin operations: bad plans are refused and change nothing; a
//! rollout under way keeps its branch as it started; people pause, resume, advance and abort;
//! one process at a time drives a rollout.

mod common;

use axum::http::StatusCode;
use common::{Admin, ns};
use lyre_store::config::rollouts;
use lyre_store::db_test;
use serde_json::{Value, json};

const MAIN: &str = "/envs/DEV/apps/shop/clusters/default/namespaces/application";

fn name() -> Value {
    json!({"env": "DEV", "appId": "shop", "cluster": "default", "namespace": "application"})
}

/// An app whose `application` has `limit = 10` published and a gray branch overriding it.
async fn with_branch(a: &Admin) -> String {
    a.create_app("shop").await.expect(StatusCode::CREATED);
    a.add_item(MAIN, "limit", "10").await;
    a.publish(MAIN, "ten").await.expect(StatusCode::CREATED);
    let branch = a
        .post(&format!("{MAIN}/branches"), json!({"operator": "alice"}))
        .await
        .expect(StatusCode::CREATED)
        .json()["branchName"]
        .as_str()
        .unwrap()
        .to_owned();
    a.put(
        &format!("{MAIN}/branches/{branch}/overrides/limit"),
        json!({"value": "20", "operator": "alice"}),
    )
    .await
    .expect(StatusCode::OK);
    branch
}

async fn start(a: &Admin, plan: Value) -> common::Reply {
    a.post("/ops/rollouts.start", json!({"ns": name(), "plan": plan}))
        .await
}

async fn act(a: &Admin, id: i64, verb: &str) -> common::Reply {
    a.post(
        "/ops/rollouts.act",
        json!({"ns": name(), "id": id, "verb": verb, "action": {"operator": "carol"}}),
    )
    .await
}

async fn rules(a: &Admin, branch: &str) -> Value {
    a.get(&format!("{MAIN}/branches/{branch}/rules"))
        .await
        .expect(StatusCode::OK)
        .json()["ruleItems"]
        .clone()
}

db_test!(async fn bad_plans_are_refused_by_name_and_change_nothing(t) {
    let a = Admin::new(t).await;
    with_branch(&a).await;
    let before = a.fingerprint().await;
    for (plan, says) in [
        (json!({"steps": [10, 50], "releaseTitle": "t", "operator": "bob"}), "the last step must be 100"),
        (json!({"steps": [50, 10, 100], "releaseTitle": "t", "operator": "bob"}), "the steps must grow"),
        (json!({"steps": [0, 100], "releaseTitle": "t", "operator": "bob"}), "1 to 100 percent, not 0"),
        (json!({"bakeSeconds": 0, "releaseTitle": "t", "operator": "bob"}), "`bakeSeconds` is between 1 and"),
        (json!({"releaseTitle": " ", "operator": "bob"}), "`releaseTitle` must not be empty"),
        (json!({"releaseTitle": "t"}), "`operator`"),
        (json!({"releaseTitle": "t", "operator": "bob", "steps": [1,2,3,4,5,6,7,8,9,10,100]}), "at most 10 steps"),
    ] {
        let reply = start(&a, plan.clone()).await.expect(StatusCode::BAD_REQUEST);
        assert!(reply.message().contains(says), "{plan}: {}", reply.text);
    }
    assert_eq!(a.fingerprint().await, before, "a refused plan changes nothing");

    // No branch: 404 naming it; a branch that overrides nothing: nothing to roll out.
    a.create_app("bare").await;
    let bare = json!({"env": "DEV", "appId": "bare", "cluster": "default", "namespace": "application"});
    let reply = a
        .post("/ops/rollouts.start", json!({"ns": bare, "plan": {"releaseTitle": "t", "operator": "bob"}}))
        .await
        .expect(StatusCode::NOT_FOUND);
    assert!(reply.message().contains("has no gray branch"), "{}", reply.text);
    let bare_ns = ns("DEV", "bare", "default", "application");
    a.post(&format!("{bare_ns}/branches"), json!({"operator": "alice"}))
        .await
        .expect(StatusCode::CREATED);
    let reply = a
        .post("/ops/rollouts.start", json!({"ns": bare, "plan": {"releaseTitle": "t", "operator": "bob"}}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(reply.message().contains("there is nothing to roll out"), "{}", reply.text);
});

db_test!(async fn a_rollout_under_way_keeps_its_branch_as_it_started(t) {
    let a = Admin::new(t).await;
    let branch = with_branch(&a).await;
    let started = start(&a, json!({"steps": [10, 100], "bakeSeconds": 3600, "releaseTitle": "twenty", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(started["state"], "running");
    assert_eq!(started["steps"], json!([10, 100]));
    assert_eq!(rules(&a, &branch).await, json!([{"clientAppId": "shop", "clientIpList": [], "clientLabelList": [], "percentage": 10}]));
    let id = started["id"].as_i64().unwrap();

    for (reply, what) in [
        (start(&a, json!({"releaseTitle": "again", "operator": "bob"})).await, "start another"),
        (a.put(&format!("{MAIN}/branches/{branch}/overrides/limit"), json!({"value": "30", "operator": "alice"})).await, "change the branch's overrides"),
        (a.delete(&format!("{MAIN}/branches/{branch}/overrides/limit?operator=alice")).await, "change the branch's overrides"),
        (a.put(&format!("{MAIN}/branches/{branch}/rules"), json!({"ruleItems": [], "operator": "alice"})).await, "change the branch's rules"),
        (a.post(&format!("{MAIN}/branches/{branch}/releases"), json!({"title": "t", "operator": "bob"})).await, "publish the branch yourself"),
        // The branch's namespace is also reachable as a namespace of its cluster: its items,
        // one at a time, in batches and as text.
        (a.add_item(&ns("DEV", "shop", &branch, "application"), "extra", "1").await, "change the branch's overrides"),
        (a.put(&format!("{}/items/limit", ns("DEV", "shop", &branch, "application")), json!({"value": "30", "operator": "alice"})).await, "change the branch's overrides"),
        (a.put_text(&ns("DEV", "shop", &branch, "application"), "limit = 30\n").await, "change the branch's overrides"),
    ] {
        let reply = reply.expect(StatusCode::CONFLICT);
        assert!(reply.message().contains(&format!("rollout {id} of gray branch `{branch}`")), "{}", reply.text);
        assert!(reply.message().contains(what), "{}", reply.text);
    }

    // Abandoning the branch ends the rollout with it.
    a.delete(&format!("{MAIN}/branches/{branch}?operator=dave"))
        .await
        .expect(StatusCode::NO_CONTENT);
    let ended = a.post("/ops/rollouts.get", json!({"ns": name(), "id": id})).await.expect(StatusCode::OK).json();
    assert_eq!(ended["state"], "aborted");
    assert_eq!(ended["reason"], "`dave` abandoned the branch");
    let reply = act(&a, id, "resume").await.expect(StatusCode::CONFLICT);
    assert!(reply.message().contains("has ended (aborted)"), "{}", reply.text);
});

db_test!(async fn people_pause_resume_advance_and_abort(t) {
    let a = Admin::new(t).await;
    let branch = with_branch(&a).await;
    let id = start(&a, json!({"steps": [10, 50, 100], "bakeSeconds": 3600, "releaseTitle": "twenty", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json()["id"]
        .as_i64()
        .unwrap();

    let paused = act(&a, id, "pause").await.expect(StatusCode::OK).json();
    assert_eq!(paused["state"], "paused");
    assert!(paused.get("nextStepAt").is_none(), "no step is due while paused: {paused}");
    let advanced = act(&a, id, "advance").await.expect(StatusCode::OK).json();
    assert_eq!((advanced["step"].as_i64(), advanced["percentage"].as_i64()), (Some(1), Some(50)));
    assert_eq!(advanced["state"], "paused", "advancing keeps it paused");
    assert_eq!(rules(&a, &branch).await[0]["percentage"], 50);
    let resumed = act(&a, id, "resume").await.expect(StatusCode::OK).json();
    assert_eq!(resumed["state"], "running");
    assert!(resumed["nextStepAt"].is_string(), "{resumed}");

    let aborted = act(&a, id, "abort").await.expect(StatusCode::OK).json();
    assert_eq!(aborted["state"], "aborted");
    assert_eq!(aborted["reason"], "aborted by `carol`");
    assert_eq!(aborted["percentage"], 0);
    assert_eq!(rules(&a, &branch).await, json!([]), "the branch selects nobody: everyone is back on main");
    // The branch stays, with its override, to be fixed and rolled out again.
    let kept = a.get(&format!("{MAIN}/branches")).await.expect(StatusCode::OK).json();
    assert_eq!(kept["overrides"][0]["value"], "20");

    // The audit log tells the story, each step by the person who took it.
    let audit = a.get("/audits?appId=shop&entityType=rollout&size=20").await.expect(StatusCode::OK).json();
    let story: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| (e["operation"].as_str().unwrap().to_owned(), e["operator"].as_str().unwrap().to_owned()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("rollout_started", "bob"),
        ("rollout_paused", "carol"),
        ("rollout_advanced", "carol"),
        ("rollout_resumed", "carol"),
        ("rollout_aborted", "carol"),
    ]
    .iter()
    .map(|(o, w)| ((*o).to_owned(), (*w).to_owned()))
    .collect();
    assert_eq!(story, expected);

    // Advancing from the last step finishes it: main is published with the branch's value.
    let id = start(&a, json!({"steps": [100], "bakeSeconds": 3600, "releaseTitle": "twenty for all", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json()["id"]
        .as_i64()
        .unwrap();
    let done = act(&a, id, "advance").await.expect(StatusCode::OK).json();
    assert_eq!(done["state"], "completed");
    let latest = a.get(&format!("{MAIN}/releases/latest")).await.expect(StatusCode::OK).json();
    assert_eq!(latest["configurations"]["limit"], "20");
    assert_eq!(latest["title"], "twenty for all");
    a.get(&format!("{MAIN}/branches")).await.expect(StatusCode::NOT_FOUND);
});

db_test!(async fn one_process_at_a_time_drives_a_rollout(t) {
    let a = Admin::new(t).await;
    with_branch(&a).await;
    let id = start(&a, json!({"releaseTitle": "twenty", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json()["id"]
        .as_i64()
        .unwrap();
    let db = &a.t.db;
    let soon = lyre_store::time::now_millis() + 10_000;
    assert!(rollouts::take_lease(db, id, "one", soon).await.unwrap());
    assert!(!rollouts::take_lease(db, id, "two", soon).await.unwrap(), "one holds it");
    assert!(rollouts::take_lease(db, id, "one", soon + 1).await.unwrap(), "its holder renews it");
    // Once the holder stops renewing (its process died), another takes over.
    let expired = rollouts::find(db, id).await.unwrap().unwrap();
    let mut expired = expired;
    expired.lease_until = 1;
    rollouts::save(db, expired, "test").await.unwrap();
    assert!(rollouts::take_lease(db, id, "two", soon).await.unwrap());
    assert!(!rollouts::take_lease(db, id, "one", soon).await.unwrap());
    // A rollout that ended is leased to nobody.
    act(&a, id, "abort").await.expect(StatusCode::OK);
    assert!(!rollouts::take_lease(db, id, "two", soon).await.unwrap());
});

//! The review workflow: where an environment requires review, changes go out only through
//! approved release requests.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{ADMIN_TOKEN, Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

const REQUESTS: &str = "/api/v1/release-requests";

async fn people(s: &Stack) -> (String, String, String, String) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    s.app("shop", "alice").await;
    s.grant("shop", "bob", "release", json!({"namespace": "*"}))
        .await;
    s.grant(
        "shop",
        "carol",
        "modify",
        json!({"namespace": "application", "env": "PRO"}),
    )
    .await;
    (alice, bob, carol, dave)
}

db_test!(async fn a_change_goes_out_in_pro_only_once_reviewed(t) {
    let s = Stack::start(&t).await;
    let (alice, bob, carol, dave) = people(&s).await;
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "timeout", "value": "30"})).await;

    let opened = s.call(Method::POST, &format!("{pro}/release-requests"), Some(&alice), &json!({"title": "timeout", "comment": "slow backend"})).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    let request = opened.json();
    let id = request["id"].as_i64().unwrap();
    assert_eq!(request["status"], "open");
    assert_eq!(request["changes"], json!([{"key": "timeout", "kind": "added", "oldValue": null, "newValue": "30"}]));
    let twice = s.call(Method::POST, &format!("{pro}/release-requests"), Some(&carol), &json!({"title": "again"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "one request under way per namespace: {}", twice.text);
    assert!(twice.text.contains(&format!("#{id}")), "{}", twice.text);
    assert_eq!((twice.code().as_str(), twice.json()["requestId"].as_i64()), ("request_under_way", Some(id)));

    // Lists: the author's, and the reviewer's queue.
    let mine = s.ok(Method::GET, &format!("{REQUESTS}?view=mine"), &alice, &Value::Null).await;
    assert_eq!(mine["total"], 1);
    let queue = s.ok(Method::GET, &format!("{REQUESTS}?view=review"), &bob, &Value::Null).await;
    assert_eq!(queue["items"][0]["id"], id);
    let alice_queue = s.ok(Method::GET, &format!("{REQUESTS}?view=review"), &alice, &Value::Null).await;
    assert_eq!(alice_queue["total"], 0, "nobody reviews their own request");
    let carol_queue = s.ok(Method::GET, &format!("{REQUESTS}?view=review"), &carol, &Value::Null).await;
    assert_eq!(carol_queue["total"], 0, "modify is not enough to review");
    let hidden = s.call(Method::GET, &format!("{REQUESTS}/{id}"), Some(&dave), &Value::Null).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN, "PRO shows private namespaces to members only");

    // Who may not approve.
    let own = s.call(Method::POST, &format!("{REQUESTS}/{id}/approve"), Some(&alice), &Value::Null).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text);
    assert!(own.text.contains("their own request"), "{}", own.text);
    let modifier = s.call(Method::POST, &format!("{REQUESTS}/{id}/approve"), Some(&carol), &Value::Null).await;
    assert_eq!(modifier.status, StatusCode::FORBIDDEN);
    let early = s.call(Method::POST, &format!("{REQUESTS}/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "not approved yet: {}", early.text);

    // An edit after opening makes the request stale: no approval until it is refreshed.
    s.ok(Method::PUT, &format!("{pro}/items/timeout"), &carol, &json!({"value": "45"})).await;
    let stale = s.ok(Method::GET, &format!("{REQUESTS}/{id}"), &bob, &Value::Null).await;
    assert_eq!(stale["stale"], true);
    let refused = s.call(Method::POST, &format!("{REQUESTS}/{id}/approve"), Some(&bob), &Value::Null).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("stale"), "{}", refused.text);
    let refreshed = s.ok(Method::POST, &format!("{REQUESTS}/{id}/refresh"), &alice, &Value::Null).await;
    assert_eq!(refreshed["changes"][0]["newValue"], "45");
    assert_eq!(refreshed["stale"], false);
    let approved = s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &json!({"comment": "fine"})).await;
    assert_eq!((approved["status"].as_str(), approved["approvedBy"].as_str()), (Some("approved"), Some("bob")));

    // Another edit after approval: publishing refuses, nothing goes out.
    s.ok(Method::PUT, &format!("{pro}/items/timeout"), &carol, &json!({"value": "99"})).await;
    let refused = s.call(Method::POST, &format!("{REQUESTS}/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let nothing = s.call(Method::GET, &format!("{pro}/releases/latest"), Some(&alice), &Value::Null).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND, "nothing was published: {}", nothing.text);
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/refresh"), &alice, &Value::Null).await;
    let again = s.call(Method::POST, &format!("{REQUESTS}/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a refresh voids the approval: {}", again.text);
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &Value::Null).await;

    // The author publishes exactly what was approved.
    let published = s.call(Method::POST, &format!("{REQUESTS}/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.text);
    let release = published.json();
    assert_eq!(release["configurations"], json!({"timeout": "99"}));
    assert_eq!((release["title"].as_str(), release["createdBy"].as_str()), (Some("timeout"), Some("alice")));
    let done = s.ok(Method::GET, &format!("{REQUESTS}/{id}"), &bob, &Value::Null).await;
    assert_eq!(done["status"], "published");
    assert_eq!(done["publishedReleaseId"], release["id"]);
    let verdicts: Vec<&str> = done["reviews"].as_array().unwrap().iter().map(|r| r["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["refresh", "approve", "refresh", "approve", "publish"]);
    let twice = s.call(Method::POST, &format!("{REQUESTS}/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // Each step is in the audit log, by who took it, with the request's title and namespace.
    let log = s.ok(Method::GET, "/api/v1/audits?appId=shop&entityType=release_request&size=50", &alice, &Value::Null).await;
    let steps: Vec<(String, String)> = log["items"].as_array().unwrap().iter().rev()
        .map(|e| (e["operation"].as_str().unwrap().to_owned(), e["operator"].as_str().unwrap().to_owned()))
        .collect();
    let steps: Vec<(&str, &str)> = steps.iter().map(|(o, by)| (o.as_str(), by.as_str())).collect();
    assert_eq!(steps, [
        ("open", "alice"), ("refresh", "alice"), ("approve", "bob"), ("refresh", "alice"),
        ("approve", "bob"), ("publish", "alice"),
    ]);
    let opened_entry = &log["items"].as_array().unwrap().last().unwrap();
    assert_eq!((opened_entry["env"].as_str(), opened_entry["entityId"].as_str()), (Some("PRO"), Some(format!("#{id}").as_str())));
    let detail: Value = serde_json::from_str(opened_entry["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail, json!({"id": id, "title": "timeout", "namespace": "shop/default/application"}));
    let approval: Value = serde_json::from_str(log["items"][1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(approval["comment"], Value::Null, "the second approval had no comment");
    let first_approval: Value = serde_json::from_str(log["items"][3]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(first_approval["comment"], "fine");
});

db_test!(async fn requests_are_rejected_withdrawn_and_bypassed_only_in_emergencies(t) {
    let s = Stack::start(&t).await;
    let (alice, bob, _carol, _dave) = people(&s).await;
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "k", "value": "1"})).await;
    let empty = s.call(Method::POST, &format!("{}/release-requests", ns("PRO", "shop", "application")), Some(&alice), &json!({"title": ""})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    let id = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "k"})).await["id"].as_i64().unwrap();
    let rejected = s.ok(Method::POST, &format!("{REQUESTS}/{id}/reject"), &bob, &json!({"comment": "k must be 2"})).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["reviews"][0]["comment"], "k must be 2");
    let after = s.call(Method::POST, &format!("{REQUESTS}/{id}/publish"), Some(&alice), &Value::Null).await;
    assert_eq!(after.status, StatusCode::CONFLICT);

    let id = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "k again"})).await["id"].as_i64().unwrap();
    let not_yours = s.call(Method::POST, &format!("{REQUESTS}/{id}/withdraw"), Some(&bob), &Value::Null).await;
    assert_eq!(not_yours.status, StatusCode::FORBIDDEN);
    assert_eq!(s.ok(Method::POST, &format!("{REQUESTS}/{id}/withdraw"), &alice, &Value::Null).await["status"], "withdrawn");
    let open = s.ok(Method::GET, REQUESTS, &alice, &Value::Null).await;
    assert_eq!(open["total"], 0, "nothing under way");

    // Emergency publish: the super admin only, where the environment allows it; audited.
    let by_bob = s.call(Method::POST, &format!("{pro}/releases"), Some(&bob), &json!({"title": "now", "isEmergencyPublish": true})).await;
    assert_eq!(by_bob.status, StatusCode::FORBIDDEN, "{}", by_bob.text);
    let not_allowed = s.call(Method::POST, &format!("{pro}/releases"), Some(&s.root), &json!({"title": "now", "isEmergencyPublish": true})).await;
    assert_eq!(not_allowed.status, StatusCode::FORBIDDEN, "{}", not_allowed.text);
    s.env_rules("PRO", json!({"emergencyPublishAllowed": true})).await;
    let emergency = s.call(Method::POST, &format!("{pro}/releases"), Some(&s.root), &json!({"title": "outage fix", "isEmergencyPublish": true})).await;
    assert_eq!(emergency.status, StatusCode::CREATED, "{}", emergency.text);
    let audit = s.ok(Method::GET, "/api/v1/audits?appId=shop&entityType=release", &alice, &Value::Null).await;
    let operations: Vec<(&str, &str)> = audit["items"].as_array().unwrap().iter().map(|e| (e["operation"].as_str().unwrap(), e["operator"].as_str().unwrap())).collect();
    assert!(operations.contains(&("emergency_publish", "admin")), "{audit}");
    let history = s.ok(Method::GET, &format!("{pro}/releases/histories"), &alice, &Value::Null).await;
    assert_eq!(history["items"][0]["isEmergencyPublish"], true, "{history}");

    // Without review required, release permission publishes directly.
    s.env_rules("PRO", json!({"reviewRequired": false})).await;
    s.ok(Method::PUT, &format!("{pro}/items/k"), &alice, &json!({"value": "2"})).await;
    s.ok(Method::POST, &format!("{pro}/releases"), &bob, &json!({"title": "direct"})).await;
});

db_test!(async fn a_gray_publish_in_pro_is_reviewed_too(t) {
    let s = Stack::start(&t).await;
    let (alice, bob, _carol, _dave) = people(&s).await;
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "a", "value": "1"})).await;
    let id = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "base"})).await["id"].as_i64().unwrap();
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &Value::Null).await;
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/publish"), &bob, &Value::Null).await;

    let branch = s.ok(Method::POST, &format!("{pro}/branches"), &alice, &Value::Null).await["branchName"].as_str().unwrap().to_owned();
    s.ok(Method::PUT, &format!("{pro}/branches/{branch}/overrides/a"), &alice, &json!({"value": "2"})).await;
    s.ok(Method::PUT, &format!("{pro}/branches/{branch}/rules"), &alice, &json!({"ruleItems": [{"clientAppId": "shop", "clientIpList": ["10.0.0.1"]}]})).await;
    let direct = s.call(Method::POST, &format!("{pro}/branches/{branch}/releases"), Some(&alice), &json!({"title": "gray"})).await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN, "{}", direct.text);
    let early_merge = s.call(Method::POST, &format!("{pro}/branches/{branch}/merge"), Some(&alice), &json!({"title": "merge"})).await;
    assert_eq!(early_merge.status, StatusCode::FORBIDDEN, "unreviewed overrides: {}", early_merge.text);

    let request = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "gray a=2", "branchName": branch})).await;
    assert_eq!(request["changes"], json!([{"key": "a", "kind": "modified", "oldValue": "1", "newValue": "2"}]));
    let id = request["id"].as_i64().unwrap();
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &Value::Null).await;
    let gray = s.ok(Method::POST, &format!("{REQUESTS}/{id}/publish"), &alice, &Value::Null).await;
    assert_eq!(gray["configurations"], json!({"a": "2"}));
    assert_eq!(gray["clusterName"], branch.as_str());

    // Everything the merge publishes was reviewed: it may go directly.
    let merged = s.ok(Method::POST, &format!("{pro}/branches/{branch}/merge"), &bob, &json!({"title": "merge"})).await;
    assert_eq!(merged["configurations"], json!({"a": "2"}));
});

db_test!(async fn two_publishers_of_one_request_make_one_release(t) {
    let s = Stack::start(&t).await;
    let (alice, bob, _carol, _dave) = people(&s).await;
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "k", "value": "1"})).await;
    let id = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "k"})).await["id"].as_i64().unwrap();
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &Value::Null).await;
    let path = format!("{REQUESTS}/{id}/publish");
    let (a, b) = tokio::join!(
        s.call(Method::POST, &path, Some(&alice), &Value::Null),
        s.call(Method::POST, &path, Some(&bob), &Value::Null)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    let releases = s.ok(Method::GET, &format!("{pro}/releases"), &alice, &Value::Null).await;
    assert_eq!(releases["total"], 1);
});

/// How many moments of a publish the portal is stopped at.
const CUTS: usize = 24;
/// How many publishes run whole first, to learn how many steps one takes.
const WHOLE: usize = 3;

/// Polls `future` at most `limit` times, yielding to other tasks between polls; the number of
/// polls, and its output if it finished. Dropping it unfinished is what stopping does to it.
async fn run_for<F: std::future::Future>(limit: usize, future: F) -> (usize, Option<F::Output>) {
    let mut future = std::pin::pin!(future);
    let mut polls = 0;
    while polls < limit {
        polls += 1;
        let step =
            std::future::poll_fn(|cx| std::task::Poll::Ready(future.as_mut().poll(cx))).await;
        if let std::task::Poll::Ready(output) = step {
            return (polls, Some(output));
        }
        tokio::task::yield_now().await;
    }
    (polls, None)
}

async fn release_count(s: &Stack, list: &str, token: &str) -> i64 {
    s.ok(Method::GET, list, token, &Value::Null).await["total"]
        .as_i64()
        .unwrap()
}

db_test!(async fn a_publish_cut_off_at_any_moment_leaves_the_request_published_or_still_approved(t) {
    // The portal is stopped (its request future dropped) at growing moments of a reviewed
    // publish. Each time, the request must be published with its release, or still approved
    // with no release, and then publishable: never stranded half way.
    let s = Stack::start(&t).await;
    let (alice, bob, _carol, _dave) = people(&s).await;
    let pro = ns("PRO", "shop", "application");
    let list = format!("{pro}/releases");
    // How many steps (polls of the portal's request, with a yield to the admin service
    // between) a whole publish takes here; the cuts are spread over them.
    // The first publishes run whole; the fastest sets the scale (the first may pay for
    // opening connections).
    let mut whole = usize::MAX;
    let mut cut_off = 0;
    for round in 0..CUTS + WHOLE {
        s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": format!("k{round}"), "value": "1"})).await;
        let id = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": format!("round {round}")})).await["id"].as_i64().unwrap();
        s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &Value::Null).await;
        let before = release_count(&s, &list, &bob).await;
        let publish = format!("{REQUESTS}/{id}/publish");
        let limit = if round < WHOLE {
            usize::MAX
        } else {
            (whole * (round - WHOLE + 1) / CUTS).max(1)
        };
        match run_for(limit, s.call(Method::POST, &publish, Some(&alice), &Value::Null)).await {
            (steps, Some(reply)) => {
                assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
                // A publish that finished inside its limit was shorter than the scale: the
                // scale follows it, so the later cuts stay spread over a whole publish.
                whole = whole.min(steps);
                continue;
            }
            (_, None) => cut_off += 1,
        }
        // The request is published, or still approved: never caught half way.
        let request = s.ok(Method::GET, &format!("{REQUESTS}/{id}"), &bob, &Value::Null).await;
        let status = request["status"].as_str().unwrap_or_default().to_owned();
        assert!(
            status == "published" || status == "approved",
            "round {round}: request #{id} left {status:?}: {request}"
        );
        // A publish that reached the portal runs to its end even though its caller left, so
        // it may still be finishing. Publishing again either does it, or finds it done.
        if status == "approved" {
            let again = s.call(Method::POST, &publish, Some(&alice), &Value::Null).await;
            assert!(
                again.status == StatusCode::CREATED
                    || (again.status == StatusCode::CONFLICT && again.text.contains("is published")),
                "round {round}: still publishable: {} {}",
                again.status,
                again.text
            );
        }
        // Either way it ends published, with exactly one release.
        let mut request = Value::Null;
        for _ in 0..200 {
            request = s.ok(Method::GET, &format!("{REQUESTS}/{id}"), &bob, &Value::Null).await;
            if request["status"] == "published" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(request["status"], "published", "round {round}: {request}");
        let after = release_count(&s, &list, &bob).await;
        assert_eq!(after, before + 1, "round {round}: one release for the request");
        let latest = s.ok(Method::GET, &format!("{list}?size=1"), &bob, &Value::Null).await;
        assert_eq!(
            request["publishedReleaseId"], latest["items"][0]["id"],
            "round {round}: the request names its release"
        );
    }
    assert!(cut_off >= CUTS / 3, "the publish was cut off only {cut_off} times");
});

db_test!(async fn the_admin_service_publishes_and_merges_only_what_was_checked(t) {
    let s = Stack::start(&t).await;
    let (alice, bob, _carol, _dave) = people(&s).await;
    let pro = ns("PRO", "shop", "application");
    let admin_ns = format!("{}/envs/PRO/apps/shop/clusters/default/namespaces/application", s.admin_url);
    let admin = reqwest::Client::new();
    let call = |path: String, body: Value| admin.post(path).bearer_auth(ADMIN_TOKEN).json(&body).send();

    // A request that is still open: the admin service publishes nothing for it.
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "a", "value": "1"})).await;
    let request = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "base"})).await;
    let (id, revision) = (request["id"].as_i64().unwrap(), request["revision"].as_i64().unwrap());
    let body = json!({"title": "base", "operator": "alice", "revision": revision, "releaseRequest": id});
    let early = call(format!("{admin_ns}/releases"), body.clone()).await.unwrap();
    assert_eq!(early.status(), 409, "{}", early.text().await.unwrap());
    let releases = s.ok(Method::GET, &format!("{pro}/releases"), &bob, &Value::Null).await;
    assert_eq!(releases["total"], 0, "nothing went out");
    // Approved: the release and the closing of the request go together.
    s.ok(Method::POST, &format!("{REQUESTS}/{id}/approve"), &bob, &Value::Null).await;
    let published = call(format!("{admin_ns}/releases"), body.clone()).await.unwrap();
    assert_eq!(published.status(), 201);
    let release: Value = published.json().await.unwrap();
    let closed = s.ok(Method::GET, &format!("{REQUESTS}/{id}"), &bob, &Value::Null).await;
    assert_eq!((closed["status"].as_str(), closed["publishedReleaseId"].as_i64()), (Some("published"), release["id"].as_i64()));
    let again = call(format!("{admin_ns}/releases"), body).await.unwrap();
    assert_eq!(again.status(), 409, "a request is published once");

    // A reviewed branch; then main changes after the merge was checked: the merge is refused.
    let branch = s.ok(Method::POST, &format!("{pro}/branches"), &alice, &Value::Null).await["branchName"].as_str().unwrap().to_owned();
    s.ok(Method::PUT, &format!("{pro}/branches/{branch}/overrides/a"), &alice, &json!({"value": "2"})).await;
    let gray = s.ok(Method::POST, &format!("{pro}/release-requests"), &alice, &json!({"title": "gray", "branchName": branch})).await["id"].as_i64().unwrap();
    s.ok(Method::POST, &format!("{REQUESTS}/{gray}/approve"), &bob, &Value::Null).await;
    s.ok(Method::POST, &format!("{REQUESTS}/{gray}/publish"), &alice, &Value::Null).await;
    let main = s.ok(Method::GET, &pro, &bob, &Value::Null).await["revision"].as_i64().unwrap();
    let branch_revision = s.ok(Method::GET, &format!("{pro}/branches"), &bob, &Value::Null).await["revision"].as_i64().unwrap();
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "unreviewed", "value": "x"})).await;
    let merge = json!({"title": "merge", "operator": "bob", "revision": branch_revision, "mainRevision": main});
    let refused = call(format!("{admin_ns}/branches/{branch}/merge"), merge).await.unwrap();
    assert_eq!(refused.status(), 409, "{}", refused.text().await.unwrap());
    let still = s.ok(Method::GET, &format!("{pro}/branches"), &bob, &Value::Null).await;
    assert_eq!(still["branchName"], branch.as_str(), "the branch was not merged");
    let latest = s.ok(Method::GET, &format!("{pro}/releases/latest"), &bob, &Value::Null).await;
    assert_eq!(latest["configurations"], json!({"a": "1"}), "main was not published");
});

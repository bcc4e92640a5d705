//! The portal's `/api/v1` in front of a real admin service: apps, items, releases and the
//! rules each environment sets.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{Stack, ns};
use lyre_portal::permissions::{Need, PERMISSIONS, Permission};
use lyre_store::db_test;
use serde_json::{Value, json};

db_test!(async fn an_app_is_created_edited_and_published_as_its_owner(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let created = s.call(Method::POST, "/api/v1/apps", Some(&alice), &json!({"appId": "shop", "name": "Shop"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["ownerName"], "alice", "the creator owns it by default");

    let roles = s.ok(Method::GET, "/api/v1/apps/shop/roles", &alice, &Value::Null).await;
    let held: Vec<(String, String)> = roles.as_array().unwrap().iter().map(|r| (r["subject"].as_str().unwrap().to_owned(), r["role"].as_str().unwrap().to_owned())).collect();
    assert!(held.contains(&("alice".into(), "master".into())), "{roles}");

    let dev = ns("DEV", "shop", "application");
    let item = s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "timeout", "value": "30", "operator": "mallory"})).await;
    assert_eq!(item["updatedBy"], "alice", "the operator is the signed-in user: {item}");
    // A publish may name the revision its author looked at: a change since refuses it.
    let stale = s.call(Method::POST, &format!("{dev}/releases"), Some(&alice), &json!({"title": "first", "revision": 0})).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    let release = s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "first", "revision": 1})).await;
    assert_eq!(release["configurations"], json!({"timeout": "30"}));
    assert_eq!(release["createdBy"], "alice");

    // PRO requires review by default: no direct publish, even for the owner.
    let pro = ns("PRO", "shop", "application");
    s.ok(Method::POST, &format!("{pro}/items"), &alice, &json!({"key": "timeout", "value": "60"})).await;
    let direct = s.call(Method::POST, &format!("{pro}/releases"), Some(&alice), &json!({"title": "now"})).await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN, "{}", direct.text);
    assert!(direct.json()["message"].as_str().unwrap().contains("requires review"), "{}", direct.text);

    // Errors of the admin service come through as they are.
    let missing = s.call(Method::GET, &format!("{dev}/items/nope"), Some(&alice), &Value::Null).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let unknown_env = s.call(Method::GET, &ns("QA", "shop", "application"), Some(&alice), &Value::Null).await;
    assert_eq!(unknown_env.status, StatusCode::NOT_FOUND);
    assert!(unknown_env.text.contains("DEV, PRO"), "{}", unknown_env.text);
});

db_test!(async fn private_namespaces_in_pro_are_for_members_only(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let eve = s.user("eve").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "shared", "isPublic": true})).await;
    for env in ["DEV", "PRO"] {
        for namespace in ["application", "shared"] {
            s.ok(Method::POST, &format!("{}/items", ns(env, "shop", namespace)), &alice, &json!({"key": "secret", "value": "x"})).await;
        }
    }
    // DEV shows everything to everyone signed in; PRO hides private namespaces from non-members.
    for (env, namespace, status) in [
        ("DEV", "application", StatusCode::OK),
        ("DEV", "shared", StatusCode::OK),
        ("PRO", "application", StatusCode::FORBIDDEN),
        ("PRO", "shared", StatusCode::OK),
    ] {
        for suffix in ["/items", "/text", "/changes", "/commits", "/releases"] {
            let reply = s.call(Method::GET, &format!("{}{suffix}", ns(env, "shop", namespace)), Some(&eve), &Value::Null).await;
            assert_eq!(reply.status, status, "{env} {namespace}{suffix}: {}", reply.text);
        }
    }
    // Every endpoint the permission table marks `View`, on the private PRO namespace: refused
    // to eve, and not refused on the public one.
    let mut viewed = 0;
    // (Those without an environment are shown where any environment shows the namespace;
    // tests/schemas.rs covers them.)
    let in_env = |p: &&Permission| p.need == Need::View && p.method == "GET" && p.route.contains("{env}");
    for row in PERMISSIONS.iter().filter(in_env) {
        for (namespace, refused) in [("application", true), ("shared", false)] {
            let path = row
                .route
                .replace("{env}", "PRO")
                .replace("{appId}", "shop")
                .replace("{clusterName}", "default")
                .replace("{namespaceName}", namespace)
                .replace("{key}", "secret")
                .replace("{branchName}", "none");
            let reply = s.call(Method::GET, &path, Some(&eve), &Value::Null).await;
            assert_eq!(reply.status == StatusCode::FORBIDDEN, refused, "GET {path}: {} {}", reply.status, reply.text);
        }
        viewed += 1;
    }
    assert!(viewed >= 10, "{viewed} viewing endpoints");
    let alice_reads = s.call(Method::GET, &format!("{}/items", ns("PRO", "shop", "application")), Some(&alice), &Value::Null).await;
    assert_eq!(alice_reads.status, StatusCode::OK);
    // Once eve holds any role in the app she is a member.
    s.grant("shop", "eve", "modify", json!({"namespace": "shared"})).await;
    let member = s.call(Method::GET, &format!("{}/items", ns("PRO", "shop", "application")), Some(&eve), &Value::Null).await;
    assert_eq!(member.status, StatusCode::OK);

    // The audit log: an app's members read its entries; only the super admin reads everything.
    let all = s.call(Method::GET, "/api/v1/audits", Some(&eve), &Value::Null).await;
    assert_eq!(all.status, StatusCode::FORBIDDEN);
    let mallory = s.user("mallory").await;
    let outsider = s.call(Method::GET, "/api/v1/audits?appId=shop", Some(&mallory), &Value::Null).await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN);
    let entries = s.ok(Method::GET, "/api/v1/audits?appId=shop&operator=alice&entityType=namespace", &eve, &Value::Null).await;
    assert_eq!(entries["total"], 4, "four edits: {entries}");
    assert!(entries["items"].as_array().unwrap().iter().all(|e| e["operation"] == "edit"), "{entries}");
    let granted = s.ok(Method::GET, "/api/v1/audits?appId=shop&entityType=role", &eve, &Value::Null).await;
    assert_eq!(granted["items"][0]["operation"], "grant");
    assert_eq!(granted["items"][0]["operator"], "admin");
});

db_test!(async fn users_are_managed_by_the_super_admin(t) {
    let s = Stack::start(&t).await;
    let bob = s.user("bob").await;
    let short = s.call(Method::POST, "/api/v1/users", Some(&s.root), &json!({"username": "carol", "password": "short"})).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let bad_name = s.call(Method::POST, "/api/v1/users", Some(&s.root), &json!({"username": "c a", "password": "long enough"})).await;
    assert_eq!(bad_name.status, StatusCode::BAD_REQUEST);
    let taken = s.call(Method::POST, "/api/v1/users", Some(&s.root), &json!({"username": "bob", "password": "long enough"})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let found = s.ok(Method::GET, "/api/v1/users?search=bo", &bob, &Value::Null).await;
    assert_eq!(found["items"][0]["username"], "bob");
    assert!(found["items"][0].get("passwordHash").is_none());

    // Changing one's own password needs the current one and ends other sessions.
    let other_session = s.sign_in("bob").await;
    let wrong = s.call(Method::PUT, "/api/v1/auth/password", Some(&bob), &json!({"currentPassword": "nope", "newPassword": "a new password"})).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    s.ok(Method::PUT, "/api/v1/auth/password", &bob, &json!({"currentPassword": "bob-password", "newPassword": "a new password"})).await;
    assert_eq!(s.call(Method::GET, "/api/v1/auth/me", Some(&bob), &Value::Null).await.status, StatusCode::OK);
    assert_eq!(s.call(Method::GET, "/api/v1/auth/me", Some(&other_session), &Value::Null).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.portal.login("bob", "bob-password").await.status, StatusCode::UNAUTHORIZED);
    let bob = s.portal.login("bob", "a new password").await.json()["token"].as_str().unwrap().to_owned();

    // Disabling ends the sessions at once; a reset sets a new password.
    let disabled = s.ok(Method::PUT, "/api/v1/users/bob", &s.root, &json!({"enabled": false})).await;
    assert_eq!(disabled["enabled"], false);
    assert_eq!(s.call(Method::GET, "/api/v1/auth/me", Some(&bob), &Value::Null).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.portal.login("bob", "a new password").await.status, StatusCode::FORBIDDEN);
    let me = s.call(Method::PUT, "/api/v1/users/admin", Some(&s.root), &json!({"enabled": false})).await;
    assert_eq!(me.status, StatusCode::CONFLICT, "nobody disables themselves");
    s.ok(Method::PUT, "/api/v1/users/bob", &s.root, &json!({"enabled": true})).await;
    s.ok(Method::POST, "/api/v1/users/bob/password", &s.root, &json!({"password": "reset by admin"})).await;
    assert_eq!(s.portal.login("bob", "reset by admin").await.status, StatusCode::OK);
});

db_test!(async fn roles_are_granted_checked_and_the_last_master_stays(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.user("bob").await;
    s.ok(Method::POST, "/api/v1/apps", &alice, &json!({"appId": "shop", "name": "Shop"})).await;
    for (body, problem) in [
        (json!({"user": "bob", "role": "master", "env": "DEV"}), "whole app"),
        (json!({"user": "bob", "role": "modify"}), "namespace"),
        (json!({"user": "bob", "role": "modify", "namespace": "application", "env": "QA"}), "QA"),
        (json!({"user": "nobody", "role": "release", "namespace": "*"}), "nobody"),
        (json!({"user": "bob", "role": "owner", "namespace": "*"}), "owner"),
    ] {
        let reply = s.call(Method::POST, "/api/v1/apps/shop/roles", Some(&alice), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
        assert!(reply.text.contains(problem), "{body}: {}", reply.text);
    }
    let granted = s.ok(Method::POST, "/api/v1/apps/shop/roles", &alice, &json!({"user": "bob", "role": "release", "env": "PRO", "cluster": "default"})).await;
    assert_eq!((granted["role"].as_str(), granted["cluster"].as_str(), granted["grantedBy"].as_str()), (Some("release"), Some("default"), Some("alice")));
    let last = s.call(Method::DELETE, "/api/v1/apps/shop/roles?user=alice&role=master", Some(&alice), &Value::Null).await;
    assert_eq!(last.status, StatusCode::CONFLICT, "{}", last.text);
    s.ok(Method::POST, "/api/v1/apps/shop/roles", &alice, &json!({"user": "bob", "role": "master"})).await;
    s.ok(Method::DELETE, "/api/v1/apps/shop/roles?user=alice&role=master", &alice, &Value::Null).await;
    let gone = s.call(Method::PUT, "/api/v1/apps/shop", Some(&alice), &json!({"name": "x"})).await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN, "alice is no master any more");
    let missing = s.call(Method::DELETE, "/api/v1/apps/shop/roles?user=alice&role=master", Some(&s.root), &Value::Null).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
});

db_test!(async fn the_instances_on_a_namespace_and_a_release_are_shown(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    let dev = ns("DEV", "shop", "application");
    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "k", "value": "1"})).await;
    let release = s.ok(Method::POST, &format!("{dev}/releases"), &alice, &json!({"title": "one"})).await;
    // What a config service records when an instance reads the release.
    lyre_store::config::instances::record(&t.db, &lyre_store::config::instances::Delivery {
        env: "DEV".into(),
        app_id: "shop".into(),
        cluster: "default".into(),
        data_center: String::new(),
        ip: "10.0.0.7".into(),
        label: "pod-7".into(),
        config_cluster: "default".into(),
        config_namespace: "application".into(),
        release_key: release["releaseKey"].as_str().unwrap().to_owned(),
        schema_hash: String::new(),
        at: lyre_store::time::now_millis(),
    }, 100).await.unwrap();
    let on_namespace = s.ok(Method::GET, &format!("{dev}/instances"), &alice, &Value::Null).await;
    assert_eq!((on_namespace["total"].as_u64(), on_namespace["items"][0]["ip"].as_str()), (Some(1), Some("10.0.0.7")));
    let id = release["id"].as_i64().unwrap();
    let on_release = s.ok(Method::GET, &format!("/api/v1/envs/DEV/releases/{id}/instances"), &alice, &Value::Null).await;
    assert_eq!(on_release["items"][0]["label"], "pod-7");
});

db_test!(async fn an_app_is_shown_across_environments(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/envs/PRO/apps/shop/clusters", &alice, &json!({"name": "east"})).await;
    s.ok(Method::POST, &format!("{}/items", ns("PRO", "shop", "application")), &alice, &json!({"key": "k", "value": "1"})).await;
    let overview = s.ok(Method::GET, "/api/v1/apps/shop/envclusters", &alice, &Value::Null).await;
    let shape: Vec<(String, Vec<String>)> = overview.as_array().unwrap().iter().map(|e| {
        (e["env"].as_str().unwrap().to_owned(), e["clusters"].as_array().unwrap().iter().map(|c| c["cluster"]["name"].as_str().unwrap().to_owned()).collect())
    }).collect();
    assert_eq!(shape, [("DEV".to_owned(), vec!["default".to_owned()]), ("PRO".to_owned(), vec!["default".to_owned(), "east".to_owned()])]);
    let pro_default = &overview[1]["clusters"][0]["namespaces"][0];
    assert_eq!((pro_default["namespaceName"].as_str(), pro_default["hasUnpublishedChanges"].as_bool()), (Some("application"), Some(true)));
});

db_test!(async fn an_environments_policy_is_one_audited_change(t) {
    let s = Stack::start(&t).await;
    let settings = "/api/v1/envs/DEV/settings";
    let before = s.ok(Method::GET, settings, &s.root, &Value::Null).await;
    assert_eq!(before["reviewRequired"], false, "DEV starts open: {before}");
    assert_eq!(before["namespaceLock"], false);
    let pro = s.ok(Method::GET, "/api/v1/envs/PRO/settings", &s.root, &Value::Null).await;
    assert_eq!(pro["reviewRequired"], true, "PRO starts reviewed: {pro}");
    assert_eq!(pro["memberOnlyView"], true);

    // The portal's rules (review, member-only view) and the admin operations' (lock,
    // emergency publish) change together, as one entry in the audit log.
    let entries = async || {
        let log = s.ok(Method::GET, "/api/v1/audits?env=DEV", &s.root, &Value::Null).await;
        log["total"].as_i64().unwrap()
    };
    let logged = entries().await;
    let body = json!({"reviewRequired": true, "memberOnlyView": true, "namespaceLock": true});
    let after = s.ok(Method::PUT, settings, &s.root, &body).await;
    assert_eq!(entries().await, logged + 1, "one entry for the whole change");
    assert_eq!(after, s.ok(Method::GET, settings, &s.root, &Value::Null).await);
    assert_eq!(after["reviewRequired"], true);
    assert_eq!(after["memberOnlyView"], true);
    assert_eq!(after["namespaceLock"], true);
    assert_eq!(after["emergencyPublishAllowed"], false, "left as it was");
    let log = s.ok(Method::GET, "/api/v1/audits?env=DEV&entityType=env_settings", &s.root, &Value::Null).await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["operator"], "admin");

    // And the rule holds at once: a direct publish in DEV now needs a release request.
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    let dev = ns("DEV", "shop", "application");
    s.ok(Method::POST, &format!("{dev}/items"), &alice, &json!({"key": "k", "value": "1"})).await;
    let direct = s.call(Method::POST, &format!("{dev}/releases"), Some(&alice), &json!({"title": "t"})).await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN, "{}", direct.text);
    assert!(direct.text.contains("requires review"), "{}", direct.text);

    // Nothing to change changes nothing, and writes no entry.
    let logged = entries().await;
    s.ok(Method::PUT, settings, &s.root, &json!({})).await;
    assert_eq!(entries().await, logged);
});

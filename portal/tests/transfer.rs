//! Comparing and copying across environments, exporting and importing files, searching and
//! favorites.

mod common;

use std::io::{Cursor, Read as _, Write as _};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::Reply;
use common::stack::{Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

async fn upload(s: &Stack, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> Reply {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    s.portal.send(request).await
}

async fn text(s: &Stack, env: &str, token: &str) -> String {
    s.ok(
        Method::GET,
        &format!("{}/text", ns(env, "shop", "application")),
        token,
        &Value::Null,
    )
    .await["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

db_test!(async fn a_namespace_is_compared_and_chosen_keys_copied_across(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.ok(Method::PUT, &format!("{}/text", ns("DEV", "shop", "application")), &alice, &json!({"text": "a = 1\nb = 2\n# new key\nc = 3\n"})).await;
    s.ok(Method::PUT, &format!("{}/text", ns("PRO", "shop", "application")), &alice, &json!({"text": "a = 1\nb = 20\nold = x\n"})).await;

    let compare = "/api/v1/apps/shop/namespaces/application/compare?fromEnv=DEV&toEnv=PRO";
    let changes = s.ok(Method::GET, compare, &alice, &Value::Null).await["changes"].clone();
    assert_eq!(changes, json!([
        {"key": "b", "kind": "modified", "oldValue": "20", "newValue": "2"},
        {"key": "c", "kind": "added", "oldValue": null, "newValue": "3"},
        {"key": "old", "kind": "deleted", "oldValue": "x", "newValue": null},
    ]));
    let hidden = s.call(Method::GET, compare, Some(&bob), &Value::Null).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN, "PRO's private namespaces are for members");

    let copy = "/api/v1/apps/shop/namespaces/application/copy";
    let by_bob = s.call(Method::POST, copy, Some(&bob), &json!({"fromEnv": "DEV", "toEnv": "PRO", "keys": ["c"]})).await;
    assert_eq!(by_bob.status, StatusCode::FORBIDDEN);
    let unknown = s.call(Method::POST, copy, Some(&alice), &json!({"fromEnv": "DEV", "toEnv": "PRO", "keys": ["c", "zzz"]})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text.contains("zzz"), "{}", unknown.text);
    assert_eq!(text(&s, "PRO", &alice).await, "a = 1\nb = 20\nold = x\n", "nothing changed");
    let copied = s.ok(Method::POST, copy, &alice, &json!({"fromEnv": "DEV", "toEnv": "PRO", "keys": ["c", "old"]})).await;
    assert_eq!(copied["changeSet"]["created"][0]["key"], "c");
    assert_eq!(copied["changeSet"]["deleted"][0]["key"], "old", "a key the source lacks is deleted");
    assert_eq!(text(&s, "PRO", &alice).await, "a = 1\nb = 20\n# new key\nc = 3\n");
    let same = s.call(Method::POST, copy, Some(&alice), &json!({"fromEnv": "DEV", "toEnv": "DEV", "keys": ["c"]})).await;
    assert_eq!(same.status, StatusCode::BAD_REQUEST);
});

db_test!(async fn namespaces_and_apps_are_exported_and_imported_by_policy(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "db", "format": "yaml"})).await;
    s.ok(Method::PUT, &format!("{}/text", ns("DEV", "shop", "application")), &alice, &json!({"text": "# seconds\ntimeout = 30\nretries = 3\n"})).await;
    s.ok(Method::PUT, &format!("{}/text", ns("DEV", "shop", "db.yaml")), &alice, &json!({"text": "pool:\n  size: 5\n"})).await;

    // A namespace as its file.
    let file = s.call(Method::GET, &format!("{}/export", ns("DEV", "shop", "application")), Some(&alice), &Value::Null).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.text, "# seconds\ntimeout = 30\nretries = 3\n");
    assert!(file.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("application.properties"));

    // Importing it into PRO, which has `retries` already, under each policy.
    let import = |policy: &str| format!("{}/import?policy={policy}", ns("PRO", "shop", "application"));
    s.ok(Method::POST, &format!("{}/items", ns("PRO", "shop", "application")), &alice, &json!({"key": "retries", "value": "9"})).await;
    let aborted = upload(&s, &import("abort"), &alice, "text/plain", file.text.clone().into_bytes()).await;
    assert_eq!(aborted.status, StatusCode::CONFLICT, "{}", aborted.text);
    assert!(aborted.text.contains("retries"), "{}", aborted.text);
    assert_eq!(text(&s, "PRO", &alice).await, "retries = 9\n", "nothing was imported");
    let skipped = upload(&s, &import("skip"), &alice, "text/plain", file.text.clone().into_bytes()).await.json();
    assert_eq!((skipped["added"].clone(), skipped["skipped"].clone()), (json!(["timeout"]), json!(["retries"])));
    assert_eq!(text(&s, "PRO", &alice).await, "retries = 9\n# seconds\ntimeout = 30\n");
    let overwritten = upload(&s, &import("overwrite"), &alice, "text/plain", file.text.clone().into_bytes()).await.json();
    assert_eq!(overwritten["overwritten"], json!(["timeout", "retries"]));
    assert_eq!(text(&s, "PRO", &alice).await, "retries = 3\n# seconds\ntimeout = 30\n");
    let broken = upload(&s, &import("overwrite"), &alice, "text/plain", b"good = 1\n= no key\n".to_vec()).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.text.contains("line 2"), "{}", broken.text);

    // A whole app as a zip, imported into another cluster's copy of it.
    let archive = s.call(Method::GET, "/api/v1/envs/DEV/apps/shop/export", Some(&alice), &Value::Null).await;
    assert_eq!(archive.status, StatusCode::OK);
    let request = Request::get("/api/v1/envs/DEV/apps/shop/export").header(header::AUTHORIZATION, format!("Bearer {alice}")).body(Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(s.portal.router.clone(), request).await.unwrap();
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["default/application.properties", "default/db.yaml"]);
    let mut yaml = String::new();
    zip.by_name("default/db.yaml").unwrap().read_to_string(&mut yaml).unwrap();
    assert_eq!(yaml, "pool:\n  size: 5\n");

    s.ok(Method::POST, "/api/v1/envs/DEV/apps/shop/clusters", &alice, &json!({"name": "east"})).await;
    let mut renamed = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in [("east/application.properties", file.text.as_str()), ("east/db.yaml", yaml.as_str())] {
        renamed.start_file(name, options).unwrap();
        renamed.write_all(content.as_bytes()).unwrap();
    }
    let renamed = renamed.finish().unwrap().into_inner();
    let imported = upload(&s, "/api/v1/envs/DEV/apps/shop/import", &alice, "application/zip", renamed.clone()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let east = s.ok(Method::GET, "/api/v1/envs/DEV/apps/shop/clusters/east/namespaces/db.yaml/text", &alice, &Value::Null).await;
    assert_eq!(east["text"], "pool:\n  size: 5\n");
    let again = upload(&s, "/api/v1/envs/DEV/apps/shop/import", &alice, "application/zip", renamed).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "abort is the default: {}", again.text);

    // An archive naming an unknown namespace changes nothing anywhere.
    let mut bad = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in [("default/application.properties", "fresh = 1\n"), ("default/nope.properties", "x = 1\n")] {
        bad.start_file(name, options).unwrap();
        bad.write_all(content.as_bytes()).unwrap();
    }
    let bad = bad.finish().unwrap().into_inner();
    let refused = upload(&s, "/api/v1/envs/DEV/apps/shop/import?policy=skip", &alice, "application/zip", bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.text.contains("nope"), "{}", refused.text);
    assert!(!text(&s, "DEV", &alice).await.contains("fresh"));
    let garbage = upload(&s, "/api/v1/envs/DEV/apps/shop/import", &alice, "application/zip", b"not a zip".to_vec()).await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
});

db_test!(async fn search_shows_only_what_the_searcher_may_see(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "shared", "isPublic": true})).await;
    for env in ["DEV", "PRO"] {
        s.ok(Method::POST, &format!("{}/items", ns(env, "shop", "application")), &alice, &json!({"key": "db.URL", "value": "jdbc:10%_off"})).await;
        s.ok(Method::POST, &format!("{}/items", ns(env, "shop", "shared")), &alice, &json!({"key": "greeting", "value": "db url follows"})).await;
    }
    let places = |hits: &Value| -> Vec<String> {
        let mut p: Vec<String> = hits.as_array().unwrap().iter().map(|h| format!("{}/{}/{}", h["env"].as_str().unwrap(), h["namespaceName"].as_str().unwrap(), h["key"].as_str().unwrap())).collect();
        p.sort();
        p
    };
    let all = s.ok(Method::GET, "/api/v1/search?q=DB%20URL", &alice, &Value::Null).await;
    assert_eq!(places(&all), ["DEV/shared/greeting", "PRO/shared/greeting"], "case ignored, value matched");
    let all = s.ok(Method::GET, "/api/v1/search?q=db", &alice, &Value::Null).await;
    assert_eq!(places(&all), ["DEV/application/db.URL", "DEV/shared/greeting", "PRO/application/db.URL", "PRO/shared/greeting"]);
    let bobs = s.ok(Method::GET, "/api/v1/search?q=db", &bob, &Value::Null).await;
    assert_eq!(places(&bobs), ["DEV/application/db.URL", "DEV/shared/greeting", "PRO/shared/greeting"], "not PRO's private namespace");
    let wildcard = s.ok(Method::GET, "/api/v1/search?q=0%25_", &alice, &Value::Null).await;
    assert_eq!(wildcard.as_array().unwrap().len(), 2, "`%` and `_` are literal: {wildcard}");
    assert_eq!(s.ok(Method::GET, "/api/v1/search?q=1%25x", &alice, &Value::Null).await, json!([]));
    // A gray branch's override is found too, and says which cluster its branch belongs to.
    let branch = s.ok(Method::POST, &format!("{}/branches", ns("DEV", "shop", "application")), &alice, &Value::Null).await["branchName"].as_str().unwrap().to_owned();
    s.ok(Method::PUT, &format!("{}/branches/{branch}/overrides/db.URL", ns("DEV", "shop", "application")), &alice, &json!({"value": "jdbc:gray"})).await;
    let gray = s.ok(Method::GET, "/api/v1/search?q=jdbc:gray", &alice, &Value::Null).await;
    assert_eq!((gray[0]["clusterName"].as_str(), gray[0]["branchOf"].as_str()), (Some(branch.as_str()), Some("default")), "{gray}");
    let short = s.call(Method::GET, "/api/v1/search?q=d", Some(&alice), &Value::Null).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
});

db_test!(async fn favorites_are_kept_in_order_per_user(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    for app in ["a1", "a2", "a3"] {
        s.app(app, "alice").await;
    }
    for app in ["a2", "a1", "a3"] {
        let added = s.call(Method::POST, "/api/v1/favorites", Some(&alice), &json!({"appId": app})).await;
        assert_eq!(added.status, StatusCode::CREATED);
    }
    let again = s.call(Method::POST, "/api/v1/favorites", Some(&alice), &json!({"appId": "a1"})).await;
    assert_eq!(again.status, StatusCode::OK);
    let missing = s.call(Method::POST, "/api/v1/favorites", Some(&alice), &json!({"appId": "nope"})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let ids = |v: Value| -> Vec<String> { v.as_array().unwrap().iter().map(|f| f["appId"].as_str().unwrap().to_owned()).collect() };
    assert_eq!(ids(s.ok(Method::GET, "/api/v1/favorites", &alice, &Value::Null).await), ["a2", "a1", "a3"]);
    assert_eq!(ids(s.ok(Method::PUT, "/api/v1/favorites", &alice, &json!({"appIds": ["a3"]})).await), ["a3", "a2", "a1"]);
    s.ok(Method::DELETE, "/api/v1/favorites/a2", &alice, &Value::Null).await;
    assert_eq!(ids(s.ok(Method::GET, "/api/v1/favorites", &alice, &Value::Null).await), ["a3", "a1"]);
    assert_eq!(s.call(Method::DELETE, "/api/v1/favorites/a2", Some(&alice), &Value::Null).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.ok(Method::GET, "/api/v1/favorites", &bob, &Value::Null).await, json!([]));
});

db_test!(async fn a_text_is_checked_as_saving_it_would_be_without_saving(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.app("shop", "alice").await;
    s.ok(Method::POST, "/api/v1/apps/shop/appnamespaces", &alice, &json!({"name": "db", "format": "yaml"})).await;
    let props = ns("DEV", "shop", "application");
    let yaml = ns("DEV", "shop", "db.yaml");
    for (at, text) in [(&props, "a = 1\noops\n"), (&yaml, "pool: [1, 2\n"), (&props, "a = 1\n"), (&yaml, "pool: [1, 2]\n"), (&yaml, "")] {
        let checked = s.ok(Method::POST, &format!("{at}/text/check"), &alice, &json!({"text": text})).await;
        let saved = s.call(Method::PUT, &format!("{at}/text"), Some(&alice), &json!({"text": text})).await;
        match checked.get("problem").and_then(Value::as_str) {
            // The same words as the refused save, line (and column) included.
            Some(problem) => {
                assert_eq!(saved.status, StatusCode::BAD_REQUEST, "{text:?}: {}", saved.text);
                assert_eq!(saved.json()["message"].as_str(), Some(problem), "{text:?}");
                assert!(problem.contains("line "), "{problem}");
            }
            None => assert!(saved.status.is_success(), "{text:?} checked fine but: {}", saved.text),
        }
    }
    let problem = s.ok(Method::POST, &format!("{props}/text/check"), &alice, &json!({"text": "x\n"})).await;
    assert_eq!(problem["problem"], "the text does not parse: line 1: expected `key = value`, found `x`");
    // Checking changes nothing, and is for those who may see the namespace.
    assert_eq!(text(&s, "DEV", &alice).await, "a = 1\n");
    let outsider = s.call(Method::POST, &format!("{}/text/check", ns("PRO", "shop", "application")), Some(&bob), &json!({"text": "a = 1"})).await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN, "{}", outsider.text);
});

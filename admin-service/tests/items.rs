//! Items one by one and as text, limits, validation, and commit history.

mod common;

use axum::http::StatusCode;
use common::{Admin, OPERATOR, ns};
use lyre_admin_service::AdminSettings;
use lyre_store::db_test;
use serde_json::{Value, json};

fn keys(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(async fn items_are_created_changed_and_deleted_with_their_operator(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");

    let created = admin
        .post(&format!("{app_ns}/items"), json!({"key": "timeout", "value": "30", "comment": "seconds", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!((created["version"].as_i64(), created["lineNum"].as_i64()), (Some(1), Some(1)));
    assert_eq!(created["createdBy"], OPERATOR);
    admin.add_item(&app_ns, "retries", "3").await.expect(StatusCode::CREATED);

    let updated = admin
        .put(&format!("{app_ns}/items/timeout"), json!({"value": "60", "version": 1, "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated["value"], "60");
    assert_eq!(updated["comment"], "seconds", "an absent comment is kept");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["updatedBy"], "bob");
    assert_eq!(updated["createdBy"], OPERATOR);

    let stale = admin
        .put(&format!("{app_ns}/items/timeout"), json!({"value": "90", "version": 1, "operator": "carol"}))
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(stale.code(), "changed");
    assert!(stale.message().contains("bob"), "names who changed it: {}", stale.message());
    assert_eq!(admin.get(&format!("{app_ns}/items/timeout")).await.json()["value"], "60");

    let upserted = admin
        .put(&format!("{app_ns}/items/new.key?createIfNotExists=true"), json!({"value": "x", "operator": "carol"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(upserted["lineNum"], 3);
    admin
        .put(&format!("{app_ns}/items/missing"), json!({"value": "x", "operator": "carol"}))
        .await
        .expect(StatusCode::NOT_FOUND);

    admin.delete(&format!("{app_ns}/items/retries?operator=carol&version=9")).await.expect(StatusCode::CONFLICT);
    admin.delete(&format!("{app_ns}/items/retries?operator=carol")).await.expect(StatusCode::NO_CONTENT);
    let not_there = admin.delete(&format!("{app_ns}/items/retries?operator=carol")).await.expect(StatusCode::NOT_FOUND);
    assert_eq!(not_there.code(), "item_not_found");
    assert_eq!(keys(&admin.get(&format!("{app_ns}/items")).await.json()), ["timeout", "new.key"]);
});

db_test!(async fn text_mode_keeps_order_and_comments(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    let text = "# the database\ndb.url = jdbc:pg://db/orders\ndb.pool-size = 10\n\n# feature switches\n# (two lines)\nfeature.new-checkout = true\n# the end\n";
    let stored = admin.put_text(&app_ns, text).await.expect(StatusCode::OK).json();
    assert_eq!(stored["format"], "properties");
    assert_eq!(stored["revision"], 1);

    let items = admin.get(&format!("{app_ns}/items")).await.json();
    assert_eq!(keys(&items), ["db.url", "db.pool-size", "feature.new-checkout"]);
    assert_eq!(items[0]["comment"], "the database");
    assert_eq!(items[2]["comment"], "feature switches\n(two lines)");
    assert_eq!(items[1]["value"], "10");

    let round_trip = admin.get(&format!("{app_ns}/text")).await.json();
    assert_eq!(
        round_trip["text"],
        "# the database\ndb.url = jdbc:pg://db/orders\ndb.pool-size = 10\n# feature switches\n# (two lines)\nfeature.new-checkout = true\n# the end\n"
    );
    assert_eq!(round_trip["revision"], 1);

    // Editing the text again: one key changed, one removed, one added, order changed.
    let edited = "feature.new-checkout = false\n# the database\ndb.url = jdbc:pg://db/orders\nlog.level = debug\n";
    let stored = admin
        .put(&format!("{app_ns}/text"), json!({"text": edited, "revision": 1, "comment": "tidy up", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(stored["text"], edited);
    assert_eq!(stored["revision"], 2);
    assert_eq!(keys(&admin.get(&format!("{app_ns}/items")).await.json()), ["feature.new-checkout", "db.url", "log.level"]);

    let commits = admin.get(&format!("{app_ns}/commits")).await.json();
    assert_eq!(commits["total"], 2);
    let latest = &commits["items"][0];
    assert_eq!(latest["comment"], "tidy up");
    assert_eq!(latest["createdBy"], "bob");
    let change = &latest["changeSet"];
    assert_eq!(keys(&change["created"]), ["log.level"]);
    assert_eq!(keys(&change["deleted"]), ["db.pool-size"]);
    assert_eq!(change["updated"][0]["key"], "feature.new-checkout");
    assert_eq!(change["updated"][0]["oldValue"], "true");
    assert_eq!(change["updated"][0]["newValue"], "false");

    // A text edited from an old revision is refused, and changes nothing.
    let stale = admin
        .put(&format!("{app_ns}/text"), json!({"text": "a = 1\n", "revision": 1, "operator": "carol"}))
        .await
        .expect(StatusCode::CONFLICT);
    assert!(stale.message().contains("revision 2"));
    let broken = admin.put_text(&app_ns, "good = 1\nthis line has no separator\n").await.expect(StatusCode::BAD_REQUEST);
    assert!(broken.message().contains("line 2"), "{}", broken.message());
    let duplicate = admin.put_text(&app_ns, "a = 1\nb = 2\na = 3\n").await.expect(StatusCode::BAD_REQUEST);
    assert!(duplicate.message().contains("line 3") && duplicate.message().contains("line 1"));
    assert_eq!(admin.get(&format!("{app_ns}/text")).await.json()["text"], edited);
});

db_test!(async fn key_history_lists_only_that_keys_changes(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    admin.add_item(&app_ns, "a", "1").await.expect(StatusCode::CREATED);
    admin.add_item(&app_ns, "b", "1").await.expect(StatusCode::CREATED);
    for value in ["2", "3"] {
        admin.put(&format!("{app_ns}/items/a"), json!({"value": value, "operator": OPERATOR})).await.expect(StatusCode::OK);
    }
    let history = admin.get(&format!("{app_ns}/commits?key=a")).await.expect(StatusCode::OK).json();
    assert_eq!(history["total"], 3);
    let values: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["changeSet"]["updated"]
                .get(0)
                .map_or_else(|| c["changeSet"]["created"][0]["value"].as_str().unwrap(), |u| u["newValue"].as_str().unwrap())
        })
        .collect();
    assert_eq!(values, ["3", "2", "1"], "newest first");
    let paged = admin.get(&format!("{app_ns}/commits?key=a&page=1&size=2")).await.json();
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged["total"], 3);
    // Setting the same value again is no change, and records nothing.
    admin.put(&format!("{app_ns}/items/a"), json!({"value": "3", "operator": OPERATOR})).await.expect(StatusCode::OK);
    assert_eq!(admin.get(&format!("{app_ns}/commits")).await.json()["total"], 4);
});

db_test!(async fn file_namespaces_hold_validated_content(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    for (name, format) in [("datasources", "yaml"), ("routes", "json"), ("logback", "xml")] {
        admin
            .post("/apps/orders/appnamespaces", json!({"name": name, "format": format, "operator": OPERATOR}))
            .await
            .expect(StatusCode::CREATED);
    }
    let yaml_ns = ns("DEV", "orders", "default", "datasources.yaml");
    let yaml = "primary:\n  url: jdbc:pg://db/orders\n  pool: 10\n";
    let stored = admin.put_text(&yaml_ns, yaml).await.expect(StatusCode::OK).json();
    assert_eq!(stored["text"], yaml);
    let items = admin.get(&format!("{yaml_ns}/items")).await.json();
    assert_eq!(keys(&items), ["content"]);

    let bad_yaml = admin.put_text(&yaml_ns, "primary:\n  url: x\n pool: 10\n").await.expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad_yaml.code(), "invalid_content");
    assert!(bad_yaml.message().contains("line 3"), "{}", bad_yaml.message());
    assert!(bad_yaml.message().contains("column"), "{}", bad_yaml.message());

    let json_ns = ns("DEV", "orders", "default", "routes.json");
    let bad_json = admin.put_text(&json_ns, "{\n  \"a\": 1,\n  \"b\": \n}\n").await.expect(StatusCode::BAD_REQUEST);
    assert!(bad_json.message().contains("line 4, column 1"), "{}", bad_json.message());
    let xml_ns = ns("DEV", "orders", "default", "logback.xml");
    let bad_xml = admin.put_text(&xml_ns, "<configuration>\n  <root>\n</configuration>\n").await.expect(StatusCode::BAD_REQUEST);
    assert!(bad_xml.message().contains("line 3"), "{}", bad_xml.message());

    // Through the item API too, and only the `content` key.
    admin
        .put(&format!("{json_ns}/items/content?createIfNotExists=true"), json!({"value": "{\"a\":", "operator": OPERATOR}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    let wrong_key = admin.add_item(&json_ns, "a", "1").await.expect(StatusCode::BAD_REQUEST);
    assert!(wrong_key.message().contains("content"));
    assert_eq!(admin.get(&format!("{yaml_ns}/text")).await.json()["text"], yaml, "failed edits changed nothing");
});

db_test!(async fn limits_are_apollos_by_default_and_configurable(t) {
    let settings = AdminSettings { key_max_length: 16, value_max_length: 100, ..AdminSettings::new(vec!["DEV".into()]) };
    let small = Admin::with_settings(t, settings);
    small.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    small.add_item(&app_ns, &"k".repeat(16), "v").await.expect(StatusCode::CREATED);
    let long_key = small.add_item(&app_ns, &"k".repeat(17), "v").await.expect(StatusCode::BAD_REQUEST);
    assert!(long_key.message().contains("longer than 16"), "{}", long_key.message());
    let long_value = small.add_item(&app_ns, "v", &"x".repeat(101)).await.expect(StatusCode::BAD_REQUEST);
    assert!(long_value.message().contains("the limit is 100"), "{}", long_value.message());
    small.add_item(&app_ns, "v", &"é".repeat(100)).await.expect(StatusCode::CREATED);
});

db_test!(async fn default_limits_are_128_and_20000(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    admin.add_item(&app_ns, &"k".repeat(128), &"v".repeat(20_000)).await.expect(StatusCode::CREATED);
    admin.add_item(&app_ns, &"k".repeat(129), "v").await.expect(StatusCode::BAD_REQUEST);
    admin.add_item(&app_ns, "big", &"v".repeat(20_001)).await.expect(StatusCode::BAD_REQUEST);
    let multi_line = admin.add_item(&app_ns, "cert", "line1\nline2").await.expect(StatusCode::BAD_REQUEST);
    assert!(multi_line.message().contains("line break"));
});

db_test!(async fn a_batch_applies_all_of_its_changes_or_none(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    admin
        .put(&format!("{app_ns}/text"), json!({"text": "a = 1\nb = 2\n# about c\nc = 3\n# the end\n", "operator": OPERATOR}))
        .await
        .expect(StatusCode::OK);
    let result = admin
        .post(&format!("{app_ns}/itemset"), json!({"set": [{"key": "b", "value": "20"}, {"key": "d", "value": "4", "comment": "new"}], "delete": ["a", "zzz"], "comment": "sync", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(result["changeSet"]["created"][0]["key"], "d");
    assert_eq!(result["changeSet"]["updated"][0]["newValue"], "20");
    assert_eq!(result["changeSet"]["deleted"][0]["key"], "a");
    let text = admin.get(&format!("{app_ns}/text")).await.json();
    assert_eq!(text["text"], "b = 20\n# about c\nc = 3\n# new\nd = 4\n# the end\n", "places and comments are kept");
    let revision = text["revision"].as_i64().unwrap();
    assert_eq!(result["revision"], revision);

    // One bad entry, or an outdated revision, and nothing changes.
    admin
        .post(&format!("{app_ns}/itemset"), json!({"set": [{"key": "e", "value": "5"}, {"key": "", "value": "x"}], "operator": "bob"}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    admin
        .post(&format!("{app_ns}/itemset"), json!({"set": [{"key": "e", "value": "5"}], "revision": revision - 1, "operator": "bob"}))
        .await
        .expect(StatusCode::CONFLICT);
    admin
        .post(&format!("{app_ns}/itemset"), json!({"set": [{"key": "b", "value": "5"}], "delete": ["b"], "operator": "bob"}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(keys(&admin.get(&format!("{app_ns}/items")).await.json()), ["b", "c", "d"]);
    assert_eq!(admin.get(&format!("{app_ns}/text")).await.json()["revision"], revision);
});

db_test!(async fn operations_sent_as_data_run_the_same_rules(t) {
    // What a portal in another process sends: `POST /ops/{name}` with the operation as JSON.
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let target = json!({"env": "DEV", "appId": "orders", "cluster": "default", "namespace": "application"});
    let new = json!({"key": "timeout", "value": "30", "operator": OPERATOR});
    let created = admin
        .post("/ops/items.create", json!({"ns": target, "new": new}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(created["key"], "timeout");
    let listed = admin.post("/ops/items.list", json!({"ns": target})).await.expect(StatusCode::OK).json();
    assert_eq!(keys(&listed), ["timeout"]);
    // The same REST view agrees.
    let rest = admin.get(&format!("{}/items", ns("DEV", "orders", "default", "application"))).await.json();
    assert_eq!(listed, rest);

    // The rules are the operation's: a duplicate key, an unknown namespace, a bad name.
    let again = admin.post("/ops/items.create", json!({"ns": target, "new": new})).await.expect(StatusCode::CONFLICT);
    assert!(again.message().contains("timeout"), "{}", again.message());
    let nowhere = json!({"env": "DEV", "appId": "orders", "cluster": "default", "namespace": "missing"});
    admin.post("/ops/items.list", json!({"ns": nowhere})).await.expect(StatusCode::NOT_FOUND);
    let bad = json!({"env": "DEV", "appId": "bad id", "cluster": "default", "namespace": "application"});
    admin.post("/ops/items.list", json!({"ns": bad})).await.expect(StatusCode::BAD_REQUEST);
    // A body that is not the operation, and an operation that does not exist.
    let wrong = admin.post("/ops/items.list", json!({"namespace": "application"})).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert!(wrong.text.contains("ns"), "the message names the field: {}", wrong.text);
    admin.post("/ops/items.explode", json!({})).await.expect(StatusCode::NOT_FOUND);
});

//! Publishing, unpublished changes, release history, differences and rollback.

mod common;

use axum::http::StatusCode;
use common::{Admin, ns};
use lyre_store::db_test;
use lyre_store::entity::release_message;
use lyre_store::sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

fn kinds(changes: &Value) -> Vec<(String, String)> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_owned(),
                c["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

db_test!(async fn publishing_snapshots_items_and_notifies(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("PRO", "orders", "default", "application");
    admin.put_text(&app_ns, "b = 2\na = 1\n").await.expect(StatusCode::OK);

    let before = admin.get(&app_ns).await.json();
    assert_eq!(before["hasUnpublishedChanges"], true);
    assert_eq!(before["latestRelease"], Value::Null);
    let changes = admin.get(&format!("{app_ns}/changes")).await.expect(StatusCode::OK).json();
    assert_eq!(kinds(&changes["changes"]), pairs(&[("b", "added"), ("a", "added")]));

    let release = admin
        .post(&format!("{app_ns}/releases"), json!({"releaseTitle": "first", "releaseComment": "hello", "releasedBy": "bob"}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    let key = release["releaseKey"].as_str().unwrap();
    let (stamp, hex) = key.split_once('-').unwrap();
    assert!(stamp.len() == 14 && hex.len() == 16, "{key}");
    assert_eq!(release["title"], "first");
    assert_eq!(release["comment"], "hello");
    assert_eq!(release["createdBy"], "bob");
    assert_eq!(release["configurations"], json!({"b": "2", "a": "1"}));
    let raw = admin.get(&format!("{app_ns}/releases/latest")).await.text;
    assert!(raw.contains(r#""configurations":{"b":"2","a":"1"}"#), "keys keep their order: {raw}");

    let after = admin.get(&app_ns).await.json();
    assert_eq!(after["hasUnpublishedChanges"], false);
    assert_eq!(after["latestRelease"]["releaseKey"], key);
    assert_eq!(admin.get(&format!("{app_ns}/changes")).await.json()["changes"], json!([]));

    // The release message for config services was written with the release.
    let messages = release_message::Entity::find().order_by_asc(release_message::Column::Id).all(&admin.t.db).await.unwrap();
    let last = messages.last().expect("a release message");
    assert_eq!((last.env.as_str(), last.message.as_str()), ("PRO", "orders+default+application"));

    // Publishing again with nothing changed still makes a new key.
    let again = admin.publish(&app_ns, "same again").await.expect(StatusCode::CREATED).json();
    assert_ne!(again["releaseKey"], release["releaseKey"]);
    assert_eq!(again["configurations"], release["configurations"]);
});

db_test!(async fn unpublished_changes_and_release_differences(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    admin.put_text(&app_ns, "a = 1\nb = 2\nc = 3\n").await.expect(StatusCode::OK);
    let first = admin.publish(&app_ns, "v1").await.expect(StatusCode::CREATED).json();
    admin.put_text(&app_ns, "a = 1\nb = 20\nd = 4\n").await.expect(StatusCode::OK);

    let changes = admin.get(&format!("{app_ns}/changes")).await.json();
    assert_eq!(changes["baseRelease"]["id"], first["id"]);
    assert_eq!(kinds(&changes["changes"]), pairs(&[("b", "modified"), ("d", "added"), ("c", "deleted")]));
    assert_eq!(changes["changes"][0]["oldValue"], "2");
    assert_eq!(changes["changes"][0]["newValue"], "20");

    let second = admin.publish(&app_ns, "v2").await.expect(StatusCode::CREATED).json();
    let compare = admin
        .get(&format!("/envs/DEV/releases/compare?baseReleaseId={}&toReleaseId={}", first["id"], second["id"]))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(kinds(&compare["changes"]), pairs(&[("b", "modified"), ("d", "added"), ("c", "deleted")]));
    let from_nothing = admin.get(&format!("/envs/DEV/releases/compare?toReleaseId={}", first["id"])).await.json();
    assert_eq!(kinds(&from_nothing["changes"]), pairs(&[("a", "added"), ("b", "added"), ("c", "added")]));
    admin.get("/envs/DEV/releases/compare?toReleaseId=999999").await.expect(StatusCode::NOT_FOUND);
    admin.get(&format!("/envs/PRO/releases/{}", first["id"])).await.expect(StatusCode::NOT_FOUND);
    assert_eq!(admin.get(&format!("/envs/DEV/releases/{}", first["id"])).await.json()["title"], "v1");
});

db_test!(async fn releases_list_newest_first_in_pages(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    for i in 1..=5 {
        admin.put_text(&app_ns, &format!("n = {i}\n")).await.expect(StatusCode::OK);
        admin.publish(&app_ns, &format!("v{i}")).await.expect(StatusCode::CREATED);
    }
    let page = admin.get(&format!("{app_ns}/releases?size=2")).await.expect(StatusCode::OK).json();
    assert_eq!(page["total"], 5);
    let titles: Vec<&str> = page["items"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["v5", "v4"]);
    let last = admin.get(&format!("{app_ns}/releases?size=2&page=2")).await.json();
    assert_eq!(last["items"][0]["title"], "v1");
    assert_eq!(admin.get(&format!("{app_ns}/releases/latest")).await.json()["configurations"], json!({"n": "5"}));
});

db_test!(async fn rollback_serves_an_earlier_release_and_keeps_edits(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    let mut ids = Vec::new();
    for i in 1..=4 {
        admin.put_text(&app_ns, &format!("n = {i}\n")).await.expect(StatusCode::OK);
        ids.push(admin.publish(&app_ns, &format!("v{i}")).await.expect(StatusCode::CREATED).json()["id"].as_i64().unwrap());
    }
    // An unpublished edit, to be left alone by the rollbacks.
    admin.add_item(&app_ns, "pending", "yes").await.expect(StatusCode::CREATED);

    // Only the served release can be rolled back.
    let not_latest = admin.put(&format!("/envs/DEV/releases/{}/rollback?operator=bob", ids[2]), json!({})).await.expect(StatusCode::CONFLICT);
    assert!(not_latest.message().contains(&ids[3].to_string()));

    let rolled = admin.put(&format!("/envs/DEV/releases/{}/rollback?operator=bob", ids[3]), json!({})).await.expect(StatusCode::OK).json();
    assert_eq!(rolled["active"]["id"], ids[2]);
    assert_eq!(rolled["abandoned"][0]["id"], ids[3]);
    assert_eq!(admin.get(&format!("{app_ns}/releases/latest")).await.json()["configurations"], json!({"n": "3"}));

    // Back to any earlier one: everything after it is abandoned.
    let far = admin
        .put(&format!("/envs/DEV/releases/{}/rollback?operator=bob&toReleaseId={}", ids[2], ids[0]), json!({}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(far["active"]["id"], ids[0]);
    let abandoned_now: Vec<i64> = far["abandoned"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(abandoned_now, [ids[2], ids[1]], "v3 and v2 (v4 was already abandoned)");
    let latest = admin.get(&format!("{app_ns}/releases/latest")).await.json();
    assert_eq!(latest["configurations"], json!({"n": "1"}));
    let listed = admin.get(&format!("{app_ns}/releases")).await.json();
    let abandoned: Vec<bool> = listed["items"].as_array().unwrap().iter().map(|r| r["isAbandoned"].as_bool().unwrap()).collect();
    assert_eq!(abandoned, [true, true, true, false]);

    // Unpublished edits are untouched, and now differ from the served release.
    assert_eq!(admin.get(&format!("{app_ns}/items/pending")).await.expect(StatusCode::OK).json()["value"], "yes");
    let changes = admin.get(&format!("{app_ns}/changes")).await.json();
    assert_eq!(kinds(&changes["changes"]), pairs(&[("n", "modified"), ("pending", "added")]));

    let first = admin.put(&format!("/envs/DEV/releases/{}/rollback?operator=bob", ids[0]), json!({})).await.expect(StatusCode::BAD_REQUEST);
    assert!(first.message().contains("nothing to roll back to"));

    let history = admin.get(&format!("{app_ns}/releases/histories")).await.expect(StatusCode::OK).json();
    let operations: Vec<&str> = history["items"].as_array().unwrap().iter().map(|h| h["operation"].as_str().unwrap()).collect();
    assert_eq!(operations, ["rollback", "rollback", "normal_release", "normal_release", "normal_release", "normal_release"]);
    let last = &history["items"][0];
    assert_eq!((last["releaseId"].as_i64(), last["previousReleaseId"].as_i64()), (Some(ids[0]), Some(ids[2])));
    assert_eq!(last["createdBy"], "bob");
    assert_eq!(last["releaseTitle"], "v1");
    assert_eq!(history["items"][2]["previousReleaseId"], ids[2]);
});

db_test!(async fn rollback_targets_must_be_earlier_releases_of_the_namespace(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    admin.create_app("other").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    let other_ns = ns("DEV", "other", "default", "application");
    admin.add_item(&other_ns, "x", "1").await.expect(StatusCode::CREATED);
    let foreign = admin.publish(&other_ns, "other").await.json()["id"].as_i64().unwrap();
    admin.add_item(&app_ns, "x", "1").await.expect(StatusCode::CREATED);
    let v1 = admin.publish(&app_ns, "v1").await.json()["id"].as_i64().unwrap();
    let v2 = admin.publish(&app_ns, "v2").await.json()["id"].as_i64().unwrap();
    for target in [foreign, v2, 123_456] {
        let reply = admin
            .put(&format!("/envs/DEV/releases/{v2}/rollback?operator=bob&toReleaseId={target}"), json!({}))
            .await
            .expect(StatusCode::BAD_REQUEST);
        assert!(reply.message().contains(&target.to_string()));
    }
    admin.put(&format!("/envs/DEV/releases/{v2}/rollback"), json!({})).await.expect(StatusCode::BAD_REQUEST);
    admin.put("/envs/DEV/releases/999999/rollback?operator=bob", json!({})).await.expect(StatusCode::NOT_FOUND);
    admin.put(&format!("/envs/DEV/releases/{v2}/rollback?operator=bob&toReleaseId={v1}"), json!({})).await.expect(StatusCode::OK);
});

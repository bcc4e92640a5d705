//! Concurrent requests against one namespace: no edit is lost silently, and every release is
//! a whole snapshot, in order. Run on every backend.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Admin, OPERATOR, ns};
use futures_util::future::join_all;
use lyre_store::db_test;
use lyre_store::entity::{release, release_history, release_message};
use lyre_store::sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

db_test!(async fn concurrent_edits_of_one_item_let_exactly_one_win(t) {
    let admin = Arc::new(Admin::new(t).await);
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    admin.add_item(&app_ns, "timeout", "30").await.expect(StatusCode::CREATED);

    let tasks = (0..8).map(|i| {
        let admin = admin.clone();
        let path = format!("{app_ns}/items/timeout");
        tokio::spawn(async move {
            let reply = admin.put(&path, json!({"value": format!("v{i}"), "version": 1, "operator": format!("user{i}")})).await;
            (i, reply.status)
        })
    });
    let results: Vec<(i32, StatusCode)> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<i32> = results.iter().filter(|(_, s)| *s == StatusCode::OK).map(|(i, _)| *i).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(results.iter().all(|(_, s)| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{results:?}");

    let item = admin.get(&format!("{app_ns}/items/timeout")).await.json();
    assert_eq!(item["value"], format!("v{}", winners[0]));
    assert_eq!(item["version"], 2);
    assert_eq!(admin.get(&format!("{app_ns}/commits")).await.json()["total"], 2, "one create, one update");
});

db_test!(async fn concurrent_edits_and_publishes_make_whole_ordered_releases(t) {
    let admin = Arc::new(Admin::new(t).await);
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    let text = |w: usize| (0..10).map(|k| format!("key{k} = w{w}\n")).collect::<String>();
    admin.put_text(&app_ns, &text(0)).await.expect(StatusCode::OK);

    let mut tasks = Vec::new();
    for w in 1..=6 {
        let admin = admin.clone();
        let app_ns = app_ns.clone();
        let body = text(w);
        tasks.push(tokio::spawn(async move { admin.put_text(&app_ns, &body).await.status }));
    }
    for p in 1..=6 {
        let admin = admin.clone();
        let app_ns = app_ns.clone();
        tasks.push(tokio::spawn(async move { admin.publish(&app_ns, &format!("p{p}")).await.status }));
    }
    let statuses: Vec<StatusCode> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert!(statuses.iter().all(|s| s.is_success()), "{statuses:?}");

    let releases = release::Entity::find().order_by_asc(release::Column::Id).all(&admin.t.db).await.unwrap();
    assert_eq!(releases.len(), 6);
    for r in &releases {
        let config: Value = serde_json::from_str(&r.configurations).unwrap();
        let values: Vec<&str> = config.as_object().unwrap().values().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(values.len(), 10, "every key in release {}", r.id);
        assert!(values.iter().all(|v| *v == values[0]), "release {} mixes edits: {values:?}", r.id);
    }
    // History lists every release once, in release order; notification ids only grow.
    let history = release_history::Entity::find().order_by_asc(release_history::Column::Id).all(&admin.t.db).await.unwrap();
    let released: Vec<i64> = history.iter().map(|h| h.release_id).collect();
    let ids: Vec<i64> = releases.iter().map(|r| r.id).collect();
    assert_eq!(released, ids);
    let previous: Vec<i64> = history.iter().map(|h| h.previous_release_id).collect();
    let mut expected_previous = vec![0];
    expected_previous.extend(&ids[..ids.len() - 1]);
    assert_eq!(previous, expected_previous, "each release follows the one before");
    let messages = release_message::Entity::find().order_by_asc(release_message::Column::Id).all(&admin.t.db).await.unwrap();
    assert_eq!(messages.len(), 6);
    assert!(messages.windows(2).all(|w| w[0].id < w[1].id));
    // The last release is the last committed edit or the one before a later edit.
    let last_edit = admin.get(&format!("{app_ns}/text")).await.json();
    assert_eq!(last_edit["revision"], 7);
    assert!(OPERATOR == "alice");
});

db_test!(async fn a_thousand_concurrent_edits_and_publishes_lose_nothing(t) {
    let admin = Arc::new(Admin::new(t).await);
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");

    // 500 people each add their own key while 500 others publish, all at once.
    let mut tasks = Vec::new();
    for i in 0..500 {
        let (editor, edited) = (admin.clone(), app_ns.clone());
        tasks.push(tokio::spawn(async move {
            let reply = editor.add_item(&edited, &format!("key{i:03}"), &format!("v{i}")).await;
            (reply.status, reply.text)
        }));
        let (publisher, published) = (admin.clone(), app_ns.clone());
        tasks.push(tokio::spawn(async move {
            let reply = publisher.publish(&published, &format!("p{i}")).await;
            (reply.status, reply.text)
        }));
    }
    let replies: Vec<(StatusCode, String)> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let failed: Vec<&(StatusCode, String)> = replies.iter().filter(|(s, _)| !s.is_success()).collect();
    assert!(failed.is_empty(), "{} failed, e.g. {:?}", failed.len(), failed.first());

    // No edit is lost: every key is there, and the next release has them all.
    let items = admin.get(&format!("{app_ns}/items")).await.json();
    assert_eq!(items.as_array().map_or(0, Vec::len), 500, "{items}");
    admin.publish(&app_ns, "final").await.expect(StatusCode::CREATED);

    // Releases only grow (keys are only added), each a whole snapshot of some moment.
    let releases = release::Entity::find().order_by_asc(release::Column::Id).all(&admin.t.db).await.unwrap();
    assert_eq!(releases.len(), 501);
    let keys = |r: &release::Model| -> Vec<String> {
        let config: Value = serde_json::from_str(&r.configurations).unwrap();
        config.as_object().unwrap().keys().cloned().collect()
    };
    for pair in releases.windows(2) {
        let (before, after) = (keys(&pair[0]), keys(&pair[1]));
        assert!(before.iter().all(|k| after.contains(k)), "release {} lost keys of {}", pair[1].id, pair[0].id);
    }
    assert_eq!(keys(releases.last().unwrap()).len(), 500);

    // History: every release once, in order, each following the one before; one notification
    // per release, ids strictly increasing.
    let history = release_history::Entity::find().order_by_asc(release_history::Column::Id).all(&admin.t.db).await.unwrap();
    let ids: Vec<i64> = releases.iter().map(|r| r.id).collect();
    assert_eq!(history.iter().map(|h| h.release_id).collect::<Vec<_>>(), ids);
    assert!(history.windows(2).all(|w| w[1].previous_release_id == w[0].release_id));
    let messages = release_message::Entity::find().order_by_asc(release_message::Column::Id).all(&admin.t.db).await.unwrap();
    assert_eq!(messages.len(), 501);
    assert!(messages.windows(2).all(|w| w[0].id < w[1].id));
});

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

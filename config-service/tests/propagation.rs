//! Releases reach config services that do not share a process with the admin service: through
//! PostgreSQL `NOTIFY` or by scanning release messages, including ids that commit out of order.

mod common;

use std::time::{Duration, Instant};

use common::{Config, Stack, get, long_poll_path};
use lyre_store::config::releases;
use lyre_store::db_test;
use lyre_store::sea_orm::TransactionTrait;
use lyre_store::testing::TestBackend;

db_test!(async fn a_second_instance_sees_releases_through_the_database(t) {
    // The admin service announces nothing in-process: every instance learns from the database.
    let stack = Stack::start_with(&t.db, Duration::from_secs(30), Duration::from_millis(100), false).await;
    let second = Config::start(&t.db, None, Duration::from_secs(30), Duration::from_millis(100), stack.shutdown.clone()).await;
    stack.admin.create_app("shop").await;

    let polls: Vec<_> = [&stack.config.url, &second.url]
        .into_iter()
        .map(|base| {
            let url = format!("{base}{}", long_poll_path("shop", "default", &[("application", -1)]));
            tokio::spawn(async move { get(&url).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let published = Instant::now();
    stack.admin.publish_text("DEV", "shop", "default", "application", "k = v\n").await;
    for poll in polls {
        let reply = poll.await.unwrap();
        assert_eq!(reply.status, 200);
    }
    assert!(published.elapsed() < Duration::from_secs(3), "took {:?}", published.elapsed());
    let read = get(&format!("{}/configs/shop/default/application", second.url)).await.json();
    assert_eq!(read["configurations"]["k"], "v");
});

db_test!(async fn a_message_id_that_commits_late_is_not_missed(t) {
    if t.backend == TestBackend::Sqlite {
        // SQLite has one writer at a time: ids cannot commit out of order.
        return;
    }
    let stack = Stack::start_with(&t.db, Duration::from_secs(30), Duration::from_millis(50), false).await;
    let poll = |key: &str| format!("{}{}", stack.config.url, long_poll_path("late", "default", &[(key, -1)]));

    // Transaction A takes an id and commits late; B takes the next id and commits first.
    let a = t.db.begin().await.unwrap();
    let early = releases::insert_message(&a, "DEV", "late+default+first").await.unwrap();
    let later = releases::insert_message(&t.db, "DEV", "late+default+second").await.unwrap();
    assert!(later.id > early.id);
    let second = get(&poll("second")).await;
    assert_eq!(second.status, 200, "the later id is seen: {}", second.body);
    // The scan has moved past A's id; A commits now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.commit().await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), get(&poll("first"))).await.expect("answered");
    assert_eq!(first.status, 200, "the late id is found by the gap check");
    assert_eq!(first.json()[0]["notificationId"], early.id);
});

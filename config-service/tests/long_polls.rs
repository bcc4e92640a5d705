//! `/notifications/v2` over real sockets.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, get, long_poll_path};
use lyre_store::db_test;

db_test!(async fn a_waiting_long_poll_answers_when_a_release_lands(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(30)).await;
    stack.admin.create_app("shop").await;
    stack.admin.create_namespace("shop", "datasources", "yaml", false).await;

    // Nothing released yet: the poll is held, then woken by the publish.
    let url = format!("{}{}", stack.config.url, long_poll_path("shop", "default", &[("application", -1), ("datasources.yaml", -1)]));
    let poll = tokio::spawn(async move {
        let started = Instant::now();
        let reply = get(&url).await;
        (reply, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stack.config.state.long_polls_waiting(), 1, "held");
    let published_at = Instant::now();
    stack.admin.publish_text("DEV", "shop", "default", "datasources.yaml", "a: 1\n").await;
    let (reply, held) = poll.await.unwrap();
    let answered_after = published_at.elapsed();
    assert_eq!(reply.status, 200);
    assert!(held >= Duration::from_millis(300));
    assert!(answered_after < Duration::from_secs(2), "answered {answered_after:?} after the publish");
    let body = reply.json();
    assert_eq!(body.as_array().unwrap().len(), 1, "only the namespace that changed: {body}");
    assert_eq!(body[0]["namespaceName"], "datasources.yaml");
    let id = body[0]["notificationId"].as_i64().unwrap();
    assert!(id > 0);
    assert_eq!(body[0]["messages"]["details"]["shop+default+datasources.yaml"], id);
    assert_eq!(stack.config.state.long_polls_waiting(), 0, "nothing left behind");
});

db_test!(async fn a_newer_message_answers_at_once_and_a_current_client_times_out(t) {
    // Long enough that the publish below (a cluster, then a release, on a busy MariaDB) comes
    // while the poll is still held.
    let stack = Stack::start(&t.db, Duration::from_secs(3)).await;
    stack.admin.create_app("shop").await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "a = 1\n").await;
    let base = &stack.config.url;

    for unseen in [-1, 0] {
        let started = Instant::now();
        let reply = get(&format!("{base}{}", long_poll_path("shop", "default", &[("application", unseen)]))).await;
        assert_eq!(reply.status, 200, "{unseen} means nothing seen yet");
        assert!(started.elapsed() < Duration::from_millis(900), "at once");
    }
    let id = get(&format!("{base}{}", long_poll_path("shop", "default", &[("application", -1)]))).await.json()[0]["notificationId"]
        .as_i64()
        .unwrap();

    let started = Instant::now();
    let reply = get(&format!("{base}{}", long_poll_path("shop", "default", &[("application.properties", id)]))).await;
    assert_eq!((reply.status, reply.body.as_str()), (304, ""), "held until the timeout, then 304");
    assert!(started.elapsed() >= Duration::from_millis(2900));

    // A cluster that falls back to `default` is woken by `default`'s releases too.
    stack.admin.create_cluster("DEV", "shop", "east").await;
    let url = format!("{base}{}", long_poll_path("shop", "east", &[("application", id)]));
    let poll = tokio::spawn(async move { get(&url).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "a = 2\n").await;
    let woken = poll.await.unwrap();
    assert_eq!(woken.status, 200);
    assert!(woken.json()[0]["notificationId"].as_i64().unwrap() > id);
});

db_test!(async fn malformed_long_polls_are_refused(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(1)).await;
    let base = &stack.config.url;
    for (path, expected) in [
        ("/notifications/v2?appId=shop&cluster=default", "notifications"),
        ("/notifications/v2?appId=shop&cluster=default&notifications=not-json", "notifications"),
        ("/notifications/v2?appId=shop&cluster=default&notifications=%5B%5D", "1 to 500"),
        ("/notifications/v2?cluster=default&notifications=%5B%5D", "appId"),
    ] {
        let reply = get(&format!("{base}{path}")).await;
        assert_eq!(reply.status, 400, "{path}");
        assert!(reply.json()["message"].as_str().unwrap().contains(expected), "{path}: {}", reply.body);
    }
    // Apollo's clients send `+` for spaces and leave JSON unencoded; both are read.
    let raw = format!(r#"{base}/notifications/v2?appId=shop&cluster=default&notifications=[{{"namespaceName":"application","notificationId":-1}}]"#);
    let started = Instant::now();
    assert_eq!(get(&raw).await.status, 304);
    assert!(started.elapsed() >= Duration::from_millis(900));
});

db_test!(async fn clients_that_vanish_leave_nothing_behind(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(30)).await;
    stack.admin.create_app("shop").await;
    let url = format!("{}{}", stack.config.url, long_poll_path("shop", "default", &[("application", -1)]));
    let impatient = reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(300)).build().unwrap();
    let polls: Vec<_> = (0..50)
        .map(|_| {
            let client = impatient.clone();
            let url = url.clone();
            tokio::spawn(async move { client.get(&url).send().await.is_err() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(stack.config.state.long_polls_waiting(), 50);
    for poll in polls {
        assert!(poll.await.unwrap(), "the client gave up");
    }
    // The server notices each closed connection and drops the waiting request.
    let deadline = Instant::now() + Duration::from_secs(5);
    while stack.config.state.long_polls_waiting() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stack.config.state.long_polls_waiting(), 0);
});

db_test!(async fn shutting_down_answers_every_waiting_long_poll(t) {
    let stack = Stack::start(&t.db, Duration::from_secs(60)).await;
    stack.admin.create_app("shop").await;
    let url = format!("{}{}", stack.config.url, long_poll_path("shop", "default", &[("application", -1)]));
    let poll = tokio::spawn(async move { get(&url).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    stack.trigger().trigger();
    let reply = tokio::time::timeout(Duration::from_secs(5), poll).await.expect("answered").unwrap();
    assert_eq!(reply.status, 304);
    assert!(started.elapsed() < Duration::from_secs(2));
});

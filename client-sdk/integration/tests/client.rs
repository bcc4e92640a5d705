//! lyre-client against real config services.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lyre_client::{ChangeKind, Client, Error};
use lyre_client_integration::{Admin, Config, eventually};
use lyre_store::db_test;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
struct Db {
    url: String,
    pool_size: u32,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Settings {
    db: Db,
    hosts: Vec<String>,
    #[serde(default)]
    dark_mode: bool,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Routes {
    routes: Vec<Route>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Route {
    path: String,
    upstream: String,
}

async fn client(urls: &[&str], app_id: &str) -> Client {
    let mut builder = Client::builder()
        .app_id(app_id)
        .backoff(Duration::from_millis(50), Duration::from_millis(500));
    for url in urls {
        builder = builder.config_service(*url);
    }
    builder.build().await.expect("client starts")
}

db_test!(async fn a_publish_reaches_a_typed_handle_within_milliseconds(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "db.url = jdbc:pg://a\ndb.pool-size = 10\nhosts = a.example, b.example\n").await;

    let client = client(&[&config.url], "shop").await;
    let mut settings = client.watch::<Settings>("application").await.unwrap();
    assert_eq!(
        *settings.get(),
        Settings { db: Db { url: "jdbc:pg://a".into(), pool_size: 10 }, hosts: vec!["a.example".into(), "b.example".into()], dark_mode: false }
    );

    tokio::time::sleep(Duration::from_millis(200)).await; // the client's long poll is waiting
    let published = Instant::now();
    admin.publish("DEV", "shop", "application", "db.url = jdbc:pg://b\ndb.pool-size = 20\nhosts[0] = c.example\ndark-mode = on\n").await;
    tokio::time::timeout(Duration::from_secs(3), settings.changed()).await.expect("a change arrives");
    let took = published.elapsed();
    assert_eq!(settings.get().db, Db { url: "jdbc:pg://b".into(), pool_size: 20 });
    assert_eq!(settings.get().hosts, ["c.example"]);
    assert!(settings.get().dark_mode);
    assert!(took < Duration::from_secs(1), "took {took:?}");
});

db_test!(async fn a_release_that_does_not_fit_keeps_the_last_good_value(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "db.url = x\ndb.pool-size = 10\nhosts = a\n").await;
    let client = client(&[&config.url], "shop").await;
    let mut settings = client.watch::<Settings>("application").await.unwrap();
    let mut events = client.changes();

    admin.publish("DEV", "shop", "application", "db.url = x\ndb.pool-size = lots\nhosts = a\n").await;
    let event = tokio::time::timeout(Duration::from_secs(3), events.recv()).await.expect("the release arrives").unwrap();
    assert_eq!(event.changes[0].key, "db.pool-size");
    assert_eq!(settings.get().db.pool_size, 10, "the last good value stays");
    let problem = settings.last_error().expect("the problem is reported");
    assert!(matches!(*problem, Error::Mismatch { .. }));
    assert!(problem.to_string().contains("`lots` is not a valid u32"), "{problem}");
    // The untyped view has the new value: nothing is half applied to the typed one.
    assert_eq!(client.get_string("db.pool-size").await.unwrap().as_deref(), Some("lots"));

    admin.publish("DEV", "shop", "application", "db.url = x\ndb.pool-size = 30\nhosts = a\n").await;
    tokio::time::timeout(Duration::from_secs(3), settings.changed()).await.expect("fixed");
    assert_eq!(settings.get().db.pool_size, 30);
    assert!(settings.last_error().is_none());

    // A type the configuration never fitted is refused at once.
    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only deserialized")]
    struct Other {
        required: String,
    }
    assert!(matches!(client.watch::<Other>("application").await, Err(Error::Mismatch { .. })));
});

db_test!(async fn json_and_yaml_namespaces_deserialize_directly(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.create_namespace("shop", "routes", "json").await;
    admin.create_namespace("shop", "routes-yaml", "yaml").await;
    admin.publish("DEV", "shop", "routes.json", r#"{"routes":[{"path":"/a","upstream":"http://a"}]}"#).await;
    admin.publish("DEV", "shop", "routes-yaml.yaml", "routes:\n  - path: /b\n    upstream: http://b\n").await;
    let client = client(&[&config.url], "shop").await;
    let json_routes = client.watch::<Routes>("routes.json").await.unwrap();
    assert_eq!(json_routes.get().routes[0], Route { path: "/a".into(), upstream: "http://a".into() });
    let mut yaml_routes = client.watch::<Routes>("routes-yaml.yaml").await.unwrap();
    assert_eq!(yaml_routes.get().routes[0].upstream, "http://b");
    admin.publish("DEV", "shop", "routes-yaml.yaml", "routes:\n  - path: /b\n    upstream: http://b2\n").await;
    tokio::time::timeout(Duration::from_secs(3), yaml_routes.changed()).await.expect("yaml change");
    assert_eq!(yaml_routes.get().routes[0].upstream, "http://b2");
});

db_test!(async fn a_change_comes_with_its_notification_unless_turned_off(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    for (app, carried) in [("shop", true), ("cart", false)] {
        admin.create_app(app).await;
        admin.publish("DEV", app, "application", "port = 1\n").await;
        let client = Client::builder()
            .app_id(app)
            .config_service(&config.url)
            .configs_with_notifications(carried)
            .build()
            .await
            .unwrap();
        let namespace = client.namespace("application").await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await; // the long poll is waiting
        config.take_requests();
        admin.publish("DEV", app, "application", "port = 2\n").await;
        let seen = namespace.clone();
        eventually(Duration::from_secs(3), move || seen.get_string("port").as_deref() == Some("2")).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let reads = config.take_requests().iter().filter(|p| p.starts_with("/configs/")).count();
        // Carried: the answer to the long poll was the new configuration; else it is read.
        assert_eq!(reads, usize::from(!carried), "carried: {carried}");
        drop(client);
    }
});

db_test!(async fn untyped_reads_and_change_events(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "port = 8080\nname = shop\nold = x\n").await;
    let client = client(&[&config.url], "shop").await;
    assert_eq!(client.get::<u16>("port").await.unwrap(), Some(8080));
    assert!(client.get::<u16>("name").await.is_err(), "does not parse as a number");
    assert_eq!(client.get::<u16>("missing").await.unwrap(), None);
    let snapshot = client.namespace("application").await.unwrap().snapshot();
    assert_eq!(snapshot.configurations.len(), 3);
    assert!(!snapshot.from_cache);

    let mut events = client.changes();
    admin.publish("DEV", "shop", "application", "port = 9090\nname = shop\nnew = y\n").await;
    let event = tokio::time::timeout(Duration::from_secs(3), events.recv()).await.expect("event").unwrap();
    assert_eq!(event.namespace, "application");
    let summary: Vec<(&str, ChangeKind, Option<&str>, Option<&str>)> = event
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.kind, c.old_value.as_deref(), c.new_value.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("port", ChangeKind::Modified, Some("8080"), Some("9090")),
            ("new", ChangeKind::Added, None, Some("y")),
            ("old", ChangeKind::Deleted, Some("x"), None),
        ]
    );

    // A namespace not declared at start loads when asked for, and is then watched too.
    admin.create_namespace("shop", "flags", "properties").await;
    admin.publish("DEV", "shop", "flags", "beta = on\n").await;
    let flags = client.namespace("flags").await.unwrap();
    assert_eq!(flags.get_string("beta").as_deref(), Some("on"));
    admin.publish("DEV", "shop", "flags", "beta = off\n").await;
    let flags_clone = flags.clone();
    eventually(Duration::from_secs(3), move || flags_clone.get_string("beta").as_deref() == Some("off")).await;
});

db_test!(async fn killing_one_of_two_config_services_fails_no_read(t) {
    let admin = Admin::start(&t.db).await;
    let mut first = Config::start(&t.db, "c1").await;
    let second = Config::start(&t.db, "c2").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "v = 1\n").await;
    // Discovery through the meta server finds both.
    let client = Client::builder()
        .meta_server(format!("{}/DEV", second.url))
        .app_id("shop")
        .backoff(Duration::from_millis(50), Duration::from_millis(500))
        .build()
        .await
        .unwrap();
    let mut values = client.watch::<std::collections::HashMap<String, String>>("application").await.unwrap();
    assert_eq!(values.get()["v"], "1");

    first.stop();
    for _ in 0..20 {
        assert_eq!(values.get()["v"], "1", "reads keep answering");
    }
    admin.publish("DEV", "shop", "application", "v = 2\n").await;
    tokio::time::timeout(Duration::from_secs(5), values.changed()).await.expect("the other instance delivers");
    assert_eq!(values.get()["v"], "2");
    let _ = second;
});

db_test!(async fn with_the_server_down_at_start_the_cache_is_used(t) {
    let admin = Admin::start(&t.db).await;
    let mut config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "db.url = cached\ndb.pool-size = 7\nhosts = a\n").await;
    let dir = tempfile::tempdir().unwrap();
    let first = Client::builder().config_service(&config.url).app_id("shop").cache_dir(dir.path()).build().await.unwrap();
    drop(first);
    let url = config.url.clone();
    config.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let offline = Client::builder().config_service(&url).app_id("shop").cache_dir(dir.path()).build().await.expect("starts from the cache");
    let snapshot = offline.namespace("application").await.unwrap().snapshot();
    assert!(snapshot.from_cache);
    let settings = offline.watch::<Settings>("application").await.unwrap();
    assert_eq!(settings.get().db, Db { url: "cached".into(), pool_size: 7 });

    let required = Client::builder().config_service(&url).app_id("shop").cache_dir(dir.path()).require_server(true).build().await;
    assert!(matches!(required, Err(Error::Unavailable { .. })), "{required:?}");
});

/// Captures the log, to see what the client reports.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_corrupt_cache_is_reported_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shop+default+application.json"),
        b"{\"appId\":\"shop\",\"configur",
    )
    .unwrap();
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Nothing listens on this port.
    let client = Client::builder()
        .config_service("http://127.0.0.1:9")
        .app_id("shop")
        .cache_dir(dir.path())
        .build()
        .await
        .expect("starts, empty");
    let snapshot = client.namespace("application").await.unwrap().snapshot();
    assert!(
        snapshot.configurations.is_empty(),
        "the corrupt file is not trusted"
    );
    assert!(!snapshot.from_cache);
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("corrupt") && logged.contains("shop+default+application.json"),
        "{logged}"
    );
}

db_test!(async fn requests_are_signed_with_the_access_key(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "k = v\n").await;
    let key = admin.call(reqwest::Method::POST, "/envs/DEV/apps/shop/accesskeys", json!({"operator": "alice"})).await;
    let id = key["id"].as_i64().unwrap();
    admin.call(reqwest::Method::PUT, &format!("/envs/DEV/apps/shop/accesskeys/{id}"), json!({"enabled": true, "operator": "alice"})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // config services reload keys every second

    let unsigned = Client::builder().config_service(format!("{}/DEV", config.url)).app_id("shop").require_server(true).build().await;
    assert!(matches!(unsigned, Err(Error::Unavailable { .. })), "{unsigned:?}");
    let signed = Client::builder()
        .config_service(format!("{}/DEV", config.url))
        .app_id("shop")
        .secret(key["secret"].as_str().unwrap())
        .require_server(true)
        .build()
        .await
        .unwrap();
    assert_eq!(signed.get_string("k").await.unwrap().as_deref(), Some("v"));
});

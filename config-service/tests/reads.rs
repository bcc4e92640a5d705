//! `/configs` and `/configfiles` as Apollo's clients call them.

mod common;

use std::time::Duration;

use common::{Stack, get};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::releases::{self, NewRelease};
use lyre_store::db_test;
use serde_json::json;

const HOLD: Duration = Duration::from_secs(2);

db_test!(async fn reads_answer_304_when_current_and_404_when_never_released(t) {
    let stack = Stack::start(&t.db, HOLD).await;
    stack.admin.create_app("shop").await;
    let url = format!("{}/configs/shop/default/application", stack.config.url);
    assert_eq!(get(&url).await.status, 404, "nothing released yet");
    assert_eq!(get(&url).await.body, "", "an empty 404, as Apollo answers");

    let release = stack.admin.publish_text("DEV", "shop", "default", "application", "b = 2\na = 1\n").await;
    let reply = get(&format!("{url}?ip=10.0.0.1")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json;charset=UTF-8");
    assert_eq!(
        reply.body,
        format!(
            r#"{{"appId":"shop","cluster":"default","namespaceName":"application","configurations":{{"b":"2","a":"1"}},"releaseKey":"{}"}}"#,
            release["releaseKey"].as_str().unwrap()
        )
    );
    let key = release["releaseKey"].as_str().unwrap();
    let current = get(&format!("{url}?releaseKey={key}")).await;
    assert_eq!((current.status, current.body.as_str()), (304, ""));
    assert_eq!(get(&format!("{url}?releaseKey=")).await.status, 200, "an empty key means none seen");
    assert_eq!(get(&format!("{url}?releaseKey=20000101000000-0000000000000000")).await.status, 200);

    // Each environment is apart.
    assert_eq!(get(&format!("{}/PRO/configs/shop/default/application", stack.config.url)).await.status, 404);
    assert_eq!(get(&format!("{}/DEV/configs/shop/default/application", stack.config.url)).await.status, 200);
    assert_eq!(get(&format!("{}/configs/nobody/default/application", stack.config.url)).await.status, 404);
});

db_test!(async fn namespace_names_ignore_case_and_the_properties_suffix(t) {
    let stack = Stack::start(&t.db, HOLD).await;
    stack.admin.create_app("shop").await;
    stack.admin.create_namespace("shop", "Feature-Flags", "properties", false).await;
    stack.admin.publish_text("DEV", "shop", "default", "Feature-Flags", "dark-mode = on\n").await;
    for spelling in ["Feature-Flags", "feature-flags", "FEATURE-FLAGS.properties", "feature-flags.Properties"] {
        let reply = get(&format!("{}/configs/shop/default/{spelling}", stack.config.url)).await;
        assert_eq!(reply.status, 200, "{spelling}");
        let body = reply.json();
        assert_eq!(body["namespaceName"], spelling, "the client's spelling is echoed");
        assert_eq!(body["configurations"], json!({"dark-mode": "on"}));
    }
});

db_test!(async fn clusters_fall_back_to_the_data_center_then_default(t) {
    let stack = Stack::start(&t.db, HOLD).await;
    stack.admin.create_app("shop").await;
    for cluster in ["east", "dc1"] {
        stack.admin.create_cluster("DEV", "shop", cluster).await;
    }
    stack.admin.publish_text("DEV", "shop", "default", "application", "where = default\n").await;
    let base = format!("{}/configs/shop", stack.config.url);
    let read = |path: String| async move { get(&path).await.json() };

    let fallback = read(format!("{base}/east/application")).await;
    assert_eq!((fallback["cluster"].as_str(), fallback["configurations"]["where"].as_str()), (Some("default"), Some("default")));

    stack.admin.publish_text("DEV", "shop", "dc1", "application", "where = dc1\n").await;
    let by_dc = read(format!("{base}/east/application?dataCenter=dc1")).await;
    assert_eq!((by_dc["cluster"].as_str(), by_dc["configurations"]["where"].as_str()), (Some("dc1"), Some("dc1")));
    let without_dc = read(format!("{base}/east/application")).await;
    assert_eq!(without_dc["cluster"], "default");

    stack.admin.publish_text("DEV", "shop", "east", "application", "where = east\n").await;
    let own = read(format!("{base}/east/application?dataCenter=dc1")).await;
    assert_eq!((own["cluster"].as_str(), own["configurations"]["where"].as_str()), (Some("east"), Some("east")));
    let default_asks_dc = read(format!("{base}/default/application?dataCenter=dc1")).await;
    assert_eq!(default_asks_dc["cluster"], "dc1", "`default` with a data center looks there first");
});

db_test!(async fn public_namespaces_merge_under_the_apps_own_keys(t) {
    let stack = Stack::start(&t.db, HOLD).await;
    stack.admin.create_app("platform").await;
    stack.admin.create_app("shop").await;
    stack.admin.create_app("other").await;
    stack.admin.create_namespace("platform", "shared.db", "properties", true).await;
    stack.admin.create_namespace("platform", "secrets", "properties", false).await;
    let public = stack.admin.publish_text("DEV", "platform", "default", "shared.db", "pool = 10\nurl = jdbc:main\n").await;
    stack.admin.publish_text("DEV", "platform", "default", "secrets", "token = x\n").await;

    // An app that never associated the public namespace still reads it.
    let plain = get(&format!("{}/configs/other/default/SHARED.DB", stack.config.url)).await.json();
    assert_eq!(plain["configurations"], json!({"pool": "10", "url": "jdbc:main"}));
    assert_eq!(plain["releaseKey"], public["releaseKey"]);

    stack.admin.associate("DEV", "shop", "default", "shared.db").await;
    let own = stack.admin.publish_text("DEV", "shop", "default", "shared.db", "pool = 50\nextra = yes\n").await;
    let merged = get(&format!("{}/configs/shop/default/shared.db", stack.config.url)).await;
    assert_eq!(merged.status, 200);
    let raw = merged.body.clone();
    assert!(raw.contains(r#""configurations":{"pool":"50","url":"jdbc:main","extra":"yes"}"#), "{raw}");
    let expected_key = format!("{}+{}", own["releaseKey"].as_str().unwrap(), public["releaseKey"].as_str().unwrap());
    assert_eq!(merged.json()["releaseKey"], expected_key, "the app's own key first");

    // Another app's private namespace is not readable.
    assert_eq!(get(&format!("{}/configs/shop/default/secrets", stack.config.url)).await.status, 404);
});

db_test!(async fn config_files_in_three_renderings(t) {
    let stack = Stack::start(&t.db, HOLD).await;
    stack.admin.create_app("shop").await;
    stack.admin.create_namespace("shop", "datasources", "yaml", false).await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "b = 2\na = 1\n").await;
    let yaml = "primary:\n  url: jdbc:pg://db\n";
    stack.admin.publish_text("DEV", "shop", "default", "datasources.yaml", yaml).await;
    let base = &stack.config.url;

    let text = get(&format!("{base}/configfiles/shop/default/application")).await;
    assert_eq!((text.status, text.content_type.as_str(), text.body.as_str()), (200, "text/plain;charset=UTF-8", "b=2\na=1\n"));
    let json_file = get(&format!("{base}/configfiles/json/shop/default/application")).await;
    assert_eq!((json_file.content_type.as_str(), json_file.body.as_str()), ("application/json;charset=UTF-8", r#"{"b":"2","a":"1"}"#));
    let raw = get(&format!("{base}/configfiles/raw/shop/default/datasources.yaml")).await;
    assert_eq!((raw.content_type.as_str(), raw.body.as_str()), ("application/yaml;charset=UTF-8", yaml));
    let yaml_json = get(&format!("{base}/configfiles/json/shop/default/datasources.yaml")).await.json();
    assert_eq!(yaml_json, json!({"content": yaml}));
    let configs = get(&format!("{base}/configs/shop/default/datasources.yaml")).await.json();
    assert_eq!(configs["configurations"], json!({"content": yaml}));
    let missing = get(&format!("{base}/configfiles/json/shop/default/nothing")).await;
    assert_eq!((missing.status, missing.body.as_str()), (404, ""));
});

db_test!(async fn a_client_that_saw_a_newer_message_reads_past_the_cache(t) {
    let stack = Stack::start(&t.db, HOLD).await;
    stack.admin.create_app("shop").await;
    stack.admin.publish_text("DEV", "shop", "default", "application", "v = 1\n").await;
    let url = format!("{}/configs/shop/default/application", stack.config.url);
    assert_eq!(get(&url).await.json()["configurations"]["v"], "1");

    // A release this service has not heard of (as if its message were still on the way).
    let at = NamespaceRef { env: "DEV", app_id: "shop", cluster: "default", namespace: "application" };
    let new = NewRelease {
        namespace: at,
        release_key: "20991231235959-00000000000000ff",
        name: "unannounced",
        comment: "",
        configurations: r#"{"v":"2"}"#.into(),
    };
    releases::insert(&t.db, new, "bob").await.unwrap();
    assert_eq!(get(&url).await.json()["configurations"]["v"], "1", "served from memory");

    let messages: String =
        url::form_urlencoded::byte_serialize(r#"{"details":{"shop+default+application":999999}}"#.as_bytes()).collect();
    let fresh = get(&format!("{url}?messages={messages}")).await.json();
    assert_eq!(fresh["configurations"]["v"], "2", "the client's messages prove the cache stale");
});

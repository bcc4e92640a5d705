//! `/metrics` on every port after some traffic, as Prometheus scrapes it.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{PASSWORD, Ports, Running, admin_client, lyre};
use serde_json::json;

/// `/notifications/v2` for `shop`'s `application`, having seen `id`.
fn long_poll(config: &str, id: i64) -> String {
    let list = format!(r#"[{{"namespaceName":"application","notificationId":{id}}}]"#);
    let encoded: String = url_encode(&list);
    format!("{config}/notifications/v2?appId=shop&cluster=default&notifications={encoded}")
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_requests_long_polls_caches_releases_and_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .env("LYRE_LONG_POLL_TIMEOUT_SECS", "2")
        .stderr(Stdio::null());
    let _running = Running::start(command);
    let http = admin_client();
    let admin = format!("http://127.0.0.1:{}", ports.admin);
    let config = format!("http://127.0.0.1:{}", ports.config);
    let ns = format!("{admin}/envs/DEV/apps/shop/clusters/default/namespaces/application");
    let ok = |r: reqwest::Response| {
        assert!(r.status().is_success(), "{}", r.status());
        r
    };
    ok(http
        .post(format!("{admin}/apps"))
        .json(&json!({"appId": "shop", "name": "Shop", "ownerName": "ops", "operator": "ops"}))
        .send()
        .await
        .unwrap());
    ok(http
        .post(format!("{ns}/items"))
        .json(&json!({"key": "k", "value": "1", "operator": "ops"}))
        .send()
        .await
        .unwrap());
    ok(http
        .post(format!("{ns}/releases"))
        .json(&json!({"title": "one", "operator": "ops"}))
        .send()
        .await
        .unwrap());

    // Reads: the first misses the caches, the rest hit them.
    for _ in 0..3 {
        ok(http
            .get(format!("{config}/configs/shop/default/application"))
            .send()
            .await
            .unwrap());
    }
    let _ = http
        .get(format!("{config}/nothing/here"))
        .send()
        .await
        .unwrap();

    // A long poll held while the metrics are read, then answered by a publish.
    let seen: serde_json::Value = http
        .get(long_poll(&config, -1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = seen[0]["notificationId"].as_i64().unwrap();
    let waiting = {
        let http = http.clone();
        let url = long_poll(&config, id);
        tokio::spawn(async move { http.get(url).send().await.unwrap().status() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held = http.get(format!("{config}/metrics")).send().await.unwrap();
    assert_eq!(
        held.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let held = held.text().await.unwrap();
    assert_eq!(value(&held, "lyre_long_polls_held"), 1.0);
    ok(http
        .post(format!("{ns}/releases"))
        .json(&json!({"title": "two", "operator": "ops"}))
        .send()
        .await
        .unwrap());
    assert_eq!(waiting.await.unwrap(), 200);

    let text = http
        .get(format!("{config}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let reads = r#"lyre_http_requests_total{service="lyre-config-service",method="GET",route="/configs/{appId}/{clusterName}/{namespaceName}",status="200"}"#;
    assert_eq!(value(&text, reads), 3.0);
    assert_eq!(
        value(
            &text,
            r#"lyre_http_requests_total{service="lyre-config-service",method="GET",route="unmatched",status="404"}"#
        ),
        1.0
    );
    assert!(
        value(
            &text,
            r#"lyre_http_request_duration_seconds_count{service="lyre-config-service",method="GET",route="/notifications/v2"}"#
        ) >= 2.0
    );
    assert!(text.contains(r#"lyre_http_request_duration_seconds_bucket{service="lyre-config-service",method="GET",route="/notifications/v2",le="0.5"}"#));
    assert_eq!(value(&text, "lyre_long_polls_held"), 0.0);
    assert!(value(&text, "lyre_notifications_sent_total") >= 2.0);
    assert!(value(&text, r#"lyre_release_cache_hits_total{cache="answer"}"#) >= 2.0);
    assert!(value(&text, r#"lyre_release_cache_misses_total{cache="answer"}"#) >= 1.0);
    assert_eq!(
        value(
            &text,
            r#"lyre_releases_published_total{env="DEV",kind="normal"}"#
        ),
        2.0
    );
    assert!(value(&text, r#"lyre_db_connections{state="idle"}"#) >= 0.0);
    assert!(value(&text, "lyre_db_connections_max") >= 1.0);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(name.starts_with("lyre_"), "{line}");
    }

    // The admin service and the portal answer /metrics too.
    for port in [ports.admin, ports.portal] {
        let answer = http
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert!(
            answer
                .text()
                .await
                .unwrap()
                .contains("# TYPE lyre_http_requests_total counter")
        );
    }
}

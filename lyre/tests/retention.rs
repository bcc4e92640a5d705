//! The retention job in a real `lyre`: with `LYRE_RETAIN_RELEASES=3` old releases go by
//! themselves while the namespace keeps being published and read, the history still answers,
//! clients keep reading the active release, and `/metrics` shows the work.

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, Ports, Running, lyre};
use serde_json::{Value, json};

const NS: &str = "/api/v1/envs/DEV/apps/demo-shop/clusters/default/namespaces/application";

#[tokio::test]
async fn old_releases_go_by_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .env("LYRE_RETAIN_RELEASES", "3")
        .env("LYRE_RETENTION_INTERVAL_SECS", "1");
    let mut running = Running::start(command);
    running.discard_log();
    let portal = format!("http://127.0.0.1:{}", ports.portal);
    let http = reqwest::Client::new();
    let session = common::sign_in(&http, &portal, "admin", PASSWORD).await;
    let call = |method: reqwest::Method, path: String, body: Value| {
        let request = http
            .request(method.clone(), format!("{portal}{path}"))
            .bearer_auth(&session);
        let request = if body.is_null() {
            request
        } else {
            request.json(&body)
        };
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status();
            let text = answer.text().await.unwrap();
            assert!(status.is_success(), "{method} {path}: {status} {text}");
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)
        }
    };
    call(
        reqwest::Method::POST,
        "/api/v1/apps".into(),
        json!({"appId": "demo-shop", "name": "Demo shop"}),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..10 {
        call(
            reqwest::Method::PUT,
            format!("{NS}/items/timeout?createIfNotExists=true"),
            json!({"key": "timeout", "value": i.to_string()}),
        )
        .await;
        let release = call(
            reqwest::Method::POST,
            format!("{NS}/releases"),
            json!({"title": format!("timeout {i}")}),
        )
        .await;
        ids.push(release["id"].as_i64().unwrap());
    }
    // The newest was rolled back: the active release is the ninth, kept beside the newest three.
    call(
        reqwest::Method::PUT,
        format!("/api/v1/envs/DEV/releases/{}/rollback", ids[9]),
        Value::Null,
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let page = call(
            reqwest::Method::GET,
            format!("{NS}/releases?size=50"),
            Value::Null,
        )
        .await;
        let listed: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        if listed.len() <= 3 {
            break listed;
        }
        assert!(
            Instant::now() < deadline,
            "old releases are still there: {listed:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut listed = listed;
    listed.sort_unstable();
    assert_eq!(
        listed,
        ids[7..10],
        "the newest three (the active one among them)"
    );

    // Clients read the active release; the history still tells of every publish.
    let read: Value = http
        .get(format!(
            "http://127.0.0.1:{}/configs/demo-shop/default/application",
            ports.config
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["configurations"]["timeout"], "8");
    let history = call(
        reqwest::Method::GET,
        format!("{NS}/releases/histories?size=50"),
        Value::Null,
    )
    .await;
    assert_eq!(history["total"], 11, "{history}");
    // A rollback can still go back one release.
    call(
        reqwest::Method::PUT,
        format!("/api/v1/envs/DEV/releases/{}/rollback", ids[8]),
        Value::Null,
    )
    .await;

    let metrics = http
        .get(format!("{portal}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let deleted = metrics
        .lines()
        .find(|l| l.starts_with("lyre_retention_deleted_total{table=\"releases\"}"))
        .unwrap_or_else(|| panic!("no retention count in:\n{metrics}"));
    assert_eq!(deleted.rsplit(' ').next(), Some("7"), "{deleted}");
    assert!(metrics.contains("lyre_retention_runs_total "), "{metrics}");
}

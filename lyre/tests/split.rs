//! The split deployment: the config service (with the meta server), two admin services and the
//! portal as separate `lyre` processes on one database. The portal finds the admin services
//! through the meta server and reaches them over HTTP with the admin credential; a publish
//! still succeeds when one admin service is gone.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{ADMIN_TOKEN, PASSWORD, Ports, Running, lyre, shared_database};
use lyre_store::testing::TestBackend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Portal {
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Portal {
    async fn sign_in(port: u16) -> Self {
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let answer = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let session = answer.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        Self {
            base,
            session,
            http,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let answer = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.session)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, method: Method, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }
}

const NS: &str = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";

/// The value of `key` the config service gives, once it gives `expected` (within 10 s).
async fn eventually_reads(config: u16, key: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let url = format!("http://127.0.0.1:{config}/DEV/configs/shop/default/application");
    loop {
        let answer = reqwest::get(&url).await.unwrap();
        if answer.status() == 200 {
            let body: Value = answer.json().await.unwrap();
            if body["configurations"][key] == expected {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the config service never gave {key}={expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn split_deployment_publishes_through_authenticated_admins(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _db)) = shared_database(dir.path(), backend).await else {
        return;
    };
    let start = |ports: &Ports, target: &str, last: &str| {
        let mut command = lyre(dir.path(), ports);
        command
            .env("LYRE_DATABASE_URL", &url)
            .env("LYRE_ADMIN_PASSWORD", PASSWORD)
            .env(
                "LYRE_ADMIN_URL",
                format!("http://127.0.0.1:{}/", ports.admin),
            )
            .env(
                "LYRE_META_URL",
                format!("http://127.0.0.1:{}", ports.config),
            )
            .args(["--target", target])
            .stderr(Stdio::null());
        Running::start_until(command, last)
    };
    // The config service first: it migrates the database before the others start.
    let meta = Ports::new();
    let _config = start(&meta, "config-service", "meta server");
    let (ports_a, ports_b) = (Ports::new(), Ports::new());
    let admin_a = start(&ports_a, "admin-service", "admin service");
    let _admin_b = start(&ports_b, "admin-service", "admin service");
    let mut portal_ports = Ports::new();
    portal_ports.config = meta.config;
    let _portal = start(&portal_ports, "portal", "Sign in at");

    // The meta server lists both admin services, to holders of the credential only.
    let listing = format!("http://127.0.0.1:{}/DEV/services/admin", meta.config);
    let anonymous = reqwest::get(&listing).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let listed: Vec<Value> = reqwest::Client::new()
        .get(&listing)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");

    let portal = Portal::sign_in(portal_ports.portal).await;
    portal
        .ok(
            Method::POST,
            "/api/v1/apps",
            json!({"appId": "shop", "name": "Shop"}),
        )
        .await;
    portal
        .ok(
            Method::POST,
            &format!("{NS}/items"),
            json!({"key": "k0", "value": "0"}),
        )
        .await;
    portal
        .ok(
            Method::POST,
            &format!("{NS}/releases"),
            json!({"title": "first"}),
        )
        .await;
    eventually_reads(meta.config, "k0", "0").await;

    // One admin service goes away; every later write and publish still goes through.
    drop(admin_a);
    for i in 1..=4 {
        let key = format!("k{i}");
        portal
            .ok(
                Method::POST,
                &format!("{NS}/items"),
                json!({"key": key, "value": i.to_string()}),
            )
            .await;
        portal
            .ok(
                Method::POST,
                &format!("{NS}/releases"),
                json!({"title": format!("release {i}")}),
            )
            .await;
    }
    eventually_reads(meta.config, "k4", "4").await;

    // The audit log names the signed-in user, not a name the caller chose.
    let audits = portal.ok(Method::GET, "/api/v1/audits", Value::Null).await;
    let operators: Vec<&str> = audits["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["operator"].as_str())
        .collect();
    assert!(!operators.is_empty());
    assert!(operators.iter().all(|o| *o == "admin"), "{operators:?}");

    // A portal with a token the admin services do not hold gets nowhere, and says why.
    let mut stranger_ports = Ports::new();
    stranger_ports.config = meta.config;
    let mut command = lyre(dir.path(), &stranger_ports);
    command
        .env("LYRE_DATABASE_URL", &url)
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .env("LYRE_ADMIN_TOKENS", "not-the-admin-token-0123456789abcdef")
        .env("LYRE_META_URL", format!("http://127.0.0.1:{}", meta.config))
        .args(["--target", "portal"])
        .stderr(Stdio::null());
    let _stranger = Running::start(command);
    let stranger = Portal::sign_in(stranger_ports.portal).await;
    let (status, answer) = stranger
        .call(
            Method::POST,
            "/api/v1/apps",
            json!({"appId": "other", "name": "Other"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("admin credential"),
        "{answer}"
    );
}

#[tokio::test]
async fn split_deployment_on_sqlite() {
    split_deployment_publishes_through_authenticated_admins(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn split_deployment_on_postgres() {
    split_deployment_publishes_through_authenticated_admins(TestBackend::Postgres).await;
}

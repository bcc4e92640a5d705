//! Webhooks against a real `lyre` and a real receiving HTTP server: events arrive signed, in
//! order per namespace; a receiver that is down for a while gets every event once it is back;
//! and `lyre` killed between the commit of a change and the delivery of its event (SIGKILL, as
//! in a crash) loses none: the next process on the database sends it; and with two processes on
//! the database each event is sent once. On SQLite, PostgreSQL and MariaDB.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use common::{PASSWORD, Ports, Running, free_port, lyre, shared_database};
use hmac::{Hmac, KeyInit, Mac};
use lyre_store::testing::{TestBackend, TestDb};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use tempfile::TempDir;

const APP: &str = "/api/v1/envs/DEV/apps/demo-shop/clusters/default/namespaces";
/// Secret keys are configured: signing secrets are stored sealed.
const SECRET_KEYS: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// One delivery as the receiver got it.
#[derive(Clone, Debug)]
struct Received {
    event: String,
    delivery: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A receiving HTTP server on a fixed port, which can be stopped and started again there.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    fn new() -> Self {
        Self {
            port: free_port(),
            got: Arc::default(),
            server: None,
        }
    }

    async fn start(&mut self) {
        let got = Arc::clone(&self.got);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let got = Arc::clone(&got);
                async move {
                    let h = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    got.lock().unwrap().push(Received {
                        event: h("lyre-event"),
                        delivery: h("lyre-delivery"),
                        timestamp: h("lyre-timestamp"),
                        signature: h("lyre-signature"),
                        body,
                    });
                    "thanks"
                }
            }),
        );
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        self.server = Some(tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        }));
    }

    async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` deliveries have arrived (at most 60 s): all of them.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} deliveries arrived: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A `lyre` on a database that outlives its process.
struct Lyre {
    dir: TempDir,
    url: String,
    portal: String,
    session: String,
    http: reqwest::Client,
    running: Option<Running>,
    _db: Option<TestDb>,
}

impl Lyre {
    async fn start(backend: TestBackend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let (url, db) = shared_database(dir.path(), backend).await?;
        let mut lyre = Self {
            dir,
            url,
            portal: String::new(),
            session: String::new(),
            http: reqwest::Client::new(),
            running: None,
            _db: db,
        };
        lyre.spawn().await;
        Some(lyre)
    }

    /// Starts a `lyre` process on the database: deliveries may reach the receiver's port on
    /// the loopback address, and are tried again 200 ms after a first failure.
    async fn spawn(&mut self) {
        let ports = Ports::new();
        let mut command = lyre(self.dir.path(), &ports);
        command
            .env("LYRE_DATABASE_URL", &self.url)
            .env("LYRE_ADMIN_PASSWORD", PASSWORD)
            .env("LYRE_WEBHOOK_ALLOW_NETWORKS", "127.0.0.1/32")
            .env("LYRE_WEBHOOK_FIRST_RETRY_MS", "200")
            .env("LYRE_SECRET_KEYS", SECRET_KEYS);
        let mut running = Running::start(command);
        running.discard_log();
        self.running = Some(running);
        self.portal = format!("http://127.0.0.1:{}", ports.portal);
        self.session = common::sign_in(&self.http, &self.portal, "admin", PASSWORD).await;
    }

    /// Kills the process as a crash does (SIGKILL).
    fn crash(&mut self) {
        let mut running = self.running.take().expect("a running lyre");
        running.child.kill().unwrap();
        running.child.wait().unwrap();
    }

    /// A request as the super admin; it must succeed.
    async fn call(&self, method: Method, path: &str, body: Value) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.portal))
            .bearer_auth(&self.session);
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        let text = answer.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Sets `timeout` in namespace `ns` to `value` and publishes it: the release's id.
    async fn publish(&self, ns: &str, value: &str) -> i64 {
        self.call(
            Method::PUT,
            &format!("{APP}/{ns}/items/timeout?createIfNotExists=true"),
            json!({"key": "timeout", "value": value}),
        )
        .await;
        let release = self
            .call(
                Method::POST,
                &format!("{APP}/{ns}/releases"),
                json!({"title": format!("timeout {value}")}),
            )
            .await;
        release["id"].as_i64().unwrap()
    }
}

/// Checks a delivery as a receiver must: the signature over the timestamp and the body, with
/// the webhook's secret.
fn verify(secret: &str, r: &Received) {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", r.timestamp, r.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(r.signature, format!("sha256={expected}"), "{r:?}");
    let sent: i64 = r.timestamp.parse().unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    assert!((now - sent).abs() < 120, "a fresh timestamp: {r:?}");
    assert!(!r.delivery.is_empty());
    assert_eq!(r.event, r.json()["kind"], "{r:?}");
}

/// Every delivery in `got` is signed with `secret`, and they announced the releases `sent`, in
/// the order of each namespace.
fn arrived(got: &[Received], secret: &str, sent: &BTreeMap<String, Vec<i64>>) {
    for r in got {
        verify(secret, r);
    }
    assert_eq!(&releases_by_namespace(got), sent);
}

/// The releases the deliveries announced, per namespace, in the order they arrived.
fn releases_by_namespace(got: &[Received]) -> BTreeMap<String, Vec<i64>> {
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in got {
        let body = r.json();
        if body["kind"] == "release.published" {
            out.entry(body["namespaceName"].as_str().unwrap().to_owned())
                .or_default()
                .push(body["data"]["releaseId"].as_i64().unwrap());
        }
    }
    out
}

async fn deliveries_survive_outages_and_crashes(backend: TestBackend) {
    let mut receiver = Receiver::new();
    receiver.start().await;
    let Some(mut lyre) = Lyre::start(backend).await else {
        return;
    };
    lyre.call(
        Method::POST,
        "/api/v1/apps",
        json!({"appId": "demo-shop", "name": "Demo shop"}),
    )
    .await;
    lyre.call(
        Method::POST,
        "/api/v1/apps/demo-shop/appnamespaces",
        json!({"name": "db"}),
    )
    .await;
    let hook = lyre
        .call(
            Method::POST,
            "/api/v1/apps/demo-shop/webhooks",
            json!({"url": receiver.url(), "events": ["release.published", "release.rolled_back"]}),
        )
        .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let hook_id = hook["id"].as_i64().unwrap();
    // The database holds the signing secret sealed, never as it was shown.
    let db = lyre_store::sea_orm::Database::connect(&lyre.url)
        .await
        .unwrap();
    let stored: Vec<String> = {
        use lyre_store::sea_orm::{EntityTrait, QuerySelect};
        lyre_store::entity::webhook::Entity::find()
            .select_only()
            .column(lyre_store::entity::webhook::Column::SealedSecret)
            .into_tuple()
            .all(&db)
            .await
            .unwrap()
    };
    assert!(
        stored.iter().all(|s| s.starts_with("lyre:v1:k1:")),
        "{stored:?}"
    );
    assert!(!stored.contains(&secret));
    assert_eq!(
        hook["secretHint"],
        format!("…{}", &secret[secret.len() - 4..])
    );
    db.close().await.unwrap();

    // Changes in two namespaces, interleaved: signed, and in order per namespace.
    let mut sent: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for i in 0..3 {
        for ns in ["application", "db"] {
            let id = lyre.publish(ns, &format!("{ns}-{i}")).await;
            sent.entry(ns.to_owned()).or_default().push(id);
        }
    }
    let got = receiver.wait_for(6).await;
    arrived(&got, &secret, &sent);
    let first = got[0].json();
    assert_eq!(
        (
            first["env"].as_str(),
            first["appId"].as_str(),
            first["data"]["operator"].as_str()
        ),
        (Some("DEV"), Some("demo-shop"), Some("admin"))
    );

    // The receiver is down for a while: the events wait, then all arrive, in order.
    receiver.stop().await;
    for i in 3..6 {
        let id = lyre
            .publish("application", &format!("application-{i}"))
            .await;
        sent.get_mut("application").unwrap().push(id);
    }
    // Attempts fail meanwhile, and the portal says why.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = lyre
            .call(
                Method::GET,
                &format!("/api/v1/apps/demo-shop/webhooks/{hook_id}/deliveries"),
                Value::Null,
            )
            .await;
        let head = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|d| d["state"] == "pending")
            .cloned()
            .unwrap_or(Value::Null);
        if head["attempts"].as_i64().unwrap_or(0) >= 2 {
            assert!(
                head["error"].as_str().unwrap().contains("connect"),
                "{head}"
            );
            assert!(head.get("status").is_none(), "{head}");
            break;
        }
        assert!(Instant::now() < deadline, "no failed attempt: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        receiver.received().len(),
        6,
        "nothing arrives while it is down"
    );
    receiver.start().await;
    let got = receiver.wait_for(9).await;
    arrived(&got, &secret, &sent);

    // Killed after the commit, before the delivery: the next process delivers.
    receiver.stop().await;
    let rolled = lyre.publish("db", "db-9").await;
    sent.get_mut("db").unwrap().push(rolled);
    let back = lyre
        .call(
            Method::PUT,
            &format!("/api/v1/envs/DEV/releases/{rolled}/rollback"),
            Value::Null,
        )
        .await;
    assert!(back.is_object(), "{back}");
    lyre.crash();
    receiver.start().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.received().len(),
        9,
        "no process is running: nothing is sent"
    );
    lyre.spawn().await;
    let got = receiver.wait_for(11).await;
    arrived(&got, &secret, &sent);
    let last = got[10].json();
    assert_eq!(
        (
            last["kind"].as_str(),
            last["data"]["fromReleaseId"].as_i64()
        ),
        (Some("release.rolled_back"), Some(rolled))
    );
    // Each event once: the event ids are distinct and every delivery is recorded as delivered.
    let mut ids: Vec<i64> = got
        .iter()
        .map(|r| r.json()["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 11, "{got:#?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = lyre
            .call(
                Method::GET,
                &format!("/api/v1/apps/demo-shop/webhooks/{hook_id}/deliveries"),
                Value::Null,
            )
            .await;
        let states: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["state"].as_str().unwrap())
            .collect();
        if states.iter().all(|s| *s == "delivered") {
            assert_eq!(states.len(), 11);
            let newest = &page["items"][0];
            assert_eq!(newest["status"], 200, "{newest}");
            break;
        }
        assert!(Instant::now() < deadline, "{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Two processes on the database: each event is sent by one of them.
    let first = lyre.running.take();
    lyre.spawn().await;
    let second = lyre.running.replace(first.unwrap());
    for i in 10..16 {
        let ns = if i % 2 == 0 { "application" } else { "db" };
        let id = lyre.publish(ns, &format!("{ns}-{i}")).await;
        sent.get_mut(ns).unwrap().push(id);
    }
    receiver.wait_for(17).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver.received();
    assert_eq!(got.len(), 17, "each event once: {got:#?}");
    arrived(&got, &secret, &sent);
    drop(second);
    receiver.stop().await;
}

#[tokio::test]
async fn deliveries_survive_outages_and_crashes_on_sqlite() {
    deliveries_survive_outages_and_crashes(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn deliveries_survive_outages_and_crashes_on_postgres() {
    deliveries_survive_outages_and_crashes(TestBackend::Postgres).await;
}

#[tokio::test]
async fn deliveries_survive_outages_and_crashes_on_mariadb() {
    deliveries_survive_outages_and_crashes(TestBackend::MySql).await;
}

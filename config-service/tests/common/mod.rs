//! An admin service and config services over one fresh test database, on real sockets.

#![allow(dead_code, reason = "each test file uses a part of these helpers")]

use std::time::Duration;

use lyre_admin_service::{AdminSettings, AdminState};
use lyre_config_service::{ConfigSettings, ConfigState};
use lyre_service_kit::env::route_envs;
use lyre_service_kit::{Shutdown, ShutdownTrigger, shutdown_channel};
use lyre_store::bus::ReleaseBus;
use lyre_store::sea_orm::DatabaseConnection;
use lyre_store::secrets::KeyRing;
use serde_json::{Value, json};

pub const ENVS: [&str; 2] = ["DEV", "PRO"];

/// The secret keys every admin and config service of a test holds (one ring per process, as
/// all of a deployment's processes hold the same keys).
pub fn secret_keys() -> std::sync::Arc<KeyRing> {
    static RING: std::sync::OnceLock<std::sync::Arc<KeyRing>> = std::sync::OnceLock::new();
    RING.get_or_init(|| {
        let entry = KeyRing::new_entry("test").expect("a key id");
        std::sync::Arc::new(KeyRing::parse(&entry).expect("a new entry parses"))
    })
    .clone()
}

fn admin_settings() -> AdminSettings {
    AdminSettings {
        secrets: secret_keys(),
        ..AdminSettings::new(settings_envs())
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub content_type: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn get(url: &str) -> Reply {
    get_with(url, &[]).await
}

pub async fn get_with(url: &str, headers: &[(&str, String)]) -> Reply {
    let mut request = client().get(url);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    Reply {
        status,
        body: response.text().await.unwrap(),
        content_type,
    }
}

/// Serves `router` as `lyre serve` does: the config port (`lean`) with its lean path for plain
/// GETs, other ports with hyper alone.
async fn serve(router: impl lyre_service_kit::App, lean: bool, shutdown: Shutdown) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let grace = Duration::from_secs(1);
    if lean {
        tokio::spawn(lyre_service_kit::serve_lean(
            listener, router, shutdown, grace,
        ));
    } else {
        tokio::spawn(lyre_service_kit::serve(listener, router, shutdown, grace));
    }
    url
}

/// An admin service, reachable over HTTP.
pub struct Admin {
    pub url: String,
}

impl Admin {
    /// Starts an admin service on `db` that announces nothing in-process.
    pub async fn start(db: &DatabaseConnection, shutdown: Shutdown) -> Self {
        let state = AdminState::new(db.clone(), admin_settings());
        Self {
            url: serve(lyre_admin_service::router(state), false, shutdown).await,
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = client()
            .request(method.clone(), format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn create_app(&self, app_id: &str) {
        self.call(
            reqwest::Method::POST,
            "/apps",
            json!({"appId": app_id, "name": app_id, "ownerName": "o", "operator": "alice"}),
        )
        .await;
    }

    pub async fn create_namespace(&self, app_id: &str, name: &str, format: &str, public: bool) {
        self.call(
            reqwest::Method::POST,
            &format!("/apps/{app_id}/appnamespaces"),
            json!({"name": name, "format": format, "isPublic": public, "operator": "alice"}),
        )
        .await;
    }

    pub async fn create_cluster(&self, env: &str, app_id: &str, cluster: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/envs/{env}/apps/{app_id}/clusters"),
            json!({"name": cluster, "operator": "alice"}),
        )
        .await;
    }

    pub async fn associate(&self, env: &str, app_id: &str, cluster: &str, namespace: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/envs/{env}/apps/{app_id}/clusters/{cluster}/namespaces"),
            json!({"namespaceName": namespace, "operator": "alice"}),
        )
        .await;
    }

    /// Replaces the namespace's text and publishes it; returns the release.
    pub async fn publish_text(
        &self,
        env: &str,
        app_id: &str,
        cluster: &str,
        namespace: &str,
        text: &str,
    ) -> Value {
        let ns = format!("/envs/{env}/apps/{app_id}/clusters/{cluster}/namespaces/{namespace}");
        self.call(
            reqwest::Method::PUT,
            &format!("{ns}/text"),
            json!({"text": text, "operator": "alice"}),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("{ns}/releases"),
            json!({"title": "t", "operator": "bob"}),
        )
        .await
    }
}

/// A config service, reachable over HTTP, with its state for inspection.
pub struct Config {
    pub url: String,
    pub state: ConfigState,
}

impl Config {
    /// Starts a config service on `db` (with the bus when given) and waits for its first load.
    pub async fn start(
        db: &DatabaseConnection,
        bus: Option<ReleaseBus>,
        long_poll: Duration,
        scan: Duration,
        shutdown: Shutdown,
    ) -> Self {
        let settings = ConfigSettings {
            envs: ENVS.iter().map(|e| (*e).to_owned()).collect(),
            long_poll_timeout: long_poll,
            scan_interval: scan,
            secrets: secret_keys(),
            ..ConfigSettings::new(Vec::new())
        };
        let state = ConfigState::new(db.clone(), settings);
        lyre_config_service::spawn(&state, bus, shutdown.clone());
        let router = route_envs(lyre_config_service::router(state.clone()), settings_envs());
        let url = serve(router, true, shutdown).await;
        tokio::time::timeout(Duration::from_secs(10), state.loaded())
            .await
            .expect("config service loads");
        Self { url, state }
    }
}

fn settings_envs() -> Vec<String> {
    ENVS.iter().map(|e| (*e).to_owned()).collect()
}

/// A config service on `db` whose state is not loaded yet (its background task never runs):
/// what clients meet in the moment after a start.
pub async fn unloaded_config(db: &DatabaseConnection, shutdown: Shutdown) -> String {
    let state = ConfigState::new(db.clone(), ConfigSettings::new(settings_envs()));
    let router = route_envs(lyre_config_service::router(state), settings_envs());
    serve(router, true, shutdown).await
}

/// An admin service and a config service sharing a release bus, as `lyre` runs them.
pub struct Stack {
    pub admin: Admin,
    pub config: Config,
    pub bus: ReleaseBus,
    pub shutdown: Shutdown,
    _trigger: ShutdownTrigger,
}

impl Stack {
    pub async fn start(db: &DatabaseConnection, long_poll: Duration) -> Self {
        Self::start_with(db, long_poll, Duration::from_millis(100), true).await
    }

    /// With `bus` false the config service learns of releases only from the database.
    pub async fn start_with(
        db: &DatabaseConnection,
        long_poll: Duration,
        scan: Duration,
        bus: bool,
    ) -> Self {
        let (trigger, shutdown) = shutdown_channel();
        let release_bus = ReleaseBus::new();
        let settings = admin_settings();
        let admin_state = if bus {
            AdminState::with_bus(db.clone(), settings, release_bus.clone())
        } else {
            AdminState::new(db.clone(), settings)
        };
        let admin = Admin {
            url: serve(
                lyre_admin_service::router(admin_state),
                false,
                shutdown.clone(),
            )
            .await,
        };
        let config = Config::start(
            db,
            bus.then(|| release_bus.clone()),
            long_poll,
            scan,
            shutdown.clone(),
        )
        .await;
        Self {
            admin,
            config,
            bus: release_bus,
            shutdown,
            _trigger: trigger,
        }
    }

    pub fn trigger(&self) -> &ShutdownTrigger {
        &self._trigger
    }
}

/// `/notifications/v2?...` for `app_id` watching `namespaces` (name, id seen).
pub fn long_poll_path(app_id: &str, cluster: &str, namespaces: &[(&str, i64)]) -> String {
    let list: Vec<Value> = namespaces
        .iter()
        .map(|(n, id)| json!({"namespaceName": n, "notificationId": id}))
        .collect();
    let encoded: String =
        url::form_urlencoded::byte_serialize(Value::Array(list).to_string().as_bytes()).collect();
    format!("/notifications/v2?appId={app_id}&cluster={cluster}&notifications={encoded}")
}

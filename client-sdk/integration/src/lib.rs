//! Admin, config and meta services in-process, on real sockets, for testing `lyre-client` as an
//! app uses it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lyre_admin_service::{AdminSettings, AdminState};
use lyre_config_service::{ConfigSettings, ConfigState};
use lyre_meta_server::MetaState;
use lyre_protocol::meta::CONFIG_SERVICE;
use lyre_service_kit::env::route_envs;
use lyre_service_kit::{ShutdownTrigger, shutdown_channel};
use lyre_store::registry::{Registration, heartbeat};
use lyre_store::sea_orm::DatabaseConnection;
use serde_json::{Value, json};

/// The environments served.
pub fn envs() -> Vec<String> {
    vec!["DEV".into(), "PRO".into()]
}

/// Serves `router` as `lyre serve` does: the config port (`lean`) with its lean path for plain
/// GETs, other ports with hyper alone.
async fn serve(
    router: impl lyre_service_kit::App,
    lean: bool,
    shutdown: lyre_service_kit::Shutdown,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let grace = Duration::from_millis(200);
    if lean {
        tokio::spawn(lyre_service_kit::serve_lean(
            listener, router, shutdown, grace,
        ));
    } else {
        tokio::spawn(lyre_service_kit::serve(listener, router, shutdown, grace));
    }
    url
}

/// An admin service.
#[derive(Debug)]
pub struct Admin {
    /// Its base URL.
    pub url: String,
    _trigger: ShutdownTrigger,
}

impl Admin {
    /// Starts an admin service on `db`.
    pub async fn start(db: &DatabaseConnection) -> Self {
        let (trigger, shutdown) = shutdown_channel();
        let state = AdminState::new(db.clone(), AdminSettings::new(envs()));
        // Staged rollouts advance by themselves, as in `lyre serve`.
        lyre_admin_service::spawn_driver(state.clone(), shutdown.clone());
        Self {
            url: serve(lyre_admin_service::router(state), false, shutdown).await,
            _trigger: trigger,
        }
    }

    /// Sends a request; panics unless it succeeds.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .request(method.clone(), format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .expect("admin request");
        let status = response.status();
        let text = response.text().await.expect("admin body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Creates an app.
    pub async fn create_app(&self, app_id: &str) {
        self.call(
            reqwest::Method::POST,
            "/apps",
            json!({"appId": app_id, "name": app_id, "ownerName": "o", "operator": "alice"}),
        )
        .await;
    }

    /// Creates a namespace of `format`.
    pub async fn create_namespace(&self, app_id: &str, name: &str, format: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/apps/{app_id}/appnamespaces"),
            json!({"name": name, "format": format, "operator": "alice"}),
        )
        .await;
    }

    /// Sets a namespace's text and publishes it.
    pub async fn publish(&self, env: &str, app_id: &str, namespace: &str, text: &str) {
        let ns = format!("/envs/{env}/apps/{app_id}/clusters/default/namespaces/{namespace}");
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
        .await;
    }
}

/// The paths a config service was asked for, in order.
type RequestLog = Arc<Mutex<Vec<String>>>;

async fn note_path(
    axum::extract::State(log): axum::extract::State<RequestLog>,
    request: axum::extract::Request,
) -> axum::extract::Request {
    log.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(request.uri().path().to_owned());
    request
}

/// A config service with the meta server on its port, registered for discovery; stopping it
/// (dropping it or calling [`Config::stop`]) closes its port as a killed process would.
#[derive(Debug)]
pub struct Config {
    /// Its base URL (no environment prefix).
    pub url: String,
    /// Its state.
    pub state: ConfigState,
    requests: RequestLog,
    trigger: Option<ShutdownTrigger>,
}

impl Config {
    /// Starts a config service on `db`, announced in the registry, and waits for its first load.
    pub async fn start(db: &DatabaseConnection, instance: &str) -> Self {
        let (trigger, shutdown) = shutdown_channel();
        let mut settings = ConfigSettings::new(envs());
        settings.long_poll_timeout = Duration::from_secs(5);
        settings.scan_interval = Duration::from_millis(50);
        let state = ConfigState::new(db.clone(), settings);
        lyre_config_service::spawn(&state, None, shutdown.clone());
        let meta = lyre_meta_server::router(MetaState::new(db.clone(), Duration::from_secs(30)));
        let requests = RequestLog::default();
        let router = route_envs(
            lyre_config_service::router(state.clone())
                .merge(meta)
                .layer(axum::middleware::map_request_with_state(
                    requests.clone(),
                    note_path,
                )),
            envs(),
        );
        let url = serve(router, true, shutdown).await;
        heartbeat(
            db,
            &Registration {
                service_name: CONFIG_SERVICE.into(),
                instance_id: instance.into(),
                envs: envs(),
                homepage_url: format!("{url}/"),
            },
        )
        .await
        .expect("registering");
        tokio::time::timeout(Duration::from_secs(10), state.loaded())
            .await
            .expect("config service loads");
        Self {
            url,
            state,
            requests,
            trigger: Some(trigger),
        }
    }

    /// The paths asked for since the last call (without any environment prefix).
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Stops serving: open connections are closed, new ones refused.
    pub fn stop(&mut self) {
        if let Some(trigger) = self.trigger.take() {
            trigger.trigger();
        }
    }
}

/// Waits until `condition` holds, polling; panics after `within`.
pub async fn eventually(within: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

//! A portal over a fresh test database, driven through its router.

#![allow(dead_code, reason = "each test file uses a part of these helpers")]

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use lyre_portal::{AdminLink, PortalSettings, PortalState, bootstrap, router};
use lyre_store::testing::TestDb;
use serde_json::Value;
use tower::ServiceExt as _;

pub mod stack;

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct TestPortal {
    pub router: Router,
}

pub fn settings(ui_dir: PathBuf) -> PortalSettings {
    PortalSettings {
        envs: vec!["DEV".into(), "PRO".into()],
        meta_url: "http://127.0.0.1:9".into(),
        meta_urls: Default::default(),
        session_ttl: Duration::from_secs(3600),
        cookie_secure: false,
        ui: lyre_portal::UiSource::Dir(ui_dir),
        admin_password: Some(ADMIN_PASSWORD.into()),
        trusted_proxies: Default::default(),
        sign_in: Default::default(),
        webhooks: Default::default(),
    }
}

impl TestPortal {
    pub async fn new(t: &TestDb) -> Self {
        Self::with_settings(t, settings(PathBuf::from("/nonexistent/ui"))).await
    }

    pub async fn with_settings(t: &TestDb, settings: PortalSettings) -> Self {
        Self::with_link(t, settings, AdminLink::Remote(Default::default())).await
    }

    pub async fn with_link(t: &TestDb, settings: PortalSettings, link: AdminLink) -> Self {
        let boot = bootstrap(&t.db, settings.admin_password.as_deref(), None)
            .await
            .expect("bootstrap");
        let state = PortalState::new(t.db.clone(), settings, &boot.jwt_secret, link);
        Self {
            router: router(state),
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.post_json(
            "/api/v1/auth/login",
            None,
            &serde_json::json!({"username": username, "password": password}),
        )
        .await
    }

    /// Signs in as `admin` and returns the token.
    pub async fn admin_token(&self) -> String {
        let reply = self.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["token"].as_str().unwrap().to_owned()
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

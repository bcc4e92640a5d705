//! A portal in front of a real admin service, found through a real meta server, all on one
//! fresh test database: the portal reaches the admin service over HTTP with the admin
//! credential, as in a split deployment.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use lyre_admin_service::{AdminSettings, AdminState};
use lyre_meta_server::MetaState;
use lyre_portal::AdminLink;
use lyre_protocol::meta::ADMIN_SERVICE;
use lyre_service_kit::credential::ServiceCredential;
use lyre_service_kit::env::route_envs;
use lyre_store::registry::{self, Registration};
use lyre_store::testing::TestDb;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{ADMIN_PASSWORD, Reply, TestPortal, settings};

pub const ENVS: [&str; 2] = ["DEV", "PRO"];

/// The admin service credential of the stack.
pub const ADMIN_TOKEN: &str = "stack-admin-token-0123456789abcdef0123";

/// The portal with its admin service and meta server.
pub struct Stack {
    pub portal: TestPortal,
    pub admin_url: String,
    /// The super admin's session token.
    pub root: String,
}

pub async fn serve(app: impl lyre_service_kit::App) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

/// An admin service for `envs` on `db`, registered there and found through a meta server on
/// the same database: its admin URL and the meta server's.
async fn deploy(db: &lyre_store::sea_orm::DatabaseConnection, envs: &[&str]) -> (String, String) {
    let envs: Vec<String> = envs.iter().map(|e| (*e).to_owned()).collect();
    let credential = ServiceCredential::tokens(&[ADMIN_TOKEN]).unwrap();
    let admin = lyre_admin_service::listening_router(
        AdminState::new(
            db.clone(),
            AdminSettings {
                // Secret items can be written and revealed.
                secrets: std::sync::Arc::new(
                    lyre_store::secrets::KeyRing::parse(
                        &lyre_store::secrets::KeyRing::new_entry("test").unwrap(),
                    )
                    .unwrap(),
                ),
                ..AdminSettings::new(envs.clone())
            },
        ),
        credential.clone(),
    );
    let admin_url = serve(admin).await;
    registry::heartbeat(
        db,
        &Registration {
            service_name: ADMIN_SERVICE.into(),
            instance_id: "admin-1".into(),
            envs: envs.clone(),
            homepage_url: format!("{admin_url}/"),
        },
    )
    .await
    .unwrap();
    let meta = lyre_meta_server::router(
        MetaState::new(db.clone(), Duration::from_secs(600)).with_admin_callers(credential),
    );
    let meta_url = serve(route_envs(meta, envs)).await;
    (admin_url, meta_url)
}

impl Stack {
    pub async fn start(t: &TestDb) -> Self {
        let (admin_url, meta_url) = deploy(&t.db, &ENVS).await;
        Self::with_meta(t, admin_url, meta_url, Default::default()).await
    }

    /// DEV on `t`'s database and PRO on `pro`'s: two deployments that share nothing, as when
    /// each environment has its own admin service and database. `admin_url` is DEV's.
    pub async fn split(t: &TestDb, pro: &TestDb) -> (Self, String) {
        let (admin_url, meta_url) = deploy(&t.db, &["DEV"]).await;
        let (pro_admin, pro_meta) = deploy(&pro.db, &["PRO"]).await;
        let meta_urls = [("PRO".to_owned(), pro_meta)].into_iter().collect();
        (
            Self::with_meta(t, admin_url, meta_url, meta_urls).await,
            pro_admin,
        )
    }

    async fn with_meta(
        t: &TestDb,
        admin_url: String,
        meta_url: String,
        meta_urls: std::collections::BTreeMap<String, String>,
    ) -> Self {
        let credential = ServiceCredential::tokens(&[ADMIN_TOKEN]).unwrap();
        let mut settings = settings("/nonexistent/ui".into());
        settings.meta_url = meta_url;
        settings.meta_urls = meta_urls;
        let portal = TestPortal::with_link(t, settings, AdminLink::Remote(credential)).await;
        let root = portal.admin_token().await;
        Self {
            portal,
            admin_url,
            root,
        }
    }

    /// Sends `body` (when not null) with `method` as the holder of `token` (anonymous when
    /// `None`).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = if body.is_null() {
            Body::empty()
        } else {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        };
        self.portal.send(request.body(body).unwrap()).await
    }

    /// Like [`Self::call`], and asserts a success.
    pub async fn ok(&self, method: Method, path: &str, token: &str, body: &Value) -> Value {
        let reply = self.call(method.clone(), path, Some(token), body).await;
        assert!(
            reply.status.is_success(),
            "{method} {path}: {} {}",
            reply.status,
            reply.text
        );
        if reply.text.is_empty() {
            Value::Null
        } else {
            reply.json()
        }
    }

    /// Creates a user with `password` and signs them in.
    pub async fn user(&self, name: &str) -> String {
        let password = format!("{name}-password");
        let reply = self
            .call(
                Method::POST,
                "/api/v1/users",
                Some(&self.root),
                &json!({"username": name, "password": password}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        let login = self.portal.login(name, &password).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        login.json()["token"].as_str().unwrap().to_owned()
    }

    /// Signs in again as `name` (after a role change, say; roles are read per request anyway).
    pub async fn sign_in(&self, name: &str) -> String {
        let password = if name == "admin" {
            ADMIN_PASSWORD.to_owned()
        } else {
            format!("{name}-password")
        };
        let login = self.portal.login(name, &password).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        login.json()["token"].as_str().unwrap().to_owned()
    }

    /// Creates `app` as the super admin (owned by `owner`).
    pub async fn app(&self, app: &str, owner: &str) {
        self.ok(
            Method::POST,
            "/api/v1/apps",
            &self.root,
            &json!({"appId": app, "name": app, "ownerName": owner}),
        )
        .await;
    }

    /// Grants `role` in `app` to `user`, with an optional scope.
    pub async fn grant(&self, app: &str, user: &str, role: &str, scope: Value) {
        let mut body = json!({"user": user, "role": role});
        if let Value::Object(map) = scope {
            body.as_object_mut().unwrap().extend(map);
        }
        self.ok(
            Method::POST,
            &format!("/api/v1/apps/{app}/roles"),
            &self.root,
            &body,
        )
        .await;
    }

    /// Sets an environment's rules as the super admin.
    pub async fn env_rules(&self, env: &str, rules: Value) {
        self.ok(
            Method::PUT,
            &format!("/api/v1/envs/{env}/settings"),
            &self.root,
            &rules,
        )
        .await;
    }
}

/// `/api/v1/envs/{env}/apps/{app}/clusters/default/namespaces/{ns}`.
pub fn ns(env: &str, app: &str, ns: &str) -> String {
    format!("/api/v1/envs/{env}/apps/{app}/clusters/default/namespaces/{ns}")
}

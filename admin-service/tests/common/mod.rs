//! An admin service over a fresh test database, driven through its router.

#![allow(dead_code, reason = "each test file uses a part of these helpers")]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use lyre_admin_service::{AdminSettings, AdminState, router};
use lyre_store::entity::*;
use lyre_store::sea_orm::{EntityTrait, QueryOrder};
use lyre_store::testing::TestDb;
use serde_json::{Value, json};
use tower::ServiceExt as _;

pub const OPERATOR: &str = "alice";

pub struct Admin {
    pub router: Router,
    pub t: TestDb,
}

pub struct Reply {
    pub status: StatusCode,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(self.status, status, "{}", self.text);
        self
    }
}

/// `/envs/{env}/apps/{app}/clusters/{cluster}/namespaces/{ns}`.
pub fn ns(env: &str, app: &str, cluster: &str, namespace: &str) -> String {
    format!("/envs/{env}/apps/{app}/clusters/{cluster}/namespaces/{namespace}")
}

impl Admin {
    pub async fn new(t: TestDb) -> Self {
        Self::with_settings(t, AdminSettings::new(vec!["DEV".into(), "PRO".into()]))
    }

    pub fn with_settings(t: TestDb, settings: AdminSettings) -> Self {
        Self {
            router: router(AdminState::new(t.db.clone(), settings)),
            t,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    pub async fn create_app(&self, app_id: &str) -> Reply {
        self.post(
            "/apps",
            json!({"appId": app_id, "name": format!("{app_id} service"), "ownerName": "owner", "operator": OPERATOR}),
        )
        .await
    }

    pub async fn add_item(&self, namespace: &str, key: &str, value: &str) -> Reply {
        self.post(
            &format!("{namespace}/items"),
            json!({"key": key, "value": value, "operator": OPERATOR}),
        )
        .await
    }

    pub async fn publish(&self, namespace: &str, title: &str) -> Reply {
        self.post(
            &format!("{namespace}/releases"),
            json!({"title": title, "operator": "bob"}),
        )
        .await
    }

    pub async fn put_text(&self, namespace: &str, text: &str) -> Reply {
        self.put(
            &format!("{namespace}/text"),
            json!({"text": text, "operator": OPERATOR}),
        )
        .await
    }

    /// Every row of every configuration table, to prove a failed request changed nothing.
    pub async fn fingerprint(&self) -> Vec<String> {
        let db = &self.t.db;
        let mut out = Vec::new();
        macro_rules! rows {
            ($($entity:ident),*) => {$(
                for row in $entity::Entity::find().order_by_asc($entity::Column::Id).all(db).await.unwrap() {
                    out.push(format!("{row:?}"));
                }
            )*};
        }
        rows!(
            app,
            app_namespace,
            cluster,
            namespace,
            item,
            commit,
            release,
            release_history,
            release_message,
            namespace_lock,
            audit,
            setting
        );
        out
    }
}

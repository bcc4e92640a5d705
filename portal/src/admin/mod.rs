//! Reaching the admin operations: in this process when the portal and the admin service run
//! together (no admin port, no credential), or over HTTP to each environment's admin services,
//! found through the environment's meta server, remembered for a short while, with failover to
//! the next instance when one is unreachable, and the admin service credential on every call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt as _;
use lyre_admin_service::ops::call::Operation;
use lyre_admin_service::{AdminError, AdminState};
use lyre_protocol::meta::ServiceInstance;
use lyre_service_kit::credential::{ACTOR_HEADER, ServiceCredential, actor_header};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::PortalError;
use crate::settings::PortalSettings;

/// How long a discovered list of admin services is used before asking the meta server again.
const REMEMBER: Duration = Duration::from_secs(10);

/// What stands for the admin services' addresses when they run in this process.
pub(crate) const IN_PROCESS: &str = "in-process";

/// How the portal reaches the admin operations.
#[derive(Clone, Debug)]
pub enum AdminLink {
    /// The admin operations in this process (the all-in-one): called directly, with no port
    /// and no credential. They serve every environment.
    InProcess(AdminState),
    /// Admin services in other processes, found through each environment's meta server and
    /// called over HTTP with this credential's token.
    Remote(ServiceCredential),
}

/// The link as used.
enum Link {
    InProcess(AdminState),
    Remote(ServiceCredential),
}

/// The admin services of every environment.
pub(crate) struct Admins {
    http: reqwest::Client,
    settings: PortalSettings,
    link: Link,
    known: Mutex<HashMap<String, (Vec<String>, Instant)>>,
    next: AtomicUsize,
}

/// An admin service's answer.
#[derive(Debug)]
struct AdminReply {
    status: StatusCode,
    body: Bytes,
}

impl AdminReply {
    /// An admin error raised in this process, as the admin service would answer it.
    async fn read(response: Response) -> Result<Self, PortalError> {
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| {
                PortalError::Internal(format!("reading an admin operation's answer: {e}"))
            })?
            .to_bytes();
        Ok(Self { status, body })
    }

    /// The body as `T`, when the admin service answered 2xx; its error otherwise.
    pub(crate) fn json<T: DeserializeOwned>(self) -> Result<T, PortalError> {
        if !self.status.is_success() {
            return Err(self.into_error());
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            PortalError::Internal(format!("the admin service sent an unreadable answer: {e}"))
        })
    }

    /// The admin service's error, passed on as it is (its body names the problem).
    pub(crate) fn into_error(self) -> PortalError {
        if self.status.is_server_error() {
            return PortalError::Unavailable(format!(
                "the admin service failed ({}); see its log",
                self.status
            ))
            .because("admin_service_failed", [("status", self.status.as_u16())]);
        }
        PortalError::Admin {
            status: self.status,
            body: self.body,
        }
    }
}

impl Admins {
    pub(crate) fn new(settings: PortalSettings, link: AdminLink) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        let link = match link {
            AdminLink::InProcess(state) => Link::InProcess(state),
            AdminLink::Remote(credential) => Link::Remote(credential),
        };
        Self {
            http,
            settings,
            link,
            known: Mutex::default(),
            next: AtomicUsize::new(0),
        }
    }

    /// Whether `env` is one of the configured environments (names compare case-insensitively),
    /// and its configured spelling.
    pub(crate) fn env(&self, env: &str) -> Result<String, PortalError> {
        self.settings
            .envs
            .iter()
            .find(|e| e.eq_ignore_ascii_case(env))
            .cloned()
            .ok_or_else(|| {
                PortalError::NotFound(format!(
                    "no environment `{env}`; the environments are {}",
                    self.settings.envs.join(", ")
                ))
                .because(
                    "not_found",
                    [
                        ("kind", "env".to_owned()),
                        ("name", env.to_owned()),
                        ("envs", self.settings.envs.join(", ")),
                    ],
                )
            })
    }

    /// The configured environments, in order.
    pub(crate) fn envs(&self) -> &[String] {
        &self.settings.envs
    }

    /// The admin operations, when they run in this process.
    fn operations(&self) -> Option<&AdminState> {
        match &self.link {
            Link::InProcess(state) => Some(state),
            Link::Remote(_) => None,
        }
    }

    /// Whether the admin operations run in this process.
    pub(crate) fn is_in_process(&self) -> bool {
        self.operations().is_some()
    }

    /// In process, whether the admin operations can serve (`Some(None)`: ready; `Some(why)`:
    /// not); `None` when the admin services are elsewhere (ask them).
    pub(crate) async fn in_process_readiness(&self) -> Option<Option<String>> {
        match self.operations() {
            Some(state) => Some(lyre_admin_service::ops::readiness(state).await),
            None => None,
        }
    }

    /// The `Authorization` header for admin services and their listing on meta servers.
    pub(crate) fn authorization(&self) -> Option<HeaderValue> {
        match &self.link {
            Link::InProcess(_) => None,
            Link::Remote(credential) => credential.authorization(),
        }
    }

    /// The base URLs (ending in `/`) of `env`'s admin services; [`IN_PROCESS`] alone when they
    /// run in this process.
    pub(crate) async fn urls(&self, env: &str) -> Result<Vec<String>, PortalError> {
        if self.is_in_process() {
            return Ok(vec![IN_PROCESS.to_owned()]);
        }
        if let Some((urls, at)) = self.lock().get(env)
            && at.elapsed() < REMEMBER
        {
            return Ok(urls.clone());
        }
        let meta = format!("{}/services/admin", self.settings.meta_url_for(env));
        let unavailable = |why: String| {
            PortalError::Unavailable(format!(
                "cannot find the admin service of {env}: {why} (meta server {meta})"
            ))
            .because(
                "admin_service_not_found",
                [("env", env), ("problem", &why), ("metaServer", &meta)],
            )
        };
        let mut request = self.http.get(&meta);
        if let Some(authorization) = self.authorization() {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unavailable(root_cause(&e)))?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            return Err(unavailable(
                "the meta server refused this portal's admin credential; give the portal one of \
                 the admin service's tokens (LYRE_ADMIN_TOKENS)"
                    .into(),
            ));
        }
        if !response.status().is_success() {
            return Err(unavailable(format!("it answered {}", response.status())));
        }
        let instances: Vec<ServiceInstance> = response
            .json()
            .await
            .map_err(|e| unavailable(format!("unreadable answer: {e}")))?;
        let mut urls: Vec<String> = instances
            .into_iter()
            .map(|i| {
                let mut url = i.homepage_url;
                if !url.ends_with('/') {
                    url.push('/');
                }
                url
            })
            .collect();
        urls.sort();
        urls.dedup();
        if urls.is_empty() {
            return Err(unavailable("no admin service is registered".into()));
        }
        self.lock()
            .insert(env.to_owned(), (urls.clone(), Instant::now()));
        Ok(urls)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Vec<String>, Instant)>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends a request to `env`'s admin service (in another process); `path` starts with `/`
    /// and may carry a query. An unreachable instance is skipped for the next one.
    async fn send(
        &self,
        env: &str,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<AdminReply, PortalError> {
        let authorization = self.authorization();
        let actor = crate::actor::current().map(|a| actor_header(&a));
        let urls = self.urls(env).await?;
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut last_error = String::new();
        for i in 0..urls.len() {
            let base = &urls[(start + i) % urls.len()];
            let url = format!("{}{}", base.trim_end_matches('/'), path);
            let mut request = self.http.request(method.clone(), &url);
            if let Some(authorization) = &authorization {
                request = request.header(header::AUTHORIZATION, authorization.clone());
            }
            if let Some(actor) = &actor {
                request = request.header(ACTOR_HEADER, actor.clone());
            }
            if let Some(body) = &body {
                request = request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            match request.send().await {
                Ok(response) => {
                    let status = StatusCode::from_u16(response.status().as_u16())
                        .unwrap_or(StatusCode::BAD_GATEWAY);
                    let body = response.bytes().await.map_err(|e| {
                        PortalError::Unavailable(format!(
                            "the admin service of {env} broke off its answer: {}",
                            root_cause(&e)
                        ))
                        .because(
                            "admin_service_broke_off",
                            [("env", env.to_owned()), ("problem", root_cause(&e))],
                        )
                    })?;
                    return Ok(AdminReply { status, body });
                }
                Err(e) => {
                    last_error = format!("{url}: {}", root_cause(&e));
                    // Forget the list: the next request asks the meta server again.
                    self.lock().remove(env);
                    // Only an instance that could not be reached is skipped for the next one.
                    // A request that may have reached it is not sent again: it may be a write
                    // that was carried out, and a second instance would make it twice.
                    if !e.is_connect() {
                        return Err(PortalError::Unavailable(format!(
                            "the admin service of {env} did not answer ({last_error}); reload to \
                             see whether the change was made"
                        ))
                        .because(
                            "admin_service_no_answer",
                            [("env", env), ("problem", &last_error)],
                        ));
                    }
                }
            }
        }
        Err(PortalError::Unavailable(format!(
            "the admin service of {env} is unreachable ({last_error})"
        ))
        .because(
            "admin_service_unreachable",
            [("env", env), ("problem", &last_error)],
        ))
    }

    /// Sends `body` as JSON.
    async fn send_json<B: Serialize>(
        &self,
        env: &str,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<AdminReply, PortalError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| PortalError::Internal(format!("encoding a request: {e}")))?;
        self.send(env, method, path, Some(body)).await
    }
}

impl Admins {
    /// Runs `operation` on `env`'s admin operations: in this process, or sent to one of `env`'s
    /// admin services (`POST /ops/{NAME}`), as the identity the request was authenticated as.
    pub(crate) async fn call<O: Operation>(
        &self,
        env: &str,
        operation: O,
    ) -> Result<O::Output, PortalError> {
        match self.operations() {
            Some(state) => run(operation.run(state)).await,
            None => {
                let path = format!("/ops/{}", O::NAME);
                self.send_json(env, Method::POST, &path, &operation)
                    .await?
                    .json()
            }
        }
    }
}

/// Runs an admin operation in this process, for the identity the request was authenticated
/// as; its error as the admin service would answer it.
async fn run<T>(
    operation: impl std::future::Future<Output = Result<T, AdminError>>,
) -> Result<T, PortalError> {
    // Boxed: an operation's future holds its whole transaction's state, too large to carry
    // inline through every handler that awaits it.
    let operation = Box::pin(operation);
    match lyre_admin_service::ops::acting_as(crate::actor::current(), operation).await {
        Ok(value) => Ok(value),
        Err(e) => Err(AdminReply::read(e.into_response()).await?.into_error()),
    }
}

/// The innermost cause of an error, which names the actual problem (refused, timed out...).
pub(crate) fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

//! Talking to config services: discovery through meta servers, trying instances in turn, and
//! signing requests when the app has an access key.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lyre_protocol::access_key::{authorization, signature};
use lyre_protocol::meta::ServiceInstance;
use url::Url;

/// What an attempt at a config service came to.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Config service addresses and how to reach them.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    meta_servers: Vec<Url>,
    configured: Vec<Url>,
    discovered: RwLock<Vec<Url>>,
    /// Round-robin position, so load spreads and a failed instance is passed over next time.
    next: AtomicUsize,
    app_id: String,
    secret: Option<String>,
    pub(crate) ip: String,
}

/// `url` ending with `/`, so relative paths join beneath it (keeping an `/ENV/` prefix).
pub(crate) fn base(url: &str) -> Result<Url, String> {
    let mut text = url.trim().to_owned();
    if !text.ends_with('/') {
        text.push('/');
    }
    let parsed = Url::parse(&text).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{url}` is not an http:// or https:// URL"));
    }
    Ok(parsed)
}

/// The address other machines most likely reach this one at: the source address of the
/// default route (found without sending anything), or loopback.
pub(crate) fn local_ip() -> String {
    UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| {
            socket.connect((Ipv4Addr::new(10, 255, 255, 255), 1))?;
            socket.local_addr()
        })
        .map(|addr| addr.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .to_string()
}

impl Transport {
    pub(crate) fn new(
        meta_servers: Vec<Url>,
        configured: Vec<Url>,
        app_id: String,
        secret: Option<String>,
        ip: String,
        connect_timeout: Duration,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            http,
            meta_servers,
            configured,
            discovered: RwLock::default(),
            next: AtomicUsize::new(rand::random::<u32>() as usize),
            app_id,
            secret,
            ip,
        })
    }

    /// Asks the meta servers for config service instances; keeps the previous list when none
    /// answers (or none lists any).
    pub(crate) async fn discover(&self, timeout: Duration) -> Result<usize, String> {
        let mut last_error = String::from("no meta server configured");
        for meta in &self.meta_servers {
            let url = meta
                .join(&format!(
                    "services/config?appId={}&ip={}",
                    encode(&self.app_id),
                    encode(&self.ip)
                ))
                .map_err(|e| e.to_string())?;
            let attempt = async {
                let response = self
                    .http
                    .get(url.clone())
                    .timeout(timeout)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("{url} answered {}", response.status()));
                }
                response
                    .json::<Vec<ServiceInstance>>()
                    .await
                    .map_err(|e| e.to_string())
            };
            match attempt.await {
                Ok(instances) if !instances.is_empty() => {
                    let urls: Vec<Url> = instances
                        .iter()
                        .filter_map(|i| base(&i.homepage_url).ok())
                        .collect();
                    let count = urls.len();
                    *self.discovered.write().unwrap_or_else(|e| e.into_inner()) = urls;
                    return Ok(count);
                }
                Ok(_) => last_error = format!("{meta} lists no config service"),
                Err(e) => last_error = format!("meta server {meta}: {e}"),
            }
        }
        Err(last_error)
    }

    /// Whether meta servers are used for discovery.
    pub(crate) fn uses_meta(&self) -> bool {
        !self.meta_servers.is_empty()
    }

    /// The instances to try, starting with the next in turn.
    fn candidates(&self) -> Vec<Url> {
        let discovered = self
            .discovered
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut list = if discovered.is_empty() {
            self.configured.clone()
        } else {
            discovered
        };
        if !list.is_empty() {
            let start = self.next.fetch_add(1, Ordering::Relaxed) % list.len();
            list.rotate_left(start);
        }
        list
    }

    /// GETs `path` (relative, e.g. `configs/a/default/application?ip=...`) from the first
    /// instance that answers; a connection failure or a `5xx` moves on to the next.
    pub(crate) async fn get(&self, path: &str, timeout: Duration) -> Result<Answer, String> {
        self.send(path, None, timeout).await
    }

    /// POSTs `body` (JSON) to `path`, as [`Transport::get`] reads.
    pub(crate) async fn post(
        &self,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Answer, String> {
        self.send(path, Some(body), timeout).await
    }

    async fn send(
        &self,
        path: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Answer, String> {
        let candidates = self.candidates();
        if candidates.is_empty() {
            return Err("no config service known (none configured, none discovered)".into());
        }
        let mut last_error = String::new();
        for base in candidates {
            match self.send_to(&base, path, body.clone(), timeout).await {
                Ok(answer) if answer.status < 500 => return Ok(answer),
                Ok(answer) => last_error = format!("{base} answered {}", answer.status),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    async fn send_to(
        &self,
        base: &Url,
        path: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Answer, String> {
        let url = base.join(path).map_err(|e| e.to_string())?;
        let mut request = match body {
            Some(body) => self
                .http
                .post(url.clone())
                .header("Content-Type", "application/json")
                .body(body),
            None => self.http.get(url.clone()),
        }
        .timeout(timeout);
        if let Some(secret) = &self.secret {
            let timestamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
                .to_string();
            let path_with_query = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            request = request.header("Timestamp", &timestamp).header(
                "Authorization",
                authorization(
                    &self.app_id,
                    &signature(secret, &timestamp, &path_with_query),
                ),
            );
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{base}: {}", root_cause(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("{base}: {}", root_cause(&e)))?
            .to_vec();
        Ok(Answer { status, body })
    }
}

/// Percent-encodes a query value.
pub(crate) fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

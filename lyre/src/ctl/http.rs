//! The portal's Open API as `lyre ctl` calls it: a consumer token in `Authorization`, timeouts,
//! a request refused for the rate limit sent again, and a refusal as an [`ApiError`] that says
//! the status and the portal's message. A new command adds its paths, not another client.

use std::fmt;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How long one HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times a request refused for the rate limit (`429`) is sent again.
const RATE_LIMIT_RETRIES: u32 = 2;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The portal's Open API, called with a consumer token.
pub(crate) struct Api {
    http: reqwest::Client,
    base: Url,
    token: String,
}

impl Api {
    /// A client of the portal at `base`; `token` is required (a clear error names where to set
    /// it when it is missing).
    pub(crate) fn new(base: &str, token: Option<&str>) -> anyhow::Result<Self> {
        let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
            bail!(
                "no token: pass --token or set LYRE_TOKEN to a consumer token of the Open API \
                 (a super admin or a master of the app creates one in the portal)"
            );
        };
        let base = Url::parse(base).with_context(|| format!("the portal URL `{base}`"))?;
        match base.scheme() {
            "http" => {}
            "https" if cfg!(feature = "tls") => {}
            "https" => bail!(
                "the portal URL `{base}`: this lyre was built without HTTPS (the `tls` \
                 feature); reach the portal over http:// or use a build with `--features tls`"
            ),
            other => bail!("the portal URL `{base}`: `{other}` is not http or https"),
        }
        if base.cannot_be_a_base() {
            bail!("the portal URL `{base}` cannot take a path");
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("lyre-ctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("starting the HTTP client")?;
        Ok(Self {
            http,
            base,
            token: token.to_owned(),
        })
    }

    /// An Open API URL: `/openapi/v1/` then `segments`, each percent-encoded, then `query`.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> anyhow::Result<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| anyhow!("the portal URL `{}` cannot take a path", self.base))?
            .pop_if_empty()
            .extend(["openapi", "v1"])
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// `GET` of an Open API path: the JSON answered, as received.
    pub(crate) async fn get(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> anyhow::Result<Value> {
        self.expect(Method::GET, segments, query, None).await
    }

    /// `GET` of an Open API path, read as `T`.
    pub(crate) async fn get_as<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> anyhow::Result<T> {
        let value = self.get(segments, query).await?;
        serde_json::from_value(value).context("the portal answered in an unexpected shape")
    }

    /// Sends a request and reads a successful answer's JSON (`null` for an empty body); a
    /// refusal is an [`ApiError`].
    pub(crate) async fn expect(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let answer = self.send(method, segments, query, body).await?;
        if !answer.status.is_success() {
            return Err(answer.error().into());
        }
        answer.json()
    }

    /// Sends a request; one refused for the rate limit is sent again after `Retry-After`.
    pub(crate) async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<Answer> {
        let url = self.url(segments, query)?;
        let (status, body) = send_retrying(&self.http, &self.token, method, &url, body).await?;
        Ok(Answer { status, body })
    }
}

/// Sends `method` to `url` with `token` as `Authorization` (and `body` as JSON); a request
/// refused for the rate limit (`429`) is sent again after `Retry-After`, at most twice. The
/// status and body answered. `lyre publish` and `lyre schema` send through it too.
pub(crate) async fn send_retrying(
    http: &reqwest::Client,
    token: &str,
    method: Method,
    url: &Url,
    body: Option<&Value>,
) -> anyhow::Result<(StatusCode, Vec<u8>)> {
    let mut shown = url.clone();
    shown.set_query(None);
    let mut attempt = 0;
    loop {
        let mut request = http
            .request(method.clone(), url.clone())
            .header(reqwest::header::AUTHORIZATION, token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(reqwest::Error::without_url)
            .with_context(|| format!("{method} {shown}"))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS && attempt < RATE_LIMIT_RETRIES {
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Duration::from_secs(1), Duration::from_secs)
                .min(MAX_RETRY_AFTER);
            tokio::time::sleep(wait).await;
            attempt += 1;
            continue;
        }
        let body = response
            .bytes()
            .await
            .map_err(reqwest::Error::without_url)
            .with_context(|| format!("{method} {shown}"))?;
        return Ok((status, body.to_vec()));
    }
}

/// An answer of the portal.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; `null` when empty.
    pub(crate) fn json(&self) -> anyhow::Result<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "the portal answered {} with an unexpected body: {}",
                self.status,
                snippet(&self.body)
            )
        })
    }

    /// The refusal this answer carries: the portal's `message`, or what it sent.
    pub(crate) fn error(&self) -> ApiError {
        #[derive(Deserialize)]
        struct Body {
            message: String,
        }
        match serde_json::from_slice::<Body>(&self.body) {
            Ok(body) => ApiError {
                status: self.status,
                message: body.message,
            },
            Err(_) => ApiError {
                status: self.status,
                message: if self.body.is_empty() {
                    "no explanation given".to_owned()
                } else {
                    snippet(&self.body)
                },
            },
        }
    }
}

/// The start of a body, on one line.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        out.push_str("...");
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A request the portal refused: shown as its message then its status, e.g. `the token has no
/// grant on app `shop` (403 Forbidden)`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ApiError {}

/// The status of the portal's refusal behind `error`, if that is what it is.
pub(crate) fn refused_with(error: &anyhow::Error) -> Option<StatusCode> {
    error.downcast_ref::<ApiError>().map(|e| e.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_api_urls_encode_each_segment() {
        let api = Api::new("http://localhost:8070/lyre/", Some("t")).unwrap();
        let url = api
            .url(
                &["envs", "DEV", "apps", "a/b c", "namespaces"],
                &[("size", "5")],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://localhost:8070/lyre/openapi/v1/envs/DEV/apps/a%2Fb%20c/namespaces?size=5"
        );
        assert_eq!(
            Api::new("https://lyre.example.com", Some("t")).is_ok(),
            cfg!(feature = "tls")
        );
    }

    #[test]
    fn a_missing_token_or_a_bad_url_is_named() {
        for token in [None, Some(""), Some("  ")] {
            let error = Api::new("http://localhost:8070", token).err().unwrap();
            assert!(
                error
                    .to_string()
                    .starts_with("no token: pass --token or set LYRE_TOKEN")
            );
        }
        let error = Api::new("ftp://x", Some("t")).err().unwrap();
        assert_eq!(
            error.to_string(),
            "the portal URL `ftp://x/`: `ftp` is not http or https"
        );
    }

    #[test]
    fn refusals_show_the_message_and_the_status() {
        let answer = Answer {
            status: StatusCode::FORBIDDEN,
            body: br#"{"code":"forbidden","message":"the token has no grant on app `shop`"}"#
                .to_vec(),
        };
        assert_eq!(
            answer.error().to_string(),
            "the token has no grant on app `shop` (403 Forbidden)"
        );
        let html = Answer {
            status: StatusCode::BAD_GATEWAY,
            body: b"<html>\n  bad gateway\n</html>".to_vec(),
        };
        assert_eq!(
            html.error().to_string(),
            "<html> bad gateway </html> (502 Bad Gateway)"
        );
        assert_eq!(
            refused_with(&anyhow::Error::from(html.error())),
            Some(StatusCode::BAD_GATEWAY)
        );
    }
}

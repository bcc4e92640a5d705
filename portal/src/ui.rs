//! Serving the web UI: its files, and `index.html` for every other path so the UI's own routes
//! work on reload. The UI is built into the `lyre` binary ([`UiSource::Embedded`]); a folder
//! of built files ([`UiSource::Dir`], `LYRE_UI_DIR`) takes its place while working on the UI.
//! Without either, `/` says how to build it and the APIs still answer.

use std::borrow::Cow;
use std::path::PathBuf;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

/// A file of the built UI.
pub struct UiFile {
    /// Its content.
    pub bytes: Cow<'static, [u8]>,
    /// A digest of the content (its SHA-256), for `ETag`.
    pub digest: [u8; 32],
}

/// Where the portal finds its web UI.
#[derive(Clone)]
pub enum UiSource {
    /// Built into the binary: the file at a path of the built UI (`index.html`,
    /// `assets/index-3f2a.js`), `None` for every path when the binary was built without it.
    Embedded(fn(&str) -> Option<UiFile>),
    /// A folder of built files, read on every request.
    Dir(PathBuf),
}

impl std::fmt::Debug for UiSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UiSource::Embedded(_) => f.write_str("Embedded"),
            UiSource::Dir(dir) => f.debug_tuple("Dir").field(dir).finish(),
        }
    }
}

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lyre portal</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
code{background:#eef2f6;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>The portal's web UI is not built</h1>
<p>The portal is running and its APIs answer, but {where}.</p>
<p>Build it from the repository root with <code>make ui</code> (which runs <code>npm ci</code> and
<code>npm run build</code> in <code>portal-ui/</code>) and build <code>lyre</code> again, which takes
the UI in (<code>make release</code> does both), or run everything with <code>make run</code>.
To serve a built UI from a folder instead, set <code>LYRE_UI_DIR</code>.</p>
<p>The API description is at <a href="/swagger-ui">/swagger-ui</a>.</p></body></html>"#;

/// The UI's files from `source`, falling back to its `index.html`.
pub(crate) fn service(source: UiSource) -> Router {
    match source {
        UiSource::Embedded(files) => Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap| async move {
                embedded(files, &method, &uri, &headers)
            },
        ),
        UiSource::Dir(dir) => {
            let index = dir.join("index.html");
            let fallback = get(move || index_html(index.clone()));
            Router::new().fallback_service(ServeDir::new(dir).fallback(fallback))
        }
    }
}

/// A file built into the binary, or its `index.html` for a route of the UI.
fn embedded(
    files: fn(&str) -> Option<UiFile>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = uri.path().trim_start_matches('/');
    let (path, file) = match files(path).filter(|_| !path.is_empty()) {
        Some(file) => (path, file),
        // A missing script or style is an error, not the UI.
        None if path.starts_with("assets/") => return StatusCode::NOT_FOUND.into_response(),
        None => match files("index.html") {
            Some(index) => ("index.html", index),
            None => {
                let page = NOT_BUILT.replace("{where}", "this binary was built without its web UI");
                return (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response();
            }
        },
    };
    let etag = format!("\"{}\"", crate::hex(&file.digest[..16]));
    // Vite names the files under assets/ by their content: they never change.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        file.bytes.into_owned().into_response()
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, mime.essence_str().to_owned()),
        (header::CACHE_CONTROL, cache.to_owned()),
        (header::ETAG, etag),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if unchanged {
        headers.remove(header::CONTENT_TYPE);
    }
    response
}

async fn index_html(index: PathBuf) -> Response {
    match tokio::fs::read_to_string(&index).await {
        Ok(html) => {
            let mut response = Html(html).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(_) => {
            let dir = index
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            let place = format!(
                "it found no built web UI in <code>{}</code>",
                html_escape(&dir)
            );
            let page = NOT_BUILT.replace("{where}", &place);
            (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
        }
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

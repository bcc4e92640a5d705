//! Serving the built web UI: files from `portal-ui/dist`, and `index.html` for every other
//! path so the UI's own routes work on reload. If the UI has not been built, `/` says so.

use std::path::PathBuf;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lyre portal</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
code{background:#eef2f6;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>The portal's web UI is not built</h1>
<p>The portal is running and its APIs answer, but it found no built web UI in
<code>{dir}</code>.</p>
<p>Build it from the repository root with <code>make ui</code> (which runs <code>npm ci</code> and
<code>npm run build</code> in <code>portal-ui/</code>), or run everything with <code>make run</code>.
To serve the UI from elsewhere, set <code>LYRE_UI_DIR</code>.</p>
<p>The API description is at <a href="/swagger-ui">/swagger-ui</a>.</p></body></html>"#;

/// Files of `dir`, falling back to its `index.html`.
pub(crate) fn service(dir: PathBuf) -> Router {
    let index = dir.join("index.html");
    let fallback = get(move || index_html(index.clone()));
    Router::new().fallback_service(ServeDir::new(dir).fallback(fallback))
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
            let page = NOT_BUILT.replace("{dir}", &html_escape(&dir));
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

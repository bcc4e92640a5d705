//! `GET /configfiles/...`: the configuration as a file, for scripts and simple clients.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lyre_service_kit::env::RequestEnv;
use lyre_service_kit::peer::PeerAddr;

use super::{admitted, answer_and_record, client_ip, not_found, refused, unavailable};
use crate::ConfigState;
use crate::access::Trust;
use crate::answers::Read;
use crate::query::Params;
use lyre_protocol::format::Format;

/// The three renderings.
#[derive(Clone, Copy)]
enum Rendering {
    /// Properties text.
    Text,
    /// The keys and values as a JSON object.
    Json,
    /// The file itself (properties text for a properties namespace).
    Raw,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the three handlers' extractors, passed on whole"
)]
async fn serve(
    state: ConfigState,
    env: RequestEnv,
    uri: OriginalUri,
    (app_id, cluster, namespace): (String, String, String),
    query: Option<String>,
    headers: HeaderMap,
    peer: PeerAddr,
    rendering: Rendering,
) -> Response {
    let trust = match admitted(&state, &env.name, Some(&app_id), &uri.0, &headers).await {
        Ok(trust) => trust,
        Err(refusal) => return refused(refusal),
    };
    let params = Params::parse(query.as_deref());
    let ip = client_ip(params.get("ip"), peer);
    let read = Read {
        env: &env.name,
        app_id: &app_id,
        cluster: &cluster,
        namespace: &namespace,
        data_center: params.get("dataCenter"),
        ip: &ip,
        label: params.get("label").unwrap_or(""),
        secrets: trust == Trust::Signed,
    };
    let answer = match answer_and_record(&state, &read, params.get("schemaHash"), false).await {
        Ok(Some(answer)) => answer,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(&e),
    };
    let (content_type, body) = match rendering {
        Rendering::Text => ("text/plain;charset=UTF-8", answer.text()),
        Rendering::Json => ("application/json;charset=UTF-8", answer.json()),
        Rendering::Raw => (answer.format.content_type(), answer.raw()),
    };
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    let raw = matches!(rendering, Rendering::Raw);
    inert(
        response.headers_mut(),
        raw.then_some((&namespace, answer.format)),
    );
    response
}

/// Makes what anyone who may publish wrote inert in a browser: its type is not guessed, it runs
/// no script and reaches nothing (a sandbox), and the file itself (`raw`: the namespace and its
/// format) is saved rather than shown. Programs reading it see the same body and type.
fn inert(headers: &mut HeaderMap, raw: Option<(&str, Format)>) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    let Some((namespace, format)) = raw else {
        return;
    };
    // Namespace names are letters, digits, `_`, `-` and `.`: nothing to escape.
    let named = namespace.to_ascii_lowercase().ends_with(".properties");
    let file = if format == Format::Properties && !named {
        format!("{namespace}.properties")
    } else {
        namespace.to_owned()
    };
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
}

/// The configuration as properties text (`key=value` lines).
pub(crate) async fn text(
    State(state): State<ConfigState>,
    env: RequestEnv,
    uri: OriginalUri,
    Path(path): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: PeerAddr,
) -> Response {
    serve(state, env, uri, path, query, headers, peer, Rendering::Text).await
}

/// The configuration's keys and values as a JSON object.
pub(crate) async fn json(
    State(state): State<ConfigState>,
    env: RequestEnv,
    uri: OriginalUri,
    Path(path): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: PeerAddr,
) -> Response {
    serve(state, env, uri, path, query, headers, peer, Rendering::Json).await
}

/// The file itself, with a content type from the namespace's format.
pub(crate) async fn raw(
    State(state): State<ConfigState>,
    env: RequestEnv,
    uri: OriginalUri,
    Path(path): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: PeerAddr,
) -> Response {
    serve(state, env, uri, path, query, headers, peer, Rendering::Raw).await
}

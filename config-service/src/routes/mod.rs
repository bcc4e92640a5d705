//! Apollo's client endpoints.

pub(crate) mod configfiles;
pub(crate) mod configs;
pub(crate) mod notifications;
pub(crate) mod reports;

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use lyre_service_kit::error_response;
use lyre_service_kit::peer::PeerAddr;
use lyre_store::config::instances::Delivery;
use lyre_store::sea_orm::DbErr;
use lyre_store::time::now_millis;

use crate::ConfigState;
use crate::access::{Refusal, Trust};
use crate::answers::{Answer, Read};
use crate::instances::Sighting;

/// How long a request that comes while the config service is starting waits for it.
const START_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Checks the request's access-key signature (the path as the client sent it, with any
/// environment prefix); the refusal to answer, if it fails.
pub(crate) async fn refusal(
    state: &ConfigState,
    env: &str,
    app_id: Option<&str>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Option<Response> {
    admitted(state, env, app_id, uri, headers)
        .await
        .err()
        .map(refused)
}

/// Checks the request's access-key signature: what it proved, or why it is refused.
pub(crate) async fn admitted(
    state: &ConfigState,
    env: &str,
    app_id: Option<&str>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Trust, Refusal> {
    // Until the access keys are loaded every app looks keyless: a request that comes in the
    // moment after a start waits for them (a little), rather than let an unsigned client read
    // an app that enforces a key.
    if !state.is_loaded()
        && tokio::time::timeout(START_WAIT, state.loaded())
            .await
            .is_err()
    {
        return Err(Refusal::Starting);
    }
    let path_with_query = uri.path_and_query().map_or("", |p| p.as_str());
    state
        .access()
        .check(env, app_id, path_with_query, headers, now_millis())
}

/// The answer to a refused request.
pub(crate) fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NoAppId => error_response(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "appId is required",
        ),
        Refusal::Unauthorized(reason) => {
            error_response(StatusCode::UNAUTHORIZED, "unauthorized", reason)
        }
        Refusal::Starting => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the config service is starting (loading access keys); retry shortly",
        ),
    }
}

/// `404` with an empty body, as Apollo answers a namespace with no release.
pub(crate) fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// The database cannot be read and the answer is not in memory.
pub(crate) fn unavailable(error: &lyre_store::sea_orm::DbErr) -> Response {
    tracing::warn!(error = %error, "a read missed the cache while the database is unreachable");
    error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "configuration storage is unreachable and this namespace is not cached; retry shortly",
    )
}

/// Longest IP recorded of an instance.
pub(crate) const MAX_IP: usize = 64;

/// The IP a client is known by: the one it names (as Apollo's clients send it), else the
/// address it connects from.
pub(crate) fn client_ip(named: Option<&str>, peer: PeerAddr) -> String {
    named.map_or_else(|| peer.ip_string(), str::to_owned)
}

/// The answer to `read` (from memory when current; `fresh` reads past the caches), noted as
/// received by the instance that asked; `schema_hash` is the one it named for its typed view of
/// the namespace (Lyre's SDK's `schemaHash`). `None` when the namespace was never released.
pub(crate) async fn answer_and_record(
    state: &ConfigState,
    read: &Read<'_>,
    schema_hash: Option<&str>,
    fresh: bool,
) -> Result<Option<Arc<Answer>>, DbErr> {
    let (generation, definitions) = state.definitions_for(read.app_id, read.namespace).await;
    let resolved = definitions.resolve(read.app_id, read.namespace);
    let answer = state
        .answers()
        .answer(state.db(), state.hub(), read, &resolved, generation, fresh)
        .await?;
    if let Some(answer) = &answer {
        record(state, read, schema_hash, answer);
    }
    Ok(answer)
}

/// Notes which instance received `answer`.
fn record(state: &ConfigState, read: &Read<'_>, schema_hash: Option<&str>, answer: &Answer) {
    // Lyre's SDK names the schema of its typed view; anything else is not recorded.
    let schema_hash = schema_hash
        .filter(|h| lyre_protocol::schema_hash::is_hash(h))
        .unwrap_or("");
    let ip = chars_prefix(read.ip, MAX_IP);
    let label = chars_prefix(read.label, 128);
    let data_center = read.data_center.unwrap_or("");
    let sighting = Sighting {
        env: read.env,
        app_id: read.app_id,
        cluster: read.cluster,
        data_center,
        ip,
        config_namespace: &answer.namespace,
        release_key: &answer.release_key,
        schema_hash,
    };
    state.recorder().note(&sighting, || Delivery {
        env: read.env.to_owned(),
        app_id: read.app_id.to_owned(),
        cluster: read.cluster.to_owned(),
        data_center: data_center.to_owned(),
        ip: ip.to_owned(),
        label: label.to_owned(),
        config_cluster: answer.cluster.clone(),
        config_namespace: answer.namespace.clone(),
        release_key: answer.release_key.clone(),
        schema_hash: schema_hash.to_owned(),
        at: now_millis(),
    });
}

/// The first `max` characters of `text`.
pub(crate) fn chars_prefix(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(end, _)| &text[..end])
}

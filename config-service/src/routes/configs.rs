//! `GET /configs/{appId}/{cluster}/{namespace}`.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyre_protocol::client::NotificationMessages;
use lyre_service_kit::env::RequestEnv;
use lyre_service_kit::peer::PeerAddr;

use super::{admitted, answer_and_record, client_ip, not_found, refused, unavailable};
use crate::ConfigState;
use crate::access::Trust;
use crate::answers::Read;
use crate::query::Params;

/// The app's configuration of a namespace, with the cluster fallback and any public namespace
/// merged under the app's own keys. `304` when `releaseKey` is still current, `404` when
/// nothing was ever released.
pub(crate) async fn configs(
    State(state): State<ConfigState>,
    env: RequestEnv,
    uri: OriginalUri,
    Path((app_id, cluster, namespace)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: PeerAddr,
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
    // A client that has seen a newer message than this instance knows of reads past the cache
    // (and this instance looks for the message at once).
    let behind = params
        .get("messages")
        .and_then(|m| serde_json::from_str::<NotificationMessages>(m).ok())
        .is_some_and(|m| {
            m.details
                .iter()
                .any(|(key, id)| *id > state.hub().latest(&env.name, key))
        });
    if behind {
        state.request_scan();
    }
    let answer = match answer_and_record(&state, &read, params.get("schemaHash"), behind).await {
        Ok(Some(answer)) => answer,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(&e),
    };
    let client_key = params.get("releaseKey").unwrap_or("-1");
    if client_key == answer.release_key {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        )],
        answer.body.clone(),
    )
        .into_response()
}

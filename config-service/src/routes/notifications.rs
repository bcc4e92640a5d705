//! `GET /notifications/v2`: the long poll.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lyre_protocol::client::{ApolloConfigNotification, NotificationMessages};
use lyre_service_kit::env::RequestEnv;
use lyre_service_kit::peer::PeerAddr;
use lyre_service_kit::{Json, error_response};
use lyre_store::config::releases::message_key;
use tokio::time::Instant;

use super::{MAX_IP, client_ip, refusal};
use crate::ConfigState;
use crate::answers::cluster_chain;
use crate::query::Params;

/// At most this many namespaces per long poll.
const MAX_NAMESPACES: usize = 500;

/// One namespace the client watches.
struct Watched {
    /// The client's spelling, echoed back.
    spelling: String,
    /// The newest id the client has seen (0: none).
    seen: i64,
    keys: Vec<String>,
}

fn bad_request(message: String) -> Response {
    error_response(StatusCode::BAD_REQUEST, "invalid_request", message)
}

/// The namespaces a long poll asks about, with the message keys each is told by; or the
/// answer refusing the request.
async fn watch_list(
    state: &ConfigState,
    env: &str,
    uri: &OriginalUri,
    query: Option<&str>,
    headers: &HeaderMap,
    peer: PeerAddr,
) -> Result<Vec<Watched>, Response> {
    let params = Params::parse(query);
    let app_id = params.get("appId");
    if let Some(refused) = refusal(state, env, app_id, uri, headers).await {
        return Err(refused);
    }
    let Some(app_id) = app_id else {
        return Err(bad_request("appId is required".into()));
    };
    let Some(raw) = params.get("notifications") else {
        return Err(bad_request(
            "`notifications` is required: a JSON array of {namespaceName, notificationId}".into(),
        ));
    };
    let requested: Vec<ApolloConfigNotification> = match serde_json::from_str(raw) {
        Ok(list) => list,
        Err(e) => {
            return Err(bad_request(format!(
                "`notifications` is not a JSON array of {{namespaceName, notificationId}}: {e}"
            )));
        }
    };
    if requested.is_empty() || requested.len() > MAX_NAMESPACES {
        return Err(bad_request(format!(
            "`notifications` must list 1 to {MAX_NAMESPACES} namespaces"
        )));
    }
    let cluster = params.get("cluster").unwrap_or("default");
    // A client that waits is alive: its "last seen" stays fresh between its reads.
    let ip: String = client_ip(params.get("ip"), peer)
        .chars()
        .take(MAX_IP)
        .collect();
    let data_center = params.get("dataCenter").unwrap_or("");
    state
        .recorder()
        .alive(env, app_id, cluster, data_center, &ip);
    let chain = cluster_chain(cluster, params.get("dataCenter"));
    let mut definitions = state.definitions().snapshot().1;

    let mut watched: Vec<Watched> = Vec::with_capacity(requested.len());
    for n in requested {
        if !definitions.knows(
            app_id,
            lyre_protocol::names::NamespaceName::strip_properties_suffix(&n.namespace_name),
        ) {
            definitions = state.definitions_for(app_id, &n.namespace_name).await.1;
        }
        let resolved = definitions.resolve(app_id, &n.namespace_name);
        let mut keys: Vec<String> = chain
            .iter()
            .map(|c| message_key(app_id, c, &resolved.name))
            .collect();
        if let Some(owner) = &resolved.public_owner {
            keys.extend(chain.iter().map(|c| message_key(owner, c, &resolved.name)));
        }
        let seen = n.notification_id.max(0);
        match watched.iter_mut().find(|w| w.spelling == n.namespace_name) {
            Some(w) => w.seen = w.seen.max(seen),
            None => watched.push(Watched {
                spelling: n.namespace_name,
                seen,
                keys,
            }),
        }
    }
    Ok(watched)
}

/// Answers at once when a watched namespace has a message newer than the client's, otherwise
/// when one arrives, or `304` after the long-poll timeout.
pub(crate) async fn notifications(
    State(state): State<ConfigState>,
    env: RequestEnv,
    uri: OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: PeerAddr,
) -> Response {
    // Reading the request runs in a future of its own (boxed, and gone once done), so that the
    // one that waits, kept for up to the long-poll timeout by each of thousands of clients,
    // holds only what waiting needs.
    let read = Box::pin(watch_list(
        &state,
        &env.name,
        &uri,
        query.as_deref(),
        &headers,
        peer,
    ));
    let watched = match read.await {
        Ok(watched) => watched,
        Err(refused) => return refused,
    };
    drop((uri, query, headers));
    let hub = state.hub();
    let all_keys: Vec<String> = watched
        .iter()
        .flat_map(|w| w.keys.iter().cloned())
        .collect();
    // Registered before looking, so a message landing in between wakes this request.
    let registration = hub.register(&env.name, all_keys);
    let deadline = Instant::now() + state.settings().long_poll_timeout;
    loop {
        let changed: Vec<ApolloConfigNotification> = watched
            .iter()
            .filter_map(|w| {
                let details: BTreeMap<String, i64> = w
                    .keys
                    .iter()
                    .map(|k| (k.clone(), hub.latest(&env.name, k)))
                    .filter(|(_, id)| *id > 0)
                    .collect();
                let newest = details.values().copied().max().unwrap_or(0);
                (newest > w.seen).then(|| ApolloConfigNotification {
                    namespace_name: w.spelling.clone(),
                    notification_id: newest,
                    messages: Some(NotificationMessages { details }),
                })
            })
            .collect();
        if !changed.is_empty() {
            lyre_service_kit::metrics::registry().count(
                "lyre_notifications_sent_total",
                "Namespace change notifications answered to long polls.",
                vec![],
                changed.len() as u64,
            );
            return Json(changed).into_response();
        }
        if hub.is_closed() {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        tokio::select! {
            () = registration.waiter.woken() => {}
            () = tokio::time::sleep_until(deadline) => return StatusCode::NOT_MODIFIED.into_response(),
        }
    }
}

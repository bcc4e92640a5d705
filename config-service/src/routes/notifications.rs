//! `GET /notifications/v2`: the long poll.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::ops::Range;
use std::sync::OnceLock;

use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use lyre_protocol::client::{ApolloConfigNotification, NotificationMessages, WatchedNamespace};
use lyre_service_kit::env::RequestEnv;
use lyre_service_kit::metrics::Counter;
use lyre_service_kit::peer::PeerAddr;
use lyre_service_kit::{Json, error_response};
use lyre_store::config::releases::message_key;
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::time::Instant;

use super::{MAX_IP, admitted, answer_and_record, chars_prefix, client_ip, refused};
use crate::ConfigState;
use crate::access::Trust;
use crate::answers::{Read, cluster_chain};
use crate::query::Params;

/// At most this many namespaces per long poll.
const MAX_NAMESPACES: usize = 500;

/// One namespace the client watches.
struct Watched {
    /// The client's spelling, echoed back.
    spelling: String,
    /// The newest id the client has seen (0: none).
    seen: i64,
    /// Where its message keys are in the long poll's list of them.
    keys: Range<usize>,
    /// The schema hash of the client's typed view (with `withConfigs=true` only).
    schema_hash: Option<String>,
}

/// Who asked, kept while waiting when the answer is to carry the configurations
/// (`withConfigs=true`): what `/configs` would be asked.
struct Asker {
    app_id: String,
    cluster: String,
    data_center: Option<String>,
    ip: String,
    label: String,
    trust: Trust,
}

/// What a long poll waits for.
struct WatchList {
    watched: Vec<Watched>,
    /// The message keys of every watched namespace.
    keys: Vec<String>,
    /// Set when the answer carries the changed configurations.
    asker: Option<Box<Asker>>,
}

fn bad_request(message: String) -> Response {
    error_response(StatusCode::BAD_REQUEST, "invalid_request", message)
}

/// The namespaces a long poll asks about, with the message keys each is told by; or the
/// answer refusing the request.
async fn watch_list(
    state: &ConfigState,
    env: &str,
    uri: &Uri,
    query: Option<&str>,
    headers: &HeaderMap,
    peer: PeerAddr,
) -> Result<WatchList, Response> {
    let params = Params::parse(query);
    let app_id = params.get("appId");
    let trust = admitted(state, env, app_id, uri, headers)
        .await
        .map_err(refused)?;
    let Some(app_id) = app_id else {
        return Err(bad_request("appId is required".into()));
    };
    let Some(raw) = params.get("notifications") else {
        return Err(bad_request(
            "`notifications` is required: a JSON array of {namespaceName, notificationId}".into(),
        ));
    };
    let with_configs = match params.get("withConfigs") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(bad_request(format!(
                "`withConfigs` is `true` or `false`, not `{other}`"
            )));
        }
    };
    let requested: Vec<WatchedNamespace> = match serde_json::from_str(raw) {
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
    let mut ip = client_ip(params.get("ip"), peer);
    ip.truncate(chars_prefix(&ip, MAX_IP).len());
    let data_center = params.get("dataCenter").unwrap_or("");
    state
        .recorder()
        .alive(env, app_id, cluster, data_center, &ip);
    let chain = cluster_chain(cluster, params.get("dataCenter"));
    let mut definitions = state.definitions().snapshot().1;

    let mut watched: Vec<Watched> = Vec::with_capacity(requested.len());
    let mut keys: Vec<String> = Vec::with_capacity(requested.len() * chain.len());
    for n in requested {
        if !definitions.knows(
            app_id,
            lyre_protocol::names::NamespaceName::strip_properties_suffix(&n.namespace_name),
        ) {
            definitions = state.definitions_for(app_id, &n.namespace_name).await.1;
        }
        let seen = n.notification_id.max(0);
        if let Some(w) = watched.iter_mut().find(|w| w.spelling == n.namespace_name) {
            w.seen = w.seen.max(seen);
            continue;
        }
        let resolved = definitions.resolve(app_id, &n.namespace_name);
        let start = keys.len();
        keys.extend(chain.iter().map(|c| message_key(app_id, c, &resolved.name)));
        if let Some(owner) = &resolved.public_owner {
            keys.extend(chain.iter().map(|c| message_key(owner, c, &resolved.name)));
        }
        watched.push(Watched {
            spelling: n.namespace_name,
            seen,
            keys: start..keys.len(),
            schema_hash: n.schema_hash.filter(|_| with_configs),
        });
    }
    let asker = with_configs.then(|| {
        Box::new(Asker {
            app_id: app_id.to_owned(),
            cluster: cluster.to_owned(),
            data_center: params.get("dataCenter").map(str::to_owned),
            ip,
            label: params.get("label").unwrap_or("").to_owned(),
            trust,
        })
    });
    Ok(WatchList {
        watched,
        keys,
        asker,
    })
}

/// One changed namespace in an answer that carries configurations: Apollo's fields, then the
/// `/configs` answer for it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Changed<'a> {
    namespace_name: &'a str,
    notification_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<&'a NotificationMessages>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<&'a RawValue>,
}

/// The answer to a long poll with `withConfigs=true`: each changed namespace with its
/// configuration as `/configs` would answer the client now, recorded as delivered as a read
/// would be. A namespace with no release, or that cannot be read now, goes without (the client
/// reads `/configs`, as an Apollo client does).
async fn with_configs(
    state: &ConfigState,
    env: &str,
    asker: &Asker,
    watched: &[Watched],
    changed: &[ApolloConfigNotification],
) -> Response {
    let mut bodies = Vec::with_capacity(changed.len());
    for n in changed {
        let read = Read {
            env,
            app_id: &asker.app_id,
            cluster: &asker.cluster,
            namespace: &n.namespace_name,
            data_center: asker.data_center.as_deref(),
            ip: &asker.ip,
            label: &asker.label,
            secrets: asker.trust == Trust::Signed,
        };
        let schema_hash = watched
            .iter()
            .find(|w| w.spelling == n.namespace_name)
            .and_then(|w| w.schema_hash.as_deref());
        bodies.push(match answer_and_record(state, &read, schema_hash, false).await {
            Ok(Some(answer)) => Some(answer.body.clone()),
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(error = %e, namespace = %n.namespace_name, "a changed namespace is not readable now; notified without it");
                None
            }
        });
    }
    let items: Vec<Changed<'_>> = changed
        .iter()
        .zip(&bodies)
        .map(|(n, body)| Changed {
            namespace_name: &n.namespace_name,
            notification_id: n.notification_id,
            messages: n.messages.as_ref(),
            // The body is `/configs`'s own JSON: valid, or the namespace goes without.
            configuration: body
                .as_deref()
                .and_then(|b| serde_json::from_slice::<&RawValue>(b).ok()),
        })
        .collect();
    match serde_json::to_vec(&items) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(_) => Json(changed).into_response(),
    }
}

/// Namespace change notifications answered.
fn sent_counter() -> &'static Counter {
    static SENT: OnceLock<Counter> = OnceLock::new();
    SENT.get_or_init(|| {
        lyre_service_kit::metrics::registry().counter(
            "lyre_notifications_sent_total",
            "Namespace change notifications answered to long polls.",
            vec![],
        )
    })
}

/// `GET /notifications/v2`: answers at once when a watched namespace has a message newer than
/// the client's, otherwise when one arrives, or `304` after the long-poll timeout.
///
/// A service rather than an axum handler: a handler's future keeps the whole request (its URI,
/// headers and extensions) for as long as it runs, and this one runs for up to the long-poll
/// timeout for each of thousands of clients. Here the request is read in a future of its own
/// (boxed, and gone once done), and the one that waits holds only what waiting needs.
pub(crate) fn notifications(
    state: ConfigState,
    request: Request,
) -> impl Future<Output = Result<Response, Infallible>> + Send {
    let (parts, _body) = request.into_parts();
    let env = parts
        .extensions
        .get::<RequestEnv>()
        .map(|env| env.name.clone());
    let peer = PeerAddr::of(&parts.extensions);
    let read = env.clone().map(|env| {
        let state = state.clone();
        Box::pin(async move {
            // The path as the client sent it (with any environment prefix), as signed.
            let uri = parts
                .extensions
                .get::<OriginalUri>()
                .map_or(&parts.uri, |original| &original.0);
            watch_list(&state, &env, uri, parts.uri.query(), &parts.headers, peer).await
        })
    });
    async move {
        let (Some(env), Some(read)) = (env, read) else {
            return Ok(error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            ));
        };
        Ok(match read.await {
            Ok(list) => wait(&state, &env, list).await,
            Err(refused) => refused,
        })
    }
}

/// Waits for a change of what `list` watches.
async fn wait(state: &ConfigState, env: &str, list: WatchList) -> Response {
    let WatchList {
        watched,
        keys,
        asker,
    } = list;
    let hub = state.hub();
    // Registered before looking, so a message landing in between wakes this request.
    let registration = hub.register(env, keys);
    let keys = registration.keys();
    let deadline = Instant::now() + state.settings().long_poll_timeout;
    loop {
        // Looked at without building anything; the answer is built only when there is one.
        let newest = |w: &Watched| {
            keys[w.keys.clone()]
                .iter()
                .map(|k| hub.latest(env, k))
                .max()
                .unwrap_or(0)
        };
        if watched.iter().any(|w| newest(w) > w.seen) {
            let changed: Vec<ApolloConfigNotification> = watched
                .iter()
                .filter_map(|w| {
                    let details: BTreeMap<String, i64> = keys[w.keys.clone()]
                        .iter()
                        .map(|k| (k.clone(), hub.latest(env, k)))
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
            sent_counter().add(changed.len() as u64);
            if let Some(asker) = &asker {
                return Box::pin(with_configs(state, env, asker, &watched, &changed)).await;
            }
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

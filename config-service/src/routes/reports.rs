//! `POST /reports`: what instances made of the releases they read, `applied` or `rejected`
//! with the reason (a Lyre extension of Apollo's protocol; Lyre's SDK and `lyre agent` send
//! it, Apollo clients do not and show as having read).

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lyre_protocol::client::{ApplyReports, ApplyStatus};
use lyre_protocol::secret;
use lyre_service_kit::env::RequestEnv;
use lyre_service_kit::error_response;
use lyre_service_kit::json::Json;
use lyre_service_kit::peer::PeerAddr;
use lyre_store::config::instances::Report;
use lyre_store::config::releases;
use lyre_store::time::now_millis;

use super::{MAX_IP, client_ip, refusal};
use crate::ConfigState;

/// Reports one request may carry (an instance reports each namespace it reads).
const MAX_REPORTS: usize = 200;
/// Characters of a reason kept.
const MAX_REASON: usize = 1000;

/// Records the reports, off the request's path: `204` once noted.
pub(crate) async fn reports(
    State(state): State<ConfigState>,
    env: RequestEnv,
    uri: OriginalUri,
    headers: HeaderMap,
    peer: PeerAddr,
    Json(body): Json<ApplyReports>,
) -> Response {
    if let Some(refused) = refusal(&state, &env.name, Some(&body.app_id), &uri.0, &headers).await {
        return refused;
    }
    if body.reports.len() > MAX_REPORTS {
        return error_response(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!(
                "{} reports in one request; at most {MAX_REPORTS}",
                body.reports.len()
            ),
        );
    }
    let named = Some(body.ip.as_str()).filter(|ip| !ip.is_empty());
    let ip: String = client_ip(named, peer).chars().take(MAX_IP).collect();
    let definitions = state.definitions().snapshot().1;
    let at = now_millis();
    for mut report in body.reports {
        if report.status == ApplyStatus::Rejected && !report.reason.is_empty() {
            report.reason = masked(&state, &env.name, &report.release_key, report.reason).await;
        }
        let namespace = definitions
            .resolve(&body.app_id, &report.namespace_name)
            .name;
        state.recorder().report(Report {
            env: env.name.clone(),
            app_id: body.app_id.clone(),
            cluster: body.cluster.clone(),
            data_center: body.data_center.clone().unwrap_or_default(),
            ip: ip.clone(),
            config_namespace: namespace,
            release_key: report.release_key.chars().take(64).collect(),
            status: report.status.as_str().to_owned(),
            reason: match report.status {
                ApplyStatus::Applied => String::new(),
                ApplyStatus::Rejected => report.reason.chars().take(MAX_REASON).collect(),
            },
            at,
        });
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `reason` with every secret value of the releases `release_key` names masked: an app's
/// error may quote the value it could not use, and reasons are shown in the portal, in
/// rollouts that halt and in webhook events.
async fn masked(state: &ConfigState, env: &str, release_key: &str, reason: String) -> String {
    let ring = &state.settings().secrets;
    if ring.is_empty() {
        return reason;
    }
    let keys: Vec<&str> = release_key.split('+').take(4).collect();
    let configurations = match releases::sealed_configurations(state.db(), env, &keys).await {
        Ok(found) => found,
        Err(e) => {
            // Kept out rather than risk showing a secret.
            tracing::warn!(error = %e, "cannot check a report's reason for secrets; dropped it");
            return "(reason withheld: it could not be checked for secret values)".into();
        }
    };
    let mut plain: Vec<String> = configurations
        .iter()
        .flat_map(|(app, c)| {
            secret::find_all(c)
                .into_iter()
                .map(move |r| (app.as_str(), &c[r]))
        })
        .filter_map(|(app, sealed)| ring.open(app, sealed).ok())
        .filter(|p| !p.is_empty())
        .collect();
    // Longest first, so a value inside another is not left half masked.
    plain.sort_by_key(|p| std::cmp::Reverse(p.len()));
    plain
        .into_iter()
        .fold(reason, |reason, p| reason.replace(&p, "••••••"))
}

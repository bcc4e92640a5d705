//! `GET /api/v1/system/status`: the environments and the health of every service in them.

use axum::extract::State;
use futures_util::future::join_all;
use lyre_protocol::health::{Health, Status};
use lyre_protocol::meta::ServiceInstance;
use lyre_service_kit::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::IN_PROCESS;
use crate::auth::CurrentUser;
use crate::{PortalError, PortalState};

/// Every environment and its services.
#[derive(Serialize, ToSchema)]
pub(crate) struct SystemStatus {
    /// The environments, in configured order.
    envs: Vec<EnvStatus>,
}

/// One environment: its meta server and the instances registered there.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvStatus {
    /// The environment's name, e.g. `PRO`.
    name: String,
    /// The meta server the portal asks for this environment.
    meta_url: String,
    /// Whether that meta server answered.
    meta_status: Status,
    /// Why it did not, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    meta_reason: Option<String>,
    /// Every registered config and admin service instance, with its readiness.
    services: Vec<InstanceStatus>,
}

/// One service instance and whether it is ready.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstanceStatus {
    /// `lyre-config-service` or `lyre-admin-service`.
    service: String,
    /// The instance's id.
    instance_id: String,
    /// The URL it is reached at.
    url: String,
    /// `UP` when its `/ready` answered 200.
    status: Status,
    /// Why it is not ready, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// The environments and the readiness of their services, as found through each
/// environment's meta server.
#[utoipa::path(
    get,
    path = "/api/v1/system/status",
    tag = "system",
    responses(
        (status = 200, description = "The environments and their services", body = SystemStatus),
    )
)]
pub(crate) async fn status(
    State(state): State<PortalState>,
    _user: CurrentUser,
) -> Result<Json<SystemStatus>, PortalError> {
    let envs = join_all(
        state
            .settings()
            .envs
            .iter()
            .map(|env| env_status(&state, env)),
    )
    .await;
    Ok(Json(SystemStatus { envs }))
}

async fn env_status(state: &PortalState, env: &str) -> EnvStatus {
    let meta_url = state.settings().meta_url_for(env);
    let in_process = state.admins().is_in_process();
    let (config, admin) = tokio::join!(discover(state, &meta_url, "config"), async {
        if in_process {
            Ok(Vec::new())
        } else {
            discover(state, &meta_url, "admin").await
        }
    });
    let (instances, meta_reason) = match (config, admin) {
        (Ok(mut config), Ok(admin)) => {
            config.extend(admin);
            (config, None)
        }
        (Err(reason), _) | (_, Err(reason)) => (Vec::new(), Some(reason)),
    };
    let mut services = join_all(instances.into_iter().map(|i| instance_status(state, i))).await;
    if in_process {
        services.push(in_process_status(state).await);
    }
    EnvStatus {
        name: env.to_owned(),
        meta_status: if meta_reason.is_none() {
            Status::Up
        } else {
            Status::Down
        },
        meta_url,
        meta_reason,
        services,
    }
}

/// The instances the meta server lists for `kind` (`config` or `admin`).
async fn discover(
    state: &PortalState,
    meta_url: &str,
    kind: &str,
) -> Result<Vec<ServiceInstance>, String> {
    let url = format!("{meta_url}/services/{kind}");
    let mut request = state.0.http.get(&url);
    if kind == "admin"
        && let Some(authorization) = state.admins().authorization()
    {
        request = request.header(axum::http::header::AUTHORIZATION, authorization);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("meta server unreachable at {url}: {}", root_cause(&e)))?;
    if !response.status().is_success() {
        return Err(format!(
            "meta server answered {} at {url}",
            response.status()
        ));
    }
    response
        .json()
        .await
        .map_err(|e| format!("meta server sent an unreadable answer at {url}: {e}"))
}

async fn instance_status(state: &PortalState, instance: ServiceInstance) -> InstanceStatus {
    let url = format!("{}ready", instance.homepage_url);
    let (status, reason) = match state.0.http.get(&url).send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            let reason = response.json::<Health>().await.ok().and_then(|h| h.reason);
            if ok {
                (Status::Up, None)
            } else {
                (Status::Down, reason.or(Some("not ready".into())))
            }
        }
        Err(e) => (
            Status::Down,
            Some(format!("unreachable: {}", root_cause(&e))),
        ),
    };
    InstanceStatus {
        service: instance.app_name,
        instance_id: instance.instance_id,
        url: instance.homepage_url,
        status,
        reason,
    }
}

/// The admin service in this process, ready when its database is.
async fn in_process_status(state: &PortalState) -> InstanceStatus {
    let (status, reason) = match state.admins().in_process_readiness().await {
        Some(None) => (Status::Up, None),
        Some(Some(why)) => (Status::Down, Some(why)),
        None => (
            Status::Down,
            Some("the admin service is not in this process".into()),
        ),
    };
    InstanceStatus {
        service: lyre_protocol::meta::ADMIN_SERVICE.to_owned(),
        instance_id: IN_PROCESS.to_owned(),
        url: "in process with the portal (no port)".to_owned(),
        status,
        reason,
    }
}

fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

//! Staged rollouts through the Open API: the same operations as the portal's, for CI and
//! `lyre ctl`.

use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Rollout, StartRollout};
use lyre_service_kit::Json;

use crate::PortalError;
use crate::auth::Caller;
use crate::routes::rollouts::{act_as, start_as};
use crate::routes::scope::{Ns, NsPath, RolloutPath, RolloutVerbPath};

/// The namespace's rollouts, newest first (at most 20).
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts",
    tag = "open api",
    params(NsPath),
    responses(
        (status = 200, description = "The rollouts", body = Vec<Rollout>),
        (status = 404, description = "No such namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(ns: Ns) -> Result<Json<Vec<Rollout>>, PortalError> {
    ns.call(call::rollouts::List { ns: ns.name() })
        .await
        .map(Json)
}

/// Starts a staged rollout of the namespace's gray branch (release permission).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts",
    tag = "open api",
    params(NsPath),
    request_body = StartRollout,
    responses(
        (status = 201, description = "Started", body = Rollout),
        (status = 400, description = "A bad plan, or a branch that overrides nothing", body = ErrorBody),
        (status = 403, description = "No release permission, or the environment requires review", body = ErrorBody),
        (status = 404, description = "No gray branch", body = ErrorBody),
        (status = 409, description = "A rollout of the namespace is under way", body = ErrorBody),
    )
)]
pub(crate) async fn start(
    caller: Caller,
    ns: Ns,
    Json(body): Json<StartRollout>,
) -> Result<(StatusCode, Json<Rollout>), PortalError> {
    let given = Some(body.operator.as_str()).filter(|o| !o.is_empty());
    let operator = caller.operator(ns.state(), given).await?;
    let rollout = start_as(&ns, &caller.grants, &operator, body).await?;
    Ok((StatusCode::CREATED, Json(rollout)))
}

/// One rollout of the namespace.
#[utoipa::path(
    get,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts/{rolloutId}",
    tag = "open api",
    params(RolloutPath),
    responses(
        (status = 200, description = "The rollout", body = Rollout),
        (status = 404, description = "No such rollout", body = ErrorBody),
    )
)]
pub(crate) async fn get(ns: Ns<RolloutPath>) -> Result<Json<Rollout>, PortalError> {
    ns.call(call::rollouts::Get {
        ns: ns.name(),
        id: ns.path.rollout_id,
    })
    .await
    .map(Json)
}

/// Pauses, resumes, advances or aborts a rollout (release permission).
#[utoipa::path(
    post,
    path = "/openapi/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts/{rolloutId}/{verb}",
    tag = "open api",
    params(RolloutVerbPath),
    responses(
        (status = 200, description = "Done; the rollout now", body = Rollout),
        (status = 404, description = "No such rollout", body = ErrorBody),
        (status = 409, description = "The rollout has ended", body = ErrorBody),
    )
)]
pub(crate) async fn act(
    caller: Caller,
    ns: Ns<RolloutVerbPath>,
) -> Result<Json<Rollout>, PortalError> {
    let operator = caller.operator(ns.state(), None).await?;
    act_as(&ns, ns.path.rollout_id, ns.path.verb, &operator)
        .await
        .map(Json)
}

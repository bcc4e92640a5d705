//! Staged rollouts of a namespace's gray branch: reading them takes seeing the namespace;
//! starting, pausing, resuming, advancing and aborting one take the release permission. Where
//! the environment requires review, only the super admin starts one, as an emergency publish.

use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{Rollout, RolloutAction, RolloutVerb, StartRollout};
use lyre_service_kit::Json;

use super::releases::check_review_bypass;
use super::scope::{Ns, NsPath, RolloutPath, RolloutVerbPath};
use crate::PortalError;
use crate::rbac::Grants;

/// The namespace's rollouts, newest first (at most 20), each with how its release fares.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts",
    tag = "gray",
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

/// Starts a staged rollout of the namespace's gray branch: its release goes to the plan's
/// first share of the app's instances at once, then to each next share once a step baked
/// without rejections.
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts",
    tag = "gray",
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
    user: crate::auth::CurrentUser,
    ns: Ns,
    Json(body): Json<StartRollout>,
) -> Result<(StatusCode, Json<Rollout>), PortalError> {
    let rollout = start_as(&ns, &user.grants, &user.username, body).await?;
    Ok((StatusCode::CREATED, Json(rollout)))
}

/// Starts a rollout for `operator` (a user, or a consumer's name on the Open API).
pub(crate) async fn start_as<P>(
    ns: &Ns<P>,
    grants: &Grants,
    operator: &str,
    mut body: StartRollout,
) -> Result<Rollout, PortalError> {
    check_review_bypass(
        ns.state(),
        grants,
        &ns.at,
        body.is_emergency_publish,
        "staged rollout",
    )
    .await?;
    operator.clone_into(&mut body.operator);
    ns.call(call::rollouts::Start {
        ns: ns.name(),
        plan: body,
    })
    .await
}

/// One rollout of the namespace.
#[utoipa::path(
    get,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts/{rolloutId}",
    tag = "gray",
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

/// Pauses (the bake clock stops), resumes, advances to the next step now (or finishes, from
/// the last), or aborts a rollout (its instances go back to main's release).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/rollouts/{rolloutId}/{verb}",
    tag = "gray",
    params(RolloutVerbPath),
    responses(
        (status = 200, description = "Done; the rollout now", body = Rollout),
        (status = 404, description = "No such rollout", body = ErrorBody),
        (status = 409, description = "The rollout has ended", body = ErrorBody),
    )
)]
pub(crate) async fn act(
    user: crate::auth::CurrentUser,
    ns: Ns<RolloutVerbPath>,
) -> Result<Json<Rollout>, PortalError> {
    act_as(&ns, ns.path.rollout_id, ns.path.verb, &user.username)
        .await
        .map(Json)
}

/// Acts on a rollout for `operator`.
pub(crate) async fn act_as<P>(
    ns: &Ns<P>,
    id: i64,
    verb: RolloutVerb,
    operator: &str,
) -> Result<Rollout, PortalError> {
    ns.call(call::rollouts::Act {
        ns: ns.name(),
        id,
        verb,
        action: RolloutAction {
            operator: operator.to_owned(),
        },
    })
    .await
}

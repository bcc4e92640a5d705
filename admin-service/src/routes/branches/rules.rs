//! A branch's rules: who gets its release.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{GrayRules, ReleaseOperation, UpdateGrayRules};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;
use lyre_store::config::branches;
use lyre_store::config::releases::{self, NewHistory};

use super::manage::BranchPath;
use super::{lock, no_branch, rule_items};
use crate::domain::{Audit, record};
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The branch's rules.
#[utoipa::path(
    get,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
    ),
    responses(
        (status = 200, description = "The rules", body = GrayRules),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
) -> Result<Json<GrayRules>, AdminError> {
    let (at, name) = path.check(&state)?;
    let rule = branches::active(state.db(), at.r())
        .await?
        .filter(|r| r.branch_name == name)
        .ok_or_else(|| no_branch(&at, Some(&name)))?;
    Ok(Json(GrayRules {
        rule_items: rule_items(&rule),
        branch_name: name,
    }))
}

/// Replaces the branch's rules. Clients whose selection changes are notified and move to (or
/// from) the branch's release.
#[utoipa::path(
    put,
    path = "/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/branches/{branchName}/rules",
    tag = "gray",
    params(
        ("env" = String, Path, description = "The environment"),
        ("appId" = String, Path, description = "The app"),
        ("clusterName" = String, Path, description = "The main cluster"),
        ("namespaceName" = String, Path, description = "The namespace"),
        ("branchName" = String, Path, description = "The branch"),
    ),
    request_body = UpdateGrayRules,
    responses(
        (status = 200, description = "The rules now", body = GrayRules),
        (status = 400, description = "A rule is invalid", body = ErrorBody),
        (status = 404, description = "No such branch", body = ErrorBody),
    )
)]
pub(crate) async fn put(
    State(state): State<AdminState>,
    Path(path): Path<BranchPath>,
    Json(body): Json<UpdateGrayRules>,
) -> Result<Json<GrayRules>, AdminError> {
    let (at, name) = path.check(&state)?;
    let operator = operator(&body.operator)?;
    for (i, item) in body.rule_items.iter().enumerate() {
        item.check()
            .map_err(|e| AdminError::Invalid(format!("rule {}: {e}", i + 1)))?;
    }
    let locked = lock(&state, &at, &name).await?;
    let txn = &locked.txn;
    let rules = serde_json::to_string(&body.rule_items).unwrap_or_else(|_| "[]".into());
    branches::set_rules(txn, locked.rule.id, rules.clone(), &operator).await?;
    releases::insert_history(
        txn,
        NewHistory {
            namespace: at.r(),
            branch_name: &name,
            release_id: locked.rule.release_id,
            previous_release_id: locked.rule.release_id,
            operation: ReleaseOperation::GrayRulesUpdate.code(),
            operation_context: format!("{{\"rules\":{rules}}}"),
        },
        &operator,
    )
    .await?;
    let message = releases::message_key(
        at.app_id.as_str(),
        at.cluster.as_str(),
        at.namespace.as_str(),
    );
    let announced = vec![releases::insert_message(txn, &at.env, &message).await?];
    record(
        txn,
        Audit {
            env: &at.env,
            app_id: at.app_id.as_str(),
            entity_type: "branch",
            entity_id: &format!("{at}/{name}"),
            operation: "update_rules",
            operator: &operator,
        },
        rules,
    )
    .await?;
    locked.txn.commit().await?;
    state.announce(announced);
    Ok(Json(GrayRules {
        branch_name: name,
        rule_items: body.rule_items,
    }))
}

//! A branch's rules: who gets its release.

use lyre_protocol::admin::{GrayRules, ReleaseOperation, UpdateGrayRules};
use lyre_store::config::branches;
use lyre_store::config::releases::{self, NewHistory};

use super::{lock, no_branch, rule_items};
use crate::domain::{Audit, notify, record};
use crate::ops::Ns;
use crate::params::operator;
use crate::{AdminError, AdminState};

/// The branch's rules.
pub async fn get(state: &AdminState, ns: Ns<'_>, branch: &str) -> Result<GrayRules, AdminError> {
    let (at, name) = (ns.check(state)?, branch.to_owned());
    let rule = branches::active(state.db(), at.r())
        .await?
        .filter(|r| r.branch_name == name)
        .ok_or_else(|| no_branch(&at, Some(&name)))?;
    Ok(GrayRules {
        rule_items: rule_items(&rule),
        branch_name: name,
    })
}

/// Replaces the branch's rules. Clients whose selection changes are notified and move to (or
/// from) the branch's release.
pub async fn set(
    state: &AdminState,
    ns: Ns<'_>,
    branch: &str,
    body: &UpdateGrayRules,
) -> Result<GrayRules, AdminError> {
    let (at, name) = (ns.check(state)?, branch.to_owned());
    let operator = operator(&body.operator)?;
    for (i, item) in body.rule_items.iter().enumerate() {
        item.check()
            .map_err(|e| AdminError::Invalid(format!("rule {}: {e}", i + 1)))?;
    }
    let locked = lock(state, &at, &name).await?;
    let txn = &locked.txn;
    crate::ops::rollouts::refuse_while_open(txn, &at, "change the branch's rules").await?;
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
    let announced = vec![notify(txn, &at).await?];
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
    Ok(GrayRules {
        branch_name: name,
        rule_items: body.rule_items.clone(),
    })
}

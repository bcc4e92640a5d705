//! Finding items by key or value across every app and environment.

use std::collections::HashMap;

use lyre_protocol::admin::SearchHit;
use lyre_store::config::{app_namespaces, branches, items};

use crate::{AdminError, AdminState};

/// The most hits one search answers.
const MAX_HITS: u64 = 500;

/// Items whose key or value contains `text` (at least 2 characters), at most `limit` of them
/// (100 by default, 500 at most).
pub async fn search(
    state: &AdminState,
    text: &str,
    limit: Option<u64>,
) -> Result<Vec<SearchHit>, AdminError> {
    let text = text.trim();
    if text.chars().count() < 2 {
        return Err(AdminError::Invalid(
            "`q` must have at least 2 characters".into(),
        ));
    }
    let limit = limit.unwrap_or(100).clamp(1, MAX_HITS);
    let found = items::search(state.db(), text, limit).await?;
    let mut public: HashMap<(String, String), bool> = HashMap::new();
    let mut hits = Vec::with_capacity(found.len());
    for (item, ns) in found {
        let key = (ns.app_id.clone(), ns.namespace_name.clone());
        let is_public = match public.get(&key) {
            Some(p) => *p,
            None => {
                let own = app_namespaces::find(state.db(), &ns.app_id, &ns.namespace_name).await?;
                let p = match own {
                    Some(def) => def.is_public,
                    // Not the app's own: an associated public namespace.
                    None => true,
                };
                public.insert(key, p);
                p
            }
        };
        let branch_of =
            branches::parent_of(state.db(), &ns.env, &ns.app_id, &ns.cluster_name).await?;
        hits.push(SearchHit {
            branch_of,
            env: ns.env,
            app_id: ns.app_id,
            cluster_name: ns.cluster_name,
            namespace_name: ns.namespace_name,
            is_public,
            key: item.key,
            value: item.value,
        });
    }
    Ok(hits)
}

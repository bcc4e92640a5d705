//! The audit log: who changed what, when, newest first.

use lyre_protocol::admin::{AuditEntry, Page};
use lyre_service_kit::time::parse_rfc3339;
use lyre_store::config::audit;
use lyre_store::page::PageRequest;

use crate::{AdminError, AdminState, view};

/// Which entries of the audit log (each field narrows it; times are RFC 3339).
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter<'a> {
    /// Only this app's entries.
    pub app_id: Option<&'a str>,
    /// Only this operator's entries.
    pub operator: Option<&'a str>,
    /// Only this environment's entries.
    pub env: Option<&'a str>,
    /// Only entries about this kind of thing (`release`, `item`, ...).
    pub entity_type: Option<&'a str>,
    /// From this time on.
    pub from: Option<&'a str>,
    /// Up to this time.
    pub to: Option<&'a str>,
}

fn time(name: &str, value: Option<&str>) -> Result<Option<i64>, AdminError> {
    value
        .map(|text| {
            parse_rfc3339(text).ok_or_else(|| {
                AdminError::Invalid(format!(
                    "`{name}` must be an RFC 3339 time such as 2026-11-21T09:00:00Z, not `{text}`"
                ))
            })
        })
        .transpose()
}

/// One page of the entries `query` selects, newest first.
pub async fn list(
    state: &AdminState,
    query: AuditFilter<'_>,
    page: PageRequest,
) -> Result<Page<AuditEntry>, AdminError> {
    let env = query.env.map(|e| state.env(e)).transpose()?;
    let filter = audit::Filter {
        app_id: query.app_id,
        operator: query.operator,
        env: env.as_deref(),
        entity_type: query.entity_type,
        from: time("from", query.from)?,
        to: time("to", query.to)?,
    };
    let request = page;
    let found = audit::list(state.db(), &filter, request).await?;
    Ok(Page {
        items: found.items.into_iter().map(view::audit).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    })
}

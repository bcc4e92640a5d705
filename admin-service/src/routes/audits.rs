//! `GET /audits`: who changed what, when.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AuditEntry, Page};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ops::audits::{self, AuditFilter};
use crate::params::PageQuery;
use crate::{AdminError, AdminState};

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuditQuery {
    /// Only this app's entries.
    app_id: Option<String>,
    /// Only this person's entries.
    operator: Option<String>,
    /// Only this environment's entries.
    env: Option<String>,
    /// Only this kind of entity (`app`, `cluster`, `app_namespace`, `namespace`, `release`, ...).
    entity_type: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    from: Option<String>,
    /// Only entries before this time (RFC 3339).
    to: Option<String>,
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/audits",
    tag = "audit",
    params(AuditQuery, PageQuery),
    responses(
        (status = 200, description = "One page of the audit log", body = Page<AuditEntry>),
        (status = 400, description = "A filter is malformed", body = ErrorBody),
        (status = 404, description = "The `env` filter names no environment this service serves", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AdminState>,
    Query(query): Query<AuditQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<AuditEntry>>, AdminError> {
    let filter = AuditFilter {
        app_id: query.app_id.as_deref(),
        operator: query.operator.as_deref(),
        env: query.env.as_deref(),
        entity_type: query.entity_type.as_deref(),
        from: query.from.as_deref(),
        to: query.to.as_deref(),
    };
    audits::list(&state, filter, page.request()).await.map(Json)
}

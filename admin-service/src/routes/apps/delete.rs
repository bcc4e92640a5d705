//! `DELETE /apps/{appId}`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_service_kit::extract::{Path, Query};
use lyre_store::config::{app_namespaces, apps, clusters, namespaces};
use lyre_store::time::now_millis;
use lyre_store::write;

use crate::domain::{Audit, delete_namespaces, record};
use crate::params::{OperatorQuery, app_id};
use crate::{AdminError, AdminState};

/// Deletes an app with its clusters, namespaces, items and releases (kept as history, never
/// served again). Refused while another app associates one of its public namespaces.
#[utoipa::path(
    delete,
    path = "/apps/{appId}",
    tag = "apps",
    params(("appId" = String, Path, description = "The app"), OperatorQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such app", body = ErrorBody),
        (status = 409, description = "Another app uses one of its public namespaces", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
    Query(query): Query<OperatorQuery>,
) -> Result<StatusCode, AdminError> {
    let id = app_id(&raw)?;
    let operator = query.operator()?;
    let txn = write::begin(state.db()).await?;
    let app = super::existing(&txn, id.as_str()).await?;

    for definition in app_namespaces::list(&txn, id.as_str()).await? {
        if !definition.is_public {
            continue;
        }
        let users: Vec<String> = namespaces::list_named(&txn, None, &definition.name)
            .await?
            .into_iter()
            .filter(|n| n.app_id != id.as_str())
            .map(|n| n.app_id)
            .collect();
        if let Some(user) = users.first() {
            return Err(AdminError::Conflict(format!(
                "app `{id}` owns the public namespace `{}`, which app `{user}` associates; \
                 remove that association first",
                definition.name
            )));
        }
    }

    let now = now_millis();
    let doomed = namespaces::list_of_app(&txn, id.as_str(), None).await?;
    let announced = delete_namespaces(&txn, &doomed, &operator, now).await?;
    let cluster_ids: Vec<i64> = clusters::list_all(&txn, id.as_str())
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    clusters::soft_delete(&txn, &cluster_ids, &operator, now).await?;
    app_namespaces::soft_delete(&txn, id.as_str(), None, &operator, now).await?;
    apps::soft_delete(&txn, app.id, &operator, now).await?;
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app",
            entity_id: id.as_str(),
            operation: "delete",
            operator: &operator,
        },
        serde_json::json!({"namespaces": doomed.len(), "clusters": cluster_ids.len()}).to_string(),
    )
    .await?;
    txn.commit().await?;
    state.announce(announced);
    Ok(StatusCode::NO_CONTENT)
}

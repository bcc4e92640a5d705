//! `PUT /apps/{appId}`.

use axum::extract::State;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{App, UpdateApp};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;
use lyre_store::config::apps;
use lyre_store::sea_orm::{IntoActiveModel, Set};
use lyre_store::write;

use super::check_len;
use crate::domain::{Audit, record};
use crate::params::{app_id, operator};
use crate::{AdminError, AdminState, view};

/// Changes an app's name, organisation or owner; absent fields stay as they are.
#[utoipa::path(
    put,
    path = "/apps/{appId}",
    tag = "apps",
    params(("appId" = String, Path, description = "The app")),
    request_body = UpdateApp,
    responses(
        (status = 200, description = "The changed app", body = App),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<AdminState>,
    Path(raw): Path<String>,
    Json(body): Json<UpdateApp>,
) -> Result<Json<App>, AdminError> {
    let id = app_id(&raw)?;
    let operator = operator(&body.operator)?;
    let txn = write::begin(state.db()).await?;
    let before = super::existing(&txn, id.as_str()).await?;
    let mut app = before.clone().into_active_model();
    if let Some(name) = &body.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(AdminError::Invalid("`name` must not be empty".into()));
        }
        check_len("name", name, 256)?;
        app.name = Set(name.to_owned());
    }
    if let Some(org_id) = &body.org_id {
        check_len("orgId", org_id, 64)?;
        app.org_id = Set(org_id.clone());
    }
    if let Some(org_name) = &body.org_name {
        check_len("orgName", org_name, 128)?;
        app.org_name = Set(org_name.clone());
    }
    if let Some(owner_name) = &body.owner_name {
        if owner_name.trim().is_empty() {
            return Err(AdminError::Invalid(
                "`ownerName` must name the app's owner".into(),
            ));
        }
        check_len("ownerName", owner_name, 64)?;
        app.owner_name = Set(owner_name.trim().to_owned());
    }
    if let Some(owner_email) = &body.owner_email {
        check_len("ownerEmail", owner_email, 256)?;
        app.owner_email = Set(owner_email.clone());
    }
    let after = apps::update(&txn, app, &operator).await?;
    let detail =
        serde_json::json!({"before": view::app(before), "after": view::app(after.clone())});
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app",
            entity_id: id.as_str(),
            operation: "update",
            operator: &operator,
        },
        detail.to_string(),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(view::app(after)))
}

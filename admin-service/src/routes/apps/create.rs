//! `POST /apps`.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{App, CreateApp};
use lyre_protocol::format::Format;
use lyre_service_kit::Json;
use lyre_store::config::apps::{self, NewApp};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::{app_namespaces, clusters, namespaces};
use lyre_store::write;

use super::check_len;
use crate::domain::{Audit, record};
use crate::error::exists_or;
use crate::params::{app_id, operator};
use crate::{AdminError, AdminState, view};

/// The cluster every app has in every environment.
pub(crate) const DEFAULT_CLUSTER: &str = "default";
/// The private namespace every app has.
pub(crate) const DEFAULT_NAMESPACE: &str = "application";

/// Creates an app, with the `default` cluster in every environment and its private
/// `application` namespace in each.
#[utoipa::path(
    post,
    path = "/apps",
    tag = "apps",
    request_body = CreateApp,
    responses(
        (status = 201, description = "Created", body = App),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "The app exists", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AdminState>,
    Json(body): Json<CreateApp>,
) -> Result<(StatusCode, Json<App>), AdminError> {
    let id = app_id(&body.app_id)?;
    let operator = operator(&body.operator)?;
    let name = body.name.trim();
    if name.is_empty() {
        return Err(AdminError::Invalid("`name` must not be empty".into()));
    }
    check_len("name", name, 256)?;
    check_len("orgId", &body.org_id, 64)?;
    check_len("orgName", &body.org_name, 128)?;
    check_len("ownerName", &body.owner_name, 64)?;
    check_len("ownerEmail", &body.owner_email, 256)?;
    if body.owner_name.trim().is_empty() {
        return Err(AdminError::Invalid(
            "`ownerName` must name the app's owner".into(),
        ));
    }

    let txn = write::begin(state.db()).await?;
    let new = NewApp {
        app_id: id.as_str(),
        name,
        org_id: &body.org_id,
        org_name: &body.org_name,
        owner_name: body.owner_name.trim(),
        owner_email: &body.owner_email,
    };
    let app = apps::insert(&txn, &new, &operator)
        .await
        .map_err(|e| exists_or(e, || format!("app `{id}` already exists")))?;
    app_namespaces::insert(
        &txn,
        id.as_str(),
        DEFAULT_NAMESPACE,
        Format::Properties.as_str(),
        false,
        "default app namespace",
        &operator,
    )
    .await?;
    for env in &state.settings().envs {
        clusters::insert(&txn, env, id.as_str(), DEFAULT_CLUSTER, 0, "", &operator).await?;
        let at = NamespaceRef {
            env,
            app_id: id.as_str(),
            cluster: DEFAULT_CLUSTER,
            namespace: DEFAULT_NAMESPACE,
        };
        namespaces::insert(&txn, at, &operator).await?;
    }
    let app = view::app(app);
    record(
        &txn,
        Audit {
            env: "",
            app_id: id.as_str(),
            entity_type: "app",
            entity_id: id.as_str(),
            operation: "create",
            operator: &operator,
        },
        serde_json::to_string(&app).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(app)))
}

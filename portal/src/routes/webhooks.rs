//! Webhooks: a master subscribes an app to its events, the super admin the whole installation
//! (every app's). The secret that signs deliveries is shown when it is made (at creation and
//! when rotated), and never again. Each webhook's deliveries can be listed and sent again.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::Page;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::{apps, audit};
use lyre_store::entity::{event, webhook, webhook_delivery};
use lyre_store::webhooks::{self, ALL_EVENTS, EVENT_KINDS, NewWebhook};
use lyre_store::write;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::queries::PageQuery;
use crate::auth::CurrentUser;
use crate::webhooks::new_secret;
use crate::{PortalError, PortalState};

/// Longest description, in characters.
const DESCRIPTION_MAX: usize = 1024;

/// A webhook to create, or the new state of one.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookBody {
    /// Where deliveries are POSTed: http or https, no credentials.
    pub url: String,
    /// The event kinds it hears (`release.published`, ...), or `["*"]` for all.
    pub events: Vec<String>,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Whether it hears events (default true). A disabled webhook's pending deliveries wait.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A webhook.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookView {
    /// Its id.
    pub id: i64,
    /// The app it hears of; absent for the whole installation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Where deliveries go.
    pub url: String,
    /// The event kinds it hears (`*`: all).
    pub events: Vec<String>,
    /// What it is for.
    pub description: String,
    /// Whether it hears events.
    pub enabled: bool,
    /// The last characters of its secret.
    pub secret_hint: String,
    /// The secret that signs its deliveries: only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// When it was created.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: String,
}

/// A delivery of one event to one webhook.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryView {
    /// Its id, sent as the `Lyre-Delivery` header.
    pub id: i64,
    /// The event's id (the body's `id`: the same in every delivery of the event).
    pub event_id: i64,
    /// The event's kind.
    pub kind: String,
    /// Where it happened.
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    /// `pending`, `delivered` or `failed` (given up).
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// The HTTP status of the last answer; absent when there was none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    pub duration_ms: i64,
    /// Why the last attempt failed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// When the event happened.
    pub created_at: String,
    /// When it was last attempted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<String>,
    /// When it is attempted next, while pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// The body sent.
    pub body: String,
}

/// `/apps/{appId}/webhooks/{webhookId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct AppWebhookPath {
    /// The app
    pub app_id: String,
    /// The webhook
    pub webhook_id: i64,
}

/// `/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct AppDeliveryPath {
    /// The app
    pub app_id: String,
    /// The webhook
    pub webhook_id: i64,
    /// The delivery
    pub delivery_id: i64,
}

/// `/system/webhooks/{webhookId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct SystemWebhookPath {
    /// The webhook
    pub webhook_id: i64,
}

/// `/system/webhooks/{webhookId}/deliveries/{deliveryId}`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Path, rename_all = "camelCase")]
pub(crate) struct SystemDeliveryPath {
    /// The webhook
    pub webhook_id: i64,
    /// The delivery
    pub delivery_id: i64,
}

fn view(state: &PortalState, w: webhook::Model, secret: Option<String>) -> WebhookView {
    let hint: String = match state
        .settings()
        .webhooks
        .signing_secret(webhooks::stored_secret(&w))
    {
        Ok(plain) => {
            let chars: Vec<char> = plain.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        }
        Err(_) => String::new(),
    };
    WebhookView {
        id: w.id,
        app_id: Some(w.app_id).filter(|a| !a.is_empty()),
        url: w.url,
        events: w.events.split(',').map(str::to_owned).collect(),
        description: w.description,
        enabled: w.enabled,
        secret_hint: format!("…{hint}"),
        secret,
        created_by: w.created_by,
        created_at: rfc3339(w.created_at),
        updated_by: w.updated_by,
    }
}

fn delivery_view(d: webhook_delivery::Model, e: Option<event::Model>) -> DeliveryView {
    let e = event_or_stand_in(e, d.event_id);
    DeliveryView {
        id: d.id,
        event_id: d.event_id,
        kind: e.kind.clone(),
        env: e.env.clone(),
        app_id: e.app_id.clone(),
        cluster_name: e.cluster_name.clone(),
        namespace_name: e.namespace_name.clone(),
        state: d.state.clone(),
        attempts: d.attempts,
        status: Some(d.last_status).filter(|s| *s != 0),
        duration_ms: d.last_duration_ms,
        error: d.last_error,
        created_at: rfc3339(d.created_at),
        last_attempt_at: Some(d.last_attempt_at).filter(|t| *t != 0).map(rfc3339),
        next_attempt_at: Some(d.next_attempt_at)
            .filter(|_| d.state == webhooks::PENDING)
            .map(rfc3339),
        body: crate::webhooks::deliver::body(&e),
    }
}

/// The event a delivery names, or a stand-in when it is gone.
fn event_or_stand_in(e: Option<event::Model>, id: i64) -> event::Model {
    e.unwrap_or(event::Model {
        id,
        env: String::new(),
        app_id: String::new(),
        cluster_name: String::new(),
        namespace_name: String::new(),
        kind: "(gone)".into(),
        payload: "null".into(),
        created_at: 0,
    })
}

/// The event kinds of a body, checked and joined for storage.
fn kinds(events: &[String]) -> Result<String, PortalError> {
    let events: Vec<&str> = events
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .collect();
    if events.is_empty() {
        return Err(PortalError::InvalidRequest(format!(
            "`events` must name at least one kind ({}), or `*` for all",
            EVENT_KINDS.join(", ")
        ))
        .because(
            "field_required",
            [
                ("field", "events".to_owned()),
                ("kinds", EVENT_KINDS.join(", ")),
            ],
        ));
    }
    if let Some(unknown) = events
        .iter()
        .find(|e| **e != ALL_EVENTS && !EVENT_KINDS.contains(e))
    {
        return Err(PortalError::InvalidRequest(format!(
            "`events` names `{unknown}`, not an event kind; the kinds are {}, or `*` for all",
            EVENT_KINDS.join(", ")
        ))
        .because(
            "field_invalid",
            [
                ("field", "events".to_owned()),
                ("value", unknown.to_string()),
                ("kinds", EVENT_KINDS.join(", ")),
            ],
        ));
    }
    if events.contains(&ALL_EVENTS) {
        return Ok(ALL_EVENTS.to_owned());
    }
    let mut unique: Vec<&str> = Vec::new();
    for e in events {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    Ok(unique.join(","))
}

/// A body's fields, checked: the address (with what it resolves to now), kinds, description.
async fn checked(state: &PortalState, body: &WebhookBody) -> Result<(String, String), PortalError> {
    let url = state
        .settings()
        .webhooks
        .check(&body.url)
        .await
        .map_err(PortalError::InvalidRequest)?;
    if body.description.chars().count() > DESCRIPTION_MAX {
        return Err(PortalError::InvalidRequest(format!(
            "`description` is longer than {DESCRIPTION_MAX} characters"
        ))
        .because("field_too_long", [("field", "description")])
        .with("limit", DESCRIPTION_MAX));
    }
    Ok((url.to_string(), kinds(&body.events)?))
}

/// Whose webhooks: an app's, or (empty) the installation's.
async fn require_app(state: &PortalState, app_id: &str) -> Result<(), PortalError> {
    if apps::find(state.db(), app_id).await?.is_none() {
        return Err(PortalError::NotFound(format!("app `{app_id}` not found"))
            .because("not_found", [("kind", "app"), ("name", app_id)]));
    }
    Ok(())
}

/// Webhook `id` of `app_id` (empty: the installation's); another's is not found.
async fn load(state: &PortalState, app_id: &str, id: i64) -> Result<webhook::Model, PortalError> {
    webhooks::find(state.db(), id)
        .await?
        .filter(|w| w.app_id == app_id)
        .ok_or_else(|| {
            PortalError::NotFound(if app_id.is_empty() {
                format!("installation webhook #{id} not found")
            } else {
                format!("webhook #{id} of app `{app_id}` not found")
            })
            .because("not_found", [("kind", "webhook")])
            .with("name", id.to_string())
            .with("app", app_id)
        })
}

async fn remember(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    w: &webhook::Model,
    operation: &str,
    operator: &str,
    detail: serde_json::Value,
) -> Result<(), PortalError> {
    let mut detail = detail;
    detail["id"] = w.id.into();
    // Only where it points: an address's path and query can hold a receiver's own secret (a
    // chat service's incoming-webhook token), and the audit log is read by every member.
    detail["host"] = url::Url::parse(&w.url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
        .into();
    detail["events"] = w.events.clone().into();
    audit::record(
        db,
        audit::Record {
            env: "",
            app_id: &w.app_id,
            entity_type: "webhook",
            entity_id: &w.id.to_string(),
            operation,
            detail: detail.to_string(),
            operator,
        },
    )
    .await?;
    Ok(())
}

/// A new signing secret as stored (sealed when secret keys are configured).
fn stored_secret(state: &PortalState, secret: &str) -> Result<String, PortalError> {
    state
        .settings()
        .webhooks
        .store_secret(secret)
        .map_err(PortalError::Internal)
}

async fn create_in(
    state: &PortalState,
    user: &CurrentUser,
    app_id: &str,
    body: WebhookBody,
) -> Result<(StatusCode, Json<WebhookView>), PortalError> {
    let (url, events) = checked(state, &body).await?;
    let secret = new_secret();
    let stored = stored_secret(state, &secret)?;
    let txn = write::begin(state.db()).await?;
    let w = webhooks::create(
        &txn,
        &NewWebhook {
            app_id,
            url: &url,
            secret: &stored,
            events: &events,
            description: &body.description,
            enabled: body.enabled,
            created_by: &user.username,
        },
    )
    .await?;
    remember(&txn, &w, "create", &user.username, serde_json::json!({})).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view(state, w, Some(secret)))))
}

async fn update_in(
    state: &PortalState,
    user: &CurrentUser,
    app_id: &str,
    id: i64,
    body: WebhookBody,
) -> Result<Json<WebhookView>, PortalError> {
    let (url, events) = checked(state, &body).await?;
    let mut w = load(state, app_id, id).await?;
    w.url = url;
    w.events = events;
    w.description = body.description;
    w.enabled = body.enabled;
    let txn = write::begin(state.db()).await?;
    let w = webhooks::save(&txn, w, &user.username).await?;
    remember(
        &txn,
        &w,
        "update",
        &user.username,
        serde_json::json!({"enabled": w.enabled}),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(view(state, w, None)))
}

async fn rotate_in(
    state: &PortalState,
    user: &CurrentUser,
    app_id: &str,
    id: i64,
) -> Result<Json<WebhookView>, PortalError> {
    let mut w = load(state, app_id, id).await?;
    let secret = new_secret();
    webhooks::set_secret(&mut w, &stored_secret(state, &secret)?);
    let txn = write::begin(state.db()).await?;
    let w = webhooks::save(&txn, w, &user.username).await?;
    remember(
        &txn,
        &w,
        "rotate_secret",
        &user.username,
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(Json(view(state, w, Some(secret))))
}

async fn delete_in(
    state: &PortalState,
    user: &CurrentUser,
    app_id: &str,
    id: i64,
) -> Result<StatusCode, PortalError> {
    let w = load(state, app_id, id).await?;
    let txn = write::begin(state.db()).await?;
    webhooks::delete(&txn, w.id).await?;
    remember(&txn, &w, "delete", &user.username, serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn deliveries_in(
    state: &PortalState,
    app_id: &str,
    id: i64,
    query: &PageQuery,
) -> Result<Json<Page<DeliveryView>>, PortalError> {
    let w = load(state, app_id, id).await?;
    let request = query.request();
    let found = webhooks::deliveries(state.db(), w.id, request).await?;
    Ok(Json(Page {
        items: found
            .items
            .into_iter()
            .map(|(d, e)| delivery_view(d, e))
            .collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

async fn redeliver_in(
    state: &PortalState,
    user: &CurrentUser,
    app_id: &str,
    id: i64,
    delivery_id: i64,
) -> Result<(StatusCode, Json<DeliveryView>), PortalError> {
    let w = load(state, app_id, id).await?;
    let missing = || {
        PortalError::NotFound(format!(
            "delivery #{delivery_id} of webhook #{id} not found"
        ))
        .because("not_found", [("kind", "delivery")])
        .with("name", delivery_id.to_string())
        .with("webhook", id)
    };
    let d = webhooks::delivery(state.db(), delivery_id)
        .await?
        .filter(|d| d.webhook_id == w.id)
        .ok_or_else(missing)?;
    let e = webhooks::event(state.db(), d.event_id)
        .await?
        .ok_or_else(missing)?;
    let txn = write::begin(state.db()).await?;
    let again = webhooks::redeliver(&txn, w.id, &e).await?;
    remember(
        &txn,
        &w,
        "redeliver",
        &user.username,
        serde_json::json!({"deliveryId": d.id, "eventId": e.id, "newDeliveryId": again.id}),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_view(again, Some(e)))))
}

async fn list_in(state: &PortalState, app_id: &str) -> Result<Json<Vec<WebhookView>>, PortalError> {
    let found = webhooks::list(state.db(), app_id).await?;
    Ok(Json(
        found.into_iter().map(|w| view(state, w, None)).collect(),
    ))
}

/// The app's webhooks (without secrets).
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/webhooks",
    tag = "webhooks",
    params(super::scope::AppPath),
    responses(
        (status = 200, description = "Its webhooks, oldest first", body = Vec<WebhookView>),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    Path(path): Path<super::scope::AppPath>,
) -> Result<Json<Vec<WebhookView>>, PortalError> {
    require_app(&state, &path.app_id).await?;
    list_in(&state, &path.app_id).await
}

/// Subscribes an address to the app's events; the answer holds the signing secret, shown once.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/webhooks",
    tag = "webhooks",
    params(super::scope::AppPath),
    request_body = WebhookBody,
    responses(
        (status = 201, description = "Created, with its secret", body = WebhookView),
        (status = 400, description = "The address (scheme, credentials, an address inside the network) or an event kind is refused", body = ErrorBody),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such app", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<super::scope::AppPath>,
    Json(body): Json<WebhookBody>,
) -> Result<(StatusCode, Json<WebhookView>), PortalError> {
    require_app(&state, &path.app_id).await?;
    create_in(&state, &user, &path.app_id, body).await
}

/// Changes a webhook's address, kinds, description or whether it is enabled.
#[utoipa::path(
    put,
    path = "/api/v1/apps/{appId}/webhooks/{webhookId}",
    tag = "webhooks",
    params(AppWebhookPath),
    request_body = WebhookBody,
    responses(
        (status = 200, description = "Changed", body = WebhookView),
        (status = 400, description = "The address or an event kind is refused", body = ErrorBody),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such webhook of the app", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppWebhookPath>,
    Json(body): Json<WebhookBody>,
) -> Result<Json<WebhookView>, PortalError> {
    update_in(&state, &user, &path.app_id, path.webhook_id, body).await
}

/// Deletes a webhook and its deliveries.
#[utoipa::path(
    delete,
    path = "/api/v1/apps/{appId}/webhooks/{webhookId}",
    tag = "webhooks",
    params(AppWebhookPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such webhook of the app", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppWebhookPath>,
) -> Result<StatusCode, PortalError> {
    delete_in(&state, &user, &path.app_id, path.webhook_id).await
}

/// Gives a webhook a new secret, shown in this answer only; deliveries from now are signed with
/// it.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/webhooks/{webhookId}/secret",
    tag = "webhooks",
    params(AppWebhookPath),
    responses(
        (status = 200, description = "The webhook with its new secret", body = WebhookView),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such webhook of the app", body = ErrorBody),
    )
)]
pub(crate) async fn rotate(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppWebhookPath>,
) -> Result<Json<WebhookView>, PortalError> {
    rotate_in(&state, &user, &path.app_id, path.webhook_id).await
}

/// A webhook's deliveries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{appId}/webhooks/{webhookId}/deliveries",
    tag = "webhooks",
    params(AppWebhookPath, PageQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = Page<DeliveryView>),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such webhook of the app", body = ErrorBody),
    )
)]
pub(crate) async fn deliveries(
    State(state): State<PortalState>,
    Path(path): Path<AppWebhookPath>,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<DeliveryView>>, PortalError> {
    deliveries_in(&state, &path.app_id, path.webhook_id, &query).await
}

/// Sends a delivery's event again, as a new delivery after the webhook's pending ones.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
    tag = "webhooks",
    params(AppDeliveryPath),
    responses(
        (status = 202, description = "Queued: the new delivery", body = DeliveryView),
        (status = 403, description = "Not a master of the app", body = ErrorBody),
        (status = 404, description = "No such delivery of the webhook", body = ErrorBody),
    )
)]
pub(crate) async fn redeliver(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<AppDeliveryPath>,
) -> Result<(StatusCode, Json<DeliveryView>), PortalError> {
    redeliver_in(
        &state,
        &user,
        &path.app_id,
        path.webhook_id,
        path.delivery_id,
    )
    .await
}

/// The installation's webhooks: they hear every app's events.
#[utoipa::path(
    get,
    path = "/api/v1/system/webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The installation's webhooks", body = Vec<WebhookView>),
        (status = 403, description = "Not the super admin", body = ErrorBody),
    )
)]
pub(crate) async fn system_list(
    State(state): State<PortalState>,
) -> Result<Json<Vec<WebhookView>>, PortalError> {
    list_in(&state, "").await
}

/// Subscribes an address to every app's events.
#[utoipa::path(
    post,
    path = "/api/v1/system/webhooks",
    tag = "webhooks",
    request_body = WebhookBody,
    responses(
        (status = 201, description = "Created, with its secret", body = WebhookView),
        (status = 400, description = "The address or an event kind is refused", body = ErrorBody),
        (status = 403, description = "Not the super admin", body = ErrorBody),
    )
)]
pub(crate) async fn system_create(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<WebhookBody>,
) -> Result<(StatusCode, Json<WebhookView>), PortalError> {
    create_in(&state, &user, "", body).await
}

/// Changes an installation webhook.
#[utoipa::path(
    put,
    path = "/api/v1/system/webhooks/{webhookId}",
    tag = "webhooks",
    params(SystemWebhookPath),
    request_body = WebhookBody,
    responses(
        (status = 200, description = "Changed", body = WebhookView),
        (status = 400, description = "The address or an event kind is refused", body = ErrorBody),
        (status = 403, description = "Not the super admin", body = ErrorBody),
        (status = 404, description = "No such installation webhook", body = ErrorBody),
    )
)]
pub(crate) async fn system_update(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<SystemWebhookPath>,
    Json(body): Json<WebhookBody>,
) -> Result<Json<WebhookView>, PortalError> {
    update_in(&state, &user, "", path.webhook_id, body).await
}

/// Deletes an installation webhook and its deliveries.
#[utoipa::path(
    delete,
    path = "/api/v1/system/webhooks/{webhookId}",
    tag = "webhooks",
    params(SystemWebhookPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the super admin", body = ErrorBody),
        (status = 404, description = "No such installation webhook", body = ErrorBody),
    )
)]
pub(crate) async fn system_delete(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<SystemWebhookPath>,
) -> Result<StatusCode, PortalError> {
    delete_in(&state, &user, "", path.webhook_id).await
}

/// Gives an installation webhook a new secret, shown in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/system/webhooks/{webhookId}/secret",
    tag = "webhooks",
    params(SystemWebhookPath),
    responses(
        (status = 200, description = "The webhook with its new secret", body = WebhookView),
        (status = 403, description = "Not the super admin", body = ErrorBody),
        (status = 404, description = "No such installation webhook", body = ErrorBody),
    )
)]
pub(crate) async fn system_rotate(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<SystemWebhookPath>,
) -> Result<Json<WebhookView>, PortalError> {
    rotate_in(&state, &user, "", path.webhook_id).await
}

/// An installation webhook's deliveries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/system/webhooks/{webhookId}/deliveries",
    tag = "webhooks",
    params(SystemWebhookPath, PageQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = Page<DeliveryView>),
        (status = 403, description = "Not the super admin", body = ErrorBody),
        (status = 404, description = "No such installation webhook", body = ErrorBody),
    )
)]
pub(crate) async fn system_deliveries(
    State(state): State<PortalState>,
    Path(path): Path<SystemWebhookPath>,
    Query(query): Query<PageQuery>,
) -> Result<Json<Page<DeliveryView>>, PortalError> {
    deliveries_in(&state, "", path.webhook_id, &query).await
}

/// Sends an installation webhook's delivery again.
#[utoipa::path(
    post,
    path = "/api/v1/system/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
    tag = "webhooks",
    params(SystemDeliveryPath),
    responses(
        (status = 202, description = "Queued: the new delivery", body = DeliveryView),
        (status = 403, description = "Not the super admin", body = ErrorBody),
        (status = 404, description = "No such delivery of the webhook", body = ErrorBody),
    )
)]
pub(crate) async fn system_redeliver(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<SystemDeliveryPath>,
) -> Result<(StatusCode, Json<DeliveryView>), PortalError> {
    redeliver_in(&state, &user, "", path.webhook_id, path.delivery_id).await
}

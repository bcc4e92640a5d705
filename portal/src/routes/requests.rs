//! Release requests: the review workflow.
//!
//! Someone who may modify a namespace opens a request; it freezes the changes against the
//! latest release (for a gray branch: what its next gray publish would change). Others with
//! the release permission approve or reject it with comments; nobody approves their own. An
//! approved request is published by its author or a reviewer, and only if the namespace is
//! still at the revision that was reviewed: an edit after opening makes the request stale, and
//! it needs a refresh (back to `open`) and a new approval. A request can be withdrawn.

use axum::extract::State;
use axum::http::StatusCode;
use futures_util::future::join_all;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::{AdminPublish, KeyChange, Page, Publish, Release};
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_service_kit::time::rfc3339;
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::entity::release_request;
use lyre_store::page::PageRequest;
use lyre_store::reviews::{self, Filter, Move, NewRequest};
use lyre_store::sea_orm::{ConnectionTrait, DbErr};
use lyre_store::{is_unique_violation, webhooks, write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::scope::{Ns, NsAt, NsPath, require_view};
use crate::actor::acts_for;
use crate::auth::CurrentUser;
use crate::rbac::{Action, Grants};
use crate::{PortalError, PortalState};

/// A release request.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReleaseRequest {
    /// Its id.
    pub id: i64,
    /// The environment.
    pub env: String,
    /// The app.
    pub app_id: String,
    /// The cluster.
    pub cluster_name: String,
    /// The namespace.
    pub namespace_name: String,
    /// The gray branch it publishes, if it publishes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    /// The release's title.
    pub title: String,
    /// Why.
    pub comment: String,
    /// `open`, `approved`, `publishing`, `published`, `rejected` or `withdrawn`.
    pub status: String,
    /// The changes under review, frozen when it was opened (or last refreshed).
    pub changes: Vec<KeyChange>,
    /// The release they are compared with (0: none yet).
    pub base_release_id: i64,
    /// The namespace's (or branch's) revision they were frozen at.
    pub revision: i64,
    /// Whether the namespace changed since: it must be refreshed before approval or publish.
    /// Absent when the namespace could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<bool>,
    /// Who approved it.
    pub approved_by: String,
    /// The release it became (0 until published).
    pub published_release_id: i64,
    /// Its author.
    pub created_by: String,
    /// When it was opened.
    pub created_at: String,
    /// Who last changed it.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
    /// Its reviews and events, oldest first (only when one request is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviews: Option<Vec<Review>>,
    /// What its release would not fit of the namespace's schema, where the environment checks
    /// schemas (only when one request under way is read; where the environment enforces the
    /// schema, its publish will be refused until these are fixed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_problems: Option<Vec<lyre_protocol::admin::SchemaProblem>>,
}

/// A review or an event of a request.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Review {
    /// `approve`, `reject`, `refresh`, `publish` or `withdraw`.
    pub verdict: String,
    /// What the reviewer said.
    pub comment: String,
    /// Who.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

fn view(r: release_request::Model, stale: Option<bool>) -> ReleaseRequest {
    ReleaseRequest {
        id: r.id,
        changes: serde_json::from_str(&r.diff).unwrap_or_default(),
        branch_name: (!r.branch_name.is_empty()).then_some(r.branch_name),
        env: r.env,
        app_id: r.app_id,
        cluster_name: r.cluster_name,
        namespace_name: r.namespace_name,
        title: r.title,
        comment: r.comment,
        status: r.status,
        base_release_id: r.base_release_id,
        revision: r.namespace_revision,
        stale,
        approved_by: r.approved_by,
        published_release_id: r.published_release_id,
        created_by: r.created_by,
        created_at: rfc3339(r.created_at),
        updated_by: r.updated_by,
        updated_at: rfc3339(r.updated_at),
        reviews: None,
        schema_problems: None,
    }
}

/// What the namespace (or branch) would release now.
pub(crate) struct Pending {
    pub changes: Vec<KeyChange>,
    pub base_release_id: i64,
    pub revision: i64,
}

/// The changes `at` (or its branch `branch`) would release now.
pub(crate) async fn pending(
    state: &PortalState,
    at: &NsAt,
    branch: Option<&str>,
) -> Result<Pending, PortalError> {
    match branch {
        None => {
            let changes = state
                .admins()
                .call(&at.env, call::releases::Changes { ns: at.name() })
                .await?;
            Ok(Pending {
                changes: changes.changes,
                base_release_id: changes.base_release.map_or(0, |r| r.id),
                revision: changes.revision,
            })
        }
        Some(name) => {
            let branch = state
                .admins()
                .call(&at.env, call::branches::Get { ns: at.name() })
                .await?;
            if branch.branch_name != name {
                return Err(
                    PortalError::NotFound(format!("{at} has no gray branch `{name}`"))
                        .because("not_found", at.params())
                        .with("kind", "branch")
                        .with("name", name),
                );
            }
            Ok(Pending {
                changes: branch.pending_changes,
                base_release_id: branch.latest_release.map_or(0, |r| r.id),
                revision: branch.revision,
            })
        }
    }
}

fn at_of(state: &PortalState, r: &release_request::Model) -> Result<NsAt, PortalError> {
    NsAt::new(state, &r.env, &r.app_id, &r.cluster_name, &r.namespace_name)
}

fn branch_of(r: &release_request::Model) -> Option<&str> {
    (!r.branch_name.is_empty()).then_some(r.branch_name.as_str())
}

/// A request to open.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenRequest {
    /// The release's title.
    pub title: String,
    /// Why, for the reviewers.
    #[serde(default)]
    pub comment: String,
    /// Publish this gray branch of the namespace instead of main.
    #[serde(default)]
    pub branch_name: Option<String>,
}

/// Opens a release request for the namespace's unpublished changes (or a gray branch's).
#[utoipa::path(
    post,
    path = "/api/v1/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}/release-requests",
    tag = "reviews",
    params(NsPath),
    request_body = OpenRequest,
    responses(
        (status = 201, description = "Opened", body = ReleaseRequest),
        (status = 400, description = "No title, or nothing to release", body = ErrorBody),
        (status = 403, description = "No modify or release permission", body = ErrorBody),
        (status = 409, description = "The namespace has a request under way", body = ErrorBody),
    )
)]
pub(crate) async fn open(
    user: CurrentUser,
    ns: Ns,
    Json(body): Json<OpenRequest>,
) -> Result<(StatusCode, Json<ReleaseRequest>), PortalError> {
    let opened = open_as(ns.state(), &user.username, &ns.at, body).await?;
    Ok((StatusCode::CREATED, Json(opened)))
}

/// Opens a request on `at` as `author` (whom the permission layer let through: modify or
/// release on `at`).
pub(crate) async fn open_as(
    state: &PortalState,
    author: &str,
    at: &NsAt,
    body: OpenRequest,
) -> Result<ReleaseRequest, PortalError> {
    let title = body.title.trim();
    if title.is_empty() {
        return Err(
            PortalError::InvalidRequest("`title` must not be empty".into())
                .because("field_required", [("field", "title")]),
        );
    }
    check_len("title", title, 256)?;
    check_len("comment", &body.comment, 1024)?;
    let branch = body.branch_name.as_deref().filter(|b| !b.is_empty());
    let now = pending(state, at, branch).await?;
    if now.changes.is_empty() {
        return Err(PortalError::InvalidRequest(format!(
            "{at} has nothing to release: its {} no unpublished changes",
            if branch.is_some() {
                "gray branch has"
            } else {
                "items have"
            }
        )));
    }
    let diff = serde_json::to_string(&now.changes)
        .map_err(|e| PortalError::Internal(format!("encoding changes: {e}")))?;
    let txn = write::begin(state.db()).await?;
    let opened = reviews::open(
        &txn,
        &NewRequest {
            env: &at.env,
            app_id: &at.app,
            cluster_name: &at.cluster,
            namespace_name: &at.namespace,
            branch_name: branch.unwrap_or(""),
            title,
            comment: &body.comment,
            diff: &diff,
            base_release_id: now.base_release_id,
            namespace_revision: now.revision,
            created_by: author,
        },
    )
    .await;
    let opened = match opened {
        Ok(opened) => opened,
        Err(e) if is_unique_violation(&e) => {
            txn.rollback().await?;
            let live = reviews::live_for(
                state.db(),
                &at.env,
                &at.app,
                &at.cluster,
                &at.namespace,
                branch.unwrap_or(""),
            )
            .await?;
            let live_params: Vec<(&str, String)> = live
                .as_ref()
                .map(|r| vec![("status", r.status.clone()), ("user", r.created_by.clone())])
                .unwrap_or_default();
            return Err(PortalError::RequestUnderWay {
                request_id: live.as_ref().map(|r| r.id),
                message: format!(
                    "{at} has a release request under way{}; withdraw or finish it first",
                    live.map(|r| format!(" (#{}, {}, by {})", r.id, r.status, r.created_by))
                        .unwrap_or_default()
                ),
            }
            .because("request_under_way", at.params())
            .because("request_under_way", live_params));
        }
        Err(e) => return Err(e.into()),
    };
    announce(&txn, &opened, "request.opened", author, "").await?;
    txn.commit().await?;
    Ok(view(opened, Some(false)))
}

/// Records event `kind` (`request.opened`, ...) of request `r`, by `by`, in the transaction of
/// the change, for the webhooks that hear it.
async fn announce(
    db: &impl ConnectionTrait,
    r: &release_request::Model,
    kind: &str,
    by: &str,
    comment: &str,
) -> Result<(), DbErr> {
    let at = NamespaceRef {
        env: &r.env,
        app_id: &r.app_id,
        cluster: &r.cluster_name,
        namespace: &r.namespace_name,
    };
    let payload = serde_json::json!({
        "env": r.env,
        "appId": r.app_id,
        "clusterName": r.cluster_name,
        "namespaceName": r.namespace_name,
        "branchName": r.branch_name,
        "requestId": r.id,
        "title": r.title,
        "author": r.created_by,
        "operator": by,
        "comment": comment,
    });
    webhooks::record_event(
        db,
        webhooks::NewEvent {
            main: at,
            kind,
            payload,
        },
    )
    .await?;
    Ok(())
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), PortalError> {
    if value.chars().count() > max {
        return Err(PortalError::InvalidRequest(format!(
            "`{field}` must have at most {max} characters"
        ))
        .because("field_too_long", [("field", field)])
        .with("limit", max));
    }
    Ok(())
}

/// Which requests to list.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ListView {
    /// Every request under way in the apps you hold a role in (all apps for the super admin).
    #[default]
    Open,
    /// Yours, in any state.
    Mine,
    /// Open requests by others that you may approve.
    Review,
}

/// Which page of which requests.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// `open` (default), `mine` or `review`.
    #[param(inline)]
    view: Option<ListView>,
    /// From 0.
    page: Option<u64>,
    /// Entries per page (default 20).
    size: Option<u64>,
}

/// Release requests: under way, yours, or waiting for your review.
#[utoipa::path(
    get,
    path = "/api/v1/release-requests",
    tag = "reviews",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of requests, newest first", body = Page<ReleaseRequest>),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Page<ReleaseRequest>>, PortalError> {
    let request = PageRequest::new(query.page.unwrap_or(0), query.size.unwrap_or(20));
    let apps: Option<Vec<String>> = (!user.is_super_admin())
        .then(|| user.grants.apps().into_iter().map(str::to_owned).collect());
    let (items, total) = match query.view.unwrap_or_default() {
        ListView::Open | ListView::Mine => {
            let mine = matches!(query.view, Some(ListView::Mine));
            let filter = Filter {
                statuses: if mine { &[] } else { &reviews::LIVE },
                created_by: mine.then_some(user.username.as_str()),
                not_created_by: None,
                apps: if mine { None } else { apps.as_deref() },
            };
            let found = reviews::list(state.db(), &filter, request).await?;
            (found.items, found.total)
        }
        ListView::Review => {
            // Permission is per namespace: filter a bounded set here, then page it.
            let filter = Filter {
                statuses: &[reviews::OPEN],
                created_by: None,
                not_created_by: Some(&user.username),
                apps: apps.as_deref(),
            };
            let candidates = reviews::list(
                state.db(),
                &filter,
                PageRequest::new(0, PageRequest::MAX_SIZE),
            )
            .await?;
            let mine: Vec<_> = candidates
                .items
                .into_iter()
                .filter(|r| {
                    at_of(&state, r).is_ok_and(|at| user.grants.can(Action::Release, at.scope()))
                })
                .collect();
            let total = mine.len() as u64;
            let start =
                usize::try_from(request.page.saturating_mul(request.size)).unwrap_or(usize::MAX);
            let page = mine
                .into_iter()
                .skip(start)
                .take(usize::try_from(request.size).unwrap_or(usize::MAX))
                .collect();
            (page, total)
        }
    };
    let staleness = join_all(items.iter().map(|r| stale(&state, r))).await;
    Ok(Json(Page {
        items: items
            .into_iter()
            .zip(staleness)
            .map(|(r, s)| view(r, s))
            .collect(),
        page: request.page,
        size: request.size,
        total,
    }))
}

/// Whether a live request's namespace moved on since it was frozen (`None`: unknown).
async fn stale(state: &PortalState, r: &release_request::Model) -> Option<bool> {
    if !reviews::LIVE.contains(&r.status.as_str()) {
        return Some(false);
    }
    let at = at_of(state, r).ok()?;
    let now = pending(state, &at, branch_of(r)).await.ok()?;
    Some(now.revision != r.namespace_revision)
}

/// `/release-requests/{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct RequestPath {
    /// The request
    pub id: i64,
}

pub(crate) async fn load(
    state: &PortalState,
    id: i64,
) -> Result<(release_request::Model, NsAt), PortalError> {
    let r = reviews::find(state.db(), id).await?.ok_or_else(|| {
        PortalError::NotFound(format!("no release request #{id}"))
            .because("not_found", [("kind", "release_request")])
            .with("name", id.to_string())
    })?;
    let at = at_of(state, &r)?;
    Ok((r, at))
}

/// One request, with its changes and reviews.
#[utoipa::path(
    get,
    path = "/api/v1/release-requests/{id}",
    tag = "reviews",
    params(RequestPath),
    responses(
        (status = 200, description = "The request", body = ReleaseRequest),
        (status = 403, description = "Private to the app's members here", body = ErrorBody),
        (status = 404, description = "No such request", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<RequestPath>,
) -> Result<Json<ReleaseRequest>, PortalError> {
    get_as(&state, &user.grants, path.id).await.map(Json)
}

/// Request `id` with its reviews, as `grants` may see it.
pub(crate) async fn get_as(
    state: &PortalState,
    grants: &Grants,
    id: i64,
) -> Result<ReleaseRequest, PortalError> {
    let (r, at) = load(state, id).await?;
    require_view(state, grants, &at).await?;
    let found = reviews::reviews_of(state.db(), r.id).await?;
    let staleness = stale(state, &r).await;
    let schema_problems = if reviews::LIVE.contains(&r.status.as_str()) {
        let check = call::system::PendingSchemaProblems {
            ns: at.name(),
            branch: branch_of(&r).map(str::to_owned),
        };
        state.admins().call(&at.env, check).await.ok()
    } else {
        None
    };
    let mut shown = view(r, staleness);
    shown.schema_problems = schema_problems;
    shown.reviews = Some(
        found
            .into_iter()
            .map(|v| Review {
                verdict: v.verdict,
                comment: v.comment,
                created_by: v.created_by,
                created_at: rfc3339(v.created_at),
            })
            .collect(),
    );
    Ok(shown)
}

/// A reviewer's words.
#[derive(Default, Deserialize, ToSchema)]
pub(crate) struct Verdict {
    /// Why.
    #[serde(default)]
    comment: String,
}

/// The comment of an optional [`Verdict`] body.
fn verdict(body: &[u8]) -> Result<String, PortalError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    serde_json::from_slice::<Verdict>(body)
        .map(|v| v.comment)
        .map_err(|e| PortalError::InvalidRequest(format!("bad JSON body: {e}")))
}

async fn decide(
    state: &PortalState,
    user: &CurrentUser,
    id: i64,
    approve: bool,
    comment: &str,
) -> Result<ReleaseRequest, PortalError> {
    check_len("comment", comment, 4096)?;
    let (r, at) = load(state, id).await?;
    user.grants.require(Action::Release, at.scope())?;
    let me = &user.username;
    if acts_for(&r.created_by, me) {
        return Err(PortalError::Forbidden(format!(
            "release request #{id} was opened by {}: nobody reviews their own request, nor one \
             opened through a consumer they own",
            r.created_by
        ))
        .because("own_request", [("user", &r.created_by)])
        .with("requestId", id));
    }
    let editors = state
        .admins()
        .call(
            &at.env,
            call::items::Editors {
                ns: at.name(),
                branch: branch_of(&r).map(str::to_owned),
                since_release_id: r.base_release_id,
            },
        )
        .await?;
    if let Some(editor) = editors.iter().find(|e| acts_for(e, me)) {
        return Err(PortalError::Forbidden(format!(
            "`{me}` changed what release request #{id} would publish (as {editor}): nobody \
             reviews their own changes"
        ))
        .because("own_changes", [("user", me), ("editor", editor)])
        .with("requestId", id));
    }
    if r.status != reviews::OPEN {
        return Err(PortalError::Conflict(format!(
            "release request #{id} is {}, not open for review",
            r.status
        ))
        .because("request_not_open", [("status", &r.status)])
        .with("requestId", id));
    }
    if approve && stale(state, &r).await == Some(true) {
        return Err(stale_error(id));
    }
    let (to, verdict, approved_by) = if approve {
        (reviews::APPROVED, "approve", user.username.as_str())
    } else {
        (reviews::REJECTED, "reject", "")
    };
    let txn = write::begin(state.db()).await?;
    let moved = reviews::transition(
        &txn,
        id,
        &[reviews::OPEN],
        to,
        &Move {
            approved_by: Some(approved_by),
            ..Default::default()
        },
        &user.username,
    )
    .await?;
    if !moved {
        return Err(PortalError::Conflict(format!(
            "release request #{id} changed meanwhile; reload it"
        ))
        .because("request_changed", [("requestId", id)]));
    }
    reviews::add_review(&txn, id, verdict, comment, &user.username).await?;
    let kind = if approve {
        "request.approved"
    } else {
        "request.rejected"
    };
    announce(&txn, &r, kind, &user.username, comment).await?;
    txn.commit().await?;
    get_as(state, &user.grants, id).await
}

fn stale_error(id: i64) -> PortalError {
    PortalError::Conflict(format!(
        "release request #{id} is stale: the namespace changed after it was opened; refresh it \
         (POST /api/v1/release-requests/{id}/refresh) and have it approved again"
    ))
    .because("request_stale", [("requestId", id)])
}

/// Approves a request (someone with the release permission other than its author).
#[utoipa::path(
    post,
    path = "/api/v1/release-requests/{id}/approve",
    tag = "reviews",
    params(RequestPath),
    request_body = Verdict,
    responses(
        (status = 200, description = "Approved", body = ReleaseRequest),
        (status = 403, description = "No release permission, or your own request", body = ErrorBody),
        (status = 409, description = "Not open, or stale", body = ErrorBody),
    )
)]
pub(crate) async fn approve(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<RequestPath>,
    body: axum::body::Bytes,
) -> Result<Json<ReleaseRequest>, PortalError> {
    let comment = verdict(&body)?;
    decide(&state, &user, path.id, true, &comment)
        .await
        .map(Json)
}

/// Rejects a request, saying why (someone with the release permission other than its author).
#[utoipa::path(
    post,
    path = "/api/v1/release-requests/{id}/reject",
    tag = "reviews",
    params(RequestPath),
    request_body = Verdict,
    responses(
        (status = 200, description = "Rejected", body = ReleaseRequest),
        (status = 403, description = "No release permission, or your own request", body = ErrorBody),
        (status = 409, description = "Not open", body = ErrorBody),
    )
)]
pub(crate) async fn reject(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<RequestPath>,
    body: axum::body::Bytes,
) -> Result<Json<ReleaseRequest>, PortalError> {
    let comment = verdict(&body)?;
    decide(&state, &user, path.id, false, &comment)
        .await
        .map(Json)
}

/// Publishes an approved request: its author or a reviewer may. Only what was reviewed goes
/// out: if the namespace changed since, nothing is published and the request is stale.
#[utoipa::path(
    post,
    path = "/api/v1/release-requests/{id}/publish",
    tag = "reviews",
    params(RequestPath),
    responses(
        (status = 201, description = "Published", body = Release),
        (status = 403, description = "Neither its author nor a reviewer", body = ErrorBody),
        (status = 409, description = "Not approved, stale, or being published", body = ErrorBody),
    )
)]
pub(crate) async fn publish(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<RequestPath>,
) -> Result<(StatusCode, Json<Release>), PortalError> {
    let release = publish_as(&state, &user.grants, &user.username, path.id, true).await?;
    Ok((StatusCode::CREATED, Json(release)))
}

/// Publishes request `id` as `publisher`, who needs release permission on its namespace, or
/// to be its author where `author_publishes` (the portal's workflow; the Open API always needs
/// the permission).
pub(crate) async fn publish_as(
    state: &PortalState,
    grants: &Grants,
    publisher: &str,
    id: i64,
    author_publishes: bool,
) -> Result<Release, PortalError> {
    let (r, at) = load(state, id).await?;
    if !(author_publishes && r.created_by == publisher) {
        grants
            .require(Action::Release, at.scope())
            .map_err(|refused| {
                if author_publishes {
                    PortalError::Forbidden(format!(
                        "only the author of release request #{id} or a reviewer with release \
                         permission on {at} may publish it"
                    ))
                    .because("author_or_reviewer_publishes", at.params())
                    .with("requestId", id)
                } else {
                    refused
                }
            })?;
    }
    if r.status != reviews::APPROVED {
        return Err(PortalError::Conflict(format!(
            "release request #{id} is {}; only an approved request is published",
            r.status
        ))
        .because("request_not_approved", [("status", &r.status)])
        .with("requestId", id));
    }
    // One admin operation checks that the request is still approved at the frozen revision,
    // writes the release and closes the request, in one transaction: there is no moment at
    // which the request is claimed but not published.
    let body = AdminPublish {
        publish: Publish {
            title: r.title.clone(),
            comment: r.comment.clone(),
            operator: publisher.to_owned(),
            is_emergency_publish: false,
            revision: Some(r.namespace_revision),
        },
        release_request: Some(id),
        main_revision: None,
    };
    let admins = state.admins();
    let published = match branch_of(&r) {
        None => {
            admins
                .call(
                    &at.env,
                    call::releases::Publish {
                        ns: at.name(),
                        command: body.clone(),
                    },
                )
                .await
        }
        Some(branch) => {
            admins
                .call(
                    &at.env,
                    call::branches::Publish {
                        ns: at.name(),
                        branch: branch.to_owned(),
                        command: body.clone(),
                    },
                )
                .await
        }
    };
    match published {
        Err(PortalError::Admin { status, .. }) if status == StatusCode::CONFLICT => {
            // Either the namespace moved past the frozen revision, or someone else published,
            // rejected or withdrew the request meanwhile.
            Err(match reviews::find(state.db(), id).await? {
                Some(now) if now.status == reviews::APPROVED => stale_error(id),
                Some(now) => PortalError::Conflict(format!(
                    "release request #{id} is {} now (changed meanwhile); nothing was published",
                    now.status
                ))
                .because("request_changed", [("status", &now.status)])
                .with("requestId", id),
                None => stale_error(id),
            })
        }
        other => other,
    }
}

/// Freezes the namespace's current changes into the request again, after it went stale; it is
/// open for review again (any approval is void).
#[utoipa::path(
    post,
    path = "/api/v1/release-requests/{id}/refresh",
    tag = "reviews",
    params(RequestPath),
    responses(
        (status = 200, description = "Refreshed and open", body = ReleaseRequest),
        (status = 400, description = "Nothing left to release", body = ErrorBody),
        (status = 403, description = "Not its author, and no modify permission", body = ErrorBody),
        (status = 409, description = "Not under review", body = ErrorBody),
    )
)]
pub(crate) async fn refresh(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<RequestPath>,
) -> Result<Json<ReleaseRequest>, PortalError> {
    let id = path.id;
    let (r, at) = load(&state, id).await?;
    if !(r.created_by == user.username || user.grants.can(Action::Modify, at.scope())) {
        return Err(PortalError::Forbidden(format!(
            "only the author of release request #{id} or someone who may modify {at} refreshes it"
        ))
        .because("author_or_modifier_refreshes", at.params())
        .with("requestId", id));
    }
    let now = pending(&state, &at, branch_of(&r)).await?;
    if now.changes.is_empty() {
        return Err(PortalError::InvalidRequest(format!(
            "{at} has nothing left to release; withdraw release request #{id}"
        ))
        .because("nothing_left_to_release", at.params())
        .with("requestId", id));
    }
    let diff = serde_json::to_string(&now.changes)
        .map_err(|e| PortalError::Internal(format!("encoding changes: {e}")))?;
    let txn = write::begin(state.db()).await?;
    let moved = reviews::transition(
        &txn,
        id,
        &[reviews::OPEN, reviews::APPROVED],
        reviews::OPEN,
        &Move {
            approved_by: Some(""),
            refreshed: Some((&diff, now.base_release_id, now.revision)),
            ..Default::default()
        },
        &user.username,
    )
    .await?;
    if !moved {
        return Err(PortalError::Conflict(format!(
            "release request #{id} is {}, not under review",
            r.status
        ))
        .because("request_not_under_review", [("status", &r.status)])
        .with("requestId", id));
    }
    reviews::add_review(&txn, id, "refresh", "", &user.username).await?;
    txn.commit().await?;
    get_as(&state, &user.grants, id).await.map(Json)
}

/// Withdraws a request (its author, or the super admin).
#[utoipa::path(
    post,
    path = "/api/v1/release-requests/{id}/withdraw",
    tag = "reviews",
    params(RequestPath),
    responses(
        (status = 200, description = "Withdrawn", body = ReleaseRequest),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 409, description = "Already finished", body = ErrorBody),
    )
)]
pub(crate) async fn withdraw(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<RequestPath>,
) -> Result<Json<ReleaseRequest>, PortalError> {
    withdraw_as(&state, &user.grants, &user.username, path.id)
        .await
        .map(Json)
}

/// Withdraws request `id` for `who`.
pub(crate) async fn withdraw_as(
    state: &PortalState,
    grants: &Grants,
    who: &str,
    id: i64,
) -> Result<ReleaseRequest, PortalError> {
    let (r, _) = load(state, id).await?;
    if r.created_by != who && !grants.is_super_admin() {
        return Err(PortalError::Forbidden(format!(
            "only the author of release request #{id} withdraws it"
        ))
        .because("author_withdraws", [("requestId", id)]));
    }
    // A request being published is left alone, unless the super admin clears one a failed
    // portal left behind.
    let from: &[&str] = if grants.is_super_admin() {
        &reviews::LIVE
    } else {
        &[reviews::OPEN, reviews::APPROVED]
    };
    let txn = write::begin(state.db()).await?;
    let moved =
        reviews::transition(&txn, id, from, reviews::WITHDRAWN, &Move::default(), who).await?;
    if !moved {
        return Err(PortalError::Conflict(format!(
            "release request #{id} is {}; it cannot be withdrawn",
            r.status
        ))
        .because("request_not_withdrawable", [("status", &r.status)])
        .with("requestId", id));
    }
    reviews::add_review(&txn, id, "withdraw", "", who).await?;
    txn.commit().await?;
    get_as(state, grants, id).await
}

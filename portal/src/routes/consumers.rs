//! CI consumers of the Open API: the super admin, or a master of every app a consumer is granted
//! on, creates one and gets its token, shown this once. Tokens are stored hashed.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_admin_service::ops::call;
use lyre_protocol::ErrorBody;
use lyre_service_kit::Json;
use lyre_service_kit::extract::Path;
use lyre_service_kit::time::rfc3339;
use lyre_store::config::audit;
use lyre_store::consumers::{self, NewConsumer};
use lyre_store::entity::consumer;
use lyre_store::rbac::{self, SUBJECT_CONSUMER};
use lyre_store::{accounts, is_unique_violation, write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{CurrentUser, password, token_hash};
use crate::rbac::{Action, Grant, Grants};
use crate::{PortalError, PortalState};

/// What a consumer may do in one app.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsumerGrant {
    /// The app.
    pub app_id: String,
    /// A namespace of the app, or `*` for all of them.
    pub namespace: String,
    /// The environments (empty: all of them).
    #[serde(default)]
    pub envs: Vec<String>,
    /// `modify` and/or `release`.
    pub permissions: Vec<Action>,
}

/// A consumer to create.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateConsumer {
    /// A unique name, e.g. the CI pipeline's.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub comment: String,
    /// Requests per second it may send (default 20).
    #[serde(default)]
    pub rate_limit: Option<u32>,
    /// What it may do.
    pub grants: Vec<ConsumerGrant>,
}

/// A consumer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsumerView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub comment: String,
    /// Requests per second it may send.
    pub rate_limit: u32,
    /// What it may do.
    pub grants: Vec<ConsumerGrant>,
    /// The last characters of its token.
    pub token_hint: String,
    /// The token: only in the answer that made it. Send it as `Authorization: <token>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Its owner: who created or adopted it. It works while they are an enabled master of
    /// every app it is granted on.
    pub created_by: String,
    /// When it was created.
    pub created_at: String,
    /// Why it stopped working, when its owner lost those rights: a master of its apps may
    /// adopt it (`POST /api/v1/consumers/{id}/adopt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lapsed: Option<String>,
}

/// Why consumer `c`, holding `held`, no longer works, if it does not: its owner is disabled or
/// gone, or is no longer a master of an app it is granted on.
pub(crate) async fn lapse(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    c: &consumer::Model,
    held: &[rbac::Held],
) -> Result<Option<String>, PortalError> {
    let owner = &c.created_by;
    if !accounts::find_user(db, owner)
        .await?
        .is_some_and(|u| u.is_enabled)
    {
        return Ok(Some(format!("its owner `{owner}` is disabled or gone")));
    }
    let rights = Grants::new(&rbac::permissions_of(db, accounts::SUBJECT_USER, owner).await?);
    let lost = Grants::new(held)
        .apps()
        .into_iter()
        .find(|app| !rights.is_master(app))
        .map(|app| format!("its owner `{owner}` is no longer a master of app `{app}`"));
    Ok(lost)
}

/// The grants a stored consumer holds, as its `held` permissions.
fn grants_of(held: &[rbac::Held]) -> Vec<ConsumerGrant> {
    let mut out: Vec<ConsumerGrant> = Vec::new();
    for h in held {
        let Some(Grant::Namespace {
            action,
            app,
            namespace,
            env,
        }) = Grant::parse(&h.permission_type, &h.target)
        else {
            continue;
        };
        let namespace = namespace.unwrap_or_else(|| "*".into());
        let envs: Vec<String> = env.into_iter().collect();
        match out
            .iter_mut()
            .find(|g| g.app_id == app && g.namespace == namespace && g.envs == envs)
        {
            Some(g) if !g.permissions.contains(&action) => g.permissions.push(action),
            Some(_) => {}
            None => out.push(ConsumerGrant {
                app_id: app,
                namespace,
                envs,
                permissions: vec![action],
            }),
        }
    }
    out
}

/// The permissions consumer `c` holds.
async fn held_by(state: &PortalState, c: &consumer::Model) -> Result<Vec<rbac::Held>, PortalError> {
    Ok(rbac::permissions_of(state.db(), SUBJECT_CONSUMER, &c.id.to_string()).await?)
}

/// Consumer `c`, which holds `held`, as the API shows it.
async fn view(
    state: &PortalState,
    c: consumer::Model,
    held: &[rbac::Held],
    token: Option<String>,
) -> Result<ConsumerView, PortalError> {
    Ok(ConsumerView {
        lapsed: lapse(state.db(), &c, held).await?,
        grants: grants_of(held),
        token_hint: consumers::token_hint(state.db(), c.id)
            .await?
            .unwrap_or_default(),
        token,
        id: c.id,
        name: c.name,
        comment: c.comment,
        rate_limit: u32::try_from(c.rate_limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(crate::auth::rate::DEFAULT_LIMIT),
        created_by: c.created_by,
        created_at: rfc3339(c.created_at),
    })
}

/// The grants a request asks for, checked, as stored grants.
fn expand(state: &PortalState, grants: &[ConsumerGrant]) -> Result<Vec<Grant>, PortalError> {
    if grants.is_empty() {
        return Err(
            PortalError::InvalidRequest("`grants` must name at least one app".into())
                .because("field_required", [("field", "grants")]),
        );
    }
    let mut out = Vec::new();
    for (i, g) in grants.iter().enumerate() {
        let n = i + 1;
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                && !s.bytes().all(|b| b == b'.')
        };
        if !name_ok(&g.app_id) {
            return Err(PortalError::InvalidRequest(format!(
                "grant {n}: `appId` `{}` is not a valid app id",
                g.app_id
            ))
            .because(
                "grant_field_invalid",
                [("field", "appId"), ("value", &g.app_id)],
            )
            .with("grant", n));
        }
        if g.namespace != "*" && !name_ok(&g.namespace) {
            return Err(PortalError::InvalidRequest(format!(
                "grant {n}: `namespace` must be a namespace name or `*`"
            ))
            .because("grant_field_invalid", [("field", "namespace")])
            .with("grant", n));
        }
        if g.permissions.is_empty() {
            return Err(PortalError::InvalidRequest(format!(
                "grant {n}: `permissions` must hold `modify` and/or `release`"
            ))
            .because("grant_field_invalid", [("field", "permissions")])
            .with("grant", n));
        }
        let envs: Vec<Option<String>> = if g.envs.is_empty() {
            vec![None]
        } else {
            g.envs
                .iter()
                .map(|e| {
                    state.admins().env(e).map(Some).map_err(|_| {
                        PortalError::InvalidRequest(format!(
                            "grant {n}: no environment `{e}`; the environments are {}",
                            state.admins().envs().join(", ")
                        ))
                    })
                })
                .collect::<Result<_, _>>()?
        };
        for action in &g.permissions {
            for env in &envs {
                out.push(Grant::Namespace {
                    action: *action,
                    app: g.app_id.clone(),
                    namespace: (g.namespace != "*").then(|| g.namespace.clone()),
                    env: env.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// A new token: 40 hex characters.
fn new_token() -> (String, String, String) {
    let token = password::random_hex(20);
    let hint = token[token.len() - 4..].to_owned();
    let hash = token_hash(&token);
    (token, hash, hint)
}

/// Creates a CI consumer and answers it with its token, shown this once. The super admin may
/// grant on any app; an app's master on the apps they master.
#[utoipa::path(
    post,
    path = "/api/v1/consumers",
    tag = "consumers",
    request_body = CreateConsumer,
    responses(
        (status = 201, description = "Created, with its token", body = ConsumerView),
        (status = 400, description = "A field or grant is invalid", body = ErrorBody),
        (status = 403, description = "Not a master of every app granted on", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<CreateConsumer>,
) -> Result<(StatusCode, Json<ConsumerView>), PortalError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().all(|c| c == '.') {
        return Err(PortalError::InvalidRequest(
            "`name` must have 1 to 128 characters, not only dots".into(),
        )
        .because("field_invalid", [("field", "name")]));
    }
    if body.comment.chars().count() > 1024 {
        return Err(PortalError::InvalidRequest(
            "`comment` must have at most 1024 characters".into(),
        )
        .because("field_too_long", [("field", "comment")])
        .with("limit", 1024));
    }
    // Changes are recorded under the consumer's name, and authorship compares names: a
    // consumer never shares a name with a person.
    if lyre_store::accounts::find_user(state.db(), name)
        .await?
        .is_some()
    {
        return Err(PortalError::Conflict(format!(
            "`{name}` is a user's name; give the consumer another one"
        ))
        .because("name_of_user", [("name", name)]));
    }
    let grants = expand(&state, &body.grants)?;
    for g in &body.grants {
        user.grants.require_master(&g.app_id)?;
    }
    let env = super::apps::first_env(&state)?;
    for g in &body.grants {
        match state
            .admins()
            .call(
                &env,
                call::apps::Get {
                    app_id: g.app_id.clone(),
                },
            )
            .await
        {
            Err(PortalError::Admin { status, .. }) if status == StatusCode::NOT_FOUND => {
                return Err(PortalError::InvalidRequest(format!(
                    "no app `{}`; a consumer is granted on existing apps",
                    g.app_id
                ))
                .because("grant_app_missing", [("app", &g.app_id)]));
            }
            found => found?,
        };
    }
    let rate_limit = i32::try_from(body.rate_limit.unwrap_or(0)).map_err(|_| {
        PortalError::InvalidRequest("`rateLimit` is too large".into())
            .because("field_too_large", [("field", "rateLimit")])
    })?;
    let (token, hash, hint) = new_token();
    let txn = write::begin(state.db()).await?;
    let created = consumers::create(
        &txn,
        &NewConsumer {
            name,
            comment: &body.comment,
            rate_limit,
            owner_name: &user.username,
            created_by: &user.username,
        },
    )
    .await;
    let created = match created {
        Ok(c) => c,
        Err(e) if is_unique_violation(&e) => {
            return Err(
                PortalError::Conflict(format!("a consumer `{name}` exists already"))
                    .because("already_exists", [("kind", "consumer"), ("name", name)]),
            );
        }
        Err(e) => return Err(e.into()),
    };
    consumers::set_token(&txn, created.id, &hash, &hint, &user.username).await?;
    let subject = created.id.to_string();
    for grant in &grants {
        let (role, permission_type, target) = grant.role();
        rbac::grant(
            &txn,
            &role,
            &[(&permission_type, &target)],
            SUBJECT_CONSUMER,
            &subject,
            &user.username,
        )
        .await?;
    }
    record(&txn, &created, "create", &user.username).await?;
    txn.commit().await?;
    let held = held_by(&state, &created).await?;
    let shown = view(&state, created, &held, Some(token)).await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

async fn record(
    db: &impl lyre_store::sea_orm::ConnectionTrait,
    c: &consumer::Model,
    operation: &str,
    operator: &str,
) -> Result<(), PortalError> {
    audit::record(
        db,
        audit::Record {
            env: "",
            app_id: "",
            entity_type: "consumer",
            entity_id: &c.name,
            operation,
            detail: serde_json::json!({"id": c.id}).to_string(),
            operator,
        },
    )
    .await?;
    Ok(())
}

/// Consumers: all of them for the super admin, else those you own and those you may adopt.
#[utoipa::path(
    get,
    path = "/api/v1/consumers",
    tag = "consumers",
    responses(
        (status = 200, description = "Consumers, by name (without tokens)", body = Vec<ConsumerView>),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    user: CurrentUser,
) -> Result<Json<Vec<ConsumerView>>, PortalError> {
    let mut out = Vec::new();
    for c in consumers::list(state.db()).await? {
        let mine = user.is_super_admin() || c.created_by == user.username;
        let held = held_by(&state, &c).await?;
        // Another's is shown only when the user may adopt it: they master its apps (asked
        // first, it is cheap), and it stopped working.
        if !mine && !masters_all(&user, &held) {
            continue;
        }
        let shown = view(&state, c, &held, None).await?;
        if mine || shown.lapsed.is_some() {
            out.push(shown);
        }
    }
    Ok(Json(out))
}

/// `/consumers/{id}`.
#[derive(Deserialize)]
pub(crate) struct ConsumerPath {
    id: i64,
}

/// The live consumer `id`.
async fn existing(state: &PortalState, id: i64) -> Result<consumer::Model, PortalError> {
    consumers::find(state.db(), id).await?.ok_or_else(|| {
        PortalError::NotFound(format!("no consumer {id}"))
            .because("not_found", [("kind", "consumer")])
            .with("name", id.to_string())
    })
}

async fn own(
    state: &PortalState,
    user: &CurrentUser,
    id: i64,
) -> Result<consumer::Model, PortalError> {
    let c = existing(state, id).await?;
    if user.is_super_admin() || c.created_by == user.username {
        Ok(c)
    } else {
        Err(PortalError::Forbidden(format!(
            "only the super admin or `{}`, who created consumer `{}`, may do this",
            c.created_by, c.name
        ))
        .because(
            "consumer_owner_only",
            [("user", &c.created_by), ("consumer", &c.name)],
        ))
    }
}

/// Gives a consumer a new token, shown this once; the old one stops working. Its owner must
/// still be a master of every app it is granted on (or the super admin).
#[utoipa::path(
    post,
    path = "/api/v1/consumers/{id}/token",
    tag = "consumers",
    params(("id" = i64, Path, description = "The consumer")),
    responses(
        (status = 200, description = "The consumer with its new token", body = ConsumerView),
        (status = 403, description = "Neither the super admin nor its owner, or no longer a master of its apps", body = ErrorBody),
        (status = 404, description = "No such consumer", body = ErrorBody),
    )
)]
pub(crate) async fn rotate(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<ConsumerPath>,
) -> Result<Json<ConsumerView>, PortalError> {
    let c = own(&state, &user, path.id).await?;
    let held = held_by(&state, &c).await?;
    require_masters_all(&user, &held)?;
    let (token, hash, hint) = new_token();
    let txn = write::begin(state.db()).await?;
    consumers::set_token(&txn, c.id, &hash, &hint, &user.username).await?;
    record(&txn, &c, "rotate_token", &user.username).await?;
    txn.commit().await?;
    Ok(Json(view(&state, c, &held, Some(token)).await?))
}

/// Deletes a consumer: its token stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/consumers/{id}",
    tag = "consumers",
    params(("id" = i64, Path, description = "The consumer")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Neither the super admin nor its creator", body = ErrorBody),
        (status = 404, description = "No such consumer", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<ConsumerPath>,
) -> Result<StatusCode, PortalError> {
    let c = own(&state, &user, path.id).await?;
    let txn = write::begin(state.db()).await?;
    consumers::delete(&txn, c.id, &user.username).await?;
    rbac::revoke_all(&txn, SUBJECT_CONSUMER, &c.id.to_string(), &user.username).await?;
    record(&txn, &c, "delete", &user.username).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether `user` is a master of every app a consumer holding `held` is granted on.
fn masters_all(user: &CurrentUser, held: &[rbac::Held]) -> bool {
    Grants::new(held)
        .apps()
        .into_iter()
        .all(|app| user.grants.is_master(app))
}

/// Refuses `user` unless [`masters_all`] holds, naming the first app they do not master.
fn require_masters_all(user: &CurrentUser, held: &[rbac::Held]) -> Result<(), PortalError> {
    Grants::new(held)
        .apps()
        .into_iter()
        .try_for_each(|app| user.grants.require_master(app))
}

/// Adopts a consumer whose owner lost their rights: a master of every app it is granted on
/// becomes its owner, and its token works again.
#[utoipa::path(
    post,
    path = "/api/v1/consumers/{id}/adopt",
    tag = "consumers",
    params(("id" = i64, Path, description = "The consumer")),
    responses(
        (status = 200, description = "Adopted", body = ConsumerView),
        (status = 403, description = "Not a master of every app it is granted on", body = ErrorBody),
        (status = 404, description = "No such consumer", body = ErrorBody),
        (status = 409, description = "It works: its owner still has the rights", body = ErrorBody),
    )
)]
pub(crate) async fn adopt(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<ConsumerPath>,
) -> Result<Json<ConsumerView>, PortalError> {
    let c = existing(&state, path.id).await?;
    let held = held_by(&state, &c).await?;
    require_masters_all(&user, &held)?;
    if lapse(state.db(), &c, &held).await?.is_none() {
        return Err(PortalError::Conflict(format!(
            "consumer `{}` works: its owner `{}` still masters its apps",
            c.name, c.created_by
        ))
        .because(
            "consumer_works",
            [("consumer", &c.name), ("user", &c.created_by)],
        ));
    }
    let txn = write::begin(state.db()).await?;
    if !consumers::adopt(&txn, c.id, &c.created_by, &user.username).await? {
        return Err(PortalError::Conflict(format!(
            "consumer `{}` changed meanwhile; reload it",
            c.name
        ))
        .because("consumer_changed", [("consumer", &c.name)]));
    }
    record(&txn, &c, "adopt", &user.username).await?;
    txn.commit().await?;
    let adopted = consumer::Model {
        created_by: user.username.clone(),
        owner_name: user.username.clone(),
        ..c
    };
    Ok(Json(view(&state, adopted, &held, None).await?))
}

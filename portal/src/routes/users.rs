//! Users: anyone signed in may look people up (to grant them roles); the super admin creates,
//! disables and resets them; everyone changes their own password.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_protocol::admin::Page;
use lyre_service_kit::Json;
use lyre_service_kit::extract::{Path, Query};
use lyre_service_kit::time::rfc3339;
use lyre_store::accounts::{self, NewUser, UserChanges};
use lyre_store::config::audit;
use lyre_store::entity::user;
use lyre_store::is_unique_violation;
use lyre_store::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, password};
use crate::{PortalError, PortalState};

/// Shortest password accepted.
const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted, so that hashing cost stays bounded.
const MAX_PASSWORD_LEN: usize = 256;

/// A user as others see them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserView {
    /// The sign-in name.
    username: String,
    /// The name shown to people.
    display_name: String,
    /// The email address (may be empty).
    email: String,
    /// Whether the user may sign in.
    enabled: bool,
    /// Where the user signs in: `local` (a password kept by Lyre), `oidc` or `ldap`.
    source: String,
    /// When the user was created.
    created_at: String,
}

fn view(u: user::Model) -> UserView {
    UserView {
        username: u.username,
        display_name: u.display_name,
        email: u.email,
        enabled: u.is_enabled,
        source: u.source,
        created_at: rfc3339(u.created_at),
    }
}

/// Which users to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UsersQuery {
    /// Only users whose name, display name or email contains this.
    search: Option<String>,
    /// From 0.
    page: Option<u64>,
    /// Entries per page (default 20).
    size: Option<u64>,
}

/// People, by name.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    params(UsersQuery),
    responses(
        (status = 200, description = "One page of users", body = Page<UserView>),
    )
)]
pub(crate) async fn list(
    State(state): State<PortalState>,
    _user: CurrentUser,
    Query(query): Query<UsersQuery>,
) -> Result<Json<Page<UserView>>, PortalError> {
    let request = PageRequest::new(query.page.unwrap_or(0), query.size.unwrap_or(20));
    let found = accounts::list_users(state.db(), query.search.as_deref(), request).await?;
    Ok(Json(Page {
        items: found.items.into_iter().map(view).collect(),
        page: request.page,
        size: request.size,
        total: found.total,
    }))
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateUser {
    /// The sign-in name: letters, digits, `_`, `-`, `.`, `@`; at most 64.
    username: String,
    /// The name shown to people.
    #[serde(default)]
    display_name: String,
    /// The email address.
    #[serde(default)]
    email: String,
    /// The first password (at least 8 characters); the user may change it.
    password: String,
}

fn check_username(name: &str) -> Result<(), PortalError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
        && !name.bytes().all(|b| b == b'.');
    if ok {
        Ok(())
    } else {
        Err(PortalError::InvalidRequest(format!(
            "`username`: `{name}` must be 1 to 64 letters, digits, `_`, `-`, `.` or `@`, not \
             only dots"
        ))
        .because("field_invalid", [("field", "username"), ("value", name)]))
    }
}

fn check_password(field: &str, password: &str) -> Result<(), PortalError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(PortalError::InvalidRequest(format!(
            "`{field}` must have at least {MIN_PASSWORD_LEN} characters"
        ))
        .because("field_too_short", [("field", field)])
        .with("limit", MIN_PASSWORD_LEN));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(PortalError::InvalidRequest(format!(
            "`{field}` must have at most {MAX_PASSWORD_LEN} bytes"
        ))
        .because("field_too_long_bytes", [("field", field)])
        .with("limit", MAX_PASSWORD_LEN));
    }
    Ok(())
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), PortalError> {
    if value.chars().count() > max {
        return Err(PortalError::InvalidRequest(format!(
            "`{field}` must have at most {max} characters"
        ))
        .because("field_too_long", [("field", field)])
        .with("limit", max));
    }
    Ok(())
}

/// Creates a user (the super admin only).
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), PortalError> {
    let username = body.username.trim();
    check_username(username)?;
    check_text("displayName", &body.display_name, 128)?;
    check_text("email", &body.email, 256)?;
    check_password("password", &body.password)?;
    if lyre_store::consumers::find_by_name(state.db(), username)
        .await?
        .is_some()
    {
        return Err(PortalError::Conflict(format!(
            "`{username}` is a CI consumer's name; choose another user name"
        ))
        .because("name_of_consumer", [("name", username)]));
    }
    let hash = password::hash(body.password).await?;
    let display_name = if body.display_name.trim().is_empty() {
        username
    } else {
        body.display_name.trim()
    };
    let created = accounts::create_user(
        state.db(),
        &NewUser {
            username,
            display_name,
            email: body.email.trim(),
            password_hash: &hash,
            source: accounts::SOURCE_LOCAL,
            created_by: &user.username,
        },
    )
    .await;
    let created = match created {
        Ok(created) => created,
        Err(e) if is_unique_violation(&e) => {
            return Err(
                PortalError::Conflict(format!("a user `{username}` exists already"))
                    .because("already_exists", [("kind", "user"), ("name", username)]),
            );
        }
        Err(e) => return Err(e.into()),
    };
    record(&state, username, "create", &user.username).await?;
    Ok((StatusCode::CREATED, Json(view(created))))
}

/// `/users/{username}`.
#[derive(Deserialize)]
pub(crate) struct UserPath {
    username: String,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateUser {
    /// The name shown to people.
    display_name: Option<String>,
    /// The email address.
    email: Option<String>,
    /// `false` disables the user: their sessions end and they cannot sign in.
    enabled: Option<bool>,
}

async fn existing(state: &PortalState, username: &str) -> Result<user::Model, PortalError> {
    accounts::find_user(state.db(), username)
        .await?
        .ok_or_else(|| {
            PortalError::NotFound(format!("no user `{username}`"))
                .because("not_found", [("kind", "user"), ("name", username)])
        })
}

/// Changes a user, or disables or enables them (the super admin only).
#[utoipa::path(
    put,
    path = "/api/v1/users/{username}",
    tag = "users",
    params(("username" = String, Path, description = "The user")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Changed", body = UserView),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Disabling yourself", body = ErrorBody),
    )
)]
pub(crate) async fn update(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<UserPath>,
    Json(body): Json<UpdateUser>,
) -> Result<Json<UserView>, PortalError> {
    let target = existing(&state, &path.username).await?;
    if body.enabled == Some(false) && target.username == user.username {
        return Err(PortalError::Conflict(
            "you cannot disable yourself; ask another super admin".into(),
        )
        .because("disable_self", lyre_protocol::error::NO_PARAMS));
    }
    if let Some(v) = &body.display_name {
        check_text("displayName", v, 128)?;
    }
    if let Some(v) = &body.email {
        check_text("email", v, 256)?;
    }
    let changes = UserChanges {
        display_name: body.display_name.as_deref().map(str::trim),
        email: body.email.as_deref().map(str::trim),
        is_enabled: body.enabled,
        ..Default::default()
    };
    accounts::update_user(state.db(), target.id, &changes, &user.username).await?;
    if body.enabled == Some(false) {
        accounts::revoke_sessions_of(state.db(), target.id, None).await?;
    }
    let operation = match body.enabled {
        Some(false) => "disable",
        Some(true) => "enable",
        None => "update",
    };
    record(&state, &target.username, operation, &user.username).await?;
    Ok(Json(view(existing(&state, &path.username).await?)))
}

/// A new password.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResetPassword {
    /// The new password (at least 8 characters).
    password: String,
}

/// Sets a user's password (the super admin only); their sessions end.
#[utoipa::path(
    post,
    path = "/api/v1/users/{username}/password",
    tag = "users",
    params(("username" = String, Path, description = "The user")),
    request_body = ResetPassword,
    responses(
        (status = 204, description = "Reset"),
        (status = 400, description = "The password is too short or long", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "The user signs in through an identity provider", body = ErrorBody),
    )
)]
pub(crate) async fn reset_password(
    State(state): State<PortalState>,
    user: CurrentUser,
    Path(path): Path<UserPath>,
    Json(body): Json<ResetPassword>,
) -> Result<StatusCode, PortalError> {
    check_password("password", &body.password)?;
    let target = existing(&state, &path.username).await?;
    no_password_for_providers(&target)?;
    let hash = password::hash(body.password).await?;
    let changes = UserChanges {
        password_hash: Some(&hash),
        ..Default::default()
    };
    accounts::update_user(state.db(), target.id, &changes, &user.username).await?;
    let keep = (target.username == user.username).then_some(user.session_id.as_str());
    accounts::revoke_sessions_of(state.db(), target.id, keep).await?;
    record(&state, &target.username, "reset_password", &user.username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangePassword {
    /// The current password.
    current_password: String,
    /// The new password (at least 8 characters).
    new_password: String,
}

/// Changes the signed-in user's password; their other sessions end.
#[utoipa::path(
    put,
    path = "/api/v1/auth/password",
    tag = "auth",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "The new password is too short or long", body = ErrorBody),
        (status = 403, description = "The current password is wrong", body = ErrorBody),
        (status = 409, description = "You sign in through an identity provider", body = ErrorBody),
    )
)]
pub(crate) async fn change_own_password(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<ChangePassword>,
) -> Result<StatusCode, PortalError> {
    check_password("newPassword", &body.new_password)?;
    let me = existing(&state, &user.username).await?;
    no_password_for_providers(&me)?;
    if body.current_password.len() > MAX_PASSWORD_LEN
        || !password::verify(body.current_password, Some(me.password_hash.clone())).await?
    {
        return Err(
            PortalError::Forbidden("the current password is wrong".into())
                .because("current_password_wrong", lyre_protocol::error::NO_PARAMS),
        );
    }
    let hash = password::hash(body.new_password).await?;
    let changes = UserChanges {
        password_hash: Some(&hash),
        ..Default::default()
    };
    accounts::update_user(state.db(), me.id, &changes, &user.username).await?;
    accounts::revoke_sessions_of(state.db(), me.id, Some(&user.session_id)).await?;
    record(&state, &me.username, "change_password", &user.username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user of an identity provider has no password in Lyre: the provider checks who they are.
fn no_password_for_providers(target: &user::Model) -> Result<(), PortalError> {
    if target.source == accounts::SOURCE_LOCAL {
        return Ok(());
    }
    Err(PortalError::Conflict(format!(
        "`{}` signs in through {}, which keeps their password; Lyre holds none to set",
        target.username,
        crate::sso::describe_source(&target.source)
    ))
    .because(
        "password_kept_by_provider",
        [("user", &target.username), ("source", &target.source)],
    ))
}

async fn record(
    state: &PortalState,
    username: &str,
    operation: &str,
    operator: &str,
) -> Result<(), PortalError> {
    audit::record(
        state.db(),
        audit::Record {
            env: "",
            app_id: "",
            entity_type: "user",
            entity_id: username,
            operation,
            detail: "{}".into(),
            operator,
        },
    )
    .await?;
    Ok(())
}

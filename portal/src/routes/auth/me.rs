//! `GET /api/v1/auth/me`: who is signed in; `PUT /api/v1/auth/me/language`: the language the
//! portal speaks to them.

use axum::extract::State;
use axum::http::StatusCode;
use lyre_protocol::ErrorBody;
use lyre_service_kit::Json;
use lyre_store::accounts::{self, SUBJECT_USER, UserChanges};
use lyre_store::rbac;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::sso::GROUP_ORIGIN;
use crate::{PortalError, PortalState};

/// The signed-in user.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Me {
    /// The user name.
    username: String,
    /// The name shown to people.
    display_name: String,
    /// The user's email address (may be empty).
    email: String,
    /// Whether the user is a super admin.
    super_admin: bool,
    /// The roles the user holds, e.g. `SuperAdmin`, `Master+app1`.
    roles: Vec<String>,
    /// Where the user signs in: `local` (a password kept by Lyre), `oidc` or `ldap`.
    source: String,
    /// Each role held and where it came from; a role held both ways is listed twice.
    role_grants: Vec<HeldRole>,
    /// The language the portal speaks to the user (`en` or `zh-CN`); absent until chosen,
    /// when the web UI takes the browser's and stores it.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
}

/// A role and where it came from.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HeldRole {
    /// The role, e.g. `Master+shop`.
    role: String,
    /// The identity provider's group that gives it, applied at each sign-in; absent when
    /// it was granted in Lyre.
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
}

/// The user of the current session.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in user", body = Me),
    )
)]
pub(crate) async fn me(
    State(state): State<PortalState>,
    user: CurrentUser,
) -> Result<Json<Me>, PortalError> {
    let role_grants = rbac::bindings_of(state.db(), SUBJECT_USER, &user.username)
        .await?
        .into_iter()
        .map(|b| HeldRole {
            group: b.origin.strip_prefix(GROUP_ORIGIN).map(str::to_owned),
            role: b.role,
        })
        .collect();
    Ok(Json(Me {
        super_admin: user.is_super_admin(),
        source: user.source,
        role_grants,
        username: user.username,
        display_name: user.display_name,
        email: user.email,
        roles: user.roles,
        language: Some(user.language).filter(|l| !l.is_empty()),
    }))
}

/// The languages the web UI speaks, by BCP 47 tag.
pub(crate) const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

/// The language to speak to the signed-in user.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Language {
    /// `en` or `zh-CN`.
    #[schema(example = "zh-CN")]
    language: String,
}

/// Stores the language the portal speaks to the signed-in user, for every browser they use.
#[utoipa::path(
    put,
    path = "/api/v1/auth/me/language",
    tag = "auth",
    request_body = Language,
    responses(
        (status = 204, description = "Stored"),
        (status = 400, description = "Not a language the portal speaks", body = ErrorBody),
    )
)]
pub(crate) async fn set_language(
    State(state): State<PortalState>,
    user: CurrentUser,
    Json(body): Json<Language>,
) -> Result<StatusCode, PortalError> {
    if !LANGUAGES.contains(&body.language.as_str()) {
        return Err(PortalError::InvalidRequest(format!(
            "`language` must be one of {}, not `{}`",
            LANGUAGES.join(", "),
            body.language.chars().take(32).collect::<String>()
        )));
    }
    if body.language != user.language {
        let changes = UserChanges {
            language: Some(&body.language),
            ..Default::default()
        };
        accounts::update_user(state.db(), user.user_id, &changes, &user.username).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

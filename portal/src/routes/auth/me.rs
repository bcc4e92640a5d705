//! `GET /api/v1/auth/me`: who is signed in.

use lyre_service_kit::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::PortalError;
use crate::auth::CurrentUser;

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
pub(crate) async fn me(user: CurrentUser) -> Result<Json<Me>, PortalError> {
    Ok(Json(Me {
        super_admin: user.is_super_admin(),
        username: user.username,
        display_name: user.display_name,
        email: user.email,
        roles: user.roles,
    }))
}

//! `POST /api/v1/auth/logout`: end the current session.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyre_store::accounts;

use crate::auth::{CurrentUser, expired_session_cookie};
use crate::{PortalError, PortalState};

/// Signs out: the session's token stops working at once, everywhere, and the cookie is
/// removed.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out",
            headers(("set-cookie" = String, description = "Removes the session cookie"))),
    )
)]
pub(crate) async fn logout(
    State(state): State<PortalState>,
    user: CurrentUser,
) -> Result<Response, PortalError> {
    accounts::revoke_session(state.db(), &user.session_id).await?;
    tracing::info!(user = %user.username, "signed out");
    let cookie = expired_session_cookie(state.settings().cookie_secure);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

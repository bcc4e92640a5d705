//! `POST /api/v1/auth/logout`: end the current session.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyre_service_kit::Json;
use lyre_store::accounts;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{CurrentUser, expired_session_cookie};
use crate::{PortalError, PortalState};

/// Where to go to sign out of the identity provider too.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignedOut {
    /// The provider's end-session URL, which sends the browser back to the sign-in page.
    end_session_url: String,
}

/// Signs out: the session's token stops working at once, everywhere, and the cookie is
/// removed. A user who signed in through OpenID Connect is also told where the provider ends
/// its own session (when the provider supports it).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 200, description = "Signed out of Lyre; the browser should go to \
            `endSessionUrl` to sign out of the identity provider too", body = SignedOut,
            headers(("set-cookie" = String, description = "Removes the session cookie"))),
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
    let provider = match state.settings().sign_in.oidc() {
        Some(oidc) if user.source == crate::sso::oidc::SOURCE => oidc.end_session_url().await,
        _ => None,
    };
    Ok(match provider {
        Some(end_session_url) => (
            [(header::SET_COOKIE, cookie)],
            Json(SignedOut { end_session_url }),
        )
            .into_response(),
        None => (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response(),
    })
}

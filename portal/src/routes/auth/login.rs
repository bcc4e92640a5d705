//! `POST /api/v1/auth/login`: exchange a user name and password for a session.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use lyre_protocol::ErrorBody;
use lyre_service_kit::Json;
use lyre_service_kit::peer::PeerAddr;
use lyre_service_kit::time::rfc3339;
use lyre_store::accounts;
use lyre_store::time::now_millis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Claims, password, session_cookie};
use crate::{PortalError, PortalState};

/// Longest password accepted, so that hashing cost stays bounded.
const MAX_PASSWORD_LEN: usize = 1024;

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub(crate) struct LoginRequest {
    /// The user name, e.g. `admin`.
    username: String,
    /// The password.
    password: String,
}

/// A new session.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginResponse {
    /// The session token: send it as `Authorization: Bearer <token>`. It is also set as the
    /// `lyre_session` HttpOnly cookie.
    token: String,
    /// When the session ends (RFC 3339, UTC).
    expires_at: String,
}

/// Signs in. A wrong user name and a wrong password get the same answer; repeated failures
/// for a user name or from an address are refused for a while (429).
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse,
            headers(("set-cookie" = String, description = "The session cookie `lyre_session`"))),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 403, description = "The account is disabled", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn login(
    State(state): State<PortalState>,
    peer: PeerAddr,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<Response, PortalError> {
    let username = request.username.trim();
    if username.is_empty() || request.password.is_empty() {
        return Err(PortalError::InvalidRequest(
            "`username` and `password` must not be empty".into(),
        ));
    }
    if request.password.len() > MAX_PASSWORD_LEN {
        return Err(PortalError::InvalidCredentials);
    }
    let address = state.client_address(&peer, &headers);
    let throttle = &state.0.throttle;
    // Counted before the password is checked: a burst of attempts is counted as it arrives.
    if let Err(wait) = throttle.attempt(username, &address) {
        return Err(PortalError::TooManyAttempts {
            retry_after_secs: wait.as_secs().max(1),
        });
    }

    let user = accounts::find_user(state.db(), username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !password::verify(request.password, hash).await? {
        tracing::info!(user = username, client.address = %address, "failed sign-in");
        return Err(PortalError::InvalidCredentials);
    }
    let user = user.ok_or(PortalError::InvalidCredentials)?;
    throttle.succeeded(username, &address);
    if !user.is_enabled {
        return Err(PortalError::AccountDisabled);
    }

    let ttl = state.settings().session_ttl;
    let now = now_millis();
    let expires_at = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let session_id = password::random_hex(16);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accounts::create_session(
        state.db(),
        &session_id,
        user.id,
        expires_at,
        &address,
        user_agent,
    )
    .await?;
    let token = state.0.tokens.sign(&Claims {
        sub: user.username.clone(),
        jti: session_id,
        iat: now / 1000,
        exp: expires_at / 1000,
    })?;
    tracing::info!(user = %user.username, client.address = %address, "signed in");

    let cookie = session_cookie(&token, ttl.as_secs(), state.settings().cookie_secure);
    let body = LoginResponse {
        token,
        expires_at: rfc3339(expires_at),
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

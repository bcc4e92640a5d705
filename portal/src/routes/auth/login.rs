//! `POST /api/v1/auth/login`: exchange a user name and password for a session.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use lyre_protocol::ErrorBody;
use lyre_service_kit::Json;
use lyre_service_kit::peer::PeerAddr;
use lyre_service_kit::time::rfc3339;
use lyre_store::accounts::{self, SUBJECT_USER};
use lyre_store::entity::user;
use lyre_store::rbac;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{password, start_session};
use crate::rbac::Grants;
use crate::sso::{self, LocalSignIn, ldap};
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

/// Signs in with a password: a local user's, or a directory user's when LDAP is configured.
/// A wrong user name and a wrong password get the same answer; repeated failures for a user
/// name or from an address are refused for a while (429).
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
        (status = 403, description = "The account is disabled, or password sign-in is not \
            allowed to it (`sign_in.local`)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 502, description = "The LDAP directory could not be asked", body = ErrorBody),
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
        )
        .because("credentials_required", [("fields", "username, password")]));
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

    let sign_in = &state.settings().sign_in;
    let local = accounts::find_user(state.db(), username).await?;
    let user = match local {
        // A name of the directory's signs in through the directory (a local name stays local).
        Some(user) if user.source == ldap::SOURCE => {
            ldap_sign_in(&state, username, request.password, &address).await?
        }
        None if sign_in.ldap().is_some() => {
            ldap_sign_in(&state, username, request.password, &address).await?
        }
        user => {
            // Only local users have a password here; anyone else gets the same answer as a
            // wrong password, after the same work.
            let local = user.filter(|u| u.source == accounts::SOURCE_LOCAL);
            let hash = local.as_ref().map(|u| u.password_hash.clone());
            let given = request.password.clone();
            if !password::verify(request.password, hash).await? {
                tracing::info!(user = username, client.address = %address, "failed sign-in");
                return Err(PortalError::InvalidCredentials);
            }
            let user = local.ok_or(PortalError::InvalidCredentials)?;
            local_allowed(&state, &user).await?;
            if password::is_bcrypt(&user.password_hash) {
                // A hash brought from Apollo: replaced with an Argon2id one, now that the
                // password is known to match.
                let new = password::hash(given).await?;
                if accounts::rehash_password(state.db(), user.id, &user.password_hash, &new).await?
                {
                    tracing::info!(
                        user = username,
                        "password hash upgraded from BCrypt to Argon2id"
                    );
                }
            }
            user
        }
    };
    throttle.succeeded(username, &address);
    if !user.is_enabled {
        return Err(PortalError::AccountDisabled);
    }
    let session = start_session(&state, &user, &address, &headers).await?;
    let body = LoginResponse {
        token: session.token,
        expires_at: rfc3339(session.expires_at),
    };
    Ok(([(header::SET_COOKIE, session.cookie)], Json(body)).into_response())
}

/// Signs `username` in through the directory: their profile refreshed and their mapped roles
/// applied, or the same answer as a wrong password.
async fn ldap_sign_in(
    state: &PortalState,
    username: &str,
    password: String,
    address: &str,
) -> Result<user::Model, PortalError> {
    let Some(directory) = state.settings().sign_in.ldap() else {
        // A directory user, with the directory no longer configured.
        let _ = password::verify(password, None).await?;
        return Err(PortalError::InvalidCredentials);
    };
    match directory.authenticate(username, &password).await {
        Ok(Some(profile)) => sso::provision(state, ldap::SOURCE, &profile).await,
        Ok(None) => {
            tracing::info!(user = username, client.address = %address, "failed sign-in (LDAP)");
            Err(PortalError::InvalidCredentials)
        }
        Err(e) => {
            tracing::warn!(user = username, error = %e, "LDAP sign-in");
            Err(PortalError::Unavailable(format!(
                "the company directory could not check your password: {e}"
            ))
            .because("directory_unavailable", [("problem", e)]))
        }
    }
}

/// Whether `user` may sign in with a local password, as `sign_in.local` says.
async fn local_allowed(state: &PortalState, user: &user::Model) -> Result<(), PortalError> {
    let providers = || {
        let sign_in = &state.settings().sign_in;
        match (sign_in.oidc(), sign_in.ldap()) {
            (Some(oidc), _) => format!("sign in with {}", oidc.name()),
            (None, Some(_)) => "sign in with your directory account".to_owned(),
            (None, None) => "ask a super admin".to_owned(),
        }
    };
    // The way the message points to, for a user interface: `oidc` (with `provider`, its
    // name), `directory` or `super_admin`.
    let instead = || {
        let sign_in = &state.settings().sign_in;
        match (sign_in.oidc(), sign_in.ldap()) {
            (Some(oidc), _) => vec![
                ("instead", "oidc".to_owned()),
                ("provider", oidc.name().to_owned()),
            ],
            (None, Some(_)) => vec![("instead", "directory".to_owned())],
            (None, None) => vec![("instead", "super_admin".to_owned())],
        }
    };
    match state.settings().sign_in.local() {
        LocalSignIn::Everyone => Ok(()),
        LocalSignIn::SuperAdmins => {
            let held = rbac::permissions_of(state.db(), SUBJECT_USER, &user.username).await?;
            if Grants::new(&held).is_super_admin() {
                Ok(())
            } else {
                Err(PortalError::Forbidden(format!(
                    "password sign-in is kept for super admins here; {}",
                    providers()
                ))
                .because("password_sign_in_super_admins_only", instead()))
            }
        }
        LocalSignIn::Off => Err(PortalError::Forbidden(format!(
            "password sign-in of local users is switched off here; {}",
            providers()
        ))
        .because("password_sign_in_off", instead())),
    }
}

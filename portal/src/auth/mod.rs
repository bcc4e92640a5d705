//! Sessions: JWTs signed by the portal, sent as an HttpOnly cookie to the web UI and accepted
//! as `Authorization: Bearer` on the APIs. Each token names a session row, so signing out (or
//! disabling the user) ends it before it expires.

pub(crate) mod password;
pub(crate) mod rate;
pub(crate) mod throttle;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lyre_store::{accounts, rbac};
use serde::{Deserialize, Serialize};

use crate::rbac::Grants;
use crate::{PortalError, PortalState};
use lyre_protocol::error::NO_PARAMS;

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "lyre_session";

/// The claims of a session token.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The user name.
    pub sub: String,
    /// The session id (`user_sessions.session_id`).
    pub jti: String,
    /// Issued at, epoch seconds.
    pub iat: i64,
    /// Expires at, epoch seconds.
    pub exp: i64,
}

/// Keys that sign and check session tokens (HS256).
pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// A token carrying `claims` (a session's, or a sign-in flow's), signed.
    pub(crate) fn sign(&self, claims: &impl Serialize) -> Result<String, PortalError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| PortalError::Internal(format!("signing a token: {e}")))
    }

    /// The claims of a well-signed, unexpired token of the kind `T`.
    pub(crate) fn verify<T: serde::de::DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// The signed-in user of a request; extracting it answers 401 when there is none.
#[derive(Clone, Debug)]
pub(crate) struct CurrentUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub session_id: String,
    pub user_id: i64,
    pub roles: Vec<String>,
    pub grants: Grants,
    /// Where the user signs in: `local`, `oidc` or `ldap`.
    pub source: String,
    /// The language the portal speaks to the user; empty until chosen.
    pub language: String,
}

impl CurrentUser {
    pub(crate) fn is_super_admin(&self) -> bool {
        self.grants.is_super_admin()
    }
}

/// The session token of a request: the `Bearer` token if any, else the session cookie.
pub(crate) fn request_token(parts: &Parts) -> Option<&str> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim());
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then_some(value)
        })
}

/// Whether a write might come from another site's page: the browser sends the session cookie
/// along with any request another site makes it send, but such a request can carry neither a
/// JSON body nor an `X-Requested-With` header without the portal's consent (CORS), which the
/// portal never gives. Reads change nothing and pass.
fn sent_from_elsewhere(parts: &Parts) -> bool {
    if parts.method.is_safe() {
        return false;
    }
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    !(json || parts.headers.contains_key("x-requested-with"))
}

impl FromRequestParts<PortalState> for CurrentUser {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        // Authenticated already by the permission check.
        if let Some(user) = parts.extensions.get::<Self>() {
            return Ok(user.clone());
        }
        let token = request_token(parts).ok_or(PortalError::Unauthenticated)?;
        if !parts.headers.contains_key(header::AUTHORIZATION) && sent_from_elsewhere(parts) {
            return Err(PortalError::Forbidden(
                "a write signed in by the session cookie alone needs a JSON body or an \
                 `X-Requested-With` header (a defence against requests other sites make \
                 browsers send)"
                    .into(),
            )
            .because("write_needs_json_or_header", NO_PARAMS));
        }
        signed_in(state, token).await
    }
}

/// The user whose live session `token` names.
async fn signed_in(state: &PortalState, token: &str) -> Result<CurrentUser, PortalError> {
    let claims: Claims = state
        .0
        .tokens
        .verify(token)
        .ok_or(PortalError::Unauthenticated)?;
    let db = state.db();
    let session = accounts::live_session(db, &claims.jti)
        .await?
        .ok_or(PortalError::Unauthenticated)?;
    let user = accounts::find_user_by_id(db, session.user_id)
        .await?
        .filter(|u| u.is_enabled && u.username == claims.sub)
        .ok_or(PortalError::Unauthenticated)?;
    let held = rbac::permissions_of(db, accounts::SUBJECT_USER, &user.username).await?;
    let mut roles: Vec<String> = held.iter().map(|h| h.role.clone()).collect();
    roles.sort();
    roles.dedup();
    crate::actor::authenticated(|| user.username.clone());
    Ok(CurrentUser {
        username: user.username,
        display_name: user.display_name,
        email: user.email,
        session_id: session.session_id,
        user_id: user.id,
        roles,
        grants: Grants::new(&held),
        source: user.source,
        language: user.language,
    })
}

/// The caller of the Open API: a CI consumer by its token (`Authorization: <token>`), or a
/// signed-in user (`Authorization: Bearer <session token>`).
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// The consumer's or user's name.
    pub name: String,
    /// What it may do.
    pub grants: Grants,
    /// The consumer's id; `None` for a user.
    pub consumer: Option<i64>,
    /// The user who owns the consumer (created or adopted it); `None` for a user.
    pub owner: Option<String>,
}

impl Caller {
    /// Who the caller is, as release requests and the audit log name it: a user by name; a
    /// consumer by its name and its owner's, whatever `operator` a request names.
    pub(crate) fn identity(&self) -> String {
        match &self.owner {
            Some(owner) => crate::actor::consumer(&self.name, owner),
            None => self.name.clone(),
        }
    }

    /// Who a change is recorded as. A user is always themselves; a consumer may name an
    /// existing user (Apollo's `dataChangeCreatedBy`, `releasedBy`, `operator`), else it is
    /// recorded under its own name.
    pub(crate) async fn operator(
        &self,
        state: &PortalState,
        given: Option<&str>,
    ) -> Result<String, PortalError> {
        let given = given.map(str::trim).filter(|g| !g.is_empty());
        match (self.consumer, given) {
            (Some(_), Some(given)) => {
                if accounts::find_user(state.db(), given)
                    .await?
                    .is_some_and(|u| u.is_enabled)
                {
                    Ok(given.to_owned())
                } else {
                    Err(PortalError::InvalidRequest(format!(
                        "operator `{given}` is not an enabled user"
                    ))
                    .because("no_enabled_user", [("field", "operator"), ("user", given)]))
                }
            }
            _ => Ok(self.name.clone()),
        }
    }
}

/// The SHA-256 of a consumer token, in hex: what is stored.
pub(crate) fn token_hash(token: &str) -> String {
    lyre_store::consumers::token_hash(token)
}

impl FromRequestParts<PortalState> for Caller {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        // Authenticated (and counted against the rate limit) already by the permission check.
        if let Some(caller) = parts.extensions.get::<Self>() {
            return Ok(caller.clone());
        }
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(PortalError::NoToken)?;
        if let Some((scheme, token)) = value.split_once(' ')
            && scheme.eq_ignore_ascii_case("bearer")
        {
            let user = signed_in(state, token.trim()).await?;
            return Ok(Self {
                name: user.username,
                grants: user.grants,
                consumer: None,
                owner: None,
            });
        }
        let consumer = lyre_store::consumers::by_token(state.db(), &token_hash(value))
            .await?
            .ok_or(PortalError::UnknownToken)?;
        let limit = u32::try_from(consumer.rate_limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(rate::DEFAULT_LIMIT);
        if !state.0.rates.allow(consumer.id, limit) {
            return Err(PortalError::RateLimited { limit });
        }
        let held =
            rbac::permissions_of(state.db(), rbac::SUBJECT_CONSUMER, &consumer.id.to_string())
                .await?;
        if let Some(reason) = crate::routes::consumers::lapse(state.db(), &consumer, &held).await? {
            return Err(PortalError::Forbidden(format!(
                "consumer `{}` no longer works: {reason}; a master of its apps may adopt it \
                 (POST /api/v1/consumers/{}/adopt)",
                consumer.name, consumer.id
            ))
            .because(
                "consumer_orphaned",
                [("consumer", &consumer.name), ("reason", &reason)],
            )
            .with("consumerId", consumer.id));
        }
        let caller = Self {
            name: consumer.name,
            grants: Grants::new(&held),
            consumer: Some(consumer.id),
            owner: Some(consumer.created_by),
        };
        crate::actor::authenticated(|| caller.identity());
        Ok(caller)
    }
}

/// A new session of `user`: recorded, signed, and set as the session cookie.
pub(crate) struct Session {
    /// The session token.
    pub token: String,
    /// When it ends, epoch milliseconds.
    pub expires_at: i64,
    /// The `Set-Cookie` value that carries it.
    pub cookie: String,
}

/// Starts a session of `user`, signed in from `address`.
pub(crate) async fn start_session(
    state: &PortalState,
    user: &lyre_store::entity::user::Model,
    address: &str,
    headers: &axum::http::HeaderMap,
) -> Result<Session, PortalError> {
    let ttl = state.settings().session_ttl;
    let now = lyre_store::time::now_millis();
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
        address,
        user_agent,
    )
    .await?;
    let token = state.0.tokens.sign(&Claims {
        sub: user.username.clone(),
        jti: session_id,
        iat: now / 1000,
        exp: expires_at / 1000,
    })?;
    tracing::info!(user = %user.username, source = %user.source, client.address = %address, "signed in");
    let cookie = session_cookie(&token, ttl.as_secs(), state.settings().cookie_secure);
    Ok(Session {
        token,
        expires_at,
        cookie,
    })
}

/// A `Set-Cookie` value carrying `token` for `max_age_secs`.
pub(crate) fn session_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub(crate) fn expired_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

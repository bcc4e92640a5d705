//! The portal's error type and the table mapping each error to its status and code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use lyre_protocol::{ErrorBody, ErrorParam};
use lyre_service_kit::error_response;
use lyre_store::sea_orm::DbErr;

/// Everything a portal request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No valid session: no token, a bad or expired one, or one that was signed out.
    #[error("sign in required: the session is missing, expired or ended")]
    Unauthenticated,
    /// An Open API request without an `Authorization` header.
    #[error("the Open API needs `Authorization: <consumer token>` (or `Bearer <session token>`)")]
    NoToken,
    /// An Open API request with a token nobody holds.
    #[error("unknown or revoked token")]
    UnknownToken,
    /// The user name or password is wrong (the same answer either way).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// The password is right but the account is disabled.
    #[error("this account is disabled; ask an administrator to enable it")]
    AccountDisabled,
    /// Too many failed sign-ins for this user name or address.
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    TooManyAttempts {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: u64,
    },
    /// The request is malformed or a field is invalid; the message names it.
    #[error("{0}")]
    InvalidRequest(String),
    /// Signed in, but without the permission; the message names what is missing.
    #[error("{0}")]
    Forbidden(String),
    /// The environment requires review: the change goes out through a release request.
    #[error("{0}")]
    ReviewRequired(String),
    /// No such thing; the message names it.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state; the message says how.
    #[error("{0}")]
    Conflict(String),
    /// A release request is under way for the namespace already; the answer names it (as
    /// `requestId` too, for CI).
    #[error("{message}")]
    RequestUnderWay {
        /// The live request, when it could be read.
        request_id: Option<i64>,
        /// What happened.
        message: String,
    },
    /// A CI consumer sent more requests than its rate limit allows.
    #[error("rate limit of {limit} requests per second exceeded; slow down")]
    RateLimited {
        /// The consumer's limit.
        limit: u32,
    },
    /// The admin service refused the request; its answer is passed on as it is.
    #[error("the admin service answered {status}")]
    Admin {
        /// Its status (a client error).
        status: StatusCode,
        /// Its JSON error body.
        body: bytes::Bytes,
    },
    /// An environment's admin service (or its meta server) cannot be reached.
    #[error("{0}")]
    Unavailable(String),
    /// The database failed; details are logged, not answered.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Anything else unexpected; details are logged, not answered.
    #[error("internal error: {0}")]
    Internal(String),
    /// `error`, with the situation named for a user interface (the body's `reason`) and the
    /// values its sentence needs (`params`); status, code and message are `error`'s. Built by
    /// [`PortalError::because`].
    #[error("{error}")]
    Detailed {
        /// The error.
        error: Box<PortalError>,
        /// The situation, in `snake_case` (see docs/api-errors.md).
        reason: &'static str,
        /// The values, by name.
        params: BTreeMap<String, ErrorParam>,
    },
}

/// The situation of an error and its values, as the body's `reason` and `params` carry them.
type Detail = (&'static str, BTreeMap<String, ErrorParam>);

fn params_of(
    params: impl IntoIterator<Item = (&'static str, impl Into<ErrorParam>)>,
) -> BTreeMap<String, ErrorParam> {
    params
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into()))
        .collect()
}

impl PortalError {
    /// This error with the situation `reason` and the values its sentence needs, for a user
    /// interface to say it in the user's language: `PortalError::Forbidden(msg)
    /// .because("missing_role", [("role", role), ("app", app)])`. Status, code and message stay
    /// this error's. Values of other types are added with [`PortalError::with`]; a reason
    /// without values takes `lyre_protocol::error::NO_PARAMS`.
    #[must_use]
    pub fn because(
        self,
        reason: &'static str,
        params: impl IntoIterator<Item = (&'static str, impl Into<ErrorParam>)>,
    ) -> Self {
        let params = params_of(params);
        match self {
            Self::Detailed {
                error,
                params: mut before,
                ..
            } => {
                before.extend(params);
                Self::Detailed {
                    error,
                    reason,
                    params: before,
                }
            }
            error => Self::Detailed {
                error: Box::new(error),
                reason,
                params,
            },
        }
    }

    /// This error with one more value for its reason's sentence; it follows
    /// [`PortalError::because`] (an error without a reason takes no values).
    #[must_use]
    pub fn with(mut self, key: &'static str, value: impl Into<ErrorParam>) -> Self {
        match &mut self {
            Self::Detailed { params, .. } => {
                params.insert(key.to_owned(), value.into());
                self
            }
            _ => self,
        }
    }

    /// The reason and params of the errors whose variant names the situation already.
    fn inherent_detail(&self) -> Option<Detail> {
        let none = BTreeMap::new;
        Some(match self {
            Self::Unauthenticated => ("session_missing", none()),
            Self::NoToken => ("no_token", none()),
            Self::UnknownToken => ("unknown_token", none()),
            Self::InvalidCredentials => ("invalid_credentials", none()),
            Self::AccountDisabled => ("account_disabled", none()),
            Self::TooManyAttempts { retry_after_secs } => (
                "too_many_attempts",
                params_of([("seconds", *retry_after_secs)]),
            ),
            Self::RateLimited { limit } => ("rate_limited", params_of([("limit", *limit)])),
            Self::RequestUnderWay { request_id, .. } => (
                "request_under_way",
                params_of(request_id.map(|id| ("requestId", id))),
            ),
            _ => return None,
        })
    }

    /// The HTTP status and stable code of each error.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Detailed { error, .. } => error.status_and_code(),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::NoToken | Self::UnknownToken => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Self::AccountDisabled => (StatusCode::FORBIDDEN, "account_disabled"),
            Self::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::ReviewRequired(_) => (StatusCode::FORBIDDEN, "review_required"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::RequestUnderWay { .. } => (StatusCode::CONFLICT, "request_under_way"),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Admin { status, .. } => (*status, "admin"),
            Self::Unavailable(_) => (StatusCode::BAD_GATEWAY, "unavailable"),
            Self::Database(_) | Self::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match self {
            Self::Detailed {
                error,
                reason,
                mut params,
            } => {
                for (key, value) in error.inherent_detail().map(|d| d.1).unwrap_or_default() {
                    params.entry(key).or_insert(value);
                }
                error.respond(Some((reason, params)))
            }
            error => {
                let detail = error.inherent_detail();
                error.respond(detail)
            }
        }
    }
}

impl PortalError {
    /// The answer, with `detail` as the body's `reason` and `params` (but never on an opaque
    /// 500, nor on the admin service's answer, which carries its own).
    fn respond(self, detail: Option<Detail>) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Admin { status, body } = self {
            let mut response = Response::new(axum::body::Body::from(body));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            return response;
        }
        if let Self::RequestUnderWay {
            request_id,
            message,
        } = &self
        {
            let mut body =
                serde_json::json!({"code": code, "message": message, "requestId": request_id});
            if let Some((reason, params)) = detail {
                body["reason"] = reason.into();
                if !params.is_empty() {
                    body["params"] = serde_json::json!(params);
                }
            }
            return (status, axum::Json(body)).into_response();
        }
        let with_detail = |message: String| match &detail {
            Some((reason, params)) => {
                let body = ErrorBody::new(code, message).with_reason(*reason, params.clone());
                (status, axum::Json(body)).into_response()
            }
            None => error_response(status, code, message),
        };
        if let Self::Unavailable(reason) = &self {
            tracing::warn!(%reason, "an admin service is unavailable");
            return with_detail(reason.clone());
        }
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            return error_response(status, code, "internal error; see the portal's log");
        }
        let mut response = with_detail(self.to_string());
        match self {
            Self::TooManyAttempts { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::RateLimited { .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

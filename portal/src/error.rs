//! The portal's error type and the table mapping each error to its status and code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyre_service_kit::error_response;
use lyre_store::sea_orm::DbErr;

/// Everything a portal request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No valid session: no token, a bad or expired one, or one that was signed out.
    #[error("sign in required: the session is missing, expired or ended")]
    Unauthenticated,
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
    /// The database failed; details are logged, not answered.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Anything else unexpected; details are logged, not answered.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PortalError {
    /// The HTTP status and stable code of each error.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Self::AccountDisabled => (StatusCode::FORBIDDEN, "account_disabled"),
            Self::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::Database(_) | Self::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            return error_response(status, code, "internal error; see the portal's log");
        }
        let mut response = error_response(status, code, self.to_string());
        if let Self::TooManyAttempts { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

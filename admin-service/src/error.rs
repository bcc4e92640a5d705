//! The admin service's error type and the table mapping each error to its status and code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use lyre_protocol::{ErrorBody, ErrorParam};
use lyre_service_kit::error_response;
use lyre_store::sea_orm::DbErr;

/// Everything an admin request can fail with. Messages name the thing concerned.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A path names an environment this service does not serve.
    #[error("{0}")]
    UnknownEnv(String),
    /// Something named does not exist (the message says what).
    #[error("{message}")]
    NotFound {
        /// Stable code, e.g. `app_not_found`.
        code: &'static str,
        /// What is missing.
        message: String,
    },
    /// Something to create exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The thing changed since the caller read it (its version or revision moved on).
    #[error("{0}")]
    Changed(String),
    /// Another person holds the namespace's edit lock.
    #[error("{0}")]
    Locked(String),
    /// The request conflicts with the current state (e.g. deleting what others depend on).
    #[error("{0}")]
    Conflict(String),
    /// The rules forbid this publish (e.g. publishing one's own locked change).
    #[error("{0}")]
    Forbidden(String),
    /// A field is malformed or out of bounds; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// A file namespace's content does not parse; the message names the line and column.
    #[error("{0}")]
    InvalidContent(String),
    /// What is published does not fit the namespace's schema, which the environment enforces.
    #[error("{message}")]
    SchemaViolation {
        /// The problems, in one sentence.
        message: String,
        /// Each problem: where, and what the schema expects.
        problems: Vec<lyre_protocol::admin::SchemaProblem>,
    },
    /// The database failed; details are logged, not answered.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// `error`, with the situation named for a user interface (the body's `reason`) and the
    /// values its sentence needs (`params`); status, code and message are `error`'s. Built by
    /// [`AdminError::because`].
    #[error("{error}")]
    Detailed {
        /// The error.
        error: Box<AdminError>,
        /// The situation, in `snake_case` (see docs/api-errors.md).
        reason: &'static str,
        /// The values, by name.
        params: BTreeMap<String, ErrorParam>,
    },
}

impl AdminError {
    /// A `not found` error with `code`.
    pub(crate) fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
        }
    }

    /// This error with the situation `reason` and the values its sentence needs, for a user
    /// interface to say it in the user's language (the portal passes the body on): status, code
    /// and message stay this error's. Values of other types are added with
    /// [`AdminError::with`].
    #[must_use]
    pub fn because(
        self,
        reason: &'static str,
        params: impl IntoIterator<Item = (&'static str, impl Into<ErrorParam>)>,
    ) -> Self {
        let params = params.into_iter().map(|(k, v)| (k.to_owned(), v.into()));
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
                params: params.collect(),
            },
        }
    }

    /// This error with one more value for its reason's sentence; it follows
    /// [`AdminError::because`] (an error without a reason takes no values).
    #[must_use]
    pub fn with(mut self, key: &'static str, value: impl Into<ErrorParam>) -> Self {
        if let Self::Detailed { params, .. } = &mut self {
            params.insert(key.to_owned(), value.into());
        }
        self
    }

    /// The error itself, without its reason.
    pub(crate) fn inner(&self) -> &Self {
        match self {
            Self::Detailed { error, .. } => error.inner(),
            other => other,
        }
    }

    /// The HTTP status and stable code of each error.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Detailed { error, .. } => error.status_and_code(),
            Self::UnknownEnv(_) => (StatusCode::NOT_FOUND, "env_not_found"),
            Self::NotFound { code, .. } => (StatusCode::NOT_FOUND, code),
            Self::AlreadyExists(_) => (StatusCode::CONFLICT, "already_exists"),
            Self::Changed(_) => (StatusCode::CONFLICT, "changed"),
            Self::Locked(_) => (StatusCode::CONFLICT, "namespace_locked"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::InvalidContent(_) => (StatusCode::BAD_REQUEST, "invalid_content"),
            Self::SchemaViolation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "schema_violation"),
            Self::Database(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            return error_response(status, code, "internal error; see the admin service's log");
        }
        if let Self::Detailed { reason, params, .. } = &self {
            let body = ErrorBody::new(code, self.to_string()).with_reason(*reason, params.clone());
            return (status, lyre_service_kit::Json(body)).into_response();
        }
        if let Self::SchemaViolation { message, problems } = self {
            let body = SchemaViolationBody {
                code: code.to_owned(),
                message,
                problems,
            };
            return (status, lyre_service_kit::Json(body)).into_response();
        }
        error_response(status, code, self.to_string())
    }
}

/// The answer to a publish that does not fit an enforced schema: the error body, with each
/// problem.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SchemaViolationBody {
    /// `schema_violation`.
    pub code: String,
    /// The problems, in one sentence.
    pub message: String,
    /// Each problem: the key (or JSON pointer) and what the schema expects.
    pub problems: Vec<lyre_protocol::admin::SchemaProblem>,
}

/// A unique violation on insert means the thing exists already; anything else is a failure.
pub(crate) fn exists_or(err: DbErr, message: impl FnOnce() -> String) -> AdminError {
    if lyre_store::is_unique_violation(&err) {
        AdminError::AlreadyExists(message())
    } else {
        AdminError::Database(err)
    }
}

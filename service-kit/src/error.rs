//! Building error responses in the one JSON shape (`lyre_protocol::ErrorBody`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lyre_protocol::ErrorBody;

/// `status` with the body `{"code": code, "message": message}`.
pub fn error_response(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody::new(code, message))).into_response()
}

//! Building error responses in the one JSON shape (`lyre_protocol::ErrorBody`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lyre_protocol::ErrorBody;
use lyre_protocol::error::ErrorParam;

/// `status` with the body `{"code": code, "message": message}`.
pub fn error_response(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody::new(code, message))).into_response()
}

/// `status` with the body `{"code": code, "message": message, "reason": reason, "params":
/// params}`: an error whose situation a user interface names in the user's language
/// (`params` is left out when empty).
pub fn error_response_with_reason(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    reason: &str,
    params: impl IntoIterator<Item = (impl Into<String>, impl Into<ErrorParam>)>,
) -> Response {
    let body = ErrorBody::new(code, message).with_reason(reason, params);
    (status, Json(body)).into_response()
}

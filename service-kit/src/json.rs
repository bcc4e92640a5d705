//! A JSON body extractor whose rejections use the project's error shape and name the problem.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error_response;

/// Like `axum::Json`, but a bad body answers `{"code","message"}`: `415 unsupported_media_type`
/// without a JSON content type, `400 invalid_json` for malformed JSON, `400 invalid_body` for
/// JSON of the wrong shape (naming the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(reject(&rejection)),
        }
    }
}

fn reject(rejection: &JsonRejection) -> Response {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON, sent with `Content-Type: application/json`",
        ),
        JsonRejection::JsonSyntaxError(e) => error_response(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {}", source_message(e)),
        ),
        JsonRejection::JsonDataError(e) => error_response(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!(
                "the body does not have the expected fields: {}",
                source_message(e)
            ),
        ),
        other => error_response(other.status(), "invalid_body", other.body_text()),
    }
}

/// The innermost error message (serde's, which names the field, line and column).
fn source_message(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

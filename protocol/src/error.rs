//! The one JSON shape of every error Lyre answers.

use serde::{Deserialize, Serialize};

/// `{"code":"namespace_not_found","message":"..."}`: a stable machine-readable `code` and a
/// sentence for people that names the problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable identifier of the kind of error, in `snake_case`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

impl ErrorBody {
    /// An error body with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

//! Bodies of `/health` and `/ready`, answered by every service.

use serde::{Deserialize, Serialize};

/// Whether a service (or one of its dependencies) works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Working.
    Up,
    /// Not working.
    Down,
}

/// The answer of `/health` and `/ready`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `UP` or `DOWN`.
    pub status: Status,
    /// The service that answers, e.g. `lyre-config-service`.
    pub service: String,
    /// Why the service is not ready, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

//! The meta server's discovery answers (`/services/config`, `/services/admin`), as Apollo
//! clients read them.

use serde::{Deserialize, Serialize};

/// The service name under which config service instances register.
pub const CONFIG_SERVICE: &str = "lyre-config-service";
/// The service name under which admin service instances register.
pub const ADMIN_SERVICE: &str = "lyre-admin-service";

/// One live instance of a service.
///
/// ```
/// let json = r#"{"appName":"lyre-config-service","instanceId":"h1:8080","homepageUrl":"http://h1:8080/"}"#;
/// let instance: lyre_protocol::meta::ServiceInstance = serde_json::from_str(json).unwrap();
/// assert_eq!(instance.homepage_url, "http://h1:8080/");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceInstance {
    /// The service name, e.g. `lyre-config-service`.
    pub app_name: String,
    /// Unique id of the instance.
    pub instance_id: String,
    /// The base URL clients use, ending with `/`.
    pub homepage_url: String,
}

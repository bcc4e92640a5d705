//! Path and query parameters, checked: a value that exists here is a valid name of a served
//! environment, app, cluster or namespace.

use lyre_protocol::names::{AppId, ClusterName, NamespaceName};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::page::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{AdminError, AdminState};

/// Longest operator name (the schema's user name length).
const OPERATOR_MAX: usize = 64;

impl AdminState {
    /// The served environment named `raw` (matched ignoring case), in its canonical spelling.
    pub(crate) fn env(&self, raw: &str) -> Result<String, AdminError> {
        self.settings()
            .envs
            .iter()
            .find(|e| e.eq_ignore_ascii_case(raw))
            .cloned()
            .ok_or_else(|| {
                AdminError::UnknownEnv(format!(
                    "unknown environment `{raw}`: this admin service serves {}",
                    self.settings().envs.join(", ")
                ))
                .because("not_found", [("kind", "env"), ("name", raw)])
            })
    }
}

pub(crate) fn app_id(raw: &str) -> Result<AppId, AdminError> {
    AppId::parse(raw).map_err(|e| AdminError::Invalid(e.to_string()))
}

pub(crate) fn cluster_name(raw: &str) -> Result<ClusterName, AdminError> {
    ClusterName::parse(raw).map_err(|e| AdminError::Invalid(e.to_string()))
}

pub(crate) fn namespace_name(raw: &str) -> Result<NamespaceName, AdminError> {
    NamespaceName::parse(raw).map_err(|e| AdminError::Invalid(e.to_string()))
}

/// The operator of a write: not blank, at most 64 characters.
pub(crate) fn operator(raw: &str) -> Result<String, AdminError> {
    let operator = raw.trim();
    if operator.is_empty() {
        return Err(
            AdminError::Invalid("`operator` must name who makes the change".into())
                .because("field_required", [("field", "operator")]),
        );
    }
    if operator.chars().count() > OPERATOR_MAX {
        return Err(AdminError::Invalid(format!(
            "`operator` is at most {OPERATOR_MAX} characters"
        ))
        .because("field_too_long", [("field", "operator")])
        .with("limit", OPERATOR_MAX));
    }
    Ok(operator.to_owned())
}

/// `/envs/{env}/apps/{appId}/clusters/{clusterName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterPath {
    env: String,
    app_id: String,
    cluster_name: String,
}

/// A cluster of a served environment, names checked.
pub(crate) struct ClusterAt {
    pub env: String,
    pub app_id: AppId,
    pub cluster: ClusterName,
}

impl ClusterPath {
    /// The cluster as named, for an operation to check.
    pub(crate) fn cluster(&self) -> crate::ops::clusters::ClusterIn<'_> {
        crate::ops::clusters::ClusterIn {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster_name,
        }
    }
}

/// `/envs/{env}/apps/{appId}/clusters/{clusterName}/namespaces/{namespaceName}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NamespacePath {
    env: String,
    app_id: String,
    cluster_name: String,
    namespace_name: String,
}

/// A namespace of a served environment, names checked.
#[derive(Clone, Debug)]
pub(crate) struct NamespaceAt {
    pub env: String,
    pub app_id: AppId,
    pub cluster: ClusterName,
    pub namespace: NamespaceName,
}

impl NamespacePath {
    /// The namespace as named, for an operation to check.
    pub(crate) fn ns(&self) -> crate::ops::Ns<'_> {
        crate::ops::Ns {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster_name,
            namespace: &self.namespace_name,
        }
    }
}

impl NamespaceAt {
    /// The namespace as an error's params name it: `env`, `app`, `cluster`, `namespace`.
    pub(crate) fn params(&self) -> [(&'static str, String); 4] {
        [
            ("env", self.env.clone()),
            ("app", self.app_id.to_string()),
            ("cluster", self.cluster.to_string()),
            ("namespace", self.namespace.to_string()),
        ]
    }

    pub(crate) fn r(&self) -> NamespaceRef<'_> {
        NamespaceRef {
            env: &self.env,
            app_id: self.app_id.as_str(),
            cluster: self.cluster.as_str(),
            namespace: self.namespace.as_str(),
        }
    }
}

impl std::fmt::Display for NamespaceAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.env, self.app_id, self.cluster, self.namespace
        )
    }
}

/// `.../namespaces/{namespaceName}/items/{key}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ItemPath {
    env: String,
    app_id: String,
    cluster_name: String,
    namespace_name: String,
    key: String,
}

impl ItemPath {
    /// The namespace as named, and the key.
    pub(crate) fn ns(&self) -> (crate::ops::Ns<'_>, &str) {
        let ns = crate::ops::Ns {
            env: &self.env,
            app_id: &self.app_id,
            cluster: &self.cluster_name,
            namespace: &self.namespace_name,
        };
        (ns, &self.key)
    }
}

/// `?page=0&size=20`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The page, from 0.
    #[serde(default)]
    page: u64,
    /// Entries per page, 1 to 500 (default 20).
    #[serde(default = "default_size")]
    size: u64,
}

fn default_size() -> u64 {
    20
}

impl PageQuery {
    pub(crate) fn request(&self) -> PageRequest {
        PageRequest::new(self.page, self.size)
    }
}

/// `?operator=alice`, for deletes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OperatorQuery {
    /// Who makes the change.
    pub operator: Option<String>,
}

impl OperatorQuery {
    pub(crate) fn operator(&self) -> Result<String, AdminError> {
        operator(self.operator.as_deref().unwrap_or(""))
    }
}

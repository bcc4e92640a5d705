//! Query strings the portal passes on to the admin service.

use lyre_admin_service::ops::instances::Recent;
use lyre_store::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// Entries per page when a query names no size.
const DEFAULT_SIZE: u64 = 20;

fn page_request(page: Option<u64>, size: Option<u64>) -> PageRequest {
    PageRequest::new(page.unwrap_or(0), size.unwrap_or(DEFAULT_SIZE))
}

/// Which page of a list.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// From 0 (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Entries per page (default 20, at most 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl PageQuery {
    pub(crate) fn request(&self) -> PageRequest {
        page_request(self.page, self.size)
    }
}

/// A page of apps, optionally narrowed.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AppsQuery {
    /// Only apps whose id or name contains this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// From 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Entries per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl AppsQuery {
    pub(crate) fn request(&self) -> PageRequest {
        page_request(self.page, self.size)
    }
}

/// A page of commits, optionally of one key.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CommitsQuery {
    /// Only commits that changed this key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// From 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Entries per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl CommitsQuery {
    pub(crate) fn request(&self) -> PageRequest {
        page_request(self.page, self.size)
    }
}

/// A page of recently seen instances.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstancesQuery {
    /// Only instances seen within this many hours (default 24).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_hours: Option<u32>,
    /// From 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Entries per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl InstancesQuery {
    pub(crate) fn request(&self) -> PageRequest {
        page_request(self.page, self.size)
    }

    pub(crate) fn recent(&self) -> Recent {
        Recent {
            within_hours: self.within_hours,
        }
    }
}

//! Environment policy, the audit log and search, typed: in process through
//! `lyre_admin_service::ops::{settings, audits, search}`, or over HTTP to an environment's admin
//! service. The admin service's URLs for them are built here and nowhere else.

use lyre_admin_service::ops::audits::{self, AuditFilter};
use lyre_admin_service::ops::{search, settings};
use lyre_protocol::admin::{AuditEntry, EnvSettings, Page, SearchHit, UpdateEnvSettings};
use lyre_store::page::PageRequest;
use reqwest::Method;
use serde::Serialize;

use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::scope::with_query;

fn settings_path(env: &str) -> String {
    format!("/envs/{}/settings", encode(env))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditQuery<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    page: u64,
    size: u64,
}

#[derive(Serialize)]
struct SearchQuery<'a> {
    q: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
}

impl Admins {
    /// The policy the admin service keeps for `env`.
    pub(crate) async fn env_settings(&self, env: &str) -> Result<EnvSettings, PortalError> {
        match self.operations() {
            Some(state) => run(settings::get(state, env)).await,
            None => self.get(env, &settings_path(env)).await,
        }
    }

    /// Changes the policy the admin service keeps for `env`.
    pub(crate) async fn set_env_settings(
        &self,
        env: &str,
        change: &UpdateEnvSettings,
    ) -> Result<EnvSettings, PortalError> {
        match self.operations() {
            Some(state) => run(settings::put(state, env, change)).await,
            None => self
                .send_json(env, Method::PUT, &settings_path(env), change)
                .await?
                .json(),
        }
    }

    /// One page of the audit entries `filter` selects, newest first, from `env`'s admin
    /// service.
    pub(crate) async fn audits(
        &self,
        env: &str,
        filter: AuditFilter<'_>,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, PortalError> {
        if let Some(state) = self.operations() {
            return run(audits::list(state, filter, page)).await;
        }
        let query = AuditQuery {
            app_id: filter.app_id,
            operator: filter.operator,
            env: filter.env,
            entity_type: filter.entity_type,
            from: filter.from,
            to: filter.to,
            page: page.page,
            size: page.size,
        };
        self.get(env, &with_query("/audits", &query)?).await
    }

    /// Items whose key or value contains `text`, from `env`'s admin service.
    pub(crate) async fn search(
        &self,
        env: &str,
        text: &str,
        limit: Option<u64>,
    ) -> Result<Vec<SearchHit>, PortalError> {
        if let Some(state) = self.operations() {
            return run(search::search(state, text, limit)).await;
        }
        let query = SearchQuery { q: text, limit };
        self.get(env, &with_query("/search", &query)?).await
    }
}

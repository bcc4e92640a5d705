//! The release and instance operations, typed: in process through
//! `lyre_admin_service::ops::{releases, instances}`, or over HTTP to the environment's admin
//! service. The admin service's URLs for them are built here and nowhere else.

use lyre_admin_service::ops::instances::{self, Recent};
use lyre_admin_service::ops::releases;
use lyre_protocol::admin::{
    AdminPublish, Instance, Page, Release, ReleaseComparison, ReleaseHistory, ReleaseSummary,
    Rollback, UnpublishedChanges,
};
use lyre_store::page::PageRequest;
use reqwest::Method;
use serde::Serialize;

use super::items::ns;
use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::scope::{NsAt, with_query};

/// A page (and a window of recency) as the admin service's query string.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Paging {
    page: u64,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    within_hours: Option<u32>,
}

pub(super) fn paged(
    path: &str,
    page: PageRequest,
    recent: Option<Recent>,
) -> Result<String, PortalError> {
    let paging = Paging {
        page: page.page,
        size: page.size,
        within_hours: recent.and_then(|r| r.within_hours),
    };
    with_query(path, &paging)
}

fn release_path(env: &str, suffix: &str) -> String {
    format!("/envs/{}/releases{suffix}", encode(env))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RollbackQuery<'a> {
    operator: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_release_id: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompareQuery {
    base_release_id: i64,
    to_release_id: i64,
}

impl Admins {
    /// Publishes the namespace (main, not a gray branch); with `command.release_request`, the
    /// approved request is checked and closed in the same transaction.
    pub(crate) async fn publish(
        &self,
        at: &NsAt,
        command: &AdminPublish,
    ) -> Result<Release, PortalError> {
        match self.operations() {
            Some(state) => run(releases::publish(state, ns(at), command)).await,
            None => self
                .send_json(&at.env, Method::POST, &at.admin("/releases"), command)
                .await?
                .json(),
        }
    }

    /// One page of the namespace's releases, newest first.
    pub(crate) async fn releases(
        &self,
        at: &NsAt,
        page: PageRequest,
    ) -> Result<Page<ReleaseSummary>, PortalError> {
        match self.operations() {
            Some(state) => run(releases::list(state, ns(at), page)).await,
            None => {
                let path = paged(&at.admin("/releases"), page, None)?;
                self.get(&at.env, &path).await
            }
        }
    }

    /// One page of the namespace's release history, newest first.
    pub(crate) async fn release_histories(
        &self,
        at: &NsAt,
        page: PageRequest,
    ) -> Result<Page<ReleaseHistory>, PortalError> {
        match self.operations() {
            Some(state) => run(releases::histories(state, ns(at), page)).await,
            None => {
                let path = paged(&at.admin("/releases/histories"), page, None)?;
                self.get(&at.env, &path).await
            }
        }
    }

    /// The release the namespace's clients get now.
    pub(crate) async fn latest_release(&self, at: &NsAt) -> Result<Release, PortalError> {
        match self.operations() {
            Some(state) => run(releases::latest(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("/releases/latest")).await,
        }
    }

    /// The namespace's changes not yet published.
    pub(crate) async fn changes(&self, at: &NsAt) -> Result<UnpublishedChanges, PortalError> {
        match self.operations() {
            Some(state) => run(releases::changes(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("/changes")).await,
        }
    }

    /// The release `id` of `env`.
    pub(crate) async fn release(&self, env: &str, id: i64) -> Result<Release, PortalError> {
        match self.operations() {
            Some(state) => run(releases::get(state, env, id)).await,
            None => self.get(env, &release_path(env, &format!("/{id}"))).await,
        }
    }

    /// How release `to` of `env` differs from release `base` (0 for none).
    pub(crate) async fn compare_releases(
        &self,
        env: &str,
        base: i64,
        to: i64,
    ) -> Result<ReleaseComparison, PortalError> {
        if let Some(state) = self.operations() {
            return run(releases::compare(state, env, base, to)).await;
        }
        let query = CompareQuery {
            base_release_id: base,
            to_release_id: to,
        };
        let path = with_query(&release_path(env, "/compare"), &query)?;
        self.get(env, &path).await
    }

    /// Rolls back from release `id` of `env` (its namespace's latest) to the one before, or to
    /// `to_release_id`.
    pub(crate) async fn rollback(
        &self,
        env: &str,
        id: i64,
        operator: &str,
        to_release_id: Option<i64>,
    ) -> Result<Rollback, PortalError> {
        if let Some(state) = self.operations() {
            return run(releases::rollback(state, env, id, operator, to_release_id)).await;
        }
        let query = RollbackQuery {
            operator,
            to_release_id,
        };
        let path = with_query(&release_path(env, &format!("/{id}/rollback")), &query)?;
        self.send(env, Method::PUT, &path, None).await?.json()
    }

    /// One page of the instances that read the namespace recently.
    pub(crate) async fn instances(
        &self,
        at: &NsAt,
        recent: Recent,
        page: PageRequest,
    ) -> Result<Page<Instance>, PortalError> {
        match self.operations() {
            Some(state) => run(instances::of_namespace(state, ns(at), recent, page)).await,
            None => {
                let path = paged(&at.admin("/instances"), page, Some(recent))?;
                self.get(&at.env, &path).await
            }
        }
    }

    /// One page of the instances that hold release `id` of `env`.
    pub(crate) async fn release_instances(
        &self,
        env: &str,
        id: i64,
        recent: Recent,
        page: PageRequest,
    ) -> Result<Page<Instance>, PortalError> {
        if let Some(state) = self.operations() {
            return run(instances::of_release(state, env, id, recent, page)).await;
        }
        let path = paged(
            &release_path(env, &format!("/{id}/instances")),
            page,
            Some(recent),
        )?;
        self.get(env, &path).await
    }
}

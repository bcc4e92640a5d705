//! The gray-branch operations, typed: in process through `lyre_admin_service::ops::branches`,
//! or over HTTP to the environment's admin service. The admin service's URLs for them are built
//! here and nowhere else.

use lyre_admin_service::ops::branches::{self, overrides, rules};
use lyre_admin_service::ops::instances::Recent;
use lyre_protocol::admin::{
    AdminPublish, Branch, GrayRules, Instance, OperatorBody, Page, Release, SetOverride,
    UpdateGrayRules,
};
use lyre_store::page::PageRequest;
use reqwest::Method;
use serde::Serialize;

use super::items::ns;
use super::releases::paged;
use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::queries::OperatorQuery;
use crate::routes::scope::{NsAt, with_query};

fn branch_path(at: &NsAt, branch: &str, suffix: &str) -> String {
    at.admin(&format!("/branches/{}{suffix}", encode(branch)))
}

fn override_path(at: &NsAt, branch: &str, key: &str) -> String {
    branch_path(at, branch, &format!("/overrides/{}", encode(key)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MergeQuery {
    delete_branch: bool,
}

impl Admins {
    /// The namespace's gray branch.
    pub(crate) async fn branch(&self, at: &NsAt) -> Result<Branch, PortalError> {
        match self.operations() {
            Some(state) => run(branches::get(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("/branches")).await,
        }
    }

    /// Creates the namespace's gray branch.
    pub(crate) async fn create_branch(
        &self,
        at: &NsAt,
        operator: &str,
    ) -> Result<Branch, PortalError> {
        if let Some(state) = self.operations() {
            return run(branches::create(state, ns(at), operator)).await;
        }
        let body = OperatorBody {
            operator: operator.to_owned(),
        };
        self.send_json(&at.env, Method::POST, &at.admin("/branches"), &body)
            .await?
            .json()
    }

    /// Abandons gray branch `branch`: its clients go back to main.
    pub(crate) async fn abandon_branch(
        &self,
        at: &NsAt,
        branch: &str,
        operator: &str,
    ) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            return run(branches::abandon(state, ns(at), branch, operator)).await;
        }
        let path = with_query(&branch_path(at, branch, ""), &OperatorQuery { operator })?;
        self.send(&at.env, Method::DELETE, &path, None)
            .await?
            .ok()?;
        Ok(())
    }

    /// One page of the instances served gray branch `branch`'s release.
    pub(crate) async fn branch_instances(
        &self,
        at: &NsAt,
        branch: &str,
        recent: Recent,
        page: PageRequest,
    ) -> Result<Page<Instance>, PortalError> {
        if let Some(state) = self.operations() {
            return run(branches::instances(state, ns(at), branch, recent, page)).await;
        }
        let path = paged(&branch_path(at, branch, "/instances"), page, Some(recent))?;
        self.get(&at.env, &path).await
    }

    /// Gray branch `branch`'s rules.
    pub(crate) async fn gray_rules(
        &self,
        at: &NsAt,
        branch: &str,
    ) -> Result<GrayRules, PortalError> {
        match self.operations() {
            Some(state) => run(rules::get(state, ns(at), branch)).await,
            None => self.get(&at.env, &branch_path(at, branch, "/rules")).await,
        }
    }

    /// Replaces gray branch `branch`'s rules.
    pub(crate) async fn set_gray_rules(
        &self,
        at: &NsAt,
        branch: &str,
        change: &UpdateGrayRules,
    ) -> Result<GrayRules, PortalError> {
        if let Some(state) = self.operations() {
            return run(rules::set(state, ns(at), branch, change)).await;
        }
        let path = branch_path(at, branch, "/rules");
        self.send_json(&at.env, Method::PUT, &path, change)
            .await?
            .json()
    }

    /// Sets gray branch `branch`'s override of `key`.
    pub(crate) async fn set_override(
        &self,
        at: &NsAt,
        branch: &str,
        key: &str,
        change: &SetOverride,
    ) -> Result<Branch, PortalError> {
        if let Some(state) = self.operations() {
            return run(overrides::set(state, ns(at), branch, key, change)).await;
        }
        let path = override_path(at, branch, key);
        self.send_json(&at.env, Method::PUT, &path, change)
            .await?
            .json()
    }

    /// Removes gray branch `branch`'s override of `key`.
    pub(crate) async fn delete_override(
        &self,
        at: &NsAt,
        branch: &str,
        key: &str,
        operator: &str,
    ) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            return run(overrides::delete(state, ns(at), branch, key, operator)).await;
        }
        let path = with_query(&override_path(at, branch, key), &OperatorQuery { operator })?;
        self.send(&at.env, Method::DELETE, &path, None)
            .await?
            .ok()?;
        Ok(())
    }

    /// Publishes gray branch `branch` to the clients its rules select; with
    /// `command.release_request`, the approved request is checked and closed in the same
    /// transaction.
    pub(crate) async fn gray_publish(
        &self,
        at: &NsAt,
        branch: &str,
        command: &AdminPublish,
    ) -> Result<Release, PortalError> {
        if let Some(state) = self.operations() {
            return run(branches::publish(state, ns(at), branch, command)).await;
        }
        let path = branch_path(at, branch, "/releases");
        self.send_json(&at.env, Method::POST, &path, command)
            .await?
            .json()
    }

    /// Merges gray branch `branch` into main and publishes main; the branch is deleted when
    /// `delete_branch`.
    pub(crate) async fn merge(
        &self,
        at: &NsAt,
        branch: &str,
        delete_branch: bool,
        command: &AdminPublish,
    ) -> Result<Release, PortalError> {
        if let Some(state) = self.operations() {
            return run(branches::merge(
                state,
                ns(at),
                branch,
                delete_branch,
                command,
            ))
            .await;
        }
        let path = with_query(
            &branch_path(at, branch, "/merge"),
            &MergeQuery { delete_branch },
        )?;
        self.send_json(&at.env, Method::POST, &path, command)
            .await?
            .json()
    }
}

//! The item operations (table mode), typed: in process through `lyre_admin_service::ops::items`,
//! or over HTTP to the environment's admin service. The admin service's URLs for them are built
//! here and nowhere else.

use lyre_admin_service::ops::Ns;
use lyre_admin_service::ops::items::{self, Saved};
use lyre_admin_service::ops::text;
use lyre_protocol::admin::{
    Commit, CreateItem, Item, ItemBatch, ItemBatchResult, Page, UpdateItem,
};
use lyre_store::page::PageRequest;
use reqwest::{Method, StatusCode};
use serde::Serialize;

use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::scope::{NsAt, with_query};

pub(super) fn ns(at: &NsAt) -> Ns<'_> {
    Ns {
        env: &at.env,
        app_id: &at.app,
        cluster: &at.cluster,
        namespace: &at.namespace,
    }
}

fn item_path(at: &NsAt, key: &str) -> String {
    at.admin(&format!("/items/{}", encode(key)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Upsert {
    create_if_not_exists: bool,
}

#[derive(Serialize)]
struct Deletion<'a> {
    operator: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
}

impl Admins {
    /// The namespace's items, in order.
    pub(crate) async fn items(&self, at: &NsAt) -> Result<Vec<Item>, PortalError> {
        match self.operations() {
            Some(state) => run(items::list(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("/items")).await,
        }
    }

    /// The item `key`.
    pub(crate) async fn item(&self, at: &NsAt, key: &str) -> Result<Item, PortalError> {
        match self.operations() {
            Some(state) => run(items::get(state, ns(at), key)).await,
            None => self.get(&at.env, &item_path(at, key)).await,
        }
    }

    /// Adds an item at the end of the namespace.
    pub(crate) async fn create_item(
        &self,
        at: &NsAt,
        new: &CreateItem,
    ) -> Result<Item, PortalError> {
        match self.operations() {
            Some(state) => run(items::create(state, ns(at), new)).await,
            None => self
                .send_json(&at.env, Method::POST, &at.admin("/items"), new)
                .await?
                .json(),
        }
    }

    /// Changes item `key` (adds it when missing and `create_if_missing`).
    pub(crate) async fn update_item(
        &self,
        at: &NsAt,
        key: &str,
        change: &UpdateItem,
        create_if_missing: bool,
    ) -> Result<Saved, PortalError> {
        if let Some(state) = self.operations() {
            return run(items::update(state, ns(at), key, change, create_if_missing)).await;
        }
        let path = with_query(
            &item_path(at, key),
            &Upsert {
                create_if_not_exists: create_if_missing,
            },
        )?;
        let reply = self.send_json(&at.env, Method::PUT, &path, change).await?;
        let created = reply.status == StatusCode::CREATED;
        Ok(Saved {
            item: reply.json()?,
            created,
        })
    }

    /// Deletes item `key`; with `version`, only if it is still at that version.
    pub(crate) async fn delete_item(
        &self,
        at: &NsAt,
        key: &str,
        operator: &str,
        version: Option<i64>,
    ) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            return run(items::delete(state, ns(at), key, operator, version)).await;
        }
        let path = with_query(&item_path(at, key), &Deletion { operator, version })?;
        self.send(&at.env, Method::DELETE, &path, None)
            .await?
            .ok()?;
        Ok(())
    }

    /// Sets and deletes several keys at once, all or nothing.
    pub(crate) async fn item_batch(
        &self,
        at: &NsAt,
        batch: &ItemBatch,
    ) -> Result<ItemBatchResult, PortalError> {
        match self.operations() {
            Some(state) => run(text::batch(state, ns(at), batch)).await,
            None => self
                .send_json(&at.env, Method::POST, &at.admin("/itemset"), batch)
                .await?
                .json(),
        }
    }

    /// One page of the namespace's recorded changes, newest first; with `key`, only those
    /// that touched it.
    pub(crate) async fn commits(
        &self,
        at: &NsAt,
        key: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Commit>, PortalError> {
        if let Some(state) = self.operations() {
            return run(items::commits(state, ns(at), key, page)).await;
        }
        let query = CommitsQuery {
            key,
            page: page.page,
            size: page.size,
        };
        let path = with_query(&at.admin("/commits"), &query)?;
        self.get(&at.env, &path).await
    }
}

#[derive(Serialize)]
struct CommitsQuery<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    page: u64,
    size: u64,
}

//! The app and app-namespace operations, typed: in process through
//! `lyre_admin_service::ops::{apps, app_namespaces}`, or over HTTP to an environment's admin
//! service. The admin service's URLs for them are built here and nowhere else.

use lyre_admin_service::ops::{app_namespaces, apps};
use lyre_protocol::admin::{App, AppNamespace, CreateApp, CreateAppNamespace, Page, UpdateApp};
use lyre_store::page::PageRequest;
use reqwest::Method;
use serde::Serialize;

use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::queries::OperatorQuery;
use crate::routes::scope::with_query;

fn app_path(app: &str, suffix: &str) -> String {
    format!("/apps/{}{suffix}", encode(app))
}

fn definition_path(app: &str, name: &str) -> String {
    app_path(app, &format!("/appnamespaces/{}", encode(name)))
}

#[derive(Serialize)]
struct AppsQuery<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<&'a str>,
    page: u64,
    size: u64,
}

impl Admins {
    /// One page of apps, optionally only those whose id or name contains `search`.
    pub(crate) async fn apps(
        &self,
        env: &str,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<App>, PortalError> {
        if let Some(state) = self.operations() {
            return run(apps::list(state, search, page)).await;
        }
        let query = AppsQuery {
            search,
            page: page.page,
            size: page.size,
        };
        self.get(env, &with_query("/apps", &query)?).await
    }

    /// The app `app`.
    pub(crate) async fn app(&self, env: &str, app: &str) -> Result<App, PortalError> {
        match self.operations() {
            Some(state) => run(apps::get(state, app)).await,
            None => self.get(env, &app_path(app, "")).await,
        }
    }

    /// Creates an app.
    pub(crate) async fn create_app(&self, env: &str, new: &CreateApp) -> Result<App, PortalError> {
        match self.operations() {
            Some(state) => run(apps::create(state, new)).await,
            None => self
                .send_json(env, Method::POST, "/apps", new)
                .await?
                .json(),
        }
    }

    /// Changes the app `app`.
    pub(crate) async fn update_app(
        &self,
        env: &str,
        app: &str,
        change: &UpdateApp,
    ) -> Result<App, PortalError> {
        match self.operations() {
            Some(state) => run(apps::update(state, app, change)).await,
            None => self
                .send_json(env, Method::PUT, &app_path(app, ""), change)
                .await?
                .json(),
        }
    }

    /// Deletes the app `app` with everything it holds.
    pub(crate) async fn delete_app(
        &self,
        env: &str,
        app: &str,
        operator: &str,
    ) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            return run(apps::delete(state, app, operator)).await;
        }
        let path = with_query(&app_path(app, ""), &OperatorQuery { operator })?;
        self.send(env, Method::DELETE, &path, None).await?.ok()?;
        Ok(())
    }

    /// The namespaces the app `app` defines.
    pub(crate) async fn app_namespaces(
        &self,
        env: &str,
        app: &str,
    ) -> Result<Vec<AppNamespace>, PortalError> {
        match self.operations() {
            Some(state) => run(app_namespaces::list(state, app)).await,
            None => self.get(env, &app_path(app, "/appnamespaces")).await,
        }
    }

    /// Every public namespace definition.
    pub(crate) async fn public_namespaces(
        &self,
        env: &str,
    ) -> Result<Vec<AppNamespace>, PortalError> {
        match self.operations() {
            Some(state) => run(app_namespaces::list_public(state)).await,
            None => self.get(env, "/appnamespaces/public").await,
        }
    }

    /// Defines a namespace of the app `app`.
    pub(crate) async fn create_app_namespace(
        &self,
        env: &str,
        app: &str,
        new: &CreateAppNamespace,
    ) -> Result<AppNamespace, PortalError> {
        if let Some(state) = self.operations() {
            return run(app_namespaces::create(state, app, new)).await;
        }
        let path = app_path(app, "/appnamespaces");
        self.send_json(env, Method::POST, &path, new).await?.json()
    }

    /// Deletes the app `app`'s namespace `name` everywhere.
    pub(crate) async fn delete_app_namespace(
        &self,
        env: &str,
        app: &str,
        name: &str,
        operator: &str,
    ) -> Result<(), PortalError> {
        if let Some(state) = self.operations() {
            return run(app_namespaces::delete(state, app, name, operator)).await;
        }
        let path = with_query(&definition_path(app, name), &OperatorQuery { operator })?;
        self.send(env, Method::DELETE, &path, None).await?.ok()?;
        Ok(())
    }
}

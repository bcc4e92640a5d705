//! The access-key operations, typed: in process through `lyre_admin_service::ops::access_keys`,
//! or over HTTP to the environment's admin service. The admin service's URLs for them are built
//! here and nowhere else.

use lyre_admin_service::ops::access_keys::{self, AppIn};
use lyre_protocol::admin::{AccessKey, OperatorBody, UpdateAccessKey};
use reqwest::Method;

use super::{Admins, encode, run};
use crate::PortalError;
use crate::routes::queries::OperatorQuery;
use crate::routes::scope::with_query;

fn keys_path(env: &str, app: &str) -> String {
    format!("/envs/{}/apps/{}/accesskeys", encode(env), encode(app))
}

fn key_path(env: &str, app: &str, key_id: i64, suffix: &str) -> String {
    format!("{}/{key_id}{suffix}", keys_path(env, app))
}

impl Admins {
    /// The app's keys in `env`, without their secrets.
    pub(crate) async fn access_keys(
        &self,
        env: &str,
        app: &str,
    ) -> Result<Vec<AccessKey>, PortalError> {
        match self.operations() {
            Some(state) => run(access_keys::list(state, AppIn { env, app_id: app })).await,
            None => self.get(env, &keys_path(env, app)).await,
        }
    }

    /// A new key, disabled, with its secret.
    pub(crate) async fn create_access_key(
        &self,
        env: &str,
        app: &str,
        operator: &str,
    ) -> Result<AccessKey, PortalError> {
        match self.operations() {
            Some(state) => {
                run(access_keys::create(
                    state,
                    AppIn { env, app_id: app },
                    operator,
                ))
                .await
            }
            None => {
                let body = OperatorBody {
                    operator: operator.to_owned(),
                };
                self.send_json(env, Method::POST, &keys_path(env, app), &body)
                    .await?
                    .json()
            }
        }
    }

    /// Key `key_id` turned on or off, or switched between enforcing and observing.
    pub(crate) async fn update_access_key(
        &self,
        env: &str,
        app: &str,
        key_id: i64,
        change: &UpdateAccessKey,
    ) -> Result<AccessKey, PortalError> {
        let at = AppIn { env, app_id: app };
        match self.operations() {
            Some(state) => run(access_keys::update(state, at, key_id, change)).await,
            None => self
                .send_json(env, Method::PUT, &key_path(env, app, key_id, ""), change)
                .await?
                .json(),
        }
    }

    /// Deletes key `key_id` (it must be disabled).
    pub(crate) async fn delete_access_key(
        &self,
        env: &str,
        app: &str,
        key_id: i64,
        operator: &str,
    ) -> Result<(), PortalError> {
        let at = AppIn { env, app_id: app };
        match self.operations() {
            Some(state) => run(access_keys::delete(state, at, key_id, operator)).await,
            None => {
                let path =
                    with_query(&key_path(env, app, key_id, ""), &OperatorQuery { operator })?;
                self.send(env, Method::DELETE, &path, None).await?.ok()?;
                Ok(())
            }
        }
    }

    /// Key `key_id` with its secret; the reveal is audited.
    pub(crate) async fn reveal_access_key(
        &self,
        env: &str,
        app: &str,
        key_id: i64,
        operator: &str,
    ) -> Result<AccessKey, PortalError> {
        let at = AppIn { env, app_id: app };
        match self.operations() {
            Some(state) => run(access_keys::reveal(state, at, key_id, operator)).await,
            None => {
                let body = OperatorBody {
                    operator: operator.to_owned(),
                };
                let path = key_path(env, app, key_id, "/reveal");
                self.send_json(env, Method::POST, &path, &body)
                    .await?
                    .json()
            }
        }
    }
}

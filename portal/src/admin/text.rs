//! A namespace as text, typed: in process through `lyre_admin_service::ops::text`, or over
//! HTTP to the environment's admin service (its URL built here and nowhere else).

use lyre_admin_service::ops::text;
use lyre_protocol::admin::{NamespaceText, UpdateText};
use reqwest::Method;

use super::items::ns;
use super::{Admins, run};
use crate::PortalError;
use crate::routes::scope::NsAt;

impl Admins {
    /// The namespace as text, with the revision it shows.
    pub(crate) async fn text(&self, at: &NsAt) -> Result<NamespaceText, PortalError> {
        match self.operations() {
            Some(state) => run(text::get(state, ns(at))).await,
            None => self.get(&at.env, &at.admin("/text")).await,
        }
    }

    /// Replaces the namespace's items with those of a text, as one change.
    pub(crate) async fn put_text(
        &self,
        at: &NsAt,
        change: &UpdateText,
    ) -> Result<NamespaceText, PortalError> {
        match self.operations() {
            Some(state) => run(text::put(state, ns(at), change)).await,
            None => self
                .send_json(&at.env, Method::PUT, &at.admin("/text"), change)
                .await?
                .json(),
        }
    }
}

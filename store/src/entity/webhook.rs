//! `webhooks`: An address that hears of an app's events (or every app's), signed with its secret.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The app it hears of; empty for the whole installation.
    pub app_id: String,
    pub url: String,
    /// The key of its deliveries' HMAC-SHA256 signatures; empty when it is sealed.
    pub secret: String,
    /// The key, sealed under the secret keys, where keys are configured (else empty).
    pub sealed_secret: String,
    /// The event kinds it hears, comma separated; `*` for all.
    pub events: String,
    pub description: String,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

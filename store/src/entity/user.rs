//! `users`: A person who signs in to the portal.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password_hash: String,
    pub is_enabled: bool,
    /// Where the user signs in: `local`, `oidc` or `ldap`.
    pub source: String,
    /// The language the portal speaks to the user (`en`, `zh-CN`); empty until chosen.
    pub language: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// `Debug` that never prints `password_hash`.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("is_enabled", &self.is_enabled)
            .field("source", &self.source)
            .field("language", &self.language)
            .field("created_by", &self.created_by)
            .field("created_at", &self.created_at)
            .field("updated_by", &self.updated_by)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl ActiveModelBehavior for ActiveModel {}

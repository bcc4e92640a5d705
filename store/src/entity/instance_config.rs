//! `instance_configs`: Which release of a namespace an instance received, and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_configs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub instance_id: i64,
    pub env: String,
    pub config_app_id: String,
    pub config_cluster_name: String,
    pub config_namespace_name: String,
    pub release_key: String,
    pub release_delivered_at: i64,
    /// The hash of the schema the instance's typed view was built with ("" when none was sent).
    pub schema_hash: String,
    /// The release the instance last reported on ("" when it never reported).
    pub applied_release_key: String,
    /// `applied` or `rejected` ("" when it never reported).
    pub apply_status: String,
    /// Why it rejected the release.
    pub apply_reason: String,
    /// When it reported (epoch ms; 0 when it never did).
    pub applied_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::instance::Entity",
        from = "Column::InstanceId",
        to = "super::instance::Column::Id"
    )]
    Instance,
}

impl Related<super::instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Instance.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

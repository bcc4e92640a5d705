//! `rollouts`: A gray branch's release sent to a growing share of an app's instances, step by
//! step; halted and rolled back when instances reject it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub env: String,
    pub app_id: String,
    pub cluster_name: String,
    pub namespace_name: String,
    pub branch_name: String,
    /// The percentages of the steps, comma separated (`5,25,50,100`).
    pub steps: String,
    pub bake_seconds: i64,
    /// Rejections the rollout tolerates; one more halts it.
    pub max_rejected: i64,
    /// The step in force (0-based).
    pub step: i32,
    /// `running`, `paused`, `halted`, `aborted` or `completed`.
    pub state: String,
    /// Why it halted or was aborted.
    pub reason: String,
    pub title: String,
    pub comment: String,
    /// Main's release when it started: the last good one.
    pub base_release_id: i64,
    /// The branch's release it started with.
    pub start_release_id: i64,
    pub step_started_at: i64,
    pub paused_at: i64,
    pub ended_at: i64,
    /// The process driving it, until `lease_until` (epoch ms).
    pub lease_owner: String,
    pub lease_until: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

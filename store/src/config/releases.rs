//! Releases, their history, and the messages that tell config services about them.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::namespaces::NamespaceRef;
use crate::entity::{release, release_history, release_message};
use crate::page::{self, PageRequest, Paged};
use crate::time::now_millis;

fn of(r: NamespaceRef<'_>) -> sea_orm::Select<release::Entity> {
    use release::Column;
    release::Entity::find()
        .filter(Column::Env.eq(r.env))
        .filter(Column::AppId.eq(r.app_id))
        .filter(Column::ClusterName.eq(r.cluster))
        .filter(Column::NamespaceName.eq(r.namespace))
        .filter(Column::DeletedAt.eq(0))
}

/// The latest release of the namespace that is not abandoned: the one served.
pub async fn latest_active(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
) -> Result<Option<release::Model>, DbErr> {
    of(r)
        .filter(release::Column::IsAbandoned.eq(false))
        .order_by_desc(release::Column::Id)
        .one(db)
        .await
}

/// Active (not abandoned) releases of the namespace, newest first (at most `limit` when given).
pub async fn active(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    limit: Option<u64>,
) -> Result<Vec<release::Model>, DbErr> {
    let mut select = of(r)
        .filter(release::Column::IsAbandoned.eq(false))
        .order_by_desc(release::Column::Id);
    if let Some(limit) = limit {
        select = select.limit(limit);
    }
    select.all(db).await
}

/// Release `id` of environment `env`.
pub async fn find(
    db: &impl ConnectionTrait,
    env: &str,
    id: i64,
) -> Result<Option<release::Model>, DbErr> {
    release::Entity::find_by_id(id)
        .filter(release::Column::Env.eq(env))
        .filter(release::Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// One page of the namespace's releases (abandoned ones included), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    request: PageRequest,
) -> Result<Paged<release::Model>, DbErr> {
    page::fetch(db, of(r).order_by_desc(release::Column::Id), request).await
}

/// The fields of a new release.
#[derive(Clone, Debug)]
pub struct NewRelease<'a> {
    /// Where it belongs.
    pub namespace: NamespaceRef<'a>,
    /// Its unique key.
    pub release_key: &'a str,
    /// Its title.
    pub name: &'a str,
    /// Its comment.
    pub comment: &'a str,
    /// The configuration, as a JSON object.
    pub configurations: String,
}

/// Stores a release.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewRelease<'_>,
    operator: &str,
) -> Result<release::Model, DbErr> {
    let now = now_millis();
    let r = new.namespace;
    release::ActiveModel {
        env: Set(r.env.to_owned()),
        release_key: Set(new.release_key.to_owned()),
        name: Set(new.name.to_owned()),
        comment: Set(new.comment.to_owned()),
        app_id: Set(r.app_id.to_owned()),
        cluster_name: Set(r.cluster.to_owned()),
        namespace_name: Set(r.namespace.to_owned()),
        configurations: Set(new.configurations),
        is_abandoned: Set(false),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Marks releases abandoned: they are never served again.
pub async fn abandon(db: &impl ConnectionTrait, ids: &[i64], operator: &str) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    release::Entity::update_many()
        .col_expr(release::Column::IsAbandoned, Expr::value(true))
        .col_expr(release::Column::UpdatedBy, Expr::value(operator))
        .col_expr(release::Column::UpdatedAt, Expr::value(now_millis()))
        .filter(release::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the releases and release history of the namespaces deleted at `now`.
pub async fn soft_delete_of(
    db: &impl ConnectionTrait,
    refs: &[NamespaceRef<'_>],
    now: i64,
) -> Result<(), DbErr> {
    for r in refs {
        release::Entity::update_many()
            .col_expr(release::Column::DeletedAt, Expr::value(now))
            .filter(release::Column::Env.eq(r.env))
            .filter(release::Column::AppId.eq(r.app_id))
            .filter(release::Column::ClusterName.eq(r.cluster))
            .filter(release::Column::NamespaceName.eq(r.namespace))
            .filter(release::Column::DeletedAt.eq(0))
            .exec(db)
            .await?;
        release_history::Entity::update_many()
            .col_expr(release_history::Column::DeletedAt, Expr::value(now))
            .filter(release_history::Column::Env.eq(r.env))
            .filter(release_history::Column::AppId.eq(r.app_id))
            .filter(release_history::Column::ClusterName.eq(r.cluster))
            .filter(release_history::Column::NamespaceName.eq(r.namespace))
            .filter(release_history::Column::DeletedAt.eq(0))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// One entry of release history to record.
#[derive(Clone, Debug)]
pub struct NewHistory<'a> {
    /// The namespace (of the main cluster, for a branch operation).
    pub namespace: NamespaceRef<'a>,
    /// The branch: the cluster's own name for main.
    pub branch_name: &'a str,
    /// The release served after the operation.
    pub release_id: i64,
    /// The release served before (0: none).
    pub previous_release_id: i64,
    /// The operation's code.
    pub operation: i32,
    /// Details of the operation, as a JSON object.
    pub operation_context: String,
}

/// Records a release operation.
pub async fn insert_history(
    db: &impl ConnectionTrait,
    new: NewHistory<'_>,
    operator: &str,
) -> Result<release_history::Model, DbErr> {
    let now = now_millis();
    let r = new.namespace;
    release_history::ActiveModel {
        env: Set(r.env.to_owned()),
        app_id: Set(r.app_id.to_owned()),
        cluster_name: Set(r.cluster.to_owned()),
        namespace_name: Set(r.namespace.to_owned()),
        branch_name: Set(new.branch_name.to_owned()),
        release_id: Set(new.release_id),
        previous_release_id: Set(new.previous_release_id),
        operation: Set(new.operation),
        operation_context: Set(new.operation_context),
        created_by: Set(operator.to_owned()),
        created_at: Set(now),
        updated_by: Set(operator.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// One page of the namespace's release history, newest first.
pub async fn list_history(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    request: PageRequest,
) -> Result<Paged<release_history::Model>, DbErr> {
    use release_history::Column;
    let select = release_history::Entity::find()
        .filter(Column::Env.eq(r.env))
        .filter(Column::AppId.eq(r.app_id))
        .filter(Column::ClusterName.eq(r.cluster))
        .filter(Column::NamespaceName.eq(r.namespace))
        .filter(Column::DeletedAt.eq(0))
        .order_by_desc(Column::Id);
    page::fetch(db, select, request).await
}

/// Titles of releases by id, for labelling history entries.
pub async fn titles(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<(i64, String)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(release::Entity::find()
        .filter(release::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

/// Ids of an environment's releases by key (a key of no release is left out).
pub async fn ids_by_key(
    db: &impl ConnectionTrait,
    env: &str,
    keys: &[&str],
) -> Result<Vec<(String, i64)>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(release::Entity::find()
        .filter(release::Column::Env.eq(env))
        .filter(release::Column::ReleaseKey.is_in(keys.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.release_key, r.id))
        .collect())
}

/// The app and the configurations (JSON) of those of `keys` (release keys of `env`) that hold
/// a secret value.
pub async fn sealed_configurations(
    db: &impl ConnectionTrait,
    env: &str,
    keys: &[&str],
) -> Result<Vec<(String, String)>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    holding_secrets(env, keys)
        .column(release::Column::AppId)
        .column(release::Column::Configurations)
        .into_tuple()
        .all(db)
        .await
}

/// Those of `keys` (release keys of `env`) whose release holds a secret value.
pub async fn with_secrets(
    db: &impl ConnectionTrait,
    env: &str,
    keys: &[&str],
) -> Result<Vec<String>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    holding_secrets(env, keys)
        .column(release::Column::ReleaseKey)
        .into_tuple()
        .all(db)
        .await
}

/// The releases among `keys` (release keys of `env`) that hold a secret value, no column
/// selected yet.
fn holding_secrets(env: &str, keys: &[&str]) -> sea_orm::Select<release::Entity> {
    release::Entity::find()
        .select_only()
        .filter(release::Column::Env.eq(env))
        .filter(release::Column::ReleaseKey.is_in(keys.iter().copied()))
        .filter(release::Column::Configurations.contains(lyre_protocol::secret::PREFIX))
}

/// Ids and keys of the releases of the namespace at `r` from release `from_id` on, oldest
/// first (a gray branch's releases during a rollout, say).
pub async fn keys_from(
    db: &impl ConnectionTrait,
    r: NamespaceRef<'_>,
    from_id: i64,
) -> Result<Vec<(i64, String)>, DbErr> {
    use sea_orm::QuerySelect;
    release::Entity::find()
        .select_only()
        .column(release::Column::Id)
        .column(release::Column::ReleaseKey)
        .filter(release::Column::Env.eq(r.env))
        .filter(release::Column::AppId.eq(r.app_id))
        .filter(release::Column::ClusterName.eq(r.cluster))
        .filter(release::Column::NamespaceName.eq(r.namespace))
        .filter(release::Column::Id.gte(from_id))
        .order_by_asc(release::Column::Id)
        .into_tuple()
        .all(db)
        .await
}

/// The key config services watch for a namespace: `appId+cluster+namespace`.
pub fn message_key(app_id: &str, cluster: &str, namespace: &str) -> String {
    format!("{app_id}+{cluster}+{namespace}")
}

/// The PostgreSQL channel on which new release message ids are announced.
pub const NOTIFY_CHANNEL: &str = "lyre_release_messages";

/// Tells config services that `message` (see [`message_key`]) of `env` has a new release. On
/// PostgreSQL it also announces the id on [`NOTIFY_CHANNEL`], delivered when (and only if) the
/// transaction commits.
pub async fn insert_message(
    db: &impl ConnectionTrait,
    env: &str,
    message: &str,
) -> Result<release_message::Model, DbErr> {
    let row = release_message::ActiveModel {
        env: Set(env.to_owned()),
        message: Set(message.to_owned()),
        created_at: Set(now_millis()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {NOTIFY_CHANNEL}, '{}'", row.id))
            .await?;
    }
    Ok(row)
}

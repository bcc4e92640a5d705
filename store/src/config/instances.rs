//! Client instances and the releases they received, as config services record them.

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Select, Set,
};

use crate::entity::{instance, instance_config};
use crate::is_unique_violation;
use crate::page::{self, PageRequest, Paged};

/// One delivery of a namespace to a client instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The environment.
    pub env: String,
    /// The client's app.
    pub app_id: String,
    /// The cluster the client asked for.
    pub cluster: String,
    /// The client's data center ("" when none).
    pub data_center: String,
    /// The client's IP.
    pub ip: String,
    /// The client's label ("" when none).
    pub label: String,
    /// The cluster whose release was delivered.
    pub config_cluster: String,
    /// The namespace delivered (its canonical name).
    pub config_namespace: String,
    /// The release key delivered (keys joined with `+` for a public namespace).
    pub release_key: String,
    /// The hash of the schema of the client's typed view of the namespace ("" when it sent
    /// none).
    pub schema_hash: String,
    /// When (epoch ms).
    pub at: i64,
}

/// Records a delivery: creates or refreshes the instance and what it holds. A new instance of
/// an app that has `per_app` instances recorded already is not recorded: `false`.
pub async fn record(db: &impl ConnectionTrait, d: &Delivery, per_app: u64) -> Result<bool, DbErr> {
    let Some(instance_id) = upsert_instance(db, d, per_app).await? else {
        return Ok(false);
    };
    let existing = instance_config::Entity::find()
        .filter(instance_config::Column::InstanceId.eq(instance_id))
        .filter(instance_config::Column::ConfigAppId.eq(&d.app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(&d.config_namespace))
        .one(db)
        .await?;
    if let Some(row) = existing {
        let delivered = if row.release_key == d.release_key {
            row.release_delivered_at
        } else {
            d.at
        };
        instance_config::Entity::update_many()
            .col_expr(
                instance_config::Column::ConfigClusterName,
                Expr::value(&d.config_cluster),
            )
            .col_expr(
                instance_config::Column::ReleaseKey,
                Expr::value(&d.release_key),
            )
            .col_expr(
                instance_config::Column::ReleaseDeliveredAt,
                Expr::value(delivered),
            )
            .col_expr(
                instance_config::Column::SchemaHash,
                Expr::value(&d.schema_hash),
            )
            .col_expr(instance_config::Column::UpdatedAt, Expr::value(d.at))
            .filter(instance_config::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        return Ok(true);
    }
    let inserted = instance_config::ActiveModel {
        instance_id: Set(instance_id),
        env: Set(d.env.clone()),
        config_app_id: Set(d.app_id.clone()),
        config_cluster_name: Set(d.config_cluster.clone()),
        config_namespace_name: Set(d.config_namespace.clone()),
        release_key: Set(d.release_key.clone()),
        release_delivered_at: Set(d.at),
        schema_hash: Set(d.schema_hash.clone()),
        created_at: Set(d.at),
        updated_at: Set(d.at),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        // Another config service recorded the same delivery first.
        Err(e) if is_unique_violation(&e) => Ok(true),
        other => other.map(|_| true),
    }
}

/// What an instance made of a release of a namespace it read, as it reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The environment.
    pub env: String,
    /// The client's app.
    pub app_id: String,
    /// The cluster the client reads.
    pub cluster: String,
    /// The client's data center ("" when none).
    pub data_center: String,
    /// The client's IP.
    pub ip: String,
    /// The namespace (its canonical name).
    pub config_namespace: String,
    /// The release reported on.
    pub release_key: String,
    /// `applied` or `rejected`.
    pub status: String,
    /// Why it was rejected ("" when applied).
    pub reason: String,
    /// When (epoch ms).
    pub at: i64,
}

/// Records a report on the instance's row for the namespace (written when it read it): `false`
/// when that read is not recorded (an unknown instance, or one beyond the app's cap).
pub async fn report(db: &impl ConnectionTrait, r: &Report) -> Result<bool, DbErr> {
    let Some(instance) = find_instance([&r.env, &r.app_id, &r.cluster, &r.data_center, &r.ip])
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let updated = instance_config::Entity::update_many()
        .col_expr(
            instance_config::Column::AppliedReleaseKey,
            Expr::value(&r.release_key),
        )
        .col_expr(instance_config::Column::ApplyStatus, Expr::value(&r.status))
        .col_expr(instance_config::Column::ApplyReason, Expr::value(&r.reason))
        .col_expr(instance_config::Column::AppliedAt, Expr::value(r.at))
        .filter(instance_config::Column::InstanceId.eq(instance.id))
        .filter(instance_config::Column::ConfigAppId.eq(&r.app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(&r.config_namespace))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// An instance is live when seen within this long (epoch ms): config services refresh "last
/// seen" at least once a minute while an instance waits for changes (and at every read of a new
/// release), so three minutes leave room for a long poll and a refresh.
pub const LIVE_WITHIN_MS: i64 = 180_000;

/// An instance seen waiting for changes (a long poll): it is alive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The environment.
    pub env: String,
    /// The client's app.
    pub app_id: String,
    /// The cluster the client asked for.
    pub cluster: String,
    /// The client's data center ("" when none).
    pub data_center: String,
    /// The client's IP.
    pub ip: String,
    /// When (epoch ms).
    pub at: i64,
}

/// Refreshes when an instance was last seen, on everything it holds: `false` when it is not
/// recorded (it has read nothing yet, or is beyond its app's cap).
pub async fn touch(db: &impl ConnectionTrait, s: &Seen) -> Result<bool, DbErr> {
    let Some(instance) = find_instance([&s.env, &s.app_id, &s.cluster, &s.data_center, &s.ip])
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    instance_config::Entity::update_many()
        .col_expr(instance_config::Column::UpdatedAt, Expr::value(s.at))
        .filter(instance_config::Column::InstanceId.eq(instance.id))
        .filter(instance_config::Column::UpdatedAt.lt(s.at))
        .exec(db)
        .await?;
    instance::Entity::update_many()
        .col_expr(instance::Column::UpdatedAt, Expr::value(s.at))
        .filter(instance::Column::Id.eq(instance.id))
        .filter(instance::Column::UpdatedAt.lt(s.at))
        .exec(db)
        .await?;
    Ok(true)
}

/// Forgets instances not seen since `before` (epoch ms), and what they held: how many.
pub async fn prune(db: &impl ConnectionTrait, before: i64) -> Result<u64, DbErr> {
    instance_config::Entity::delete_many()
        .filter(instance_config::Column::UpdatedAt.lt(before))
        .exec(db)
        .await?;
    // An instance is refreshed with every delivery, so it is never older than what it holds.
    let gone = instance::Entity::delete_many()
        .filter(instance::Column::UpdatedAt.lt(before))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}

/// The instance named by its environment, app, cluster, data center and IP.
fn find_instance([env, app, cluster, data_center, ip]: [&String; 5]) -> Select<instance::Entity> {
    instance::Entity::find()
        .filter(instance::Column::Env.eq(env))
        .filter(instance::Column::AppId.eq(app))
        .filter(instance::Column::ClusterName.eq(cluster))
        .filter(instance::Column::DataCenter.eq(data_center))
        .filter(instance::Column::Ip.eq(ip))
}

async fn upsert_instance(
    db: &impl ConnectionTrait,
    d: &Delivery,
    per_app: u64,
) -> Result<Option<i64>, DbErr> {
    let find = || find_instance([&d.env, &d.app_id, &d.cluster, &d.data_center, &d.ip]).one(db);
    if let Some(row) = find().await? {
        instance::Entity::update_many()
            .col_expr(instance::Column::Label, Expr::value(&d.label))
            .col_expr(instance::Column::UpdatedAt, Expr::value(d.at))
            .filter(instance::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        return Ok(Some(row.id));
    }
    let recorded = instance::Entity::find()
        .filter(instance::Column::Env.eq(&d.env))
        .filter(instance::Column::AppId.eq(&d.app_id))
        .count(db)
        .await?;
    if recorded >= per_app {
        return Ok(None);
    }
    let inserted = instance::ActiveModel {
        env: Set(d.env.clone()),
        app_id: Set(d.app_id.clone()),
        cluster_name: Set(d.cluster.clone()),
        data_center: Set(d.data_center.clone()),
        ip: Set(d.ip.clone()),
        label: Set(d.label.clone()),
        created_at: Set(d.at),
        updated_at: Set(d.at),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(Some(row.id)),
        Err(e) if is_unique_violation(&e) => find().await?.map(|r| Some(r.id)).ok_or(e),
        Err(e) => Err(e),
    }
}

/// An instance and what it holds of one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceView {
    /// The instance.
    pub instance: instance::Model,
    /// What it received.
    pub config: instance_config::Model,
}

async fn with_instances(
    db: &impl ConnectionTrait,
    configs: Paged<instance_config::Model>,
) -> Result<Paged<InstanceView>, DbErr> {
    let ids: Vec<i64> = configs.items.iter().map(|c| c.instance_id).collect();
    let instances = instance::Entity::find()
        .filter(instance::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let items = configs
        .items
        .into_iter()
        .filter_map(|config| {
            let instance = instances
                .iter()
                .find(|i| i.id == config.instance_id)?
                .clone();
            Some(InstanceView { instance, config })
        })
        .collect();
    Ok(Paged {
        items,
        total: configs.total,
    })
}

/// Instances that read `namespace` of `app_id` (from any cluster, `cluster` when given) at or
/// after `since`, most recent first.
pub async fn of_namespace(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    cluster: Option<&str>,
    namespace: &str,
    since: i64,
    request: PageRequest,
) -> Result<Paged<InstanceView>, DbErr> {
    let mut select = instance_config::Entity::find()
        .filter(instance_config::Column::Env.eq(env))
        .filter(instance_config::Column::ConfigAppId.eq(app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(namespace))
        .filter(instance_config::Column::UpdatedAt.gte(since));
    if let Some(cluster) = cluster {
        select = select.filter(instance_config::Column::ConfigClusterName.eq(cluster));
    }
    let configs = page::fetch(
        db,
        select.order_by_desc(instance_config::Column::UpdatedAt),
        request,
    )
    .await?;
    with_instances(db, configs).await
}

/// What every instance of an app that read the namespace since `since` holds, in any cluster
/// or gray branch (bounded by the instances an app may have recorded).
pub async fn reads_of_namespace(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    namespace: &str,
    since: i64,
) -> Result<Vec<instance_config::Model>, DbErr> {
    instance_config::Entity::find()
        .filter(instance_config::Column::Env.eq(env))
        .filter(instance_config::Column::ConfigAppId.eq(app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(namespace))
        .filter(instance_config::Column::UpdatedAt.gte(since))
        .all(db)
        .await
}

/// Instances that read `namespace` of `app_id` (in any cluster or gray branch) at or after
/// `since`, with what each holds, most recent first (bounded by the instances an app may have
/// recorded).
pub async fn live_of_namespace(
    db: &impl ConnectionTrait,
    env: &str,
    app_id: &str,
    namespace: &str,
    since: i64,
) -> Result<Vec<InstanceView>, DbErr> {
    let configs = instance_config::Entity::find()
        .filter(instance_config::Column::Env.eq(env))
        .filter(instance_config::Column::ConfigAppId.eq(app_id))
        .filter(instance_config::Column::ConfigNamespaceName.eq(namespace))
        .filter(instance_config::Column::UpdatedAt.gte(since))
        .order_by_desc(instance_config::Column::UpdatedAt)
        .all(db)
        .await?;
    let total = configs.len() as u64;
    Ok(with_instances(
        db,
        Paged {
            items: configs,
            total,
        },
    )
    .await?
    .items)
}

/// Instances that hold the release `release_key` (alone or joined with a public one).
pub async fn of_release(
    db: &impl ConnectionTrait,
    env: &str,
    release_key: &str,
    since: i64,
    request: PageRequest,
) -> Result<Paged<InstanceView>, DbErr> {
    let select = instance_config::Entity::find()
        .filter(instance_config::Column::Env.eq(env))
        .filter(
            Condition::any()
                .add(instance_config::Column::ReleaseKey.eq(release_key))
                .add(instance_config::Column::ReleaseKey.starts_with(format!("{release_key}+")))
                .add(instance_config::Column::ReleaseKey.ends_with(format!("+{release_key}"))),
        )
        .filter(instance_config::Column::UpdatedAt.gte(since))
        .order_by_desc(instance_config::Column::UpdatedAt);
    let configs = page::fetch(db, select, request).await?;
    with_instances(db, configs).await
}

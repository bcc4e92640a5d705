//! Lyre's side of the Apollo import: comparing what Lyre holds of an app with Apollo's, and
//! writing an app's data of one environment in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lyre_protocol::admin::{ChangeSet, ItemState, ItemUpdate};
use lyre_store::config::branches;
use lyre_store::entity::{
    access_key, app, app_namespace, cluster, commit, gray_rule, item, namespace, namespace_lock,
    release, release_history, release_message,
};
use lyre_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use lyre_store::time::now_millis;
use serde::Deserialize;

use super::Found;
use super::apollo::{self, AppData, AppNamespace};

/// An active model of `$entity` with the fields given, made and last changed as `$stamp`
/// says, and live.
macro_rules! live {
    ($entity:ident, $stamp:expr, { $($field:ident: $value:expr),* $(,)? }) => {
        $entity::ActiveModel {
            $($field: Set($value),)*
            created_by: Set($stamp.created_by.clone()),
            created_at: Set($stamp.created_at),
            updated_by: Set($stamp.updated_by.clone()),
            updated_at: Set($stamp.updated_at),
            deleted_at: Set(0),
            ..Default::default()
        }
    };
}

/// Rows imported (or to import) of one environment, per Apollo table.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub apps: u64,
    pub app_namespaces: u64,
    pub clusters: u64,
    pub namespaces: u64,
    pub items: u64,
    pub commits: u64,
    pub releases: u64,
    pub histories: u64,
    pub gray_rules: u64,
    pub locks: u64,
    pub access_keys: u64,
    pub messages: u64,
    /// Apps imported before and unchanged.
    pub already: u64,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.apps += other.apps;
        self.app_namespaces += other.app_namespaces;
        self.clusters += other.clusters;
        self.namespaces += other.namespaces;
        self.items += other.items;
        self.commits += other.commits;
        self.releases += other.releases;
        self.histories += other.histories;
        self.gray_rules += other.gray_rules;
        self.locks += other.locks;
        self.access_keys += other.access_keys;
    }

    /// Apollo's table names with their counts.
    pub fn rows(&self) -> [(&'static str, u64); 12] {
        [
            ("App", self.apps),
            ("AppNamespace", self.app_namespaces),
            ("Cluster", self.clusters),
            ("Namespace", self.namespaces),
            ("Item", self.items),
            ("Commit", self.commits),
            ("Release", self.releases),
            ("ReleaseHistory", self.histories),
            ("GrayReleaseRule", self.gray_rules),
            ("NamespaceLock", self.locks),
            ("AccessKey", self.access_keys),
            ("ReleaseMessage", self.messages),
        ]
    }
}

/// What a dry run would write of one app (the app itself counted as new).
pub fn count(
    data: &AppData,
    namespaces: &[AppNamespace],
    skipped: &mut Vec<String>,
    env: &str,
    app: &str,
) -> Counts {
    let known: BTreeSet<i64> = data.namespaces.iter().map(|n| n.id).collect();
    let orphans = data
        .items
        .iter()
        .filter(|i| !known.contains(&i.namespace_id))
        .count() as u64;
    if orphans > 0 {
        skipped.push(format!(
            "{env} {app}: {orphans} item(s) of namespaces that no longer exist"
        ));
    }
    Counts {
        apps: 1,
        app_namespaces: namespaces.len() as u64,
        clusters: data.clusters.len() as u64,
        namespaces: data.namespaces.len() as u64,
        items: data.items.len() as u64 - orphans,
        commits: data.commits.len() as u64,
        releases: data.releases.len() as u64,
        histories: data.histories.len() as u64,
        gray_rules: data.gray_rules.len() as u64,
        locks: data.locks.len() as u64,
        access_keys: data.access_keys.len() as u64,
        ..Counts::default()
    }
}

/// Lyre's database.
pub struct LyreSide<'a> {
    db: &'a DatabaseConnection,
}

/// An item as compared: (key, value, comment), in order.
type Lines = Vec<(String, String, String)>;

impl<'a> LyreSide<'a> {
    pub fn new(db: &'a DatabaseConnection) -> Self {
        Self { db }
    }

    /// Whether Lyre holds none, exactly Apollo's, or other data of `app` in `env`.
    pub async fn compare(
        &self,
        env: &str,
        app: &str,
        app_namespaces: &[AppNamespace],
        data: &AppData,
    ) -> Result<Found, DbErr> {
        for wanted in app_namespaces {
            if let Some(held) = app_namespace::Entity::find()
                .filter(app_namespace::Column::AppId.eq(app))
                .filter(app_namespace::Column::Name.eq(wanted.name.as_str()))
                .filter(app_namespace::Column::DeletedAt.eq(0))
                .one(self.db)
                .await?
                && (!held.format.eq_ignore_ascii_case(&wanted.format)
                    || held.is_public != wanted.is_public)
            {
                return Ok(Found::Conflict(format!(
                    "namespace `{}` is {}{} in Lyre, {}{} in Apollo",
                    wanted.name,
                    if held.is_public { "public " } else { "" },
                    held.format,
                    if wanted.is_public { "public " } else { "" },
                    wanted.format
                )));
            }
            if wanted.is_public
                && let Some(owner) = app_namespace::Entity::find()
                    .filter(app_namespace::Column::PublicName.eq(wanted.name.as_str()))
                    .filter(app_namespace::Column::DeletedAt.eq(0))
                    .one(self.db)
                    .await?
                && owner.app_id != app
            {
                return Ok(Found::Conflict(format!(
                    "the public namespace `{}` belongs to app `{}` in Lyre",
                    wanted.name, owner.app_id
                )));
            }
        }
        let held_keys: BTreeSet<String> = release::Entity::find()
            .select_only()
            .column(release::Column::ReleaseKey)
            .filter(release::Column::Env.eq(env))
            .filter(release::Column::AppId.eq(app))
            .into_tuple()
            .all(self.db)
            .await?
            .into_iter()
            .collect();
        let held_items = self.items_of(env, app).await?;
        if held_keys.is_empty() && held_items.values().all(Vec::is_empty) {
            return Ok(Found::New);
        }
        let apollo_keys: BTreeSet<String> = data
            .releases
            .iter()
            .map(|r| r.release_key.clone())
            .collect();
        if let Some(key) = held_keys.difference(&apollo_keys).next() {
            return Ok(Found::Conflict(format!(
                "Lyre holds release {key}, which Apollo does not"
            )));
        }
        if let Some(key) = apollo_keys.difference(&held_keys).next() {
            return Ok(Found::Conflict(format!(
                "Apollo holds release {key}, which Lyre does not"
            )));
        }
        let apollo_items = apollo_lines(data);
        for (place, lines) in &held_items {
            if apollo_items.get(place).unwrap_or(&Vec::new()) != lines {
                return Ok(Found::Conflict(format!(
                    "the items of {}/{} differ",
                    place.0, place.1
                )));
            }
        }
        for (place, lines) in &apollo_items {
            if !lines.is_empty() && !held_items.contains_key(place) {
                return Ok(Found::Conflict(format!(
                    "Lyre has no namespace {}/{}",
                    place.0, place.1
                )));
            }
        }
        Ok(Found::Imported)
    }

    /// The items of every live namespace of `app` in `env`, by (cluster, namespace).
    async fn items_of(
        &self,
        env: &str,
        app: &str,
    ) -> Result<BTreeMap<(String, String), Lines>, DbErr> {
        let namespaces = namespace::Entity::find()
            .filter(namespace::Column::Env.eq(env))
            .filter(namespace::Column::AppId.eq(app))
            .filter(namespace::Column::DeletedAt.eq(0))
            .all(self.db)
            .await?;
        let mut held = BTreeMap::new();
        for ns in namespaces {
            let mut rows = item::Entity::find()
                .filter(item::Column::NamespaceId.eq(ns.id))
                .filter(item::Column::DeletedAt.eq(0))
                .all(self.db)
                .await?;
            rows.sort_by_key(|i| (i.line_num, i.id));
            held.insert(
                (ns.cluster_name, ns.namespace_name),
                rows.into_iter()
                    .map(|i| (i.key, i.value, i.comment))
                    .collect(),
            );
        }
        Ok(held)
    }

    /// Writes `app`'s data of `env` in one transaction; with `overwrite`, what Lyre held of it
    /// there goes first. Rows that cannot be placed are named in `skipped`.
    pub async fn import_app(
        &self,
        env: &str,
        app: &apollo::App,
        app_namespaces: &[AppNamespace],
        data: &AppData,
        overwrite: bool,
        skipped: &mut Vec<String>,
    ) -> Result<Counts, DbErr> {
        let app_id = app.app_id.as_str();
        let tx = self.db.begin().await?;
        let mut counts = Counts::default();
        if app::Entity::find()
            .filter(app::Column::AppId.eq(app_id))
            .filter(app::Column::DeletedAt.eq(0))
            .one(&tx)
            .await?
            .is_none()
        {
            live!(app, app.stamp, {
                app_id: app.app_id.clone(),
                name: app.name.clone(),
                org_id: app.org_id.clone(),
                org_name: app.org_name.clone(),
                owner_name: app.owner_name.clone(),
                owner_email: app.owner_email.clone(),
            })
            .insert(&tx)
            .await?;
            counts.apps = 1;
        }
        for ns in app_namespaces {
            let held = app_namespace::Entity::find()
                .filter(app_namespace::Column::AppId.eq(app_id))
                .filter(app_namespace::Column::Name.eq(ns.name.as_str()))
                .filter(app_namespace::Column::DeletedAt.eq(0))
                .one(&tx)
                .await?;
            match held {
                Some(held)
                    if held.format.eq_ignore_ascii_case(&ns.format)
                        && held.is_public == ns.is_public => {}
                Some(held) => {
                    app_namespace::ActiveModel {
                        id: Set(held.id),
                        format: Set(ns.format.to_lowercase()),
                        is_public: Set(ns.is_public),
                        public_name: Set(ns.is_public.then(|| ns.name.clone())),
                        ..Default::default()
                    }
                    .update(&tx)
                    .await?;
                    counts.app_namespaces += 1;
                }
                None => {
                    live!(app_namespace, ns.stamp, {
                        app_id: app.app_id.clone(),
                        name: ns.name.clone(),
                        format: ns.format.to_lowercase(),
                        is_public: ns.is_public,
                        public_name: ns.is_public.then(|| ns.name.clone()),
                        comment: ns.comment.clone(),
                    })
                    .insert(&tx)
                    .await?;
                    counts.app_namespaces += 1;
                }
            }
        }
        if overwrite {
            clear(&tx, env, app_id).await?;
        }

        // Clusters, parents first; ones Lyre has (an app's default cluster) are reused.
        let mut cluster_ids: HashMap<i64, i64> = HashMap::new();
        let mut clusters: Vec<&apollo::Cluster> = data.clusters.iter().collect();
        clusters.sort_by_key(|c| (c.parent_cluster_id != 0, c.id));
        for c in clusters {
            let parent = match c.parent_cluster_id {
                0 => 0,
                id => match cluster_ids.get(&id) {
                    Some(parent) => *parent,
                    None => {
                        skipped.push(format!(
                            "{env} {app_id}: cluster `{}`, whose parent no longer exists",
                            c.name
                        ));
                        continue;
                    }
                },
            };
            let held = cluster::Entity::find()
                .filter(cluster::Column::Env.eq(env))
                .filter(cluster::Column::AppId.eq(app_id))
                .filter(cluster::Column::Name.eq(c.name.as_str()))
                .filter(cluster::Column::DeletedAt.eq(0))
                .one(&tx)
                .await?;
            let id = match held {
                Some(held) => held.id,
                None => {
                    counts.clusters += 1;
                    live!(cluster, c.stamp, {
                        env: env.to_owned(),
                        app_id: app.app_id.clone(),
                        name: c.name.clone(),
                        parent_cluster_id: parent,
                        comment: String::new(),
                    })
                    .insert(&tx)
                    .await?
                    .id
                }
            };
            cluster_ids.insert(c.id, id);
        }

        let mut namespace_ids: HashMap<i64, i64> = HashMap::new();
        for ns in &data.namespaces {
            let held = namespace::Entity::find()
                .filter(namespace::Column::Env.eq(env))
                .filter(namespace::Column::AppId.eq(app_id))
                .filter(namespace::Column::ClusterName.eq(ns.cluster_name.as_str()))
                .filter(namespace::Column::NamespaceName.eq(ns.namespace_name.as_str()))
                .filter(namespace::Column::DeletedAt.eq(0))
                .one(&tx)
                .await?;
            let id = match held {
                Some(held) => held.id,
                None => {
                    counts.namespaces += 1;
                    live!(namespace, ns.stamp, {
                        env: env.to_owned(),
                        app_id: app.app_id.clone(),
                        cluster_name: ns.cluster_name.clone(),
                        namespace_name: ns.namespace_name.clone(),
                        revision: 0,
                    })
                    .insert(&tx)
                    .await?
                    .id
                }
            };
            namespace_ids.insert(ns.id, id);
        }

        let mut orphans = 0;
        for i in &data.items {
            let Some(&namespace_id) = namespace_ids.get(&i.namespace_id) else {
                orphans += 1;
                continue;
            };
            live!(item, i.stamp, {
                namespace_id: namespace_id,
                key: i.key.clone(),
                value: i.value.clone(),
                comment: i.comment.clone(),
                line_num: i.line_num,
                version: 1,
                deletes_key: false,
            })
            .insert(&tx)
            .await?;
            counts.items += 1;
        }
        if orphans > 0 {
            skipped.push(format!(
                "{env} {app_id}: {orphans} item(s) of namespaces that no longer exist"
            ));
        }

        for c in &data.commits {
            let Some(change_set) = change_set(&c.change_sets) else {
                skipped.push(format!(
                    "{env} {app_id}: a commit of {}/{} whose change set is not Apollo's JSON",
                    c.cluster_name, c.namespace_name
                ));
                continue;
            };
            live!(commit, c.stamp, {
                env: env.to_owned(),
                app_id: app.app_id.clone(),
                cluster_name: c.cluster_name.clone(),
                namespace_name: c.namespace_name.clone(),
                change_sets: change_set,
                comment: c.comment.clone(),
            })
            .insert(&tx)
            .await?;
            counts.commits += 1;
        }

        let mut release_ids: HashMap<i64, i64> = HashMap::new();
        for r in &data.releases {
            let id = live!(release, r.stamp, {
                env: env.to_owned(),
                release_key: r.release_key.clone(),
                name: r.name.clone(),
                comment: r.comment.clone(),
                app_id: app.app_id.clone(),
                cluster_name: r.cluster_name.clone(),
                namespace_name: r.namespace_name.clone(),
                configurations: r.configurations.clone(),
                is_abandoned: r.is_abandoned,
            })
            .insert(&tx)
            .await?
            .id;
            release_ids.insert(r.id, id);
            counts.releases += 1;
        }
        // A release Apollo deleted (or never had: 0) is 0 here too.
        let release_id = |id: i64| release_ids.get(&id).copied().unwrap_or(0);

        for h in &data.histories {
            live!(release_history, h.stamp, {
                env: env.to_owned(),
                app_id: app.app_id.clone(),
                cluster_name: h.cluster_name.clone(),
                namespace_name: h.namespace_name.clone(),
                branch_name: h.branch_name.clone(),
                release_id: release_id(h.release_id),
                previous_release_id: release_id(h.previous_release_id),
                operation: h.operation,
                operation_context: h.operation_context.clone(),
            })
            .insert(&tx)
            .await?;
            counts.histories += 1;
        }

        for g in &data.gray_rules {
            // Apollo: 0 deleted, 1 active, 2 merged.
            let status = match g.branch_status {
                1 => branches::ACTIVE,
                2 => branches::MERGED,
                _ => branches::ABANDONED,
            };
            live!(gray_rule, g.stamp, {
                env: env.to_owned(),
                app_id: app.app_id.clone(),
                cluster_name: g.cluster_name.clone(),
                namespace_name: g.namespace_name.clone(),
                branch_name: g.branch_name.clone(),
                rules: g.rules.clone(),
                release_id: release_id(g.release_id),
                branch_status: status,
            })
            .insert(&tx)
            .await?;
            counts.gray_rules += 1;
        }

        for l in &data.locks {
            let Some(&namespace_id) = namespace_ids.get(&l.namespace_id) else {
                continue;
            };
            namespace_lock::ActiveModel {
                namespace_id: Set(namespace_id),
                created_by: Set(l.stamp.created_by.clone()),
                created_at: Set(l.stamp.created_at),
                updated_by: Set(l.stamp.updated_by.clone()),
                updated_at: Set(l.stamp.updated_at),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
            counts.locks += 1;
        }

        for k in &data.access_keys {
            live!(access_key, k.stamp, {
                env: env.to_owned(),
                app_id: app.app_id.clone(),
                secret: k.secret.clone(),
                mode: k.mode,
                is_enabled: k.is_enabled,
            })
            .insert(&tx)
            .await?;
            counts.access_keys += 1;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// How many of `latest` [`Self::carry_messages`] would write.
    pub async fn messages_to_carry(
        &self,
        env: &str,
        latest: &[apollo::Message],
    ) -> Result<u64, DbErr> {
        let held = latest_held(self.db, env).await?;
        Ok(latest.iter().filter(|m| !carried(&held, m)).count() as u64)
    }

    /// Writes the latest message of each of `latest`'s keys that Lyre has no newer message of,
    /// each with an id above `apollo_max` (and above every id Lyre gave), so clients holding an
    /// Apollo id are told of the next release. Returns how many it wrote.
    pub async fn carry_messages(
        &self,
        env: &str,
        latest: &[apollo::Message],
        apollo_max: i64,
    ) -> Result<u64, DbErr> {
        let tx = self.db.begin().await?;
        let held = latest_held(&tx, env).await?;
        let lyre_max: Option<i64> = release_message::Entity::find()
            .select_only()
            .column_as(release_message::Column::Id.max(), "id")
            .into_tuple()
            .one(&tx)
            .await?
            .flatten();
        let mut next = lyre_max.unwrap_or(0).max(apollo_max) + 1;
        let now = now_millis();
        let mut written = 0;
        for m in latest {
            if carried(&held, m) {
                continue;
            }
            release_message::ActiveModel {
                id: Set(next),
                env: Set(env.to_owned()),
                message: Set(m.message.clone()),
                created_at: Set(now),
            }
            .insert(&tx)
            .await?;
            next += 1;
            written += 1;
        }
        if written > 0 && tx.get_database_backend() == DbBackend::Postgres {
            // Ids given explicitly leave the sequence behind; and config services hear of
            // them when the transaction commits.
            tx.execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('release_messages', 'id'), \
                 (SELECT MAX(id) FROM release_messages))",
            )
            .await?;
            tx.execute_unprepared(&format!(
                "NOTIFY {}, '{}'",
                lyre_store::config::releases::NOTIFY_CHANNEL,
                next - 1
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(written)
    }
}

/// The latest message id of each watch key of `env` that Lyre holds.
async fn latest_held(db: &impl ConnectionTrait, env: &str) -> Result<HashMap<String, i64>, DbErr> {
    Ok(release_message::Entity::find()
        .select_only()
        .column(release_message::Column::Message)
        .column_as(release_message::Column::Id.max(), "id")
        .filter(release_message::Column::Env.eq(env))
        .group_by(release_message::Column::Message)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Whether Lyre already holds a message of `m`'s key newer than Apollo's.
fn carried(held: &HashMap<String, i64>, m: &apollo::Message) -> bool {
    held.get(&m.message).is_some_and(|&id| id > m.id)
}

/// Deletes what Lyre holds of `app` in `env`: its namespaces with their items and locks, its
/// clusters, releases, history, commits, gray rules and access keys.
async fn clear(db: &impl ConnectionTrait, env: &str, app: &str) -> Result<(), DbErr> {
    let namespace_ids: Vec<i64> = namespace::Entity::find()
        .select_only()
        .column(namespace::Column::Id)
        .filter(namespace::Column::Env.eq(env))
        .filter(namespace::Column::AppId.eq(app))
        .into_tuple()
        .all(db)
        .await?;
    item::Entity::delete_many()
        .filter(item::Column::NamespaceId.is_in(namespace_ids.iter().copied()))
        .exec(db)
        .await?;
    namespace_lock::Entity::delete_many()
        .filter(namespace_lock::Column::NamespaceId.is_in(namespace_ids.iter().copied()))
        .exec(db)
        .await?;
    namespace::Entity::delete_many()
        .filter(namespace::Column::Id.is_in(namespace_ids))
        .exec(db)
        .await?;
    macro_rules! of_app {
        ($($entity:ident),*) => {$(
            $entity::Entity::delete_many()
                .filter($entity::Column::Env.eq(env))
                .filter($entity::Column::AppId.eq(app))
                .exec(db)
                .await?;
        )*};
    }
    of_app!(
        cluster,
        release,
        release_history,
        commit,
        gray_rule,
        access_key
    );
    Ok(())
}

/// Apollo's items as Lyre would hold them, by (cluster, namespace).
fn apollo_lines(data: &AppData) -> BTreeMap<(String, String), Lines> {
    let places: HashMap<i64, (String, String)> = data
        .namespaces
        .iter()
        .map(|n| (n.id, (n.cluster_name.clone(), n.namespace_name.clone())))
        .collect();
    let mut lines: BTreeMap<(String, String), Lines> = BTreeMap::new();
    for place in places.values() {
        lines.entry(place.clone()).or_default();
    }
    // Items come ordered by namespace, line and id, as Lyre orders them.
    for i in &data.items {
        if let Some(place) = places.get(&i.namespace_id) {
            lines.entry(place.clone()).or_default().push((
                i.key.clone(),
                i.value.clone(),
                i.comment.clone(),
            ));
        }
    }
    lines
}

/// An item as Apollo's change sets record it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApolloItem {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    comment: Option<String>,
}

impl ApolloItem {
    fn state(self) -> ItemState {
        ItemState {
            key: self.key,
            value: self.value,
            comment: self.comment.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApolloPair {
    old_item: ApolloItem,
    new_item: ApolloItem,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApolloChangeSets {
    #[serde(default)]
    create_items: Vec<ApolloItem>,
    #[serde(default)]
    update_items: Vec<ApolloPair>,
    #[serde(default)]
    delete_items: Vec<ApolloItem>,
}

/// Apollo's change set JSON as Lyre's; `None` if it is not Apollo's JSON.
fn change_set(apollo: &str) -> Option<String> {
    let sets: ApolloChangeSets = serde_json::from_str(apollo).ok()?;
    let lyre = ChangeSet {
        created: sets
            .create_items
            .into_iter()
            .map(ApolloItem::state)
            .collect(),
        updated: sets
            .update_items
            .into_iter()
            .map(|pair| ItemUpdate {
                key: pair.new_item.key,
                old_value: pair.old_item.value,
                new_value: pair.new_item.value,
                old_comment: pair.old_item.comment.unwrap_or_default(),
                new_comment: pair.new_item.comment.unwrap_or_default(),
            })
            .collect(),
        deleted: sets
            .delete_items
            .into_iter()
            .map(ApolloItem::state)
            .collect(),
    };
    serde_json::to_string(&lyre).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apollo_change_sets_become_lyres() {
        let apollo = r#"{"createItems":[{"namespaceId":7,"key":"timeout","type":0,"value":"30",
            "comment":"seconds","lineNum":1,"id":11,"isDeleted":false}],
            "updateItems":[{"oldItem":{"key":"host","value":"a","comment":null},
                            "newItem":{"key":"host","value":"b","comment":"new"}}],
            "deleteItems":[{"key":"gone","value":"x"}]}"#;
        let lyre: ChangeSet = serde_json::from_str(&change_set(apollo).unwrap()).unwrap();
        assert_eq!(
            lyre.created,
            [ItemState {
                key: "timeout".into(),
                value: "30".into(),
                comment: "seconds".into()
            }]
        );
        assert_eq!(lyre.updated[0].old_value, "a");
        assert_eq!(lyre.updated[0].new_value, "b");
        assert_eq!(lyre.updated[0].new_comment, "new");
        assert_eq!(lyre.deleted[0].key, "gone");
        assert_eq!(change_set("not json"), None);
    }
}

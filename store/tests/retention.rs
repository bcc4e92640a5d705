//! Retention on every database: old releases, release messages, audit rows and webhook
//! deliveries go in batches, and what must stay stays (the active release, those a gray branch,
//! a live release request, an open rollout or an instance needs; the newest message of each
//! key; who edited an app under review; events still to be sent). The job's lease goes to one
//! process at a time.

use lyre_store::config::instances::{self, Delivery};
use lyre_store::config::namespaces::NamespaceRef;
use lyre_store::config::releases::{self, NewRelease};
use lyre_store::config::{audit, rollouts};
use lyre_store::db_test;
use lyre_store::entity::{
    audit as audit_row, event, gray_rule, release, release_message, release_request, rollout,
    webhook_delivery,
};
use lyre_store::retention;
use lyre_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use lyre_store::time::now_millis;
use lyre_store::webhooks::{self, NewEvent, NewWebhook};

const SHOP: NamespaceRef<'static> = NamespaceRef {
    env: "DEV",
    app_id: "shop",
    cluster: "default",
    namespace: "application",
};

async fn publish(db: &impl ConnectionTrait, at: NamespaceRef<'_>, n: usize) -> Vec<release::Model> {
    let mut out = Vec::new();
    for i in 0..n {
        let key = format!("{}-{}-{i}", at.app_id, at.namespace);
        out.push(
            releases::insert(
                db,
                NewRelease {
                    namespace: at,
                    release_key: &key,
                    name: &format!("r{i}"),
                    comment: "",
                    configurations: "{}".into(),
                },
                "alice",
            )
            .await
            .unwrap(),
        );
    }
    out
}

async fn ids_of(db: &impl ConnectionTrait, at: NamespaceRef<'_>) -> Vec<i64> {
    release::Entity::find()
        .filter(release::Column::AppId.eq(at.app_id))
        .filter(release::Column::NamespaceName.eq(at.namespace))
        .order_by_asc(release::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Runs `trim` until it deletes nothing: how many went, and in how many batches.
async fn drain<F, Fut>(mut trim: F) -> (u64, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, lyre_store::sea_orm::DbErr>>,
{
    let (mut total, mut batches) = (0, 0);
    loop {
        let gone = trim().await.unwrap();
        if gone == 0 {
            return (total, batches);
        }
        total += gone;
        batches += 1;
    }
}

db_test!(async fn releases_beyond_the_kept_go_but_what_is_needed_stays(t) {
    let db = &t.db;
    let all = publish(db, SHOP, 40).await;
    let other = NamespaceRef { namespace: "db", ..SHOP };
    publish(db, other, 3).await;
    let id = |i: usize| all[i].id;
    // The newest three were rolled back: the active release is the 37th (index 36).
    releases::abandon(db, &[id(37), id(38), id(39)], "alice").await.unwrap();
    // A gray branch serves release 5; a live request started from 6; an open rollout from 7
    // and 8; an instance still holds 9 (and applied 10); a finished request started from 11.
    gray_rule::ActiveModel { env: Set("DEV".into()), app_id: Set("shop".into()), cluster_name: Set("default".into()), namespace_name: Set("application".into()), branch_name: Set("b1".into()), rules: Set("[]".into()), release_id: Set(id(5)), branch_status: Set(0), created_by: Set("alice".into()), created_at: Set(1), updated_by: Set("alice".into()), updated_at: Set(1), deleted_at: Set(0), ..Default::default() }.insert(db).await.unwrap();
    for (base, status) in [(id(6), "open"), (id(11), "published")] {
        release_request::ActiveModel { env: Set("DEV".into()), app_id: Set("shop".into()), cluster_name: Set("default".into()), namespace_name: Set("application".into()), branch_name: Set(String::new()), title: Set("t".into()), comment: Set(String::new()), status: Set(status.into()), diff: Set("[]".into()), base_release_id: Set(base), namespace_revision: Set(0), published_release_id: Set(0), approved_by: Set(String::new()), closed_id: Set(if status == "open" { 0 } else { base }), created_by: Set("alice".into()), created_at: Set(1), updated_by: Set("alice".into()), updated_at: Set(1), ..Default::default() }.insert(db).await.unwrap();
    }
    rollout::ActiveModel { env: Set("DEV".into()), app_id: Set("shop".into()), cluster_name: Set("default".into()), namespace_name: Set("application".into()), branch_name: Set("b1".into()), steps: Set("50,100".into()), bake_seconds: Set(60), max_rejected: Set(0), step: Set(0), state: Set(rollouts::RUNNING.into()), reason: Set(String::new()), title: Set("t".into()), comment: Set(String::new()), base_release_id: Set(id(7)), start_release_id: Set(id(8)), step_started_at: Set(1), paused_at: Set(0), ended_at: Set(0), lease_owner: Set(String::new()), lease_until: Set(0), created_by: Set("alice".into()), created_at: Set(1), updated_by: Set("alice".into()), updated_at: Set(1), ..Default::default() }.insert(db).await.unwrap();
    let held = Delivery { env: "DEV".into(), app_id: "shop".into(), cluster: "default".into(), data_center: String::new(), ip: "10.0.0.1".into(), label: String::new(), config_cluster: "default".into(), config_namespace: "application".into(), release_key: all[9].release_key.clone(), schema_hash: String::new(), at: now_millis() };
    instances::record(db, &held, 100).await.unwrap();
    assert!(instances::report(db, &instances::Report { env: "DEV".into(), app_id: "shop".into(), cluster: "default".into(), data_center: String::new(), ip: "10.0.0.1".into(), config_namespace: "application".into(), release_key: all[10].release_key.clone(), status: "applied".into(), reason: String::new(), at: now_millis() }).await.unwrap());

    let crowded = retention::crowded(db, 5).await.unwrap();
    assert_eq!(crowded.len(), 1, "only application has more than 5: {crowded:?}");
    let (gone, batches) = drain(|| retention::trim_releases(db, &crowded[0], 5, 7)).await;
    // Kept: the newest five (35..=39), the active one (36, among them), and 5..=10.
    let mut kept: Vec<i64> = (35..40).chain(5..11).map(id).collect();
    kept.sort_unstable();
    assert_eq!(ids_of(db, SHOP).await, kept);
    assert_eq!(gone, 40 - 11);
    assert!(batches >= 4, "in batches of at most 7: {batches}");
    assert_eq!(ids_of(db, other).await.len(), 3, "another namespace keeps its own");

    // When nothing needs them any more, they go too; the active one never does.
    gray_rule::Entity::delete_many().exec(db).await.unwrap();
    release_request::Entity::delete_many().exec(db).await.unwrap();
    rollout::Entity::delete_many().exec(db).await.unwrap();
    instances::prune(db, now_millis() + 1).await.unwrap();
    drain(|| retention::trim_releases(db, &crowded[0], 1, 100)).await;
    // The newest (rolled back) and the active one stay.
    assert_eq!(ids_of(db, SHOP).await, [id(36), id(39)]);
});

db_test!(async fn superseded_release_messages_go_once_old(t) {
    let db = &t.db;
    let old = now_millis() - retention::MESSAGE_GRACE_MS - 1_000;
    let mut newest = Vec::new();
    for key in ["shop+default+application", "shop+default+db"] {
        let mut last = 0;
        for _ in 0..5 {
            last = release_message::ActiveModel { env: Set("DEV".into()), message: Set(key.into()), created_at: Set(old), ..Default::default() }.insert(db).await.unwrap().id;
        }
        newest.push(last);
    }
    // The same key in another environment is another message.
    let pro = release_message::ActiveModel { env: Set("PRO".into()), message: Set("shop+default+application".into()), created_at: Set(old), ..Default::default() }.insert(db).await.unwrap().id;
    // A recent message and the one it replaced stay for a while (a config service may still be
    // scanning for it).
    let replaced = releases::insert_message(db, "DEV", "shop+default+recent").await.unwrap().id;
    let recent = releases::insert_message(db, "DEV", "shop+default+recent").await.unwrap().id;
    let (gone, _) = drain(|| retention::trim_messages(db, 3)).await;
    assert_eq!(gone, 8);
    let mut left: Vec<i64> = release_message::Entity::find().all(db).await.unwrap().into_iter().map(|m| m.id).collect();
    left.sort_unstable();
    let mut expected = [newest, vec![pro, replaced, recent]].concat();
    expected.sort_unstable();
    assert_eq!(left, expected);
});

db_test!(async fn old_audit_goes_but_not_who_edited_an_app_under_review(t) {
    let db = &t.db;
    let old = 1_000;
    for (app, entity_type, operation) in [("shop", "namespace", "edit"), ("shop", "release", "publish"), ("cart", "namespace", "edit"), ("cart", "app", "create")] {
        audit_row::ActiveModel { env: Set("DEV".into()), app_id: Set(app.into()), entity_type: Set(entity_type.into()), entity_id: Set("x".into()), operation: Set(operation.into()), detail: Set("{}".into()), created_by: Set("alice".into()), created_at: Set(old), ..Default::default() }.insert(db).await.unwrap();
    }
    audit::record(db, audit::Record { env: "DEV", app_id: "cart", entity_type: "namespace", entity_id: "x", operation: "edit", detail: "{}".into(), operator: "bob" }).await.unwrap();
    release_request::ActiveModel { env: Set("DEV".into()), app_id: Set("shop".into()), cluster_name: Set("default".into()), namespace_name: Set("application".into()), branch_name: Set(String::new()), title: Set("t".into()), comment: Set(String::new()), status: Set("approved".into()), diff: Set("[]".into()), base_release_id: Set(0), namespace_revision: Set(0), published_release_id: Set(0), approved_by: Set("bob".into()), closed_id: Set(0), created_by: Set("alice".into()), created_at: Set(1), updated_by: Set("alice".into()), updated_at: Set(1), ..Default::default() }.insert(db).await.unwrap();
    let (gone, _) = drain(|| retention::trim_audit(db, now_millis() - 60_000, 2)).await;
    assert_eq!(gone, 3);
    let left: Vec<(String, String, String)> = audit_row::Entity::find().order_by_asc(audit_row::Column::Id).all(db).await.unwrap().into_iter().map(|a| (a.app_id, a.operation, a.created_by)).collect();
    assert_eq!(left, [("shop".into(), "edit".into(), "alice".into()), ("cart".into(), "edit".into(), "bob".into())]);
});

db_test!(async fn sent_deliveries_go_but_not_what_is_still_to_be_sent(t) {
    let db = &t.db;
    let hook = webhooks::create(db, &NewWebhook { app_id: "shop", url: "http://93.184.215.14/", secret: "s", events: "*", description: "", enabled: true, created_by: "alice" }).await.unwrap();
    let mut events = Vec::new();
    for _ in 0..4 {
        events.push(webhooks::record_event(db, NewEvent { main: SHOP, kind: "release.published", payload: serde_json::json!({}) }).await.unwrap().id);
    }
    // An event nobody hears.
    let unheard = webhooks::record_event(db, NewEvent { main: NamespaceRef { app_id: "cart", ..SHOP }, kind: "release.published", payload: serde_json::json!({}) }).await.unwrap().id;
    let deliveries = webhook_delivery::Entity::find().order_by_asc(webhook_delivery::Column::Id).all(db).await.unwrap();
    assert_eq!(deliveries.len(), 4);
    // The first two were sent, the third given up, the fourth still pending.
    for (d, state) in deliveries.iter().zip(["delivered", "delivered", "failed"]) {
        webhook_delivery::Entity::update_many().col_expr(webhook_delivery::Column::State, lyre_store::sea_orm::sea_query::Expr::value(state)).filter(webhook_delivery::Column::Id.eq(d.id)).exec(db).await.unwrap();
    }
    let (gone, _) = drain(|| retention::trim_deliveries(db, now_millis() + 1, 2)).await;
    assert_eq!(gone, 3 + 3 + 1, "three deliveries, their three events and the unheard one");
    let left: Vec<i64> = event::Entity::find().all(db).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(left, [events[3]]);
    assert!(!left.contains(&unheard));
    let pending = webhook_delivery::Entity::find().all(db).await.unwrap();
    assert_eq!((pending.len(), pending[0].state.as_str(), pending[0].webhook_id), (1, "pending", hook.id));
    // Nothing younger than the cut goes.
    assert_eq!(retention::trim_deliveries(db, 0, 10).await.unwrap(), 0);
});

db_test!(async fn the_job_runs_in_one_process_at_a_time(t) {
    let db = &t.db;
    let soon = now_millis() + 60_000;
    assert!(retention::take_lease(db, "retention", "a", soon).await.unwrap());
    assert!(!retention::take_lease(db, "retention", "b", soon).await.unwrap(), "a holds it");
    assert!(retention::take_lease(db, "retention", "a", soon + 1).await.unwrap(), "its holder renews it");
    assert!(retention::take_lease(db, "another-job", "b", soon).await.unwrap(), "another job has its own");
    // Given back at shutdown, it is free at once.
    retention::release_lease(db, "retention", "a").await.unwrap();
    assert!(retention::take_lease(db, "retention", "b", soon).await.unwrap());
    retention::release_lease(db, "retention", "b").await.unwrap();
    assert!(retention::take_lease(db, "retention", "a", soon).await.unwrap());
    // Once a's lease runs out (a crashed), b takes it.
    assert!(retention::take_lease(db, "retention", "a", now_millis() - 1).await.unwrap());
    assert!(retention::take_lease(db, "retention", "b", soon).await.unwrap());
});

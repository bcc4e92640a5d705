//! What the config service keeps of the instances that read: bounded per app, and forgotten
//! when not seen for a while.

use lyre_store::config::instances::{self, Delivery};
use lyre_store::db_test;
use lyre_store::entity::{instance, instance_config};
use lyre_store::sea_orm::{EntityTrait, PaginatorTrait};

fn delivery(app: &str, ip: &str, at: i64) -> Delivery {
    Delivery {
        env: "DEV".into(),
        app_id: app.into(),
        cluster: "default".into(),
        data_center: String::new(),
        ip: ip.into(),
        label: String::new(),
        config_cluster: "default".into(),
        config_namespace: "application".into(),
        release_key: "r1".into(),
        schema_hash: String::new(),
        at,
    }
}

db_test!(async fn instances_are_capped_per_app_and_forgotten_when_not_seen(t) {
    for i in 0..5 {
        assert!(instances::record(&t.db, &delivery("shop", &format!("10.0.0.{i}"), 1_000), 3).await.unwrap() == (i < 3));
    }
    // Those recorded are still refreshed; another app has its own allowance.
    assert!(instances::record(&t.db, &delivery("shop", "10.0.0.1", 5_000), 3).await.unwrap());
    assert!(instances::record(&t.db, &delivery("cart", "10.0.0.9", 1_000), 3).await.unwrap());
    assert_eq!(instance::Entity::find().count(&t.db).await.unwrap(), 4);

    // Forgetting what was not seen since 2,000 leaves the instance seen at 5,000.
    assert_eq!(instances::prune(&t.db, 2_000).await.unwrap(), 3);
    let left = instance::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(left.iter().map(|i| i.ip.as_str()).collect::<Vec<_>>(), ["10.0.0.1"]);
    let held = instance_config::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].instance_id, left[0].id);
    // Room again for a new one.
    assert!(instances::record(&t.db, &delivery("shop", "10.0.0.7", 6_000), 3).await.unwrap());
});

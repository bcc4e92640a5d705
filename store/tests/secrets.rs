//! `secrets::rotate` on every database: values sealed under an old key are re-sealed under the
//! new one wherever they are stored (each still bound to its app), and webhook signing secrets
//! kept as they were (made before keys were configured) are sealed.

use lyre_store::config::audit;
use lyre_store::config::items::{self, NewItem};
use lyre_store::config::namespaces::{self, NamespaceRef};
use lyre_store::db_test;
use lyre_store::entity::{audit as audit_row, webhook};
use lyre_store::sea_orm::EntityTrait;
use lyre_store::secrets::{self, KeyRing};
use lyre_store::webhooks::{self, NewWebhook};

db_test!(async fn rotation_reseals_values_and_seals_plain_webhook_secrets(t) {
    let (k1, k2) = (KeyRing::new_entry("k1").unwrap(), KeyRing::new_entry("k2").unwrap());
    let old = KeyRing::parse(&k1).unwrap();
    let sealed = old.seal("shop", "DEV/shop/default/application/db.password", "hunter2").unwrap();
    // An item edit's audit row, whose detail quotes the sealed value.
    audit::record(
        &t.db,
        audit::Record {
            env: "DEV",
            app_id: "shop",
            entity_type: "namespace",
            entity_id: "DEV/shop/default/application",
            operation: "edit",
            detail: serde_json::json!({"created": [{"key": "db.password", "value": sealed}]})
                .to_string(),
            operator: "alice",
        },
    )
    .await
    .unwrap();
    // An item, whose app is its namespace's.
    let ns = namespaces::insert(
        &t.db,
        NamespaceRef { env: "DEV", app_id: "shop", cluster: "default", namespace: "application" },
        "alice",
    )
    .await
    .unwrap();
    items::insert(
        &t.db,
        &NewItem {
            namespace_id: ns.id,
            key: "db.password",
            value: &sealed,
            comment: "",
            line_num: 1,
            deletes_key: false,
        },
        "alice",
    )
    .await
    .unwrap();
    let hook = webhooks::create(
        &t.db,
        &NewWebhook {
            app_id: "shop",
            url: "https://hooks.example.com/lyre",
            secret: "whsec_made-before-keys",
            events: "*",
            description: "",
            enabled: true,
            created_by: "alice",
        },
    )
    .await
    .unwrap();
    assert_eq!(webhooks::stored_secret(&hook), "whsec_made-before-keys");

    let both = KeyRing::parse(&format!("{k2},{k1}")).unwrap();
    let done = secrets::rotate(&t.db, &both, |_, _| {}).await.unwrap();
    assert_eq!(done.webhooks_sealed, 1);
    assert_eq!(
        done.total(),
        2,
        "the audit row and the item (the webhook's secret is sealed under k2 at once): {done:?}"
    );
    let item = items::find(&t.db, ns.id, "db.password").await.unwrap().unwrap();
    assert!(item.value.starts_with("lyre:v1:k2:"), "{}", item.value);
    assert_eq!(both.open("shop", &item.value).unwrap(), "hunter2");
    assert!(both.open("other", &item.value).is_err(), "still bound to its app");

    let row = audit_row::Entity::find().one(&t.db).await.unwrap().unwrap();
    let detail: serde_json::Value = serde_json::from_str(&row.detail).unwrap();
    let value = detail["created"][0]["value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("lyre:v1:k2:"), "{}", row.detail);
    assert_eq!(both.open("shop", &value).unwrap(), "hunter2");
    let hook = webhook::Entity::find_by_id(hook.id).one(&t.db).await.unwrap().unwrap();
    assert_eq!(hook.secret, "", "no longer kept as it was");
    assert!(hook.sealed_secret.starts_with("lyre:v1:k2:"), "{}", hook.sealed_secret);
    assert_eq!(both.open(secrets::WEBHOOKS, webhooks::stored_secret(&hook)).unwrap(), "whsec_made-before-keys");

    // Run again, it finds nothing to do; with only the new key, everything opens.
    let again = secrets::rotate(&t.db, &both, |_, _| {}).await.unwrap();
    assert_eq!((again.total(), again.webhooks_sealed, again.passes), (0, 0, 1));
    let new = KeyRing::parse(&k2).unwrap();
    assert_eq!(new.open("shop", &value).unwrap(), "hunter2");
    assert!(new.open("shop", &sealed).is_err(), "the old value needs the old key");
});

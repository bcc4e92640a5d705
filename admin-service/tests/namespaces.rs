//! Namespace definitions, namespaces in clusters, and public namespaces associated by other apps.

mod common;

use axum::http::StatusCode;
use common::{Admin, OPERATOR, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| {
            n["namespaceName"]
                .as_str()
                .or(n["name"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

db_test!(async fn definitions_are_created_in_every_cluster(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    admin
        .post("/envs/PRO/apps/orders/clusters", json!({"name": "east", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CREATED);
    let yaml = admin
        .post(
            "/apps/orders/appnamespaces",
            json!({"name": "datasources", "format": "yaml", "comment": "databases", "operator": OPERATOR}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(yaml["name"], "datasources.yaml", "the format's suffix is added");
    assert_eq!(yaml["format"], "yaml");
    let props = admin
        .post("/apps/orders/appnamespaces", json!({"name": "feature-flags", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(props["name"], "feature-flags");
    assert_eq!(props["format"], "properties");
    assert_eq!(props["isPublic"], false);

    for (env, cluster) in [("DEV", "default"), ("PRO", "default"), ("PRO", "east")] {
        let list = admin.get(&format!("/envs/{env}/apps/orders/clusters/{cluster}/namespaces")).await.json();
        assert_eq!(names(&list), ["application", "datasources.yaml", "feature-flags"], "{env}/{cluster}");
    }
    let again = admin
        .post("/apps/orders/appnamespaces", json!({"name": "datasources.yaml", "format": "yaml", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CONFLICT);
    assert!(again.message().contains("already has a namespace"));
    let bad = admin
        .post("/apps/orders/appnamespaces", json!({"name": "x", "format": "toml", "operator": OPERATOR}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("toml"));
});

db_test!(async fn public_names_are_unique_across_apps(t) {
    let admin = Admin::new(t).await;
    for app in ["a", "b", "c"] {
        admin.create_app(app).await.expect(StatusCode::CREATED);
    }
    let create = |app: &'static str, name: &'static str, public: bool| {
        let admin = &admin;
        async move {
            admin
                .post(
                    &format!("/apps/{app}/appnamespaces"),
                    json!({"name": name, "isPublic": public, "operator": OPERATOR}),
                )
                .await
        }
    };
    create("a", "shared.db", true).await.expect(StatusCode::CREATED);
    let taken = create("b", "shared.db", true).await.expect(StatusCode::CONFLICT);
    assert!(taken.message().contains("app `a`"), "{}", taken.message());
    create("b", "shared.db", false).await.expect(StatusCode::CONFLICT);
    // Private names may repeat across apps, but then no app may make that name public.
    create("b", "local", false).await.expect(StatusCode::CREATED);
    create("c", "local", false).await.expect(StatusCode::CREATED);
    create("a", "local", true).await.expect(StatusCode::CONFLICT);

    let public = admin.get("/appnamespaces/public").await.expect(StatusCode::OK).json();
    assert_eq!(names(&public), ["shared.db"]);
});

db_test!(async fn apps_associate_public_namespaces_and_override_keys(t) {
    let admin = Admin::new(t).await;
    admin.create_app("platform").await.expect(StatusCode::CREATED);
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    admin
        .post("/apps/platform/appnamespaces", json!({"name": "shared.db", "isPublic": true, "operator": OPERATOR}))
        .await
        .expect(StatusCode::CREATED);
    let owner_ns = ns("DEV", "platform", "default", "shared.db");
    admin.add_item(&owner_ns, "pool.size", "10").await.expect(StatusCode::CREATED);
    admin.add_item(&owner_ns, "url", "jdbc:pg://db/main").await.expect(StatusCode::CREATED);

    let associated = admin
        .post(
            "/envs/DEV/apps/orders/clusters/default/namespaces",
            json!({"namespaceName": "shared.db", "operator": OPERATOR}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(associated["isAssociated"], true);
    assert_eq!(associated["ownerAppId"], "platform");
    assert_eq!(associated["itemCount"], 0);

    // The app's override of one key lives in its own namespace; the owner's items are untouched.
    let override_ns = ns("DEV", "orders", "default", "shared.db");
    admin.add_item(&override_ns, "pool.size", "50").await.expect(StatusCode::CREATED);
    let overrides = admin.get(&format!("{override_ns}/items")).await.json();
    assert_eq!(overrides.as_array().unwrap().len(), 1);
    assert_eq!(overrides[0]["value"], "50");
    assert_eq!(admin.get(&format!("{owner_ns}/items/pool.size")).await.json()["value"], "10");
    admin.publish(&override_ns, "bigger pool for orders").await.expect(StatusCode::CREATED);

    let listed = admin.get("/envs/DEV/apps/orders/clusters/default/namespaces").await.json();
    assert_eq!(names(&listed), ["application", "shared.db"]);

    let twice = admin
        .post("/envs/DEV/apps/orders/clusters/default/namespaces", json!({"namespaceName": "shared.db", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CONFLICT);
    assert!(twice.message().contains("already has"));
    admin
        .post("/envs/DEV/apps/orders/clusters/default/namespaces", json!({"namespaceName": "nothing-public", "operator": OPERATOR}))
        .await
        .expect(StatusCode::NOT_FOUND);
    admin
        .post("/envs/DEV/apps/platform/clusters/default/namespaces", json!({"namespaceName": "shared.db", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CONFLICT);

    // While associated, the owner cannot delete the definition or the app.
    let refused = admin.delete("/apps/platform/appnamespaces/shared.db?operator=bob").await.expect(StatusCode::CONFLICT);
    assert!(refused.message().contains("orders"));
    admin.delete("/apps/platform?operator=bob").await.expect(StatusCode::CONFLICT);
    // An app's own namespace is not dissociated.
    admin.delete(&format!("{}?operator=bob", ns("DEV", "orders", "default", "application"))).await.expect(StatusCode::BAD_REQUEST);

    admin.delete(&format!("{override_ns}?operator=bob")).await.expect(StatusCode::NO_CONTENT);
    admin.get(&override_ns).await.expect(StatusCode::NOT_FOUND);
    admin.delete("/apps/platform/appnamespaces/shared.db?operator=bob").await.expect(StatusCode::NO_CONTENT);
    admin.get(&owner_ns).await.expect(StatusCode::NOT_FOUND);
    admin
        .delete("/apps/orders/appnamespaces/application?operator=bob")
        .await
        .expect(StatusCode::BAD_REQUEST);
});

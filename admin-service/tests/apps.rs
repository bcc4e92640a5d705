//! Apps and clusters.

mod common;

use axum::http::StatusCode;
use common::{Admin, OPERATOR, ns};
use lyre_store::db_test;
use serde_json::json;

db_test!(async fn creating_an_app_creates_default_clusters_and_namespace(t) {
    let admin = Admin::new(t).await;
    let app = admin.create_app("orders").await.expect(StatusCode::CREATED).json();
    assert_eq!(app["appId"], "orders");
    assert_eq!(app["ownerName"], "owner");
    assert_eq!(app["createdBy"], OPERATOR);
    assert!(app["createdAt"].as_str().unwrap().ends_with('Z'));

    for env in ["DEV", "PRO"] {
        let clusters = admin.get(&format!("/envs/{env}/apps/orders/clusters")).await.expect(StatusCode::OK).json();
        assert_eq!(clusters.as_array().unwrap().len(), 1);
        assert_eq!(clusters[0]["name"], "default");
        let namespaces = admin
            .get(&format!("/envs/{env}/apps/orders/clusters/default/namespaces"))
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(namespaces.as_array().unwrap().len(), 1);
        assert_eq!(namespaces[0]["namespaceName"], "application");
        assert_eq!(namespaces[0]["format"], "properties");
        assert_eq!(namespaces[0]["isPublic"], false);
        assert_eq!(namespaces[0]["hasUnpublishedChanges"], false);
    }
    let definitions = admin.get("/apps/orders/appnamespaces").await.expect(StatusCode::OK).json();
    assert_eq!(definitions[0]["name"], "application");

    let again = admin.create_app("orders").await.expect(StatusCode::CONFLICT);
    assert_eq!(again.code(), "already_exists");
    assert!(again.message().contains("orders"));
});

db_test!(async fn apps_are_read_listed_updated_and_deleted(t) {
    let admin = Admin::new(t).await;
    for id in ["orders", "payments", "order-history"] {
        admin.create_app(id).await.expect(StatusCode::CREATED);
    }
    let got = admin.get("/apps/payments").await.expect(StatusCode::OK).json();
    assert_eq!(got["name"], "payments service");

    let page = admin.get("/apps?search=ORDER&size=1").await.expect(StatusCode::OK).json();
    assert_eq!(page["total"], 2, "search ignores case and matches ids and names");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["appId"], "order-history");
    let second = admin.get("/apps?search=order&size=1&page=1").await.json();
    assert_eq!(second["items"][0]["appId"], "orders");
    // A page far past the end (even one whose offset would overflow) is empty, not an error.
    let beyond = admin.get("/apps?page=9223372036854775808&size=0").await.expect(StatusCode::OK).json();
    assert_eq!(beyond["items"], serde_json::json!([]));
    assert_eq!(beyond["total"], 3);

    let updated = admin
        .put("/apps/payments", json!({"name": "Payments", "ownerEmail": "pay@example.com", "operator": "bob"}))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated["name"], "Payments");
    assert_eq!(updated["ownerEmail"], "pay@example.com");
    assert_eq!(updated["ownerName"], "owner", "absent fields are kept");
    assert_eq!(updated["updatedBy"], "bob");

    admin.delete("/apps/payments?operator=bob").await.expect(StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/apps/payments").await.expect(StatusCode::NOT_FOUND).code(), "app_not_found");
    assert_eq!(admin.get("/apps").await.json()["total"], 2);
    // Soft deleted: the id can be used again, starting afresh.
    admin.create_app("payments").await.expect(StatusCode::CREATED);
    let items = admin.get(&format!("{}/items", ns("DEV", "payments", "default", "application"))).await;
    assert_eq!(items.expect(StatusCode::OK).json(), json!([]));
});

db_test!(async fn clusters_are_created_listed_and_deleted(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let created = admin
        .post("/envs/PRO/apps/orders/clusters", json!({"name": "shanghai", "comment": "east", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(created["env"], "PRO");
    assert_eq!(created["name"], "shanghai");

    let names: Vec<String> = admin
        .get("/envs/PRO/apps/orders/clusters")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["default", "shanghai"]);
    assert_eq!(admin.get("/envs/DEV/apps/orders/clusters").await.json().as_array().unwrap().len(), 1, "per environment");

    // The new cluster has the app's namespaces.
    let shanghai = ns("PRO", "orders", "shanghai", "application");
    admin.add_item(&shanghai, "timeout", "30").await.expect(StatusCode::CREATED);

    admin
        .post("/envs/PRO/apps/orders/clusters", json!({"name": "shanghai", "operator": OPERATOR}))
        .await
        .expect(StatusCode::CONFLICT);
    let refused = admin.delete("/envs/PRO/apps/orders/clusters/default?operator=bob").await.expect(StatusCode::BAD_REQUEST);
    assert!(refused.message().contains("default"));

    admin.delete("/envs/PRO/apps/orders/clusters/shanghai?operator=bob").await.expect(StatusCode::NO_CONTENT);
    admin.get("/envs/PRO/apps/orders/clusters/shanghai").await.expect(StatusCode::NOT_FOUND);
    admin.get(&format!("{shanghai}/items")).await.expect(StatusCode::NOT_FOUND);
    admin.delete("/envs/PRO/apps/orders/clusters/shanghai?operator=bob").await.expect(StatusCode::NOT_FOUND);
});

db_test!(async fn every_write_is_audited(t) {
    let admin = Admin::new(t).await;
    admin.create_app("orders").await.expect(StatusCode::CREATED);
    let app_ns = ns("DEV", "orders", "default", "application");
    admin.add_item(&app_ns, "timeout", "30").await.expect(StatusCode::CREATED);
    admin.publish(&app_ns, "first").await.expect(StatusCode::CREATED);
    admin.put("/apps/orders", json!({"name": "Orders", "operator": "carol"})).await.expect(StatusCode::OK);

    let log = admin.get("/audits?appId=orders").await.expect(StatusCode::OK).json();
    let entries: Vec<(String, String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entityType"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
                e["operator"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("app", "update", "carol"),
        ("release", "publish", "bob"),
        ("namespace", "edit", OPERATOR),
        ("app", "create", OPERATOR),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into())).collect();
    assert_eq!(entries, expected, "newest first");
    let edit = &log["items"][2];
    assert_eq!(edit["entityId"], "DEV/orders/default/application");
    assert!(edit["detail"].as_str().unwrap().contains("timeout"), "the change itself is recorded");

    let by_carol = admin.get("/audits?operator=carol").await.json();
    assert_eq!(by_carol["total"], 1);
    let bad = admin.get("/audits?from=yesterday").await.expect(StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("from"));
});

//! Secret values belong to their app: a sealed value read in one app (where anyone who may
//! view the namespace sees it) is refused when pasted into another app, so the master of that
//! other app cannot have it revealed or served there; within its own app it may be copied
//! between environments and clusters as it is.

mod common;

use axum::http::{Method, StatusCode};
use common::stack::{Stack, ns};
use lyre_store::db_test;
use serde_json::{Value, json};

db_test!(async fn a_sealed_value_pasted_into_another_app_is_refused(t) {
    let s = Stack::start(&t).await;
    let root = s.root.clone();
    s.app("vault", "admin").await;
    s.app("mine", "admin").await;
    let mallory = s.user("mallory").await;
    // Master of her own app, where she may grant herself every role.
    s.grant("mine", "mallory", "master", json!({})).await;
    for role in ["modify", "reveal"] {
        s.grant("mine", "mallory", role, json!({"namespace": "*"})).await;
    }
    s.ok(
        Method::POST,
        &format!("{}/items", ns("DEV", "vault", "application")),
        &root,
        &json!({"key": "db.password", "value": "vault-hunter2", "secret": true}),
    )
    .await;

    // Mallory may view the vault's namespace, and so sees its sealed value.
    let listed = s
        .call(
            Method::GET,
            &format!("{}/items", ns("DEV", "vault", "application")),
            Some(&mallory),
            &Value::Null,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let sealed = listed.json()[0]["value"].as_str().unwrap().to_owned();
    assert!(sealed.starts_with("lyre:v1:"), "{sealed}");
    let reveal = s
        .call(
            Method::POST,
            &format!("{}/items/db.password/reveal", ns("DEV", "vault", "application")),
            Some(&mallory),
            &Value::Null,
        )
        .await;
    assert_eq!(reveal.status, StatusCode::FORBIDDEN, "{}", reveal.text);

    // Pasted into her own app, as an item, in text mode or as a gray override: refused,
    // saying why, and nothing is stored.
    let mine = ns("DEV", "mine", "application");
    let pasted = s
        .call(
            Method::POST,
            &format!("{mine}/items"),
            Some(&mallory),
            &json!({"key": "stolen", "value": sealed}),
        )
        .await;
    assert_eq!(
        pasted.status,
        StatusCode::BAD_REQUEST,
        "a sealed value of app `vault` was accepted in app `mine`, where its master can reveal \
         it: {}",
        pasted.text
    );
    assert!(pasted.text.contains("sealed for another app"), "{}", pasted.text);
    assert!(pasted.text.contains("plain value"), "{}", pasted.text);
    let text = s
        .ok(Method::GET, &format!("{mine}/text"), &mallory, &Value::Null)
        .await;
    let pasted = s
        .call(
            Method::PUT,
            &format!("{mine}/text"),
            Some(&mallory),
            &json!({"text": format!("stolen = {sealed}\n"), "revision": text["revision"]}),
        )
        .await;
    assert_eq!(pasted.status, StatusCode::BAD_REQUEST, "{}", pasted.text);
    s.ok(
        Method::POST,
        &format!("{mine}/items"),
        &mallory,
        &json!({"key": "stolen", "value": "mine"}),
    )
    .await;
    let branch = s
        .ok(Method::POST, &format!("{mine}/branches"), &mallory, &Value::Null)
        .await;
    let pasted = s
        .call(
            Method::PUT,
            &format!(
                "{mine}/branches/{}/overrides/stolen",
                branch["branchName"].as_str().unwrap()
            ),
            Some(&mallory),
            &json!({"value": sealed}),
        )
        .await;
    assert_eq!(pasted.status, StatusCode::BAD_REQUEST, "{}", pasted.text);
    let items = s
        .ok(Method::GET, &format!("{mine}/items"), &mallory, &Value::Null)
        .await;
    assert!(!items.to_string().contains(&sealed), "{items}");
    let revealed = s
        .call(
            Method::POST,
            &format!("{mine}/items/stolen/reveal"),
            Some(&mallory),
            &Value::Null,
        )
        .await;
    assert!(!revealed.text.contains("vault-hunter2"), "{}", revealed.text);

    // Within its own app, the sealed value moves between environments as it is.
    let pro = ns("PRO", "vault", "application");
    let copied = s
        .ok(
            Method::POST,
            &format!("{pro}/items"),
            &root,
            &json!({"key": "db.password", "value": sealed}),
        )
        .await;
    assert_eq!(copied["value"], sealed.as_str());
    assert_eq!(copied["secret"], true);
    let revealed = s
        .ok(
            Method::POST,
            &format!("{pro}/items/db.password/reveal"),
            &root,
            &Value::Null,
        )
        .await;
    assert_eq!(revealed["value"], "vault-hunter2");
});

//! Discovery through the router, as Apollo clients call it.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use lyre_meta_server::{MetaState, router};
use lyre_protocol::meta::{ADMIN_SERVICE, CONFIG_SERVICE, ServiceInstance};
use lyre_service_kit::credential::ServiceCredential;
use lyre_service_kit::env::{EnvRoutes, route_envs};
use lyre_store::db_test;
use lyre_store::entity::service_registry;
use lyre_store::registry::{Registration, heartbeat};
use lyre_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use tower::ServiceExt as _;

fn registration(service: &str, id: &str, envs: &[&str], url: &str) -> Registration {
    Registration {
        service_name: service.into(),
        instance_id: id.into(),
        envs: envs.iter().map(|e| (*e).to_owned()).collect(),
        homepage_url: url.into(),
    }
}

const ADMIN_TOKEN: &str = "meta-test-admin-token-0123456789abcdef";

async fn get(app: &EnvRoutes, path: &str) -> (StatusCode, Vec<ServiceInstance>) {
    get_as(app, path, None).await
}

async fn get_as(
    app: &EnvRoutes,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Vec<ServiceInstance>) {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

fn urls(instances: &[ServiceInstance]) -> Vec<&str> {
    instances.iter().map(|i| i.homepage_url.as_str()).collect()
}

db_test!(async fn lists_live_instances_per_environment(t) {
    let db = &t.db;
    heartbeat(db, &registration(CONFIG_SERVICE, "a:8080", &["DEV", "PRO"], "http://a:8080/")).await.unwrap();
    heartbeat(db, &registration(CONFIG_SERVICE, "b:8080", &["PRO"], "http://b:8080/")).await.unwrap();
    heartbeat(db, &registration(ADMIN_SERVICE, "a:8090", &["DEV", "PRO"], "http://a:8090/")).await.unwrap();
    // A heartbeat repeated does not duplicate the instance.
    heartbeat(db, &registration(CONFIG_SERVICE, "a:8080", &["DEV", "PRO"], "http://a:8080/")).await.unwrap();

    let credential = ServiceCredential::tokens(&[ADMIN_TOKEN]).unwrap();
    let app = route_envs(
        router(MetaState::new(t.db.clone(), Duration::from_secs(30)).with_admin_callers(credential)),
        vec!["DEV".into(), "PRO".into()],
    );

    let (status, pro) = get(&app, "/PRO/services/config").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(urls(&pro), ["http://a:8080/PRO/", "http://b:8080/PRO/"]);
    assert_eq!(pro[0].app_name, CONFIG_SERVICE);
    assert_eq!(pro[0].instance_id, "a:8080");

    // Lower case prefixes work; DEV is served by `a` only.
    let (_, dev) = get(&app, "/dev/services/config?appId=x&ip=1.2.3.4").await;
    assert_eq!(urls(&dev), ["http://a:8080/DEV/"]);

    // Without a prefix: the default (first) environment, URLs without a prefix either.
    let (_, default) = get(&app, "/services/config").await;
    assert_eq!(urls(&default), ["http://a:8080/"]);

    let (_, admin) = get_as(&app, "/PRO/services/admin", Some(ADMIN_TOKEN)).await;
    assert_eq!(urls(&admin), ["http://a:8090/"]);
    assert_eq!(admin[0].app_name, ADMIN_SERVICE);
});

db_test!(async fn admin_addresses_are_given_only_to_holders_of_the_admin_credential(t) {
    let db = &t.db;
    heartbeat(db, &registration(ADMIN_SERVICE, "a:8090", &["DEV"], "http://a:8090/")).await.unwrap();
    let credential = ServiceCredential::tokens(&[ADMIN_TOKEN]).unwrap();
    let guarded = route_envs(
        router(MetaState::new(t.db.clone(), Duration::from_secs(30)).with_admin_callers(credential)),
        vec!["DEV".into()],
    );
    for token in [None, Some("meta-test-admin-token-0123456789abcdeX")] {
        let (status, listed) = get_as(&guarded, "/services/admin", token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert!(listed.is_empty());
    }
    let (status, listed) = get_as(&guarded, "/DEV/services/admin", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(urls(&listed), ["http://a:8090/"]);

    // A meta server given no credential tells nobody; config services stay public.
    let closed = route_envs(
        router(MetaState::new(t.db.clone(), Duration::from_secs(30))),
        vec!["DEV".into()],
    );
    let (status, _) = get_as(&closed, "/services/admin", Some(ADMIN_TOKEN)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&closed, "/services/config").await;
    assert_eq!(status, StatusCode::OK);
});

db_test!(async fn silent_instances_expire(t) {
    let db = &t.db;
    heartbeat(db, &registration(CONFIG_SERVICE, "old:8080", &["DEV"], "http://old:8080/")).await.unwrap();
    heartbeat(db, &registration(CONFIG_SERVICE, "new:8080", &["DEV"], "http://new:8080/")).await.unwrap();
    // `old` last spoke a minute ago.
    service_registry::Entity::update_many()
        .col_expr(service_registry::Column::UpdatedAt, Expr::value(lyre_store::time::now_millis() - 60_000))
        .filter(service_registry::Column::InstanceId.eq("old:8080"))
        .exec(db)
        .await
        .unwrap();

    let app = route_envs(
        router(MetaState::new(t.db.clone(), Duration::from_secs(30))),
        vec!["DEV".into()],
    );
    let (_, live) = get(&app, "/services/config").await;
    assert_eq!(urls(&live), ["http://new:8080/"]);

    // Its next heartbeat brings it back.
    heartbeat(db, &registration(CONFIG_SERVICE, "old:8080", &["DEV"], "http://old:8080/")).await.unwrap();
    let (_, live) = get(&app, "/services/config").await;
    assert_eq!(live.len(), 2);
});

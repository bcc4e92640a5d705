//! Two `lyre` processes on one database: a release published through one reaches the other's
//! config service (by PostgreSQL `NOTIFY`, or by scanning release messages).

mod common;

use std::time::{Duration, Instant};

use common::{Ports, Running, admin_client, lyre, shared_database};
use lyre_store::testing::TestBackend;
use serde_json::{Value, json};

async fn publish_through(admin: u16) {
    let client = admin_client();
    let base = format!("http://127.0.0.1:{admin}");
    let post = |path: &str, body: Value| client.post(format!("{base}{path}")).json(&body).send();
    let created = post(
        "/apps",
        json!({"appId": "shop", "name": "Shop", "ownerName": "o", "operator": "alice"}),
    )
    .await
    .unwrap();
    assert!(
        created.status().is_success(),
        "{}",
        created.text().await.unwrap()
    );
    let ns = "/envs/DEV/apps/shop/clusters/default/namespaces/application";
    post(
        &format!("{ns}/items"),
        json!({"key": "k", "value": "v", "operator": "alice"}),
    )
    .await
    .unwrap();
    let released = post(
        &format!("{ns}/releases"),
        json!({"title": "t", "operator": "bob"}),
    )
    .await
    .unwrap();
    assert_eq!(released.status(), 201);
}

async fn two_processes_see_each_others_releases(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _db)) = shared_database(dir.path(), backend).await else {
        return;
    };
    let (ports_a, ports_b) = (Ports::new(), Ports::new());
    let mut a = lyre(dir.path(), &ports_a);
    a.env("LYRE_DATABASE_URL", &url)
        .env("LYRE_ADMIN_PASSWORD", "password-a");
    let _a = Running::start(a);
    let mut b = lyre(dir.path(), &ports_b);
    b.env("LYRE_DATABASE_URL", &url)
        .env("LYRE_ADMIN_PASSWORD", "password-b")
        .args(["--target", "config-service,portal"]);
    let _b = Running::start(b);

    let poll = format!(
        "http://127.0.0.1:{}/notifications/v2?appId=shop&cluster=default&notifications=%5B%7B%22namespaceName%22%3A%22application%22%2C%22notificationId%22%3A-1%7D%5D",
        ports_b.config
    );
    let waiting = tokio::spawn(async move { reqwest::get(&poll).await.unwrap().status().as_u16() });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let published = Instant::now();
    publish_through(ports_a.admin).await;
    assert_eq!(
        waiting.await.unwrap(),
        200,
        "the other process's long poll is woken"
    );
    assert!(published.elapsed() < Duration::from_secs(5));
    let read: Value = reqwest::get(format!(
        "http://127.0.0.1:{}/configs/shop/default/application",
        ports_b.config
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(read["configurations"]["k"], "v");
}

#[tokio::test]
async fn two_processes_on_one_sqlite_file() {
    two_processes_see_each_others_releases(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn two_processes_on_one_postgres() {
    two_processes_see_each_others_releases(TestBackend::Postgres).await;
}

#[tokio::test]
async fn two_processes_on_one_mariadb() {
    two_processes_see_each_others_releases(TestBackend::MySql).await;
}

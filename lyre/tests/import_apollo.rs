//! `lyre import apollo` from MariaDB databases laid out like Apollo's ApolloConfigDB and
//! ApolloPortalDB (`tests/apollo/*.sql`) into Lyre on SQLite, PostgreSQL and MariaDB. Then an
//! Apollo client that was running against Apollo (holding Apollo's release keys and
//! notification ids, signing with the app's access key) keeps its values and hears of the next
//! release published in Lyre, as does Lyre's SDK; people sign in with their Apollo passwords,
//! and CI publishes with its Apollo token. Needs `LYRE_TEST_MYSQL_URL` (and, for PostgreSQL,
//! `LYRE_TEST_POSTGRES_URL`); without them the tests pass without running.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::apollo::ApolloDb;
use common::{Ports, Running, admin_client, dump, lyre};
use lyre_protocol::access_key::{authorization, signature};
use lyre_store::sea_orm::Database;
use lyre_store::testing::TestBackend;
use serde_json::{Value, json};

const SECRET: &str = "df23df3f59884980844ff3dada30fa97";
/// The newest release of shop/default/application and the newest message id in Apollo.
const APOLLO_RELEASE: &str = "20240202000000-2222222222222222";
const APOLLO_MESSAGE_ID: i64 = 70010;

/// The databases of an Apollo installation with two environments.
struct Apollo {
    config: ApolloDb,
    /// PRO's: DEV's data with other release keys (each release has its own) and higher
    /// message ids (each environment counts its own).
    pro: ApolloDb,
    portal: ApolloDb,
}

/// PRO's release keys and message ids, from DEV's.
fn pro(sql: &str) -> String {
    sql.replace("'2024", "'2025").replace("(700", "(900")
}

/// `lyre import apollo` with `args` against `database`.
fn import(dir: &Path, database: &str, apollo: &Apollo, args: &[&str]) -> Output {
    let mut command = lyre(dir, &Ports::new());
    command
        .env("LYRE_DATABASE_URL", database)
        .args(["import", "apollo", "--config-db"])
        .arg(format!("DEV={}", apollo.config.url))
        .arg("--config-db")
        .arg(format!("PRO={}", apollo.pro.url))
        .arg("--portal-db")
        .arg(&apollo.portal.url)
        .args(args);
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A GET signed as Apollo's clients sign it: status and body.
async fn signed_get(http: &reqwest::Client, base: &str, path: &str) -> (u16, String) {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let answer = http
        .get(format!("{base}{path}"))
        .header("Timestamp", &timestamp)
        .header(
            "Authorization",
            authorization("shop", &signature(SECRET, &timestamp, path)),
        )
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap())
}

fn poll_path(id: i64) -> String {
    let notifications = json!([{"namespaceName": "application", "notificationId": id}]);
    format!(
        "/DEV/notifications/v2?appId=shop&cluster=default&notifications={}",
        urlencode(&notifications.to_string())
    )
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn apollo_imports_into_sqlite() {
    switch(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn apollo_imports_into_postgres() {
    switch(TestBackend::Postgres).await;
}

#[tokio::test]
async fn apollo_imports_into_mysql() {
    switch(TestBackend::MySql).await;
}

async fn switch(backend: TestBackend) {
    let Some(config) = ApolloDb::create(&["configdb.sql", "seed.sql"]).await else {
        return;
    };
    let portal = ApolloDb::create(&["portaldb.sql", "portal-seed.sql"])
        .await
        .unwrap();
    let pro = ApolloDb::create_with(&["configdb.sql", "seed.sql"], pro)
        .await
        .unwrap();
    let apollo = Apollo {
        config,
        pro,
        portal,
    };
    let dir = tempfile::tempdir().unwrap();
    let Some((database, _db)) = common::shared_database(dir.path(), backend).await else {
        return;
    };

    // A dry run reads everything, prints what it would do and writes nothing.
    let dry = import(dir.path(), &database, &apollo, &["--dry-run"]);
    assert!(dry.status.success(), "{}{}", stdout(&dry), stderr(&dry));
    let report = stdout(&dry);
    for line in [
        "Dry run, nothing was written. Apollo's rows this run would import into",
        "DEV:",
        "PRO:",
        "  App              2",
        "  AppNamespace     4",
        "  Cluster          3",
        "  Namespace        6",
        "  Item             8",
        "  Commit           2",
        "  Release          6",
        "  ReleaseHistory   3",
        "  GrayReleaseRule  1",
        "  NamespaceLock    1",
        "  AccessKey        1",
        "  ReleaseMessage   4",
        "portal:",
        "  Users                  3",
        "  UserRole+ConsumerRole  7",
        "  Consumer               1",
        "  ConsumerToken          1",
        "  Favorite               1",
    ] {
        assert!(report.contains(line), "no `{line}` in:\n{report}");
    }
    let lyre_db = Database::connect(database.as_str()).await.unwrap();
    assert!(
        !lyre_store::is_migrated(&lyre_db).await,
        "a dry run set nothing up"
    );
    lyre_db.close().await.unwrap();

    let done = import(dir.path(), &database, &apollo, &[]);
    assert!(done.status.success(), "{}{}", stdout(&done), stderr(&done));
    let report = stdout(&done);
    assert!(report.contains("Apollo's rows imported into"), "{report}");
    assert!(report.contains("  Item             8"), "{report}");
    assert!(report.contains("  UserRole+ConsumerRole  7"), "{report}");
    assert!(
        report.contains("portal: 1 grant(s) of Apollo's ManageAppMaster roles"),
        "{report}"
    );

    // Run again, it changes nothing.
    let before = (backend == TestBackend::Sqlite).then(|| sqlite_rows(dir.path()));
    let again = import(dir.path(), &database, &apollo, &[]);
    assert!(
        again.status.success(),
        "{}{}",
        stdout(&again),
        stderr(&again)
    );
    let report = stdout(&again);
    assert!(
        report
            .matches("2 app(s) were imported before and are unchanged")
            .count()
            == 2,
        "{report}"
    );
    assert!(report.contains("  Release          0"), "{report}");
    assert!(report.contains("  ReleaseMessage   0"), "{report}");
    assert!(report.contains("  UserRole+ConsumerRole  0"), "{report}");
    assert!(report.contains("  ConsumerToken          0"), "{report}");
    if let Some(before) = before {
        common::assert_same_rows(&before, &sqlite_rows(dir.path()), "a second import");
    }

    // Lyre serves it as Apollo did.
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command.env("LYRE_DATABASE_URL", &database);
    let mut running = Running::start(command);
    running.discard_log();
    let config = format!("http://127.0.0.1:{}", ports.config);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(90))
        .build()
        .unwrap();

    // The access key came along: unsigned reads are refused, signed ones served.
    let unsigned = http
        .get(format!("{config}/DEV/configs/shop/default/application"))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let cached = format!("/DEV/configs/shop/default/application?releaseKey={APOLLO_RELEASE}");
    let (status, body) = signed_get(&http, &config, &cached).await;
    assert_eq!(
        status, 304,
        "the release key a client cached is current: {body}"
    );
    let (status, body) = signed_get(&http, &config, "/DEV/configs/shop/default/application").await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["releaseKey"], APOLLO_RELEASE);
    assert_eq!(
        answer["configurations"],
        json!({"timeout": "30", "host": "db.internal"})
    );
    let (_, gray) = signed_get(
        &http,
        &config,
        "/DEV/configs/shop/default/application?ip=10.0.0.9",
    )
    .await;
    let gray: Value = serde_json::from_str(&gray).unwrap();
    assert_eq!(gray["releaseKey"], "20240301000001-6666666666666666");
    assert_eq!(gray["configurations"]["timeout"], "60");
    let (_, common) = signed_get(&http, &config, "/DEV/configs/shop/default/common").await;
    let common: Value = serde_json::from_str(&common).unwrap();
    assert_eq!(
        common["configurations"],
        json!({"mq.host": "mq.internal", "mq.timeout": "5"})
    );
    assert_eq!(
        common["releaseKey"],
        "20240202000002-4444444444444444+20240202000003-5555555555555555"
    );

    // A client holding Apollo's notification id is told of Lyre's id for the key, which is
    // above every id Apollo gave; re-reading, it finds its release unchanged.
    let (status, body) = signed_get(&http, &config, &poll_path(APOLLO_MESSAGE_ID)).await;
    assert_eq!(status, 200, "{body}");
    let told: Value = serde_json::from_str(&body).unwrap();
    let lyre_id = told[0]["notificationId"].as_i64().unwrap();
    assert!(lyre_id > APOLLO_MESSAGE_ID, "{body}");
    assert_eq!(signed_get(&http, &config, &cached).await.0, 304);
    // PRO, imported from its own database in the same run, likewise; Lyre's ids are above
    // the ids of every environment.
    let pro_poll = poll_path(90010).replace("/DEV/", "/PRO/");
    let (status, body) = signed_get(&http, &config, &pro_poll).await;
    assert_eq!(status, 200, "{body}");
    let told: Value = serde_json::from_str(&body).unwrap();
    assert!(
        told[0]["notificationId"].as_i64().unwrap() > 90010,
        "{body}"
    );
    assert!(
        lyre_id > 90010,
        "DEV's id {lyre_id} is above PRO's Apollo ids too"
    );
    let pro_cached =
        "/PRO/configs/shop/default/application?releaseKey=20250202000000-2222222222222222";
    assert_eq!(signed_get(&http, &config, pro_cached).await.0, 304);

    // Lyre's SDK, signing with the app's Apollo access key, reads the same values.
    let sdk = lyre_client::Client::builder()
        .config_service(format!("{config}/DEV"))
        .app_id("shop")
        .secret(SECRET)
        .namespaces(["application"])
        .build()
        .await
        .unwrap();
    assert_eq!(
        sdk.get_string("timeout").await.unwrap().as_deref(),
        Some("30")
    );

    // The next release published in Lyre reaches it while it waits.
    let waiting = {
        let (http, config, path) = (http.clone(), config.clone(), poll_path(lyre_id));
        tokio::spawn(async move {
            let (status, body) = signed_get(&http, &config, &path).await;
            (status, body, Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let admin = format!(
        "http://127.0.0.1:{}/envs/DEV/apps/shop/clusters/default/namespaces/application",
        ports.admin
    );
    let client = admin_client();
    let changed = client
        .put(format!("{admin}/items/timeout"))
        .json(&json!({"value": "45", "operator": "ops"}))
        .send()
        .await
        .unwrap();
    assert!(
        changed.status().is_success(),
        "{}",
        changed.text().await.unwrap()
    );
    let published = client
        .post(format!("{admin}/releases"))
        .json(&json!({"title": "after the switch", "operator": "ops"}))
        .send()
        .await
        .unwrap();
    assert!(
        published.status().is_success(),
        "{}",
        published.text().await.unwrap()
    );
    let at = Instant::now();
    let (status, body, told_at) = waiting.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let waited = told_at.saturating_duration_since(at);
    eprintln!("the waiting client was told {waited:?} after the publish");
    assert!(
        waited < Duration::from_secs(5),
        "told {waited:?} after the publish"
    );
    let (_, body) = signed_get(&http, &config, &cached).await;
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["configurations"]["timeout"], "45");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sdk.get_string("timeout").await.unwrap().as_deref() != Some("45") {
        assert!(Instant::now() < deadline, "the SDK never saw the release");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_ne!(answer["releaseKey"], APOLLO_RELEASE);

    // People sign in with their Apollo passwords and keep their roles; CI's Apollo token
    // publishes through the Open API.
    let portal = format!("http://127.0.0.1:{}", ports.portal);
    let session = common::sign_in(&http, &portal, "bob", "apollo-era-password").await;
    let roles: Value = http
        .get(format!("{portal}/api/v1/apps/shop/roles"))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = roles.to_string();
    assert!(text.contains("alice") && text.contains("bob"), "{text}");
    let open =
        format!("{portal}/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/application");
    let token = "3c16bf5b1f44b465179253442460e8c0ad845289";
    let edited = http
        .put(format!("{open}/items/timeout"))
        .header("Authorization", token)
        .json(&json!({"key": "timeout", "value": "50", "dataChangeLastModifiedBy": "alice"}))
        .send()
        .await
        .unwrap();
    assert!(
        edited.status().is_success(),
        "{}",
        edited.text().await.unwrap()
    );
    let released = http
        .post(format!("{open}/releases"))
        .header("Authorization", token)
        .json(&json!({"releaseTitle": "from CI", "releasedBy": "alice"}))
        .send()
        .await
        .unwrap();
    assert!(
        released.status().is_success(),
        "{}",
        released.text().await.unwrap()
    );
    let (_, body) = signed_get(&http, &config, &cached).await;
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["configurations"]["timeout"], "50");

    // History came along: the portal's view of the namespace has Apollo's releases and commits.
    let releases: Value = client
        .get(format!("{admin}/releases"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = releases["items"]
        .as_array()
        .or(releases.as_array())
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["from CI", "after the switch", "longer timeout", "first"]
    );
    running.terminate();

    // Edited in Lyre since: a third import calls that a conflict and, by default, writes
    // nothing; skipping leaves it.
    let conflict = import(dir.path(), &database, &apollo, &[]);
    assert!(!conflict.status.success());
    let said = stderr(&conflict);
    assert!(said.contains("DEV shop: Lyre holds release"), "{said}");
    assert!(said.contains("Nothing was written"), "{said}");
    let skipped = import(dir.path(), &database, &apollo, &["--on-conflict", "skip"]);
    assert!(skipped.status.success(), "{}", stderr(&skipped));
    assert!(
        stdout(&skipped).contains("DEV shop: left as Lyre has it"),
        "{}",
        stdout(&skipped)
    );
    // Overwriting puts Apollo's data back, Lyre's release of it gone; after that, nothing to do.
    let overwritten = import(
        dir.path(),
        &database,
        &apollo,
        &["--on-conflict", "overwrite"],
    );
    assert!(overwritten.status.success(), "{}", stderr(&overwritten));
    assert!(
        stdout(&overwritten).contains("  Release          5"),
        "{}",
        stdout(&overwritten)
    );
    let last = import(dir.path(), &database, &apollo, &[]);
    assert!(
        stdout(&last).contains("2 app(s) were imported before and are unchanged"),
        "{}{}",
        stdout(&last),
        stderr(&last)
    );
}

/// The rows of the SQLite database at `dir/shared.db`.
fn sqlite_rows(dir: &Path) -> String {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(dir.join("shared.db"), data.join("lyre.db")).unwrap();
    let rows = dump(dir);
    std::fs::remove_file(data.join("lyre.db")).unwrap();
    rows
}

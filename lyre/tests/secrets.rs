//! Secret items in a real `lyre`, on SQLite, PostgreSQL and MariaDB (when configured):
//!
//! - a scripted session of everything people and CI do with a namespace that holds secrets
//!   (items, text, a secret file namespace, a gray override, publishing, history, compare,
//!   commits, search, export, audit, instances, a second user without the reveal role) never
//!   answers a plain secret value, and the log never holds one;
//! - the config service serves the values only to clients that sign with an enforced access
//!   key (Lyre's SDK with its secret gets them, without it does not);
//! - `lyre secrets rotate` under concurrent publishes and signed reads loses nothing, and
//!   afterwards the old key can go.

mod common;

use std::fs::File;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{PASSWORD, Ports, Running, lyre, shared_database};
use lyre_store::secrets::KeyRing;
use lyre_store::testing::TestBackend;
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

const APP: &str = "vault-shop";
const NS: &str = "/api/v1/envs/DEV/apps/vault-shop/clusters/default/namespaces";

fn random(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n:x}-{}", rand_suffix())
}

fn rand_suffix() -> String {
    KeyRing::new_entry("x").unwrap()[2..14].replace(['+', '/', '='], "q")
}

/// A `lyre` on a database that outlives it, its log written to a file.
struct Lyre {
    dir: TempDir,
    url: String,
    keys: String,
    portal: String,
    config: String,
    http: reqwest::Client,
    session: String,
    running: Option<Running>,
    /// Every answer body seen, with the request that got it.
    answers: Vec<(String, String)>,
}

impl Lyre {
    async fn start(
        backend: TestBackend,
        keys: &str,
    ) -> Option<(Self, Option<lyre_store::testing::TestDb>)> {
        let dir = tempfile::tempdir().unwrap();
        let (url, db) = shared_database(dir.path(), backend).await?;
        let mut lyre = Self {
            dir,
            url,
            keys: keys.to_owned(),
            portal: String::new(),
            config: String::new(),
            http: reqwest::Client::new(),
            session: String::new(),
            running: None,
            answers: Vec::new(),
        };
        lyre.spawn().await;
        Some((lyre, db))
    }

    async fn spawn(&mut self) {
        let ports = Ports::new();
        let mut command = lyre(self.dir.path(), &ports);
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("lyre.log"))
            .unwrap();
        command
            .env("LYRE_DATABASE_URL", &self.url)
            .env("LYRE_ADMIN_PASSWORD", PASSWORD)
            .env("LYRE_SECRET_KEYS", &self.keys)
            .env("LYRE_LOG", "debug,sqlx=warn,hyper=info,h2=info")
            .stderr(Stdio::from(log));
        self.running = Some(Running::start(command));
        self.portal = format!("http://127.0.0.1:{}", ports.portal);
        self.config = format!("http://127.0.0.1:{}", ports.config);
        self.session = common::sign_in(&self.http, &self.portal, "admin", PASSWORD).await;
    }

    async fn restart(&mut self, keys: &str) {
        self.running.take().unwrap().terminate();
        self.keys = keys.to_owned();
        self.spawn().await;
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("lyre.log")).unwrap()
    }

    /// A request with `session`: its status and body (kept for the search for secrets).
    async fn send(
        &mut self,
        session: &str,
        method: Method,
        path: &str,
        body: Value,
    ) -> (u16, String) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.portal))
            .bearer_auth(session);
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        self.answers
            .push((format!("{method} {path}"), text.clone()));
        (status, text)
    }

    /// A request as the super admin that must succeed.
    async fn call(&mut self, method: Method, path: &str, body: Value) -> Value {
        let session = self.session.clone();
        let (status, text) = self.send(&session, method.clone(), path, body).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A read of the config service, signed with `secret` when given.
    async fn read(&self, namespace: &str, secret: Option<&str>) -> (u16, Value) {
        read(&self.http, &self.config, namespace, secret).await
    }

    /// `lyre secrets rotate` on the database, with `keys`: what it printed, once it succeeded.
    fn rotate(&self, keys: &str) -> String {
        let rotate = Command::new(env!("CARGO_BIN_EXE_lyre"))
            .args(["secrets", "rotate"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LYRE_DATABASE_URL", &self.url)
            .env("LYRE_SECRET_KEYS", keys)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&rotate.stdout).into_owned();
        assert!(
            rotate.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&rotate.stderr)
        );
        said
    }
}

/// `request` signed as the app's clients sign `path` (with its query) with `secret`.
fn signed_request(
    request: reqwest::RequestBuilder,
    secret: &str,
    path: &str,
) -> reqwest::RequestBuilder {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let signature = lyre_protocol::access_key::signature(secret, &timestamp, path);
    request
        .header("Timestamp", timestamp)
        .header("Authorization", format!("Apollo {APP}:{signature}"))
}

/// A read of DEV's `namespace` from the config service at `config`, signed with `secret` when
/// given.
async fn read(
    http: &reqwest::Client,
    config: &str,
    namespace: &str,
    secret: Option<&str>,
) -> (u16, Value) {
    let path = format!("/DEV/configs/{APP}/default/{namespace}?ip=10.1.2.3");
    let mut request = http.get(format!("{config}{path}"));
    if let Some(secret) = secret {
        request = signed_request(request, secret, &path);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn keys(ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|id| KeyRing::new_entry(id).unwrap())
        .collect()
}

#[tokio::test]
async fn secrets_never_leave_in_the_clear_on_sqlite() {
    session(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn secrets_never_leave_in_the_clear_on_postgres() {
    session(TestBackend::Postgres).await;
}

#[tokio::test]
async fn secrets_never_leave_in_the_clear_on_mysql() {
    session(TestBackend::MySql).await;
}

async fn session(backend: TestBackend) {
    let ring = keys(&["k1"]);
    let Some((mut lyre, _db)) = Lyre::start(backend, &ring[0]).await else {
        return;
    };
    let (first, second, file_secret, gray_secret) = (
        random("hunter2"),
        random("correct-horse"),
        random("s3cr3t-yaml"),
        random("gray-pass"),
    );
    lyre.call(
        Method::POST,
        "/api/v1/apps",
        json!({"appId": APP, "name": "Vault shop"}),
    )
    .await;
    let items = format!("{NS}/application/items");
    let created = lyre
        .call(
            Method::POST,
            &items,
            json!({"key": "db.password", "value": first, "secret": true, "comment": "the pool's"}),
        )
        .await;
    assert_eq!(created["secret"], true);
    let sealed = created["value"].as_str().unwrap().to_owned();
    assert!(sealed.starts_with("lyre:v1:k1:"), "{created}");
    lyre.call(
        Method::POST,
        &items,
        json!({"key": "db.url", "value": "postgres://db/shop"}),
    )
    .await;

    // The comment changes and the sealed value comes back as it was read: the value stays.
    let item = format!("{items}/db.password");
    let kept = lyre
        .call(
            Method::PUT,
            &item,
            json!({"value": sealed, "comment": "the pool's password"}),
        )
        .await;
    assert_eq!(kept["value"], sealed.as_str());
    // A new value, still secret without saying so.
    let changed = lyre
        .call(Method::PUT, &item, json!({"value": second}))
        .await;
    assert_eq!(changed["secret"], true);
    assert_ne!(
        changed["value"],
        sealed.as_str(),
        "a changed value seals differently"
    );
    // Made plain with its sealed value: refused, nothing changes.
    let session = lyre.session.clone();
    let (status, body) = lyre
        .send(
            &session,
            Method::PUT,
            &item,
            json!({"value": changed["value"], "secret": false}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("new plain value"), "{body}");
    // A value that looks sealed but opens with no key: refused.
    let (status, body) = lyre
        .send(
            &session,
            Method::POST,
            &items,
            json!({"key": "forged", "value": "lyre:v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Text mode shows it sealed; saving the text as it is changes nothing, a new plain value
    // in the text is sealed.
    let text = lyre
        .call(Method::GET, &format!("{NS}/application/text"), Value::Null)
        .await;
    let shown = text["text"].as_str().unwrap().to_owned();
    assert!(shown.contains("db.password = lyre:v1:k1:"), "{shown}");
    let saved = lyre
        .call(
            Method::PUT,
            &format!("{NS}/application/text"),
            json!({"text": format!("{shown}timeout = 30\n"), "revision": text["revision"]}),
        )
        .await;
    assert!(
        saved["text"]
            .as_str()
            .unwrap()
            .contains(changed["value"].as_str().unwrap())
    );

    // A yaml namespace whose whole content is secret.
    lyre.call(
        Method::POST,
        &format!("/api/v1/apps/{APP}/appnamespaces"),
        json!({"name": "db.yaml", "format": "yaml"}),
    )
    .await;
    let yaml = format!("db:\n  password: {file_secret}\n");
    lyre.call(
        Method::PUT,
        &format!("{NS}/db.yaml/items/content?createIfNotExists=true"),
        json!({"value": yaml, "secret": true}),
    )
    .await;
    // Invalid yaml given as a secret: the error does not quote it.
    let (status, body) = lyre
        .send(
            &session,
            Method::PUT,
            &format!("{NS}/db.yaml/items/content"),
            json!({"value": format!("db: [{file_secret}"), "secret": true}),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Everything people look at, before and after publishing.
    lyre.call(
        Method::GET,
        &format!("{NS}/application/changes"),
        Value::Null,
    )
    .await;
    let release = lyre
        .call(
            Method::POST,
            &format!("{NS}/application/releases"),
            json!({"title": "with secrets"}),
        )
        .await;
    lyre.call(
        Method::POST,
        &format!("{NS}/db.yaml/releases"),
        json!({"title": "yaml"}),
    )
    .await;
    // A gray branch overrides the secret: the override is secret too.
    let branches = format!("{NS}/application/branches");
    let branch = lyre.call(Method::POST, &branches, Value::Null).await;
    let branch = branch["branchName"].as_str().unwrap().to_owned();
    lyre.call(
        Method::PUT,
        &format!("{branches}/{branch}/overrides/db.password"),
        json!({"value": gray_secret}),
    )
    .await;
    let listed = lyre.call(Method::GET, &branches, Value::Null).await;
    assert!(
        listed.to_string().contains("lyre:v1:k1:"),
        "the override is sealed: {listed}"
    );
    lyre.call(Method::PUT, &item, json!({"value": first})).await;
    let second_release = lyre
        .call(
            Method::POST,
            &format!("{NS}/application/releases"),
            json!({"title": "back"}),
        )
        .await;
    for path in [
        format!("{NS}/application/items"),
        format!("{NS}/application/items/db.password"),
        format!("{NS}/application/text"),
        format!("{NS}/application/commits"),
        format!("{NS}/application/commits?key=db.password"),
        format!("{NS}/application/releases"),
        format!("{NS}/application/releases/histories"),
        format!("{NS}/db.yaml/items"),
        format!("{NS}/db.yaml/releases"),
        format!(
            "/api/v1/envs/DEV/releases/compare?baseReleaseId={}&toReleaseId={}",
            release["id"], second_release["id"]
        ),
        format!("/api/v1/search?q={}", &first[..10]),
        "/api/v1/search?q=db.password".to_owned(),
        "/api/v1/audits?size=100".to_owned(),
        format!("{NS}/application/export"),
        format!("/api/v1/envs/DEV/apps/{APP}/export"),
    ] {
        lyre.call(Method::GET, &path, Value::Null).await;
    }

    // The config service: without an access key, the secret keys are left out and the
    // instances view says so.
    let (status, unsigned) = lyre.read("application", None).await;
    assert_eq!(status, 200);
    assert_eq!(unsigned["configurations"]["db.url"], "postgres://db/shop");
    assert!(
        unsigned["configurations"].get("db.password").is_none(),
        "{unsigned}"
    );
    let (_, yaml_unsigned) = lyre.read("db.yaml", None).await;
    assert!(
        yaml_unsigned["configurations"].get("content").is_none(),
        "{yaml_unsigned}"
    );
    let instances = lyre.instances().await;
    assert_eq!(
        instances["items"][0]["secretsWithheld"], true,
        "{instances}"
    );

    // With an enforced access key, signed reads get the plain values; unsigned are refused.
    let key = lyre
        .call(
            Method::POST,
            &format!("/api/v1/envs/DEV/apps/{APP}/accesskeys"),
            json!({}),
        )
        .await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    lyre.enable(&key).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let signed = loop {
        let (status, signed) = lyre.read("application", Some(&secret)).await;
        if status == 200 && signed["configurations"].get("db.password").is_some() {
            break signed;
        }
        assert!(std::time::Instant::now() < deadline, "{status} {signed}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(signed["configurations"]["db.password"], first.as_str());
    let (_, yaml_signed) = lyre.read("db.yaml", Some(&secret)).await;
    assert_eq!(yaml_signed["configurations"]["content"], yaml.as_str());
    assert_eq!(lyre.read("application", None).await.0, 401);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let instances = lyre.instances().await;
        if instances["items"][0]["secretsWithheld"] != true {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{instances}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // An app that could not use the value and quotes it in its report: the reason shown in
    // the portal (and to rollouts and webhooks) has it masked.
    let release_key = signed["releaseKey"].as_str().unwrap().to_owned();
    let report = json!({
        "appId": APP, "cluster": "default", "ip": "10.1.2.3",
        "reports": [{
            "namespaceName": "application", "releaseKey": release_key, "status": "rejected",
            "reason": format!("db.password: invalid value: string \"{first}\", expected a u16"),
        }],
    });
    let request = lyre.http.post(format!("{}/DEV/reports", lyre.config));
    let sent = signed_request(request, &secret, "/DEV/reports")
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 204);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let reason = loop {
        let instances = lyre.instances().await;
        if let Some(reason) = instances["items"][0]["applied"]["reason"].as_str() {
            break reason.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "{instances}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(reason.contains("string \"••••••\", expected"), "{reason}");

    // Lyre's SDK: with the app's secret it gets the value, without it it is refused.
    let sdk = lyre_client::Client::builder()
        .config_service(format!("{}/DEV", lyre.config))
        .app_id(APP)
        .secret(&secret)
        .namespaces(["application"])
        .build()
        .await
        .unwrap();
    assert_eq!(
        sdk.get_string("db.password").await.unwrap().as_deref(),
        Some(first.as_str())
    );
    let anonymous = lyre_client::Client::builder()
        .config_service(format!("{}/DEV", lyre.config))
        .app_id(APP)
        .namespaces(["application"])
        .require_server(true)
        .build()
        .await;
    assert!(anonymous.is_err(), "an unsigned SDK client gets nothing");

    // Someone with the modify role but not the reveal role.
    lyre.call(
        Method::POST,
        "/api/v1/users",
        json!({"username": "dev1", "password": "dev1-password"}),
    )
    .await;
    lyre.call(
        Method::POST,
        &format!("/api/v1/apps/{APP}/roles"),
        json!({"user": "dev1", "role": "modify", "namespace": "*"}),
    )
    .await;
    let dev = common::sign_in(&lyre.http, &lyre.portal, "dev1", "dev1-password").await;
    for path in [
        format!("{NS}/application/items"),
        format!("{NS}/application/text"),
        format!("{NS}/application/commits"),
        format!("{NS}/application/releases"),
        format!("{NS}/db.yaml/items"),
        format!("/api/v1/envs/DEV/apps/{APP}/export"),
    ] {
        let (status, body) = lyre.send(&dev, Method::GET, &path, Value::Null).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let reveal = format!("{item}/reveal");
    let (status, body) = lyre.send(&dev, Method::POST, &reveal, Value::Null).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("reveal"), "{body}");

    // The reveal role shows it, and the audit log says who saw which key.
    let log_before = lyre.answers.len();
    let revealed = lyre.call(Method::POST, &reveal, Value::Null).await;
    assert_eq!(revealed["value"], first.as_str());
    lyre.answers.truncate(log_before);
    let audits = lyre
        .call(Method::GET, "/api/v1/audits?size=5", Value::Null)
        .await;
    assert!(
        audits["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["operation"] == "item.revealed"),
        "{audits}"
    );

    // Nothing answered, and nothing logged, holds a plain secret.
    let log = lyre.log();
    assert!(log.len() > 1000, "the log was written: {} bytes", log.len());
    for plain in [&first, &second, &file_secret, &gray_secret] {
        for (request, body) in &lyre.answers {
            assert!(
                !body.contains(plain.as_str()),
                "{request} answered a secret: {body}"
            );
        }
        assert!(!log.contains(plain.as_str()), "the log holds a secret");
    }
    assert!(
        lyre.answers.len() > 40,
        "{} answers looked at",
        lyre.answers.len()
    );
}

#[tokio::test]
async fn rotation_loses_nothing_on_sqlite() {
    rotation(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn rotation_loses_nothing_on_postgres() {
    rotation(TestBackend::Postgres).await;
}

#[tokio::test]
async fn rotation_loses_nothing_on_mysql() {
    rotation(TestBackend::MySql).await;
}

async fn rotation(backend: TestBackend) {
    let ring = keys(&["k1", "k2"]);
    let Some((mut lyre, _db)) = Lyre::start(backend, &ring[0]).await else {
        return;
    };
    lyre.call(
        Method::POST,
        "/api/v1/apps",
        json!({"appId": APP, "name": "Vault shop"}),
    )
    .await;
    let items = format!("{NS}/application/items");
    for i in 0..30 {
        lyre.call(
            Method::POST,
            &items,
            json!({"key": format!("secret.{i}"), "value": format!("value-{i}"), "secret": true}),
        )
        .await;
        if i % 10 == 9 {
            lyre.call(
                Method::POST,
                &format!("{NS}/application/releases"),
                json!({"title": i.to_string()}),
            )
            .await;
        }
    }
    let key = lyre
        .call(
            Method::POST,
            &format!("/api/v1/envs/DEV/apps/{APP}/accesskeys"),
            json!({}),
        )
        .await;
    let access = key["secret"].as_str().unwrap().to_owned();
    lyre.enable(&key).await;

    // The new key first, the old one still there.
    let both = format!("{},{}", ring[1], ring[0]);
    lyre.restart(&both).await;
    lyre.wait_ready().await;
    let stop = Arc::new(AtomicBool::new(false));
    // Publishes of a changing secret, and signed reads that must always see every key.
    let writer = {
        let (http, portal, session, stop) = (
            lyre.http.clone(),
            lyre.portal.clone(),
            lyre.session.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                for (method, path, body) in [
                    (
                        Method::PUT,
                        format!("{NS}/application/items/secret.0"),
                        json!({"value": format!("moving-{n}")}),
                    ),
                    (
                        Method::POST,
                        format!("{NS}/application/releases"),
                        json!({"title": format!("during {n}")}),
                    ),
                ] {
                    let answer = http
                        .request(method, format!("{portal}{path}"))
                        .bearer_auth(&session)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert!(
                        answer.status().is_success(),
                        "{path}: {}",
                        answer.text().await.unwrap()
                    );
                }
            }
            n
        })
    };
    let reads = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reader = {
        let (http, config, access, stop, reads) = (
            lyre.http.clone(),
            lyre.config.clone(),
            access.clone(),
            stop.clone(),
            reads.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = read(&http, &config, "application", Some(&access)).await;
                assert_eq!(status, 200, "{body}");
                let configurations = &body["configurations"];
                for i in 1..30 {
                    assert_eq!(
                        configurations[format!("secret.{i}")],
                        format!("value-{i}"),
                        "{body}"
                    );
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let said = lyre.rotate(&both);
    assert!(said.contains("sealed under `k2`"), "{said}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let published = writer.await.unwrap();
    reader.await.unwrap();
    assert!(published > 0 && reads.load(Ordering::Relaxed) > 0);
    // Publishes that copied a value not yet re-sealed are caught by running it again.
    lyre.rotate(&both);

    // The old key goes: everything still opens, the last value written is the one served.
    lyre.restart(&ring[1]).await;
    lyre.wait_ready().await;
    let listed = lyre.call(Method::GET, &items, Value::Null).await;
    for item in listed.as_array().unwrap() {
        assert!(
            item["value"].as_str().unwrap().starts_with("lyre:v1:k2:"),
            "{item}"
        );
    }
    let (status, body) = lyre.read("application", Some(&access)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["configurations"]["secret.0"],
        format!("moving-{published}"),
        "{body}"
    );
    for i in 1..30 {
        assert_eq!(
            body["configurations"][format!("secret.{i}")],
            format!("value-{i}")
        );
    }
    let history = lyre
        .call(
            Method::GET,
            &format!("{NS}/application/releases?size=100"),
            Value::Null,
        )
        .await;
    let first = history["items"].as_array().unwrap().last().unwrap()["id"].clone();
    let old = lyre
        .call(
            Method::GET,
            &format!("/api/v1/envs/DEV/releases/{first}"),
            Value::Null,
        )
        .await;
    assert!(
        old.to_string().contains("lyre:v1:k2:") && !old.to_string().contains("lyre:v1:k1:"),
        "{old}"
    );
}

impl Lyre {
    /// Turns an access key on.
    async fn enable(&mut self, key: &Value) {
        let path = format!("/api/v1/envs/DEV/apps/{APP}/accesskeys/{}", key["id"]);
        self.call(Method::PUT, &path, json!({"enabled": true}))
            .await;
    }

    /// The instances of `application`, once one is recorded.
    async fn instances(&mut self) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .call(
                    Method::GET,
                    &format!("{NS}/application/instances"),
                    Value::Null,
                )
                .await;
            if found["total"].as_u64().unwrap_or(0) > 0 {
                return found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no instance recorded: {found}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the config service has loaded (`/ready`).
    async fn wait_ready(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !self
            .http
            .get(format!("{}/ready", self.config))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the config service is not ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

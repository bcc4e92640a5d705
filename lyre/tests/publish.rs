//! `lyre publish` as a CI job runs it: the real binary against a real `lyre`, through the
//! portal's Open API with a consumer token.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{PASSWORD, Ports, Running, lyre};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

/// A fresh `lyre` with an app `demo-shop` and a consumer `shop-ci` that may modify and release
/// it everywhere.
struct Lyre {
    dir: TempDir,
    portal: String,
    /// The config service (and meta server).
    config: String,
    admin: String,
    token: String,
    http: reqwest::Client,
    _running: Running,
}

impl Lyre {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ports = Ports::new();
        let mut command = lyre(dir.path(), &ports);
        command.env("LYRE_ADMIN_PASSWORD", PASSWORD);
        let running = Running::start(command);
        let http = reqwest::Client::new();
        let portal = format!("http://127.0.0.1:{}", ports.portal);
        let mut lyre = Self {
            dir,
            portal,
            config: format!("http://127.0.0.1:{}", ports.config),
            admin: String::new(),
            token: String::new(),
            http,
            _running: running,
        };
        lyre.admin = lyre.sign_in("admin", PASSWORD).await;
        let admin = lyre.admin.clone();
        lyre.call(
            &admin,
            Method::POST,
            "/api/v1/apps",
            json!({"appId": "demo-shop", "name": "Demo shop"}),
        )
        .await;
        lyre.token = lyre.consumer("shop-ci", &["modify", "release"]).await;
        lyre
    }

    async fn sign_in(&self, username: &str, password: &str) -> String {
        common::sign_in(&self.http, &self.portal, username, password).await
    }

    /// A portal request as a signed-in user; it must succeed.
    async fn call(&self, session: &str, method: Method, path: &str, body: Value) -> Value {
        let answer = self
            .http
            .request(method.clone(), format!("{}{path}", self.portal))
            .bearer_auth(session)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let text = answer.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A consumer of `demo-shop` with `permissions`; its token.
    async fn consumer(&self, name: &str, permissions: &[&str]) -> String {
        self.consumer_limited(name, permissions, 0).await
    }

    /// A consumer of `demo-shop` with `permissions` and a rate limit (0: the default); its token.
    async fn consumer_limited(&self, name: &str, permissions: &[&str], rate_limit: u32) -> String {
        let created = self
            .call(
                &self.admin,
                Method::POST,
                "/api/v1/consumers",
                json!({"name": name, "rateLimit": rate_limit, "grants": [
                    {"appId": "demo-shop", "namespace": "*", "envs": [], "permissions": permissions}
                ]}),
            )
            .await;
        created["token"].as_str().unwrap().to_owned()
    }

    /// An Open API read as the admin (whose session is not held to the consumer's rate
    /// limit): its status and body.
    async fn open(&self, path: &str) -> (u16, Value) {
        let answer = self
            .http
            .get(format!("{}/openapi/v1{path}", self.portal))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// The namespace's items as `key=value` strings, in order.
    async fn items(&self, env: &str, namespace: &str) -> Vec<String> {
        let (status, body) = self.open(&ns(env, namespace)).await;
        assert_eq!(status, 200, "{body}");
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{}={}",
                    i["key"].as_str().unwrap(),
                    i["value"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// The namespace's latest release, `None` when it was never released.
    async fn latest(&self, env: &str, namespace: &str) -> Option<Value> {
        let (status, body) = self
            .open(&format!("{}/releases/latest", ns(env, namespace)))
            .await;
        match status {
            200 => Some(body),
            404 => None,
            other => panic!("latest release: {other} {body}"),
        }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    /// Runs `lyre publish` with the consumer's token (from `LYRE_TOKEN`) and `args`.
    fn publish(&self, args: &[&str]) -> Ran {
        self.publish_as(&self.token, args)
    }

    fn publish_as(&self, token: &str, args: &[&str]) -> Ran {
        run_publish(self.dir.path(), &self.portal, token, args)
    }
}

fn ns(env: &str, namespace: &str) -> String {
    format!("/envs/{env}/apps/demo-shop/clusters/default/namespaces/{namespace}")
}

/// What a CI log shows of one run.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_publish(dir: &Path, portal: &str, token: &str, args: &[&str]) -> Ran {
    let output = Command::new(env!("CARGO_BIN_EXE_lyre"))
        .arg("publish")
        .args(["--app", "demo-shop"])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("LYRE_PORTAL_URL", portal)
        .env("LYRE_TOKEN", token)
        .output()
        .unwrap();
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[tokio::test]
async fn publishes_a_properties_file_and_its_changes_in_dev() {
    let lyre = Lyre::start().await;
    let dev = [
        "--env",
        "DEV",
        "--namespace",
        "application",
        "app.properties",
    ];
    lyre.write(
        "app.properties",
        "# seconds\ncheckout.timeout = 30\ncheckout.retries = 3\nlegacy.cart = on\n",
    );

    // No configuration file is read: a broken one in the working directory changes nothing.
    lyre.write("lyre.toml", "envs = [\n");

    let first = lyre.publish(&dev);
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        first.stdout,
        "Comparing app.properties with DEV/demo-shop/default/application (properties):\n\
         + checkout.timeout = 30\n\
         + checkout.retries = 3\n\
         + legacy.cart = on\n\
         3 changes: 3 added, 0 changed, 0 removed.\n\
         Wrote 3 changes.\n\
         Published release 1 \"lyre publish app.properties\" of DEV/demo-shop/default/application.\n"
    );
    assert_eq!(first.stderr, "");
    let release = lyre.latest("DEV", "application").await.unwrap();
    assert_eq!(
        release["configurations"],
        json!({"checkout.timeout": "30", "checkout.retries": "3", "legacy.cart": "on"})
    );
    assert_eq!(release["name"], "lyre publish app.properties");
    assert_eq!(release["dataChangeCreatedBy"], "shop-ci");
    let (_, namespace) = lyre.open(&ns("DEV", "application")).await;
    assert_eq!(
        namespace["items"][0]["comment"], "seconds",
        "a comment above a key becomes its comment"
    );

    // The same file again: nothing to do, no new release.
    let again = lyre.publish(&dev);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        again.stdout,
        "DEV/demo-shop/default/application is up to date with app.properties: its items and its \
         latest release hold it. Nothing to publish.\n"
    );
    assert_eq!(lyre.latest("DEV", "application").await.unwrap()["id"], 1);

    // A changed file: a dry run shows the difference and changes nothing.
    lyre.write(
        "app.properties",
        "checkout.timeout = 45\ncheckout.retries = 3\nsearch.engine = vector\n",
    );
    let dry = lyre.publish(&[&dev[..], &["--dry-run"]].concat());
    assert_eq!(dry.code, 0, "{dry:?}");
    let diff = "Comparing app.properties with DEV/demo-shop/default/application (properties):\n\
                ~ checkout.timeout: 30 -> 45\n\
                + search.engine = vector\n\
                - legacy.cart\n\
                3 changes: 1 added, 1 changed, 1 removed.\n";
    assert_eq!(
        dry.stdout,
        format!(
            "{diff}No live instance reads DEV/demo-shop/default/application (none seen in the \
             last 3 minutes).\nDry run: nothing was changed.\n"
        )
    );
    // With instances reading it, the dry run says which the release would reach.
    for query in ["ip=10.0.0.1&label=blue", "ip=10.0.0.2"] {
        let url = format!(
            "{}/DEV/configs/demo-shop/default/application?{query}",
            lyre.config
        );
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    }
    let reach = "Reaches 2 of 2 live instances (seen in the last 3 minutes):\n  \
                 clusters: default 2\n  labels: (none) 1, blue 1\n  IPs: 10.0.0.1, 10.0.0.2\n";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let dry = loop {
        let dry = lyre.publish(&[&dev[..], &["--dry-run"]].concat());
        if dry.stdout.contains("Reaches 2") || std::time::Instant::now() > deadline {
            break dry;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(
        dry.stdout,
        format!("{diff}{reach}Dry run: nothing was changed.\n")
    );
    assert_eq!(
        lyre.items("DEV", "application").await,
        [
            "checkout.timeout=30",
            "checkout.retries=3",
            "legacy.cart=on"
        ]
    );
    assert_eq!(lyre.latest("DEV", "application").await.unwrap()["id"], 1);

    // Then for real, with a title and a comment.
    let changed = lyre.publish(
        &[
            &dev[..],
            &["--title", "faster search", "--comment", "JIRA-7"],
        ]
        .concat(),
    );
    assert_eq!(changed.code, 0, "{changed:?}");
    assert_eq!(
        changed.stdout,
        format!(
            "{diff}Wrote 3 changes.\n\
             Published release 2 \"faster search\" of DEV/demo-shop/default/application.\n"
        )
    );
    let release = lyre.latest("DEV", "application").await.unwrap();
    assert_eq!(
        release["configurations"],
        json!({"checkout.timeout": "45", "checkout.retries": "3", "search.engine": "vector"})
    );
    assert_eq!(release["comment"], "JIRA-7");
    let mut items = lyre.items("DEV", "application").await;
    items.sort();
    assert_eq!(
        items,
        [
            "checkout.retries=3",
            "checkout.timeout=45",
            "search.engine=vector"
        ],
        "the deleted key is gone"
    );

    // A token nobody holds: one clear line, exit 1.
    let stranger = lyre.publish_as("0123456789abcdef", &dev);
    assert_eq!(stranger.code, 1, "{stranger:?}");
    assert_eq!(stranger.stdout, "");
    assert_eq!(
        stranger.stderr,
        "error: reading DEV/demo-shop/default/application: unknown or revoked token (401 Unauthorized)\n"
    );

    // A token that may modify but not release: the items are written, the publish is refused.
    let editor = lyre.consumer("shop-editor", &["modify"]).await;
    lyre.write("app.properties", "checkout.timeout = 60\n");
    let refused = lyre.publish_as(&editor, &dev);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.starts_with(
            "error: publishing DEV/demo-shop/default/application (its items now hold the file, unpublished): "
        ) && refused.stderr.ends_with("(403 Forbidden)\n")
            && refused.stderr.lines().count() == 1,
        "{refused:?}"
    );
    assert_eq!(lyre.latest("DEV", "application").await.unwrap()["id"], 2);

    // An operator must be an existing user.
    let ghost = lyre.publish(&[&dev[..], &["--operator", "ghost"]].concat());
    assert_eq!(ghost.code, 1, "{ghost:?}");
    assert!(
        ghost
            .stderr
            .contains("operator `ghost` is not an enabled user"),
        "{ghost:?}"
    );
}

#[tokio::test]
async fn publishes_a_yaml_file_as_its_content_and_refuses_an_invalid_one() {
    let lyre = Lyre::start().await;
    let admin = lyre.admin.clone();
    lyre.call(
        &admin,
        Method::POST,
        "/api/v1/apps/demo-shop/appnamespaces",
        json!({"name": "db", "format": "yaml"}),
    )
    .await;
    let dev = ["--env", "DEV", "--namespace", "db.yaml"];
    let first = "db:\n  host: db.internal\n  pool: 10\n";
    lyre.write("db.yaml", first);

    let ran = lyre.publish(&[&dev[..], &["db.yaml"]].concat());
    assert_eq!(ran.code, 0, "{ran:?}");
    assert_eq!(
        ran.stdout,
        "Comparing db.yaml with DEV/demo-shop/default/db.yaml (yaml):\n\
         + content: 3 lines\n\
         \x20    1 + db:\n\
         \x20    2 +   host: db.internal\n\
         \x20    3 +   pool: 10\n\
         Wrote 1 change.\n\
         Published release 1 \"lyre publish db.yaml\" of DEV/demo-shop/default/db.yaml.\n"
    );
    assert_eq!(
        lyre.items("DEV", "db.yaml").await,
        [format!("content={first}")]
    );
    let release = lyre.latest("DEV", "db.yaml").await.unwrap();
    assert_eq!(release["configurations"], json!({"content": first}));

    let second = "db:\n  host: db.internal\n  pool: 20\n  timeout: 5\n";
    lyre.write("db.yaml", second);
    let ran = lyre.publish(&[&dev[..], &["db.yaml"]].concat());
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(
        ran.stdout.contains(
            "~ content: 2 lines added, 1 removed\n\
             \x20    3 -   pool: 10\n\
             \x20    3 +   pool: 20\n\
             \x20    4 +   timeout: 5\n"
        ),
        "{}",
        ran.stdout
    );
    assert_eq!(
        lyre.latest("DEV", "db.yaml").await.unwrap()["configurations"],
        json!({"content": second})
    );

    // Broken YAML: the file, line and column are named, and nothing changes.
    lyre.write("bad.yaml", "db:\n  host: db.internal\n pool: 30\n");
    let bad = lyre.publish(&[&dev[..], &["bad.yaml"]].concat());
    assert_eq!(bad.code, 1, "{bad:?}");
    assert_eq!(bad.stdout, "");
    assert_eq!(
        bad.stderr,
        "error: bad.yaml: invalid yaml at line 3, column 2: while parsing a block mapping, did not find expected key\n"
    );
    assert_eq!(
        lyre.items("DEV", "db.yaml").await,
        [format!("content={second}")]
    );
    assert_eq!(lyre.latest("DEV", "db.yaml").await.unwrap()["id"], 2);
}

/// Signs in `user` (created, with the release role on the app) and returns their session.
async fn reviewer(lyre: &Lyre, user: &str) -> String {
    let admin = lyre.admin.clone();
    lyre.call(
        &admin,
        Method::POST,
        "/api/v1/users",
        json!({"username": user, "password": PASSWORD}),
    )
    .await;
    lyre.call(
        &admin,
        Method::POST,
        "/api/v1/apps/demo-shop/roles",
        json!({"user": user, "role": "release", "namespace": "*"}),
    )
    .await;
    lyre.sign_in(user, PASSWORD).await
}

/// Reads release request `id` until `ready` holds for it (a bounded wait).
async fn request_when(lyre: &Lyre, id: u64, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = lyre.open(&format!("/release-requests/{id}")).await;
        if status == 200 && ready(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "release request #{id}: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn pro_goes_through_review_and_wait_publishes_once_approved() {
    let lyre = Lyre::start().await;
    let bob = reviewer(&lyre, "bob").await;
    let pro = [
        "--env",
        "PRO",
        "--namespace",
        "application",
        "app.properties",
    ];
    lyre.write(
        "app.properties",
        "checkout.timeout = 30\nsearch.engine = vector\n",
    );

    // Review required: the items are written and a release request is opened.
    let opened = lyre.publish(&pro);
    assert_eq!(opened.code, 3, "{opened:?}");
    assert_eq!(
        opened.stdout,
        format!(
            "Comparing app.properties with PRO/demo-shop/default/application (properties):\n\
             + checkout.timeout = 30\n\
             + search.engine = vector\n\
             2 changes: 2 added, 0 changed, 0 removed.\n\
             Wrote 2 changes.\n\
             PRO requires review: opening a release request instead of publishing.\n\
             Opened release request #1 \"lyre publish app.properties\" for PRO/demo-shop/default/application: 2 changes.\n\
             Review it at {}/release-requests/1\n",
            lyre.portal
        )
    );
    let request = request_when(&lyre, 1, |_| true).await;
    assert_eq!(request["status"], "open");
    assert_eq!(request["createdBy"], "shop-ci (consumer of admin)");
    assert!(
        lyre.latest("PRO", "application").await.is_none(),
        "nothing released"
    );

    // Without --wait, the request under way is reported.
    let busy = lyre.publish(&pro);
    assert_eq!(busy.code, 1, "{busy:?}");
    assert!(
        busy.stderr
            .contains("release request under way (#1, open, by shop-ci (consumer of admin))"),
        "{busy:?}"
    );

    // With --wait, the run waits on that request (it holds exactly this file), and publishes
    // it once Bob approves.
    let (dir, portal, token) = (
        lyre.dir.path().to_owned(),
        lyre.portal.clone(),
        lyre.token.clone(),
    );
    let args: Vec<String> = pro.iter().map(|a| (*a).to_owned()).collect();
    let waiting = std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_publish(
            &dir,
            &portal,
            &token,
            &[&args[..], &["--wait", "--wait-timeout", "60"]].concat(),
        )
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    lyre.call(
        &bob,
        Method::POST,
        "/api/v1/release-requests/1/approve",
        json!({"comment": "looks right"}),
    )
    .await;
    let waited = waiting.join().unwrap();
    assert_eq!(waited.code, 0, "{waited:?}");
    assert!(
        waited.stdout.contains(
            "Release request #1 \"lyre publish app.properties\" by shop-ci (consumer of admin) \
             is already under way for PRO/demo-shop/default/application and holds this file; \
             waiting on it.\n"
        ),
        "{}",
        waited.stdout
    );
    assert!(
        waited.stdout.ends_with(
            "Release request #1 was approved by bob.\n\
             Published release 1 \"lyre publish app.properties\" of PRO/demo-shop/default/application.\n"
        ),
        "{}",
        waited.stdout
    );
    let release = lyre.latest("PRO", "application").await.unwrap();
    assert_eq!(
        release["configurations"],
        json!({"checkout.timeout": "30", "search.engine": "vector"})
    );
    let request = request_when(&lyre, 1, |_| true).await;
    assert_eq!(request["status"], "published");
    assert_eq!(request["publishedReleaseId"], release["id"]);

    // A rejected request ends --wait with exit 4 and the reviewer's words.
    lyre.write(
        "app.properties",
        "checkout.timeout = 5\nsearch.engine = vector\n",
    );
    let (dir, portal, token) = (
        lyre.dir.path().to_owned(),
        lyre.portal.clone(),
        lyre.token.clone(),
    );
    let waiting = std::thread::spawn(move || {
        run_publish(
            &dir,
            &portal,
            &token,
            &[
                "--env",
                "PRO",
                "--namespace",
                "application",
                "app.properties",
                "--wait",
            ],
        )
    });
    request_when(&lyre, 2, |r| r["status"] == "open").await;
    lyre.call(
        &bob,
        Method::POST,
        "/api/v1/release-requests/2/reject",
        json!({"comment": "5 s is too short"}),
    )
    .await;
    let rejected = waiting.join().unwrap();
    assert_eq!(rejected.code, 4, "{rejected:?}");
    assert!(
        rejected.stdout.contains("~ checkout.timeout: 30 -> 5\n")
            && rejected
                .stdout
                .contains("  bob rejected: 5 s is too short\n"),
        "{}",
        rejected.stdout
    );
    assert_eq!(
        rejected.stderr,
        "error: release request #2 was rejected by bob; nothing was published\n"
    );
    assert_eq!(
        lyre.latest("PRO", "application").await.unwrap()["id"],
        release["id"]
    );

    // A wait that runs out: exit 4, the request stays open for later.
    let timed_out = lyre.publish(&[&pro[..], &["--wait", "--wait-timeout", "1"]].concat());
    assert_eq!(timed_out.code, 4, "{timed_out:?}");
    assert!(
        timed_out.stdout.contains("Opened release request #3 "),
        "{}",
        timed_out.stdout
    );
    assert!(
        timed_out
            .stderr
            .starts_with("error: timed out after 1 s waiting for a review of release request #3, which is still open"),
        "{timed_out:?}"
    );
    assert_eq!(request_when(&lyre, 3, |_| true).await["status"], "open");
}

#[tokio::test]
async fn requests_refused_for_the_rate_limit_are_sent_again() {
    let lyre = Lyre::start().await;
    let slow = lyre
        .consumer_limited("slow-ci", &["modify", "release"], 1)
        .await;
    lyre.write("app.properties", "a = 1\nb = 2\n");
    // Five requests at one a second: most are refused once with `429` and sent again.
    let started = Instant::now();
    let ran = lyre.publish_as(
        &slow,
        &[
            "--env",
            "DEV",
            "--namespace",
            "application",
            "app.properties",
        ],
    );
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the limit held"
    );
    assert_eq!(
        lyre.latest("DEV", "application").await.unwrap()["configurations"],
        json!({"a": "1", "b": "2"})
    );
}

/// The app's own configuration type: what decides what may be published.
#[allow(
    dead_code,
    reason = "read by the deserializer and described by the schema"
)]
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Settings {
    db: Db,
    mode: Mode,
    #[serde(default)]
    hosts: Vec<String>,
}

#[allow(
    dead_code,
    reason = "read by the deserializer and described by the schema"
)]
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Db {
    url: String,
    pool_size: u16,
}

#[derive(Debug, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Fast,
    Safe,
}

#[tokio::test]
async fn the_apps_own_type_decides_what_may_be_published() {
    let lyre = Lyre::start().await;
    // The app's build writes its type's schema; CI pushes it for two namespaces.
    let schema = lyre.dir.path().join("target/lyre-schema.json");
    lyre_client::schema::write::<Settings>(&schema).unwrap();
    lyre.call(
        &lyre.admin,
        Method::POST,
        "/api/v1/apps/demo-shop/appnamespaces",
        json!({"name": "settings", "format": "yaml"}),
    )
    .await;
    for namespace in ["application", "settings.yaml"] {
        let pushed = Command::new(env!("CARGO_BIN_EXE_lyre"))
            .args([
                "schema",
                "push",
                "--app",
                "demo-shop",
                "--namespace",
                namespace,
            ])
            .arg(&schema)
            .env_clear()
            .env("LYRE_PORTAL_URL", &lyre.portal)
            .env("LYRE_TOKEN", &lyre.token)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&pushed.stdout);
        assert!(
            pushed.status.success(),
            "{said} {}",
            String::from_utf8_lossy(&pushed.stderr)
        );
        assert!(said.contains("version 1"), "{said}");
        lyre.call(
            &lyre.admin,
            Method::PUT,
            &format!("/api/v1/envs/DEV/apps/demo-shop/namespaces/{namespace}/schema/mode"),
            json!({"mode": "enforce"}),
        )
        .await;
    }

    // `1O` is refused before anything is written, named by the key as written.
    let dev = [
        "--env",
        "DEV",
        "--namespace",
        "application",
        "app.properties",
    ];
    lyre.write(
        "app.properties",
        "db.url = postgres://db/shop\ndb.pool-size = 1O\nmode = safe\nhosts = a, b\n",
    );
    let refused = lyre.publish(&dev);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("db.pool-size: \"1O\" is not of type \"integer\""),
        "{refused:?}"
    );
    assert!(
        lyre.items("DEV", "application").await.is_empty(),
        "nothing was written"
    );

    // Through the Open API alone (no local check), the portal refuses it the same way.
    let ns_path = format!("{}/openapi/v1{}", lyre.portal, ns("DEV", "application"));
    for (key, value) in [
        ("db.url", "postgres://db/shop"),
        ("db.pool-size", "1O"),
        ("mode", "safe"),
    ] {
        let put = lyre
            .http
            .put(format!("{ns_path}/items/{key}?createIfNotExists=true"))
            .header("Authorization", &lyre.token)
            .json(&json!({"key": key, "value": value}))
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    }
    let direct = lyre
        .http
        .post(format!("{ns_path}/releases"))
        .header("Authorization", &lyre.token)
        .json(&json!({"releaseTitle": "direct"}))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 422);
    let body: Value = direct.json().await.unwrap();
    assert_eq!(body["code"], "schema_violation");
    assert_eq!(body["problems"][0]["at"], "db.pool-size");

    // Fixed, it goes out, and the app's typed watch reads it.
    lyre.write(
        "app.properties",
        "db.url = postgres://db/shop\ndb.pool-size = 10\nmode = safe\nhosts = a, b\n",
    );
    let published = lyre.publish(&dev);
    assert_eq!(published.code, 0, "{published:?}");
    let client = lyre_client::Client::builder()
        .meta_server(format!("{}/DEV", lyre.config))
        .app_id("demo-shop")
        .build()
        .await
        .unwrap();
    let watch = client
        .watch_with_schema::<Settings>("application")
        .await
        .unwrap();
    let settings = watch.get();
    assert_eq!((settings.db.pool_size, &settings.mode), (10, &Mode::Safe));
    assert_eq!(settings.hosts, ["a", "b"]);

    // The instance says which schema its typed view was built with; an Apollo client's read
    // says none. A newer schema pushed before the app is upgraded shows against it.
    let plain = format!(
        "{}/configs/demo-shop/default/application?ip=10.9.9.9",
        lyre.config
    );
    assert!(
        lyre.http
            .get(plain)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let instances = format!("/api/v1{}/instances", ns("DEV", "application"));
    let by_ip = |page: &Value, ip: &str| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ip"] == ip)
            .cloned()
    };
    let hash = lyre_protocol::schema_hash::of(&lyre_client::schema::of::<Settings>());
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = lyre
            .call(&lyre.admin, Method::GET, &instances, Value::Null)
            .await;
        if seen["total"] == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let typed = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ip"] != "10.9.9.9")
        .cloned()
        .unwrap_or_else(|| panic!("the app's instance: {seen}"));
    assert_eq!(
        (&typed["schemaHash"], &typed["schemaVersion"]),
        (&json!(hash), &json!(1)),
        "{seen}"
    );
    let apollo = by_ip(&seen, "10.9.9.9").unwrap();
    assert!(apollo.get("schemaHash").is_none(), "{apollo}");
    let mut newer = lyre_client::schema::of::<Settings>();
    newer["properties"]["db"]["description"] = json!("The database");
    lyre.call(
        &lyre.admin,
        Method::PUT,
        "/api/v1/apps/demo-shop/namespaces/application/schema",
        json!({"document": newer}),
    )
    .await;
    let after = lyre
        .call(&lyre.admin, Method::GET, &instances, Value::Null)
        .await;
    let typed_ip = typed["ip"].as_str().unwrap();
    assert_eq!(
        by_ip(&after, typed_ip).unwrap()["schemaVersion"],
        1,
        "{after}"
    );
    let in_force = lyre
        .call(
            &lyre.admin,
            Method::GET,
            "/api/v1/envs/DEV/apps/demo-shop/namespaces/application/schema",
            Value::Null,
        )
        .await;
    assert_eq!(in_force["current"]["version"], 2);

    // A yaml namespace is checked as a document, by JSON pointer.
    let yaml = [
        "--env",
        "DEV",
        "--namespace",
        "settings.yaml",
        "settings.yaml",
    ];
    lyre.write(
        "settings.yaml",
        "db:\n  url: postgres://db/shop\n  pool_size: ten\nmode: fast\n",
    );
    let refused = lyre.publish(&yaml);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("/db/pool_size"), "{refused:?}");
    lyre.write(
        "settings.yaml",
        "db:\n  url: postgres://db/shop\n  pool_size: 12\nmode: fast\n",
    );
    assert_eq!(lyre.publish(&yaml).code, 0);

    // A json namespace too.
    lyre.call(
        &lyre.admin,
        Method::POST,
        "/api/v1/apps/demo-shop/appnamespaces",
        json!({"name": "limits", "format": "json"}),
    )
    .await;
    lyre.call(
        &lyre.admin,
        Method::PUT,
        "/api/v1/apps/demo-shop/namespaces/limits.json/schema",
        json!({"document": lyre_client::schema::of::<Settings>()}),
    )
    .await;
    lyre.call(
        &lyre.admin,
        Method::PUT,
        "/api/v1/envs/DEV/apps/demo-shop/namespaces/limits.json/schema/mode",
        json!({"mode": "enforce"}),
    )
    .await;
    let json_ns = ["--env", "DEV", "--namespace", "limits.json", "limits.json"];
    lyre.write(
        "limits.json",
        r#"{"db": {"url": "postgres://db/shop", "pool_size": 70000}, "mode": "fast"}"#,
    );
    let refused = lyre.publish(&json_ns);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("/db/pool_size") && refused.stderr.contains("70000"),
        "{refused:?}"
    );

    // Where DEV only warns, `1O` goes out, and the log says what does not fit.
    lyre.call(
        &lyre.admin,
        Method::PUT,
        "/api/v1/envs/DEV/apps/demo-shop/namespaces/application/schema/mode",
        json!({"mode": "warn"}),
    )
    .await;
    lyre.write(
        "app.properties",
        "db.url = postgres://db/shop\ndb.pool-size = 1O\nmode = safe\nhosts = a, b\n",
    );
    let warned = lyre.publish(&dev);
    assert_eq!(warned.code, 0, "{warned:?}");
    assert!(
        warned
            .stdout
            .contains("db.pool-size: \"1O\" is not of type \"integer\"")
            && warned.stdout.contains("warn mode: going on"),
        "{warned:?}"
    );
    let released = lyre
        .call(
            &lyre.admin,
            Method::GET,
            &format!("/api/v1{}/releases/latest", ns("DEV", "application")),
            Value::Null,
        )
        .await;
    assert_eq!(
        released["configurations"]["db.pool-size"], "1O",
        "{released}"
    );

    // The running app cannot read it: its typed view keeps the last good value, and the
    // instance reports the release rejected, with the reason, where before it reported applied.
    let mut typed_now = Value::Null;
    for _ in 0..150 {
        let page = lyre
            .call(&lyre.admin, Method::GET, &instances, Value::Null)
            .await;
        typed_now = by_ip(&page, typed_ip).unwrap();
        if typed_now["applied"]["releaseKey"] == released["releaseKey"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(typed_now["applied"]["status"], "rejected", "{typed_now}");
    let reason = typed_now["applied"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("pool_size") || reason.contains("1O"),
        "{reason}"
    );
    assert_eq!(watch.get().db.pool_size, 10, "the last good value stays");
    // Per release: how many live instances hold it, and what they made of it.
    let adoption = lyre
        .call(
            &lyre.admin,
            Method::GET,
            &format!("/api/v1{}/adoption", ns("DEV", "application")),
            Value::Null,
        )
        .await;
    assert_eq!(adoption["live"], 2, "{adoption}");
    let newest = &adoption["releases"][0];
    assert_eq!(
        (
            &newest["releaseId"],
            &newest["read"],
            &newest["applied"],
            &newest["rejected"]
        ),
        (&released["id"], &json!(1), &json!(0), &json!(1)),
        "the app rejected it: {adoption}"
    );
    let older = &adoption["releases"][1];
    assert_eq!(
        (&older["read"], &older["applied"], &older["rejected"]),
        (&json!(1), &json!(0), &json!(0)),
        "the Apollo-style reader only read an older one: {adoption}"
    );
    assert!(by_ip(&seen, "10.9.9.9").unwrap().get("applied").is_none());
}

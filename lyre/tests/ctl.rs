//! `lyre ctl` as an operator runs it: the real binary against a real `lyre`, through the
//! portal's Open API with a consumer token, asserting what the terminal shows.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{PASSWORD, Ports, Running, lyre};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

/// A fresh `lyre` with apps `demo-shop` (namespaces `application` and `db.yaml`) and `other`,
/// and a consumer `ops` that may modify and release `demo-shop` everywhere.
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

/// What a terminal shows of one run.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// The output as JSON (the run must have succeeded).
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "{self:?}");
        assert_eq!(self.stderr, "", "{self:?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The table's lines (the run must have succeeded), each split into its cells: columns are
    /// two or more spaces apart, and no cell holds two spaces in a row.
    fn rows(&self) -> Vec<Vec<String>> {
        assert_eq!(self.code, 0, "{self:?}");
        assert_eq!(self.stderr, "", "{self:?}");
        self.stdout
            .lines()
            .map(|line| {
                line.split("  ")
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .collect()
    }
}

impl Lyre {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ports = Ports::new();
        let mut command = lyre(dir.path(), &ports);
        command.env("LYRE_ADMIN_PASSWORD", PASSWORD);
        let running = Running::start(command);
        let mut lyre = Self {
            dir,
            portal: format!("http://127.0.0.1:{}", ports.portal),
            config: format!("http://127.0.0.1:{}", ports.config),
            admin: String::new(),
            token: String::new(),
            http: reqwest::Client::new(),
            _running: running,
        };
        lyre.admin = common::sign_in(&lyre.http, &lyre.portal, "admin", PASSWORD).await;
        for app in [
            json!({"appId": "demo-shop", "name": "Demo shop"}),
            json!({"appId": "other", "name": "Another app"}),
        ] {
            lyre.as_admin(Method::POST, "/api/v1/apps", app).await;
        }
        lyre.as_admin(
            Method::POST,
            "/openapi/v1/apps/demo-shop/appnamespaces",
            json!({"name": "db", "format": "yaml", "comment": "database settings"}),
        )
        .await;
        lyre.token = lyre.consumer("ops", &["modify", "release"]).await;
        // No configuration file is read: a broken one in the working directory changes nothing.
        std::fs::write(lyre.dir.path().join("lyre.toml"), "envs = [\n").unwrap();
        lyre
    }

    /// A request as the signed-in super admin; it must succeed.
    async fn as_admin(&self, method: Method, path: &str, body: Value) -> Value {
        self.send(method, path, &format!("Bearer {}", self.admin), body)
            .await
    }

    /// A request with `authorization`; it must succeed.
    async fn send(&self, method: Method, path: &str, authorization: &str, body: Value) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.portal))
            .header("authorization", authorization);
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        let text = answer.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A consumer of `demo-shop` with `permissions`: its token.
    async fn consumer(&self, name: &str, permissions: &[&str]) -> String {
        let created = self
            .as_admin(
                Method::POST,
                "/api/v1/consumers",
                json!({"name": name, "grants": [
                    {"appId": "demo-shop", "namespace": "*", "envs": [], "permissions": permissions}
                ]}),
            )
            .await;
        created["token"].as_str().unwrap().to_owned()
    }

    /// Sets `key` of a DEV namespace and publishes it as `title`, with the consumer's token.
    async fn publish(&self, namespace: &str, key: &str, value: &str, title: &str) {
        let ns =
            format!("/openapi/v1/envs/DEV/apps/demo-shop/clusters/default/namespaces/{namespace}");
        self.send(
            Method::PUT,
            &format!("{ns}/items/{key}?createIfNotExists=true"),
            &self.token,
            json!({"key": key, "value": value}),
        )
        .await;
        self.send(
            Method::POST,
            &format!("{ns}/releases"),
            &self.token,
            json!({"releaseTitle": title}),
        )
        .await;
    }

    /// An app instance at `ip` reads a DEV namespace, as Apollo's clients do: what it got.
    async fn read(&self, namespace: &str, ip: &str, label: &str) -> Value {
        let answer = self
            .http
            .get(format!(
                "{}/configs/demo-shop/default/{namespace}?ip={ip}&label={label}",
                self.config
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        answer.json().await.unwrap()
    }

    /// The instance at `ip` reports what it made of `release_key`, as Lyre's SDK does.
    async fn report(&self, ip: &str, release_key: &str, status: &str, reason: &str) {
        let answer = self
            .http
            .post(format!("{}/reports", self.config))
            .json(&json!({"appId": "demo-shop", "cluster": "default", "ip": ip, "reports": [
                {"namespaceName": "application", "releaseKey": release_key, "status": status, "reason": reason}
            ]}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 204);
    }

    /// Waits until the config service has recorded what `ready` wants of the instances that
    /// read DEV's `application`.
    async fn recorded(&self, ready: impl Fn(&Value) -> bool) {
        let path =
            "/openapi/v1/envs/DEV/apps/demo-shop/clusters/default/namespaces/application/instances";
        let mut page = Value::Null;
        for _ in 0..100 {
            page = self.as_admin(Method::GET, path, Value::Null).await;
            if ready(&page) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the instances were not recorded as expected: {page}");
    }

    /// Runs `lyre ctl` with the consumer's token (from `LYRE_TOKEN`) and `args`.
    fn ctl(&self, args: &[&str]) -> Ran {
        self.ctl_as(Some(&self.token), args)
    }

    /// Runs `lyre ctl` with `token` in `LYRE_TOKEN` (none when `None`) and `args`.
    fn ctl_as(&self, token: Option<&str>, args: &[&str]) -> Ran {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lyre"));
        command
            .arg("ctl")
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("LYRE_PORTAL_URL", &self.portal);
        if let Some(token) = token {
            command.env("LYRE_TOKEN", token);
        }
        let output = command.output().unwrap();
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

fn cells(row: &[&str]) -> Vec<String> {
    row.iter().map(|c| (*c).to_owned()).collect()
}

/// `row` with its LAST SEEN cell (`12s ago`) checked and left out.
fn seen_recently(mut row: Vec<String>) -> Vec<String> {
    let seen = row.remove(6);
    let secs = seen
        .strip_suffix("s ago")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("LAST SEEN of {row:?}: {seen}"));
    assert!(secs < 60, "{row:?}: {seen}");
    row
}

#[tokio::test]
async fn lists_envs_apps_and_namespaces() {
    let lyre = Lyre::start().await;
    lyre.publish("application", "timeout", "30", "first").await;

    let envs = lyre.ctl(&["envs"]);
    assert_eq!(
        (envs.code, envs.stdout.as_str(), envs.stderr.as_str()),
        (0, "DEV\nPRO\n", "")
    );
    assert_eq!(lyre.ctl(&["envs", "--json"]).json(), json!(["DEV", "PRO"]));

    // Only the apps the token holds a grant on.
    let apps = lyre.ctl(&["apps"]);
    assert_eq!(
        apps.stdout,
        "APP        NAME       OWNER  ORG\n\
         demo-shop  Demo shop  admin  -\n",
        "{apps:?}"
    );
    let apps = lyre.ctl(&["--json", "apps"]).json();
    assert_eq!(apps.as_array().unwrap().len(), 1, "{apps}");
    assert_eq!(
        (&apps[0]["appId"], &apps[0]["name"]),
        (&json!("demo-shop"), &json!("Demo shop"))
    );

    // Every environment by default, the default cluster.
    let namespaces = lyre.ctl(&["namespaces", "demo-shop"]);
    assert_eq!(
        namespaces.stdout,
        "ENV  CLUSTER  NAMESPACE    FORMAT      PUBLIC  ITEMS  COMMENT\n\
         DEV  default  application  properties  no      1      default app namespace\n\
         DEV  default  db.yaml      yaml        no      0      database settings\n\
         PRO  default  application  properties  no      0      default app namespace\n\
         PRO  default  db.yaml      yaml        no      0      database settings\n",
        "{namespaces:?}"
    );
    let dev = lyre
        .ctl(&["namespaces", "demo-shop", "--env", "DEV", "--json"])
        .json();
    let dev = dev.as_array().unwrap();
    assert_eq!(dev.len(), 2, "{dev:?}");
    assert_eq!(
        (
            &dev[0]["env"],
            &dev[0]["namespaceName"],
            &dev[0]["items"][0]["key"],
            &dev[0]["items"][0]["value"]
        ),
        (
            &json!("DEV"),
            &json!("application"),
            &json!("timeout"),
            &json!("30")
        )
    );
    assert_eq!(
        (&dev[1]["namespaceName"], &dev[1]["format"]),
        (&json!("db.yaml"), &json!("yaml"))
    );

    // A cluster that no environment has: the portal's 404, named.
    let missing = lyre.ctl(&["namespaces", "demo-shop", "--cluster", "sh"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert_eq!(
        missing.stderr,
        "error: reading the namespaces of demo-shop in DEV/sh: cluster `sh` of app `demo-shop` \
         does not exist in DEV (404 Not Found)\n"
    );

    // An app the token holds no grant on, an unknown token, no token: one line each, exit 1.
    let outside = lyre.ctl(&["namespaces", "other"]);
    assert_eq!(
        (outside.code, outside.stdout.as_str()),
        (1, ""),
        "{outside:?}"
    );
    assert_eq!(
        outside.stderr,
        "error: reading the namespaces of other in DEV/default: the token has no grant on app \
         `other` (403 Forbidden)\n"
    );
    let unknown = lyre.ctl_as(
        Some("0123456789abcdef0123456789abcdef01234567"),
        &["apps", "--json"],
    );
    assert_eq!(
        (unknown.code, unknown.stdout.as_str()),
        (1, ""),
        "{unknown:?}"
    );
    assert_eq!(
        unknown.stderr,
        "error: reading the apps: unknown or revoked token (401 Unauthorized)\n"
    );
    let none = lyre.ctl_as(None, &["envs"]);
    assert_eq!((none.code, none.stdout.as_str()), (1, ""), "{none:?}");
    assert_eq!(
        none.stderr,
        "error: no token: pass --token or set LYRE_TOKEN to a consumer token of the Open API \
         (a super admin or a master of the app creates one in the portal)\n"
    );
    // --token works after the command too.
    let flag = lyre.ctl_as(None, &["envs", "--token", &lyre.token]);
    assert_eq!(
        (flag.code, flag.stdout.as_str()),
        (0, "DEV\nPRO\n"),
        "{flag:?}"
    );
}

#[tokio::test]
async fn shows_instances_their_releases_and_whether_they_still_read() {
    let lyre = Lyre::start().await;
    lyre.publish("application", "timeout", "30", "first").await;
    lyre.publish("application", "timeout", "45", "second").await;
    lyre.publish("db.yaml", "content", "pool: 10\n", "db").await;

    // Three instances read application; two report on it (Lyre's SDK does), one is an Apollo
    // client; one of them also reads db.yaml.
    let held = lyre.read("application", "10.0.0.1", "blue").await;
    let key = held["releaseKey"].as_str().unwrap().to_owned();
    lyre.read("application", "10.0.0.2", "").await;
    lyre.read("application", "10.0.0.3", "green").await;
    lyre.read("db.yaml", "10.0.0.3", "green").await;
    lyre.report("10.0.0.1", &key, "applied", "").await;
    lyre.report("10.0.0.2", &key, "rejected", "timeout: not a duration")
        .await;
    lyre.recorded(|page| {
        page["total"] == 3
            && page["content"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i.get("applied").is_some())
                .count()
                == 2
    })
    .await;

    let table = lyre.ctl(&["instances", "demo-shop"]);
    let rows = table.rows();
    assert_eq!(rows.len(), 6, "{table:?}");
    assert_eq!(
        rows[0],
        cells(&[
            "NAMESPACE",
            "IP",
            "LABEL",
            "CLUSTER",
            "RELEASE",
            "APPLIED",
            "LAST SEEN",
            "STATE"
        ])
    );
    let mut body: Vec<Vec<String>> = rows[1..5].iter().cloned().map(seen_recently).collect();
    body.sort();
    assert_eq!(
        body,
        [
            cells(&[
                "application",
                "10.0.0.1",
                "blue",
                "default",
                "2",
                "applied",
                "ALIVE"
            ]),
            cells(&[
                "application",
                "10.0.0.2",
                "-",
                "default",
                "2",
                "rejected: timeout: not a duration",
                "ALIVE"
            ]),
            cells(&[
                "application",
                "10.0.0.3",
                "green",
                "default",
                "2",
                "-",
                "ALIVE"
            ]),
            cells(&["db.yaml", "10.0.0.3", "green", "default", "3", "-", "ALIVE"]),
        ],
        "{table:?}"
    );
    assert_eq!(
        rows[5].join("  "),
        "4 instances of demo-shop in DEV/default: 4 ALIVE, 0 SILENT (unseen for over 3m)."
    );

    // Scripts get each instance as the portal sent it, with where it is, its release's id and
    // whether it is alive.
    let json = lyre
        .ctl(&[
            "instances",
            "demo-shop",
            "--namespace",
            "application",
            "--json",
        ])
        .json();
    let mut listed = json.as_array().unwrap().clone();
    listed.sort_by_key(|i| i["ip"].as_str().unwrap().to_owned());
    assert_eq!(listed.len(), 3, "{json}");
    let first = &listed[0];
    assert_eq!(
        (
            &first["env"],
            &first["namespaceName"],
            &first["ip"],
            &first["label"],
            &first["releaseKey"],
            &first["releaseId"],
            &first["alive"]
        ),
        (
            &json!("DEV"),
            &json!("application"),
            &json!("10.0.0.1"),
            &json!("blue"),
            &json!(key),
            &json!(2),
            &json!(true)
        )
    );
    assert_eq!(
        (&first["applied"]["status"], &first["applied"]["releaseKey"]),
        (&json!("applied"), &json!(key))
    );
    assert_eq!(listed[1]["applied"]["reason"], "timeout: not a duration");
    assert!(listed[2].get("applied").is_none(), "{json}");
    assert!(
        listed[2]["lastSeenAt"].as_str().unwrap().ends_with('Z'),
        "{json}"
    );

    // A new release: 10.0.0.1 reads it (its report was on the release before), the others have
    // not yet.
    lyre.publish("application", "timeout", "60", "third").await;
    let newer = lyre.read("application", "10.0.0.1", "blue").await;
    assert_ne!(newer["releaseKey"], json!(key));
    lyre.recorded(|page| page["content"][0]["releaseKey"] == newer["releaseKey"])
        .await;
    let table = lyre.ctl(&[
        "instances",
        "demo-shop",
        "--namespace",
        "application",
        "--env",
        "DEV",
    ]);
    let blue: Vec<String> = table
        .rows()
        .into_iter()
        .find(|r| r[1] == "10.0.0.1")
        .unwrap();
    assert_eq!(
        seen_recently(blue),
        cells(&[
            "application",
            "10.0.0.1",
            "blue",
            "default",
            "4",
            "applied release 2",
            "ALIVE"
        ]),
        "{table:?}"
    );

    // Quiet for longer than --silence: SILENT.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let silent = lyre.ctl(&[
        "instances",
        "demo-shop",
        "--namespace",
        "application",
        "--silence",
        "2s",
    ]);
    let rows = silent.rows();
    assert!(rows[1..4].iter().all(|r| r[7] == "SILENT"), "{silent:?}");
    assert_eq!(
        rows[4].join("  "),
        "3 instances of demo-shop in DEV/default: 0 ALIVE, 3 SILENT (unseen for over 2s)."
    );
    let json = lyre
        .ctl(&["instances", "demo-shop", "--silence", "2s", "--json"])
        .json();
    assert!(
        json.as_array().unwrap().iter().all(|i| i["alive"] == false),
        "{json}"
    );

    // Where no instance read, it says so; a bad duration is refused.
    let none = lyre.ctl(&["instances", "demo-shop", "--env", "PRO"]);
    assert_eq!(
        (none.code, none.stdout.as_str()),
        (
            0,
            "No instance read any of 2 namespaces of demo-shop in PRO/default in the last 24 hours.\n"
        ),
        "{none:?}"
    );
    let bad = lyre.ctl(&["instances", "demo-shop", "--silence", "soon"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(
        bad.stderr.starts_with(
            "error: invalid value 'soon' for '--silence <DURATION>': `soon`: expected a duration such as 90s, 5m or 1h30m"
        ),
        "{bad:?}"
    );
    let outside = lyre.ctl(&["instances", "other", "--namespace", "application"]);
    assert_eq!(outside.code, 1, "{outside:?}");
    assert_eq!(
        outside.stderr,
        "error: reading the instances of DEV/other/default/application: the token has no grant on \
         other/default/application in DEV (403 Forbidden)\n"
    );
}

#[tokio::test]
async fn shows_history_and_rolls_back() {
    let lyre = Lyre::start().await;
    lyre.publish("application", "timeout", "30", "first").await;
    lyre.publish("application", "timeout", "45", "second").await;
    lyre.publish("application", "timeout", "60", "third").await;

    let history = lyre.ctl(&["history", "demo-shop", "application"]);
    let rows = history.rows();
    assert_eq!(
        rows[0],
        cells(&[
            "RELEASE",
            "PREVIOUS",
            "OPERATION",
            "TITLE",
            "BY",
            "TIME (UTC)"
        ])
    );
    let without_time: Vec<Vec<String>> = rows[1..]
        .iter()
        .map(|r| {
            let time = &r[5];
            assert!(
                time.len() == 19 && time.as_bytes()[10] == b' ' && time.starts_with("20"),
                "{r:?}"
            );
            r[..5].to_vec()
        })
        .collect();
    assert_eq!(
        without_time,
        [
            cells(&["3", "2", "normal_release", "third", "ops"]),
            cells(&["2", "1", "normal_release", "second", "ops"]),
            cells(&["1", "-", "normal_release", "first", "ops"]),
        ],
        "{history:?}"
    );
    let newest = lyre.ctl(&[
        "history",
        "demo-shop",
        "application",
        "--env",
        "DEV",
        "--limit",
        "1",
    ]);
    let rows = newest.rows();
    assert_eq!(
        (rows.len(), rows[1][3].as_str()),
        (3, "third"),
        "{newest:?}"
    );
    assert_eq!(
        rows[2].join("  "),
        "The 1 newest of 3 entries; --limit 3 shows more."
    );
    let page = lyre
        .ctl(&[
            "history",
            "demo-shop",
            "application",
            "--limit",
            "2",
            "--json",
        ])
        .json();
    assert_eq!(
        (&page["total"], &page["size"]),
        (&json!(3), &json!(2)),
        "{page}"
    );
    assert_eq!(
        (
            &page["content"][0]["releaseId"],
            &page["content"][0]["operation"],
            &page["content"][0]["releaseTitle"]
        ),
        (&json!(3), &json!("normal_release"), &json!("third"))
    );
    let empty = lyre.ctl(&["history", "demo-shop", "application", "--env", "PRO"]);
    assert_eq!(
        empty.stdout, "PRO/demo-shop/default/application has no release yet.\n",
        "{empty:?}"
    );
    let unknown = lyre.ctl(&["history", "demo-shop", "nope"]);
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert_eq!(
        unknown.stderr,
        "error: reading the release history of DEV/demo-shop/default/nope: namespace \
         DEV/demo-shop/default/nope does not exist (404 Not Found)\n"
    );

    // A rollback names its environment.
    let unnamed = lyre.ctl(&["rollback", "demo-shop", "application"]);
    assert_eq!(unnamed.code, 1, "{unnamed:?}");
    assert!(unnamed.stderr.contains("--env <ENV>"), "{unnamed:?}");

    // A token that may modify but not release is refused; nothing changes.
    let editor = lyre.consumer("editor", &["modify"]).await;
    let refused = lyre.ctl_as(
        Some(&editor),
        &["rollback", "demo-shop", "application", "--env", "DEV"],
    );
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (1, ""),
        "{refused:?}"
    );
    assert!(
        refused
            .stderr
            .starts_with("error: rolling back release 3 of DEV/demo-shop/default/application: ")
            && refused.stderr.ends_with(" (403 Forbidden)\n"),
        "{refused:?}"
    );
    let served = lyre.read("application", "10.0.0.1", "").await;
    assert_eq!(served["configurations"], json!({"timeout": "60"}));

    // The latest release, back to the one before: clients get it at once.
    let back = lyre.ctl(&["rollback", "demo-shop", "application", "--env", "DEV"]);
    assert_eq!(
        (back.code, back.stdout.as_str(), back.stderr.as_str()),
        (
            0,
            "Rolled back DEV/demo-shop/default/application from release 3 \"third\" to release 2 \
             \"second\": clients now get release 2.\n",
            ""
        )
    );
    assert_eq!(
        lyre.read("application", "10.0.0.1", "").await["configurations"],
        json!({"timeout": "45"})
    );

    // Further, to a release named, for a script.
    let to_first = lyre
        .ctl(&[
            "rollback",
            "demo-shop",
            "application",
            "--env",
            "DEV",
            "--to",
            "1",
            "--json",
        ])
        .json();
    assert_eq!(
        (
            &to_first["env"],
            &to_first["appId"],
            &to_first["clusterName"],
            &to_first["namespaceName"]
        ),
        (
            &json!("DEV"),
            &json!("demo-shop"),
            &json!("default"),
            &json!("application")
        )
    );
    assert_eq!(
        (
            &to_first["rolledBack"]["id"],
            &to_first["rolledBack"]["name"]
        ),
        (&json!(2), &json!("second"))
    );
    assert_eq!(
        (
            &to_first["current"]["id"],
            &to_first["current"]["configurations"]
        ),
        (&json!(1), &json!({"timeout": "30"}))
    );
    assert_eq!(
        lyre.read("application", "10.0.0.1", "").await["configurations"],
        json!({"timeout": "30"})
    );
    let history = lyre.ctl(&["history", "demo-shop", "application"]).rows();
    assert_eq!(
        history[1][..4].to_vec(),
        cells(&["1", "2", "rollback", "first"]),
        "{history:?}"
    );

    // Nothing before the first release; nothing at all in PRO.
    let first = lyre.ctl(&["rollback", "demo-shop", "application", "--env", "DEV"]);
    assert_eq!(first.code, 1, "{first:?}");
    assert!(
        first
            .stderr
            .ends_with("there is nothing to roll back to (400 Bad Request)\n"),
        "{first:?}"
    );
    let pro = lyre.ctl(&["rollback", "demo-shop", "application", "--env", "PRO"]);
    assert_eq!(
        (pro.code, pro.stderr.as_str()),
        (
            1,
            "error: PRO/demo-shop/default/application has no release: nothing to roll back\n"
        )
    );
}

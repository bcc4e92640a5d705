//! `lyre ctl rollout` as an operator runs it, against a real `lyre`: every command in table and
//! `--json` form, asserting what the terminal shows; and a rollout that outlives its process
//! (killed as in a crash, another started on the same database) goes on from its step, never
//! repeating one, or stays paused with its bake clock stopped until resumed.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{PASSWORD, Ports, Running, lyre, shared_database};
use lyre_protocol::admin::Rollout;
use lyre_protocol::gray::bucket;
use lyre_service_kit::time::parse_rfc3339;
use lyre_store::testing::{TestBackend, TestDb};
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

const NS: &str = "envs/DEV/apps/demo-shop/clusters/default/namespaces/application";
const PLACE: &str = "DEV/demo-shop/default/application";

/// A `lyre` on a database that outlives its process, with app `demo-shop` (its `application`
/// holds `timeout = 30`, released), a gray branch overriding `timeout` with `45`, and a
/// consumer `ops` that may modify and release `demo-shop`.
struct Lyre {
    dir: TempDir,
    url: String,
    portal: String,
    config: String,
    /// The signed-in super admin's session.
    session: String,
    token: String,
    branch: String,
    http: reqwest::Client,
    running: Option<Running>,
    _db: Option<TestDb>,
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
        assert_eq!((self.code, self.stderr.as_str()), (0, ""), "{self:?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The output read as a rollout.
    fn rollout(&self) -> Rollout {
        serde_json::from_value(self.json()).unwrap()
    }

    /// The lines printed (the run must have succeeded).
    fn lines(&self) -> Vec<&str> {
        assert_eq!((self.code, self.stderr.as_str()), (0, ""), "{self:?}");
        self.stdout.lines().collect()
    }

    /// The value of the rollout view's field `label` (`  Label: value`).
    fn field(&self, label: &str) -> String {
        let prefix = format!("  {label}:");
        self.lines()
            .into_iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no field {label}: {self:?}"))
    }

    fn has_field(&self, label: &str) -> bool {
        let prefix = format!("  {label}:");
        self.stdout.lines().any(|l| l.starts_with(&prefix))
    }

    /// A refusal: exit code 1, nothing on standard output, `message` on standard error.
    fn refused(&self, message: &str) {
        assert_eq!(
            (self.code, self.stdout.as_str(), self.stderr.as_str()),
            (1, "", format!("error: {message}\n").as_str()),
            "{self:?}"
        );
    }
}

/// A table's lines split into cells (columns are two or more spaces apart).
fn cells(lines: &[&str]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The IP of the instance labelled `pod-N` (each instance has its own).
fn ip_of(label: &str) -> String {
    let n: u32 = label
        .strip_prefix("pod-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(999);
    format!("10.1.{}.{}", n / 250, n % 250 + 1)
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// Labels of instances whose identity hashes into the first `percent` of the app's instances,
/// and one outside `outside` percent.
fn labels_within(percent: u32, outside: u32) -> (Vec<String>, String) {
    let labelled = (0..1_000).map(|i| format!("pod-{i}"));
    let inside: Vec<String> = labelled
        .clone()
        .filter(|l| bucket("demo-shop", l) < percent * 100)
        .take(2)
        .collect();
    let out = labelled
        .into_iter()
        .find(|l| bucket("demo-shop", l) >= outside * 100)
        .unwrap();
    (inside, out)
}

async fn until<T>(within: Duration, what: &str, mut ready: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(done) = ready().await {
            return done;
        }
        assert!(Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn millis(rfc3339: &str) -> i64 {
    parse_rfc3339(rfc3339).unwrap_or_else(|| panic!("not a time: {rfc3339}"))
}

impl Lyre {
    /// Starts `lyre` on a fresh database of `backend`; `None` when that server is not
    /// configured (the test is skipped).
    async fn start(backend: TestBackend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let (url, db) = shared_database(dir.path(), backend).await?;
        let mut lyre = Self {
            dir,
            url,
            portal: String::new(),
            config: String::new(),
            session: String::new(),
            token: String::new(),
            branch: String::new(),
            http: reqwest::Client::new(),
            running: None,
            _db: db,
        };
        lyre.spawn().await;
        lyre.as_admin(
            Method::POST,
            "/api/v1/apps",
            json!({"appId": "demo-shop", "name": "Demo shop"}),
        )
        .await;
        let consumer = lyre
            .as_admin(
                Method::POST,
                "/api/v1/consumers",
                json!({"name": "ops", "grants": [
                    {"appId": "demo-shop", "namespace": "*", "envs": [], "permissions": ["modify", "release"]}
                ]}),
            )
            .await;
        lyre.token = consumer["token"].as_str().unwrap().to_owned();
        lyre.open(
            Method::PUT,
            "items/timeout?createIfNotExists=true",
            json!({"key": "timeout", "value": "30"}),
        )
        .await;
        lyre.open(
            Method::POST,
            "releases",
            json!({"releaseTitle": "timeout 30"}),
        )
        .await;
        lyre.branch_with("45").await;
        Some(lyre)
    }

    /// Starts a `lyre` process on the database (the first, or one after a crash) and signs
    /// the super admin in.
    async fn spawn(&mut self) {
        let ports = Ports::new();
        let mut command = lyre(self.dir.path(), &ports);
        command
            .env("LYRE_DATABASE_URL", &self.url)
            .env("LYRE_ADMIN_PASSWORD", PASSWORD);
        let mut running = Running::start(command);
        running.discard_log();
        self.running = Some(running);
        self.portal = format!("http://127.0.0.1:{}", ports.portal);
        self.config = format!("http://127.0.0.1:{}", ports.config);
        self.session = common::sign_in(&self.http, &self.portal, "admin", PASSWORD).await;
    }

    /// Kills the process as a crash does (SIGKILL): no shutdown, no lease given back.
    fn crash(&mut self) -> u32 {
        let mut running = self.running.take().expect("a running lyre");
        let pid = running.child.id();
        running.child.kill().unwrap();
        running.child.wait().unwrap();
        pid
    }

    fn pid(&self) -> u32 {
        self.running.as_ref().expect("a running lyre").child.id()
    }

    /// A new gray branch of `application` that overrides `timeout` with `value`.
    async fn branch_with(&mut self, value: &str) {
        let created = self
            .as_admin(Method::POST, &format!("/api/v1/{NS}/branches"), Value::Null)
            .await;
        self.branch = created["branchName"].as_str().unwrap().to_owned();
        self.as_admin(
            Method::PUT,
            &format!("/api/v1/{NS}/branches/{}/overrides/timeout", self.branch),
            json!({"value": value}),
        )
        .await;
    }

    /// A request as the signed-in super admin; it must succeed.
    async fn as_admin(&self, method: Method, path: &str, body: Value) -> Value {
        self.send(method, path, &format!("Bearer {}", self.session), body)
            .await
    }

    /// An Open API request on DEV's `application`, with the consumer's token; it must succeed.
    async fn open(&self, method: Method, path: &str, body: Value) -> Value {
        let path = format!("/openapi/v1/{NS}/{path}");
        self.send(method, &path, &self.token.clone(), body).await
    }

    /// A request that must succeed; one refused for the consumer's rate limit (the polls of
    /// these tests reach it) is sent again a second later.
    async fn send(&self, method: Method, path: &str, authorization: &str, body: Value) -> Value {
        for _ in 0..5 {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.portal))
                .header("authorization", authorization);
            if !body.is_null() {
                request = request.json(&body);
            }
            let answer = request.send().await.unwrap();
            let status = answer.status();
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            let text = answer.text().await.unwrap();
            assert!(status.is_success(), "{method} {path}: {status} {text}");
            return serde_json::from_str(&text).unwrap_or(Value::Null);
        }
        panic!("{method} {path}: still refused for the rate limit");
    }

    /// What the instance labelled `label` reads of DEV's `application`: the cluster that served
    /// it, its release key and its `timeout`.
    async fn read(&self, label: &str) -> (String, String, String) {
        let answer: Value = self
            .http
            .get(format!(
                "{}/configs/demo-shop/default/application?ip={}&label={label}",
                self.config,
                ip_of(label)
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        (
            text(&answer["cluster"]),
            text(&answer["releaseKey"]),
            text(&answer["configurations"]["timeout"]),
        )
    }

    /// The instance labelled `label` reports what it made of `release_key`, as Lyre's SDK does.
    async fn report(&self, label: &str, release_key: &str, status: &str, reason: &str) {
        let answer = self
            .http
            .post(format!("{}/reports", self.config))
            .json(
                &json!({"appId": "demo-shop", "cluster": "default", "ip": ip_of(label),
                "label": label, "reports": [{"namespaceName": "application",
                "releaseKey": release_key, "status": status, "reason": reason}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 204);
    }

    /// Runs `lyre ctl rollout` with the consumer's token and `args`.
    fn rollout(&self, args: &[&str]) -> Ran {
        self.ctl(&[&["rollout"], args].concat())
    }

    /// Runs `lyre ctl` with the consumer's token and `args`.
    fn ctl(&self, args: &[&str]) -> Ran {
        let output = Command::new(env!("CARGO_BIN_EXE_lyre"))
            .arg("ctl")
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("LYRE_PORTAL_URL", &self.portal)
            .env("LYRE_TOKEN", &self.token)
            .output()
            .unwrap();
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// `lyre ctl rollout status demo-shop application --json`, read.
    fn status(&self) -> Rollout {
        self.rollout(&["status", "demo-shop", "application", "--json"])
            .rollout()
    }

    /// The rollout events of `demo-shop`, oldest first: kind, step, percentage, when.
    async fn events(&self) -> Vec<(String, u64, u64, i64)> {
        let db = lyre_store::connect(&lyre_store::DbOptions::new(self.url.clone()))
            .await
            .unwrap();
        let events = lyre_store::webhooks::events(&db, "demo-shop", 0)
            .await
            .unwrap();
        db.close().await.unwrap();
        events
            .into_iter()
            .filter(|e| e.kind.starts_with("rollout."))
            .map(|e| {
                let payload: Value = serde_json::from_str(&e.payload).unwrap();
                (
                    e.kind,
                    payload["step"].as_u64().unwrap(),
                    payload["percentage"].as_u64().unwrap(),
                    e.created_at,
                )
            })
            .collect()
    }

    /// Rollout `id` as the database holds it.
    async fn row(&self, id: i64) -> lyre_store::entity::rollout::Model {
        let db = lyre_store::connect(&lyre_store::DbOptions::new(self.url.clone()))
            .await
            .unwrap();
        let found = lyre_store::config::rollouts::find(&db, id)
            .await
            .unwrap()
            .unwrap();
        db.close().await.unwrap();
        found
    }

    /// The operations of `application`'s release history, oldest first, as `lyre ctl history
    /// --json` shows them.
    fn operations(&self) -> Vec<String> {
        let history = self
            .ctl(&["history", "demo-shop", "application", "--json"])
            .json();
        let mut operations: Vec<String> = history["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["operation"].as_str().unwrap().to_owned())
            .collect();
        operations.reverse();
        operations
    }
}

#[tokio::test]
async fn steers_a_rollout_from_the_terminal() {
    let lyre = Lyre::start(TestBackend::Sqlite).await.unwrap();
    let ns = ["demo-shop", "application"];
    let cmd = |verb: &str, more: &[&str]| lyre.rollout(&[&[verb], &ns[..], more].concat());

    // Nothing yet: said plainly, `null` and `[]` for scripts; nothing to pause.
    assert_eq!(
        cmd("status", &[]).lines(),
        [format!(
            "{PLACE} has no rollout yet: `lyre ctl rollout start` starts one from its gray branch."
        )]
    );
    assert_eq!(cmd("status", &["--json"]).json(), Value::Null);
    assert_eq!(
        cmd("status", &["--all"]).lines(),
        [format!("{PLACE} has no rollout yet.")]
    );
    assert_eq!(cmd("status", &["--all", "--json"]).json(), json!([]));
    cmd("pause", &[]).refused(&format!(
        "{PLACE} has no open rollout: nothing to pause; `lyre ctl rollout status --all` lists \
         its rollouts"
    ));

    // Start: the branch's release goes to the first step's share now.
    let started = cmd(
        "start",
        &[
            "--steps",
            "10,50,100",
            "--bake",
            "1h",
            "--max-rejected",
            "1",
            "--title",
            "timeout 45",
            "--comment",
            "longer",
        ],
    );
    let r = lyre.status();
    assert_eq!(
        started.lines()[0],
        format!(
            "Started rollout {} of {PLACE}: release {} of gray branch {} goes to 10% of the \
             instances now.",
            r.id, r.release_id, lyre.branch
        )
    );
    assert_eq!(started.field("Branch"), lyre.branch);
    assert_eq!(
        started.field("Release"),
        format!("{} ({})", r.release_id, r.release_key)
    );
    assert_eq!(
        started.field("Plan"),
        "[10%] > 50% > 100%, 1h a step, 1 rejection tolerated"
    );
    assert_eq!(started.field("Step"), "1/3");
    assert_eq!(started.field("Share now"), "10% of the instances");
    let next = started.field("Next step");
    assert!(
        next.contains(" UTC (in 59m") || next.ends_with(" UTC (in 1h00m)"),
        "{next}"
    );
    assert_eq!(
        started.field("Instances"),
        "0 read it, 0 applied, 0 rejected"
    );
    assert!(started.field("Started").ends_with(" UTC by ops"));
    assert!(!started.has_field("Ended") && !started.has_field("Reason"));
    assert_eq!(
        (r.state.as_str(), r.step, r.percentage, r.steps.as_slice()),
        ("running", 0, 10, &[10, 50, 100][..])
    );
    assert_eq!((r.bake_seconds, r.max_rejected), (3600, 1));

    // One at a time, and a bad plan is refused by name.
    cmd("start", &["--title", "again"]).refused(&format!(
        "starting a rollout of {PLACE}: rollout {} of gray branch `{}` of {PLACE} is running: \
         abort it (or let it finish) before you start another (409 Conflict)",
        r.id, lyre.branch
    ));
    cmd("start", &["--steps", "50,25,100", "--title", "t"]).refused(&format!(
        "starting a rollout of {PLACE}: the steps must grow: [50, 25, 100] (400 Bad Request)"
    ));
    let zero = cmd("start", &["--bake", "0s", "--title", "t"]);
    assert_ne!(zero.code, 0);
    assert!(
        zero.stderr
            .contains("`0s`: the duration must be more than 0"),
        "{zero:?}"
    );

    // Two instances in the first 10 % read the branch's release; one rejects it, one applies
    // it. One rejection is tolerated: it still runs, and shows who rejected it and why.
    let (inside, outside) = labels_within(10, 50);
    for label in &inside {
        let (cluster, key, timeout) = lyre.read(label).await;
        assert_eq!(
            (cluster.as_str(), key.as_str(), timeout.as_str()),
            (lyre.branch.as_str(), r.release_key.as_str(), "45")
        );
    }
    assert_eq!(lyre.read(&outside).await.2, "30");
    lyre.report(
        &inside[0],
        &r.release_key,
        "rejected",
        "timeout: 45 is over the limit",
    )
    .await;
    lyre.report(&inside[1], &r.release_key, "applied", "").await;
    until(
        Duration::from_secs(10),
        "the reports are recorded",
        async || {
            let now = lyre.status();
            (now.read == 2 && now.applied == 1 && now.rejected == 1).then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let shown = cmd("status", &[]);
    let lines = shown.lines();
    assert_eq!(lines[0], format!("Rollout {} of {PLACE}: running.", r.id));
    assert_eq!(shown.field("Instances"), "2 read it, 1 applied, 1 rejected");
    let table = lines.iter().position(|l| *l == "Rejected by:").unwrap();
    let rejected = cells(&lines[table + 1..]);
    assert_eq!(
        rejected[0],
        row(&["IP", "LABEL", "RELEASE", "AT (UTC)", "REASON"])
    );
    assert_eq!(rejected.len(), 2, "{shown:?}");
    assert_eq!(
        [&rejected[1][..3], &rejected[1][4..]].concat(),
        row(&[
            &ip_of(&inside[0]),
            &inside[0],
            &r.release_key,
            "timeout: 45 is over the limit"
        ])
    );
    assert!(rejected[1][3].ends_with(" UTC"), "{rejected:?}");
    let json = cmd("status", &["--json"]).rollout();
    assert_eq!((json.state.as_str(), json.rejected), ("running", 1));
    assert_eq!(json.rejections[0].label, inside[0]);
    assert_eq!(json.rejections[0].reason, "timeout: 45 is over the limit");

    // Pause: the bake clock stops; pausing again changes nothing.
    let paused = cmd("pause", &[]);
    assert_eq!(
        paused.lines()[0],
        format!(
            "Paused rollout {} of {PLACE} at step 1/3 (10%): it stays there until resumed.",
            r.id
        )
    );
    assert_eq!(paused.field("Next step"), "none while paused");
    let again = cmd("pause", &["--json"]).json();
    assert_eq!(again["state"], "paused");
    assert_eq!(again.get("nextStepAt"), None, "{again}");
    tokio::time::sleep(Duration::from_millis(1_200)).await;

    // Resume: the next step is as far off as when it was paused.
    let resumed = cmd("resume", &["--json"]).rollout();
    assert_eq!(resumed.state, "running");
    let moved = millis(resumed.next_step_at.as_deref().unwrap())
        - millis(r.next_step_at.as_deref().unwrap());
    assert!(moved >= 1_200, "the next step moved by {moved} ms");
    let resumed = cmd("resume", &[]);
    assert_eq!(
        resumed.lines()[0],
        format!("Resumed rollout {} of {PLACE} at step 1/3 (10%).", r.id)
    );

    // Advance: the next share now.
    let advanced = cmd("advance", &[]);
    assert_eq!(
        advanced.lines()[0],
        format!("Advanced rollout {} of {PLACE} to step 2/3 (50%).", r.id)
    );
    assert_eq!(
        advanced.field("Plan"),
        "10% > [50%] > 100%, 1h a step, 1 rejection tolerated"
    );
    assert_eq!(advanced.field("Share now"), "50% of the instances");

    // Abort: everyone back on main's release; the rollout has ended.
    let aborted = cmd("abort", &[]);
    assert_eq!(
        aborted.lines()[0],
        format!(
            "Aborted rollout {} of {PLACE}: every instance is back on main's release (the gray \
             branch stays).",
            r.id
        )
    );
    assert_eq!(
        aborted.field("Share now"),
        "0% (rolled back: every instance is on main's release)"
    );
    assert_eq!(aborted.field("Reason"), "aborted by `ops`");
    assert!(aborted.field("Ended").ends_with(" UTC"));
    assert!(!aborted.has_field("Next step"));
    for label in &inside {
        assert_eq!(lyre.read(label).await.0, "default");
    }
    cmd("abort", &["--id", &r.id.to_string(), "--json"]).refused(&format!(
        "aborting rollout {0} of {PLACE}: rollout {0} has ended (aborted): start a new one (409 \
         Conflict)",
        r.id
    ));
    cmd("resume", &[]).refused(&format!(
        "{PLACE} has no open rollout (the latest, {}, aborted): nothing to resume; `lyre ctl \
         rollout status --all` lists its rollouts",
        r.id
    ));
    cmd("status", &["--id", "99"]).refused(&format!(
        "reading rollout 99 of {PLACE}: {PLACE} has no rollout 99 (404 Not Found)"
    ));

    // A one-step plan, started for scripts and advanced past its end: main gets the value.
    let second = cmd(
        "start",
        &[
            "--steps",
            "100",
            "--bake",
            "1h",
            "--title",
            "timeout 45 for all",
            "--json",
        ],
    )
    .json();
    assert_eq!(second["state"], "running");
    assert_eq!(second["steps"], json!([100]));
    assert_eq!(second["percentage"], 100);
    assert_eq!(second["maxRejected"], 0);
    let id = second["id"].as_i64().unwrap();
    let done = cmd("advance", &["--json"]).rollout();
    assert_eq!((done.id, done.state.as_str()), (id, "completed"));
    assert!(done.ended_at.is_some() && done.next_step_at.is_none());
    let shown = cmd("status", &[]);
    assert_eq!(
        shown.lines()[0],
        format!(
            "Rollout {id} of {PLACE}: completed: merged into main, which holds the branch's \
             configuration."
        )
    );
    assert_eq!(shown.field("Share now"), "100% (main's release now)");
    let latest = lyre.open(Method::GET, "releases/latest", Value::Null).await;
    assert_eq!(latest["configurations"], json!({"timeout": "45"}));
    assert_eq!(latest["name"], "timeout 45 for all");
    assert_eq!(lyre.read(&outside).await.2, "45");

    // The last 20, newest first; for scripts, as the Open API lists them.
    let all = cmd("status", &["--all"]);
    let mut table = cells(&all.lines());
    for line in &mut table[1..] {
        assert!(line[7].ends_with(" UTC"), "{all:?}");
        line[7] = "_".to_owned();
    }
    assert_eq!(
        table,
        [
            row(&[
                "ID",
                "STATE",
                "STEP",
                "SHARE",
                "READ",
                "APPLIED",
                "REJECTED",
                "STARTED (UTC)",
                "BY",
                "BRANCH"
            ]),
            row(&[
                &id.to_string(),
                "completed",
                "1/1",
                "100%",
                "0",
                "0",
                "0",
                "_",
                "ops",
                &lyre.branch
            ]),
            row(&[
                &r.id.to_string(),
                "aborted",
                "2/3",
                "0%",
                // Its instances hold main's release again; the rejection stays on record.
                "0",
                "0",
                "1",
                "_",
                "ops",
                &lyre.branch
            ]),
        ],
        "{all:?}"
    );
    let listed = lyre.open(Method::GET, "rollouts", Value::Null).await;
    assert_eq!(cmd("status", &["--all", "--json"]).json(), listed);
    assert_eq!(cmd("status", &["--json"]).json(), listed[0]);
    assert_eq!(
        cmd("status", &["--id", &r.id.to_string(), "--json"]).json(),
        listed[1]
    );
}

#[tokio::test]
async fn shows_why_a_rollout_halted_and_what_is_refused() {
    let lyre = Lyre::start(TestBackend::Sqlite).await.unwrap();
    let ns = ["demo-shop", "application"];

    // Review in PRO: a consumer cannot start one there, not even as an emergency.
    let pro = |more: &[&str]| {
        lyre.rollout(&[&["start"], &ns[..], &["--env", "PRO", "--title", "t"], more].concat())
    };
    pro(&[]).refused(
        "starting a rollout of PRO/demo-shop/default/application: PRO requires review: open a \
         release request for demo-shop/default/application in PRO instead of a direct staged \
         rollout (403 Forbidden)",
    );
    pro(&["--emergency"]).refused(
        "starting a rollout of PRO/demo-shop/default/application: only the super admin may make \
         an emergency publish (403 Forbidden)",
    );

    // A value the app refuses, rolled out with no rejection tolerated.
    lyre.as_admin(
        Method::PUT,
        &format!("/api/v1/{NS}/branches/{}/overrides/timeout", lyre.branch),
        json!({"value": "forever"}),
    )
    .await;
    let (inside, outside) = labels_within(10, 50);
    let started = lyre
        .rollout(
            &[
                &["start"],
                &ns[..],
                &[
                    "--steps", "10,100", "--bake", "1h", "--title", "forever", "--json",
                ],
            ]
            .concat(),
        )
        .rollout();
    let (_, key, timeout) = lyre.read(&inside[0]).await;
    assert_eq!(
        (key.as_str(), timeout.as_str()),
        (started.release_key.as_str(), "forever")
    );
    lyre.report(
        &inside[0],
        &key,
        "rejected",
        "timeout: `forever` is not a number",
    )
    .await;
    let halted = until(Duration::from_secs(15), "the rollout halts", async || {
        Some(lyre.status()).filter(|r| r.state == "halted")
    })
    .await;
    let reason = format!(
        "1 instance(s) rejected release {key}; first {} ({}): timeout: `forever` is not a \
         number",
        ip_of(&inside[0]),
        inside[0]
    );
    assert_eq!((halted.step, halted.percentage), (0, 0));
    assert_eq!(halted.reason, reason);

    let shown = lyre.rollout(&[&["status"], &ns[..]].concat());
    assert_eq!(
        shown.lines()[0],
        format!(
            "Rollout {} of {PLACE}: halted: too many instances rejected its release, all are \
             back on main's release.",
            started.id
        )
    );
    assert_eq!(shown.field("Halted"), reason);
    assert_eq!(shown.field("Step"), "1/2");
    assert_eq!(
        shown.field("Share now"),
        "0% (rolled back: every instance is on main's release)"
    );
    assert_eq!(shown.field("Instances"), "1 read it, 0 applied, 1 rejected");
    assert!(!shown.has_field("Next step"));
    assert!(shown.stdout.contains("Rejected by:\n"), "{shown:?}");
    // The instance is back on main's release; the one outside never saw the branch's.
    assert_eq!(lyre.read(&inside[0]).await.2, "30");
    assert_eq!(lyre.read(&outside).await.2, "30");
    let events = lyre.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, ["rollout.started", "rollout.halted"]);

    // A halted rollout takes no more steps.
    lyre.rollout(&[&["advance"], &ns[..]].concat())
        .refused(&format!(
            "{PLACE} has no open rollout (the latest, {}, halted): nothing to advance; `lyre ctl \
         rollout status --all` lists its rollouts",
            started.id
        ));

    // Without a branch there is nothing to roll out.
    lyre.as_admin(
        Method::DELETE,
        &format!("/api/v1/{NS}/branches/{}", lyre.branch),
        Value::Null,
    )
    .await;
    let none = lyre.rollout(&[&["start"], &ns[..], &["--title", "t"]].concat());
    assert_eq!((none.code, none.stdout.as_str()), (1, ""), "{none:?}");
    assert!(
        none.stderr
            .starts_with(&format!("error: starting a rollout of {PLACE}: "))
            && none.stderr.ends_with(" (404 Not Found)\n"),
        "{none:?}"
    );
}

/// Polls the rollout until `done`, every state and step seen in order (each change once).
async fn watch(
    lyre: &Lyre,
    within: Duration,
    done: impl Fn(&Rollout) -> bool,
) -> Vec<(String, u32)> {
    let mut seen: Vec<(String, u32)> = Vec::new();
    until(within, "the rollout gets where it should", async || {
        let r = lyre.status();
        let now = (r.state.clone(), r.step);
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        done(&r).then_some(())
    })
    .await;
    seen
}

fn steps_of(seen: &[(String, u32)]) -> Vec<u32> {
    let mut steps: Vec<u32> = seen.iter().map(|(_, s)| *s).collect();
    steps.dedup();
    steps
}

/// Started with steps 20, 60, 100 and a bake of 3 s; killed once at step 1 (SIGKILL); another
/// process on the same database takes over once the dead one's lease runs out and goes on
/// from step 1 to the end: no step is taken twice, each baked its 3 s, and main's release
/// holds the branch's value.
async fn a_rollout_goes_on_after_a_crash(backend: TestBackend) {
    let Some(mut lyre) = Lyre::start(backend).await else {
        return;
    };
    let started = lyre
        .rollout(&[
            "start",
            "demo-shop",
            "application",
            "--steps",
            "20,60,100",
            "--bake",
            "3s",
            "--title",
            "timeout 45",
            "--json",
        ])
        .rollout();
    assert_eq!((started.state.as_str(), started.step), ("running", 0));
    let before = watch(&lyre, Duration::from_secs(20), |r| r.step >= 1).await;
    let crashed = lyre.crash();
    assert_eq!(
        before,
        [("running".to_owned(), 0), ("running".to_owned(), 1)],
        "it stepped on once before the crash"
    );

    lyre.spawn().await;
    let after = watch(&lyre, Duration::from_secs(60), |r| r.state == "completed").await;
    let steps = steps_of(&after);
    assert!(
        steps.first().is_some_and(|s| *s >= 1) && steps.windows(2).all(|w| w[0] < w[1]),
        "it went on from step 1, never back: {after:?}"
    );
    assert_eq!(after.last().unwrap(), &("completed".to_owned(), 2));

    // Each step was taken once, after its full bake, and the new process took the last ones.
    let events = lyre.events().await;
    let taken: Vec<(&str, u64, u64)> = events
        .iter()
        .map(|(kind, step, percentage, _)| (kind.as_str(), *step, *percentage))
        .collect();
    assert_eq!(
        taken,
        [
            ("rollout.started", 0, 20),
            ("rollout.advanced", 1, 60),
            ("rollout.advanced", 2, 100),
            ("rollout.completed", 2, 100),
        ]
    );
    // (An event is written a few milliseconds after its step began.)
    for pair in events.windows(2).take(3) {
        assert!(
            pair[1].3 - pair[0].3 >= 2_900,
            "each step baked 3 s: {events:?}"
        );
    }
    let row = lyre.row(started.id).await;
    assert!(
        row.lease_owner
            .starts_with(&format!("lyre-{}-", lyre.pid())),
        "driven to the end by the new process, not {crashed}: {}",
        row.lease_owner
    );
    assert_eq!(
        lyre.operations(),
        [
            "normal_release",
            "gray_release",
            "gray_rules_update",
            "gray_rules_update",
            "gray_rules_update",
            "merge",
            "gray_deleted_after_merge",
        ],
        "one change of rules per step"
    );

    // Main's release now holds the branch's value, for every instance.
    let latest = lyre.open(Method::GET, "releases/latest", Value::Null).await;
    assert_eq!(latest["configurations"], json!({"timeout": "45"}));
    assert_eq!(latest["name"], "timeout 45");
    let (cluster, _, timeout) = lyre.read("any-pod").await;
    assert_eq!((cluster.as_str(), timeout.as_str()), ("default", "45"));
}

/// Paused at its step, then killed (SIGKILL) and started again: it stays paused at that step
/// with its step start unchanged, well past the bake time and the dead process's lease; once
/// resumed, it bakes what was left of its step, then goes on to the end.
async fn a_paused_rollout_stays_paused_across_a_restart(backend: TestBackend) {
    let Some(mut lyre) = Lyre::start(backend).await else {
        return;
    };
    let ns = ["demo-shop", "application"];
    let started = lyre
        .rollout(
            &[
                &["start"],
                &ns[..],
                &[
                    "--steps",
                    "20,60,100",
                    "--bake",
                    "3s",
                    "--title",
                    "timeout 45",
                    "--json",
                ],
            ]
            .concat(),
        )
        .rollout();
    watch(&lyre, Duration::from_secs(20), |r| r.step >= 1).await;
    let paused = lyre
        .rollout(&[&["pause"], &ns[..], &["--json"]].concat())
        .rollout();
    assert_eq!(paused.state, "paused");
    let step = paused.step;
    assert!(step >= 1, "{paused:?}");
    let paused_at = lyre.row(started.id).await.paused_at;
    let left = millis(&paused.step_started_at) + 3_000 - paused_at;
    assert!(left > 0, "paused before its step baked: {paused:?}");

    lyre.crash();
    lyre.spawn().await;
    // Past the bake time and the dead process's lease, and a few driver ticks more.
    let lease_until = lyre.row(started.id).await.lease_until;
    let wait_until = lease_until.max(paused_at + 3_000) + 3_000;
    let wait = u64::try_from(wait_until - now_millis()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let still = lyre.status();
    assert_eq!(
        (
            still.state.as_str(),
            still.step,
            still.step_started_at.as_str()
        ),
        ("paused", step, paused.step_started_at.as_str()),
        "it stayed paused, its bake clock stopped"
    );
    assert_eq!(still.next_step_at, None);
    let shown = lyre.rollout(&[&["status"], &ns[..]].concat());
    assert_eq!(shown.field("Next step"), "none while paused");

    // Resumed, the step bakes what was left of it, then the rollout goes on.
    let resumed = lyre
        .rollout(&[&["resume"], &ns[..], &["--json"]].concat())
        .rollout();
    assert_eq!((resumed.state.as_str(), resumed.step), ("running", step));
    let resumed_at = millis(&resumed.updated_at);
    let due_in = millis(resumed.next_step_at.as_deref().unwrap()) - resumed_at;
    assert!(
        (due_in - left).abs() < 500,
        "{left} ms were left at the pause, {due_in} ms after resuming"
    );
    let after = watch(&lyre, Duration::from_secs(30), |r| r.state == "completed").await;
    let steps = steps_of(&after);
    assert!(
        steps.first() == Some(&step) && steps.windows(2).all(|w| w[0] < w[1]),
        "it went on from step {step}, never back: {after:?}"
    );
    let events = lyre.events().await;
    let kinds: Vec<(&str, u64)> = events
        .iter()
        .map(|(kind, step, _, _)| (kind.as_str(), *step))
        .collect();
    let paused_step = u64::from(step);
    let mut expected = vec![("rollout.started", 0)];
    expected.extend((1..=paused_step).map(|s| ("rollout.advanced", s)));
    expected.extend([
        ("rollout.paused", paused_step),
        ("rollout.resumed", paused_step),
    ]);
    expected.extend((paused_step + 1..=2).map(|s| ("rollout.advanced", s)));
    expected.push(("rollout.completed", 2));
    assert_eq!(kinds, expected);
    let resumed_event = events.iter().find(|e| e.0 == "rollout.resumed").unwrap().3;
    let next = events
        .iter()
        .skip_while(|e| e.0 != "rollout.resumed")
        .nth(1)
        .unwrap();
    assert!(
        next.3 - resumed_event >= left - 100,
        "the step baked what was left of it ({left} ms) after resuming: {events:?}"
    );
    let latest = lyre.open(Method::GET, "releases/latest", Value::Null).await;
    assert_eq!(latest["configurations"], json!({"timeout": "45"}));
}

fn now_millis() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_rollout_goes_on_after_a_crash_on_sqlite() {
    a_rollout_goes_on_after_a_crash(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn a_rollout_goes_on_after_a_crash_on_postgres() {
    a_rollout_goes_on_after_a_crash(TestBackend::Postgres).await;
}

#[tokio::test]
async fn a_rollout_goes_on_after_a_crash_on_mariadb() {
    a_rollout_goes_on_after_a_crash(TestBackend::MySql).await;
}

#[tokio::test]
async fn a_paused_rollout_stays_paused_across_a_restart_on_sqlite() {
    a_paused_rollout_stays_paused_across_a_restart(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn a_paused_rollout_stays_paused_across_a_restart_on_postgres() {
    a_paused_rollout_stays_paused_across_a_restart(TestBackend::Postgres).await;
}

#[tokio::test]
async fn a_paused_rollout_stays_paused_across_a_restart_on_mariadb() {
    a_paused_rollout_stays_paused_across_a_restart(TestBackend::MySql).await;
}

//! Staged rollouts with real SDK clients, each in a process of its own (`lyre-probe`, labels
//! `pod-…`): a value the app cannot read is rejected by the first step's instances and the
//! rollout halts and rolls back by itself, before anyone outside that step receives it; a good
//! value then rolls out to every instance and ends as main's release.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lyre_client_integration::{Admin, Config};
use lyre_protocol::gray::bucket;
use lyre_store::db_test;
use reqwest::Method;
use serde_json::{Value, json};

const NS: &str = "/envs/DEV/apps/shop/clusters/default/namespaces/application";

/// A `lyre-probe` process and every line it printed.
struct Probe {
    label: String,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Probe {
    fn start(config: &str, label: &str, ip: &str, cache: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lyre-probe"))
            .args([config, "shop", "application", label, ip])
            .arg(cache.join(label))
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("lyre-probe starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().expect("stdout");
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            label: label.to_owned(),
            child,
            lines,
        }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The release it holds now (the key of its last `received` line).
    fn holds(&self) -> Option<String> {
        self.lines().iter().rev().find_map(|l| {
            l.strip_prefix("received ")?
                .split(' ')
                .next()
                .map(str::to_owned)
        })
    }

    /// The value its typed view holds now.
    fn applied(&self) -> Option<String> {
        self.lines()
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("applied limit=").map(str::to_owned))
    }

    fn ever_received(&self, value: &str) -> bool {
        self.lines()
            .iter()
            .any(|l| l.starts_with("received ") && l.ends_with(&format!(" limit={value}")))
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn until(within: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {within:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn ns_name() -> Value {
    json!({"env": "DEV", "appId": "shop", "cluster": "default", "namespace": "application"})
}

async fn rollouts(admin: &Admin) -> Vec<Value> {
    admin
        .call(Method::POST, "/ops/rollouts.list", json!({"ns": ns_name()}))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Labels of the app's instances: one inside the first step's share and five outside it, and
/// that share (the smallest percentage that holds the first).
fn labels() -> (Vec<String>, u8) {
    let buckets: Vec<(String, u32)> = (0..200)
        .map(|i| format!("pod-{i}"))
        .map(|l| (l.clone(), bucket("shop", &l)))
        .collect();
    let (first, at) = buckets
        .iter()
        .find(|(_, b)| *b < 2_000)
        .cloned()
        .expect("a label in the first 20 %");
    let share = u8::try_from(at / 100 + 1).unwrap();
    let mut out = vec![first];
    out.extend(
        buckets
            .iter()
            .filter(|(_, b)| *b >= u32::from(share) * 100)
            .take(5)
            .map(|(l, _)| l.clone()),
    );
    (out, share)
}

db_test!(async fn a_rejected_release_halts_its_rollout_and_a_good_one_reaches_everyone(t) {
    let admin = Admin::start(&t.db).await;
    let config = Config::start(&t.db, "c1").await;
    admin.create_app("shop").await;
    admin.publish("DEV", "shop", "application", "limit = 10\n").await;
    let good = admin.call(Method::GET, &format!("{NS}/releases/latest"), Value::Null).await;
    let good_key = good["releaseKey"].as_str().unwrap().to_owned();

    let cache = tempfile::tempdir().unwrap();
    let (labels, share) = labels();
    let url = format!("{}/DEV", config.url);
    let probes: Vec<Probe> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| Probe::start(&url, l, &format!("10.1.0.{}", i + 1), cache.path()))
        .collect();
    for p in &probes {
        until(Duration::from_secs(20), &format!("{} applies 10", p.label), async || {
            p.applied().as_deref() == Some("10")
        })
        .await;
    }

    // A value the app cannot read, rolled out in two steps.
    let branch = admin
        .call(Method::POST, &format!("{NS}/branches"), json!({"operator": "alice"}))
        .await["branchName"]
        .as_str()
        .unwrap()
        .to_owned();
    admin
        .call(
            Method::PUT,
            &format!("{NS}/branches/{branch}/overrides/limit"),
            json!({"value": "lots", "operator": "alice"}),
        )
        .await;
    // Before it starts: who the first step would reach (every probe is live: it read and waits).
    let radius = |request: Value| {
        let admin = &admin;
        async move {
            admin
                .call(Method::POST, "/ops/instances.blast_radius", json!({"ns": ns_name(), "request": request}))
                .await
        }
    };
    until(Duration::from_secs(10), "every probe is recorded live", async || {
        radius(json!({})).await["live"] == 6
    })
    .await;
    let first_step = radius(json!({"branchName": branch, "percentage": share})).await;
    assert_eq!(first_step["receiving"], 1, "{first_step}");
    assert_eq!(first_step["ips"], json!(["10.1.0.1"]), "{first_step}");
    assert_eq!(first_step["labels"], json!([{"name": labels[0], "instances": 1}]));
    let everyone = radius(json!({"branchName": branch, "percentage": 100})).await;
    let all_ips: Vec<String> = (1..=6).map(|i| format!("10.1.0.{i}")).collect();
    assert_eq!(everyone["ips"], json!(all_ips), "{everyone}");

    let bake = 4;
    let started = admin
        .call(
            Method::POST,
            "/ops/rollouts.start",
            json!({"ns": ns_name(), "plan": {
                "steps": [share, 100], "bakeSeconds": bake,
                "releaseTitle": "limit as words", "operator": "bob",
            }}),
        )
        .await;
    assert_eq!(started["state"], "running");
    assert_eq!(started["percentage"], share);
    let bad_key = started["releaseKey"].as_str().unwrap().to_owned();

    // The first step's instance rejects it; the rollout halts at that step and rolls back.
    until(Duration::from_secs(3 * bake), "the rollout halts", async || {
        rollouts(&admin).await[0]["state"] == "halted"
    })
    .await;
    let halted = &rollouts(&admin).await[0];
    assert_eq!(halted["step"], 0, "it never went past its first step: {halted}");
    assert_eq!(halted["percentage"], 0, "{halted}");
    let reason = halted["reason"].as_str().unwrap();
    assert!(reason.contains(&labels[0]), "the reason names the instance: {reason}");
    assert!(reason.contains(&bad_key), "{reason}");
    assert!(reason.contains("`lots` is not a valid u32"), "the app's own error: {reason}");

    // Every instance ends on the last good release; only the first step's ever saw the bad one.
    for p in &probes {
        until(Duration::from_secs(10), &format!("{} is back on the good release", p.label), async || {
            p.holds().as_deref() == Some(good_key.as_str())
        })
        .await;
        assert_eq!(p.applied().as_deref(), Some("10"), "{}: {:?}", p.label, p.lines());
    }
    // The blast radius said who the first step would reach: exactly those received it.
    let reached: Vec<&str> = probes
        .iter()
        .enumerate()
        .filter(|(_, p)| p.ever_received("lots"))
        .map(|(i, _)| ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"][i])
        .collect();
    assert_eq!(json!(reached), first_step["ips"]);
    assert!(probes[0].ever_received("lots"), "{:?}", probes[0].lines());
    for p in &probes[1..] {
        assert!(!p.ever_received("lots"), "{} saw the bad value: {:?}", p.label, p.lines());
    }

    // Audited and recorded as an event.
    let audit = admin
        .call(Method::GET, "/audits?appId=shop&size=50", Value::Null)
        .await;
    let ops: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["operation"].as_str())
        .collect();
    assert!(ops.contains(&"rollout_halted"), "{ops:?}");
    let events = lyre_store::webhooks::events(&t.db, "shop", 0).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["release.published", "rollout.started", "rollout.halted"],
        "main's first release, then the rollout's own events"
    );

    // Fixed, the value rolls out to everyone and becomes main's release.
    admin
        .call(
            Method::PUT,
            &format!("{NS}/branches/{branch}/overrides/limit"),
            json!({"value": "20", "operator": "alice"}),
        )
        .await;
    admin
        .call(
            Method::POST,
            "/ops/rollouts.start",
            json!({"ns": ns_name(), "plan": {
                "steps": [share, 100], "bakeSeconds": 1,
                "releaseTitle": "limit 20", "operator": "bob",
            }}),
        )
        .await;
    until(Duration::from_secs(20), "the rollout completes", async || {
        rollouts(&admin).await[0]["state"] == "completed"
    })
    .await;
    let latest = admin.call(Method::GET, &format!("{NS}/releases/latest"), Value::Null).await;
    assert_eq!(latest["configurations"]["limit"], "20");
    assert_eq!(latest["title"], "limit 20");
    for p in &probes {
        until(Duration::from_secs(10), &format!("{} applies 20", p.label), async || {
            p.applied().as_deref() == Some("20")
        })
        .await;
    }
    let done = &rollouts(&admin).await[0];
    assert_eq!(done["rejected"], 0, "{done}");
    assert_eq!(done["step"], 1, "{done}");
    // The branch was merged: main's items hold the value, and there is no branch any more.
    let items = admin.call(Method::GET, &format!("{NS}/items"), Value::Null).await;
    assert!(items.to_string().contains("\"20\""), "{items}");
});

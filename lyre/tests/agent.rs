//! `lyre agent` as a host runs it: the real binary against a real `lyre`, writing files and
//! running a reload command.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ADMIN_TOKEN, PASSWORD, Ports, Running, lyre};
use reqwest::Method;
use serde_json::{Value, json};

/// A `lyre` whose admin service the test publishes through.
struct Server {
    ports: Ports,
    _running: Running,
}

fn start_server(dir: &Path, ports: Ports) -> Server {
    fs::create_dir_all(dir).unwrap();
    let mut command = lyre(dir, &ports);
    command
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .stderr(Stdio::null());
    let running = Running::start(command);
    Server {
        ports,
        _running: running,
    }
}

/// A call to the admin service; it must succeed. Blocking, like the processes the tests drive.
fn admin(server: &Server, method: Method, path: &str, body: &Value) -> Value {
    let url = format!("http://127.0.0.1:{}{path}", server.ports.admin);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, text) = runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .request(method, &url)
            .bearer_auth(ADMIN_TOKEN);
        if !body.is_null() {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    assert!(status < 300, "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

const NS: &str = "/envs/DEV/apps/game/clusters/default/namespaces";

fn publish(server: &Server, namespace: &str, text: &str) {
    admin(
        server,
        Method::PUT,
        &format!("{NS}/{namespace}/text"),
        &json!({"text": text, "operator": "ops"}),
    );
    admin(
        server,
        Method::POST,
        &format!("{NS}/{namespace}/releases"),
        &json!({"title": "t", "operator": "ops"}),
    );
}

fn prepare(server: &Server) {
    admin(
        server,
        Method::POST,
        "/apps",
        &json!({"appId": "game", "name": "Game", "ownerName": "ops", "operator": "ops"}),
    );
    admin(
        server,
        Method::POST,
        "/apps/game/appnamespaces",
        &json!({"name": "server", "format": "yaml", "operator": "ops"}),
    );
}

/// The agent, its log going to a file.
struct Agent {
    child: Child,
    log: PathBuf,
}

impl Agent {
    fn start(dir: &Path, config: &str) -> Self {
        let path = dir.join("agent.toml");
        fs::write(&path, config).unwrap();
        let log = dir.join("agent.log");
        let child = Command::new(env!("CARGO_BIN_EXE_lyre"))
            .args(["agent", "--config"])
            .arg(&path)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Self { child, log }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `check` holds (up to 15 s); the agent's log explains a timeout.
fn eventually(agent: &Agent, what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen; the agent's log:\n{}",
            agent.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

fn runs(path: &Path) -> usize {
    read(path).lines().count()
}

#[test]
fn files_follow_releases_and_one_reload_runs_per_burst() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = start_server(&d.join("server"), Ports::new());
    prepare(&server);
    publish(&server, "application", "port = 7000\nmotd = hello\n");
    publish(&server, "server.yaml", "tick: 20\n");
    fs::create_dir_all(d.join("out")).unwrap();
    fs::write(d.join("not-a-dir"), "a file").unwrap();
    fs::write(
        d.join("game.conf.j2"),
        "# release {{ release_key }}\nlisten {{ config[\"port\"] }};\nmotd \"{{ config[\"motd\"] | upper }}\";\n",
    )
    .unwrap();
    fs::write(d.join("broken.j2"), "listen {{ config[\"port\"] ;\n").unwrap();
    let reloads = d.join("reloads");
    let config = format!(
        r#"
config_services = ["http://127.0.0.1:{config}"]
app_id = "game"
label = "host-a"
cache_dir = "{d}/cache"
debounce_ms = 700
retry_secs = 1

[[file]]
namespace = "application"
path = "{d}/out/game.properties"
mode = "0640"
command = "echo reload >> {reloads}"

[[file]]
namespace = "server.yaml"
path = "{d}/out/server.yaml"
command = "echo reload >> {reloads}"

[[file]]
namespace = "application"
path = "{d}/out/game.conf"
template = "{d}/game.conf.j2"

[[file]]
namespace = "application"
path = "{d}/not-a-dir/game.properties"

[[file]]
namespace = "application"
path = "{d}/out/broken.conf"
template = "{d}/broken.j2"
"#,
        config = server.ports.config,
        d = d.display(),
        reloads = reloads.display(),
    );
    let mut agent = Agent::start(d, &config);

    // Every good entry is written, in its format, with its mode; one reload for both files.
    let properties = d.join("out/game.properties");
    eventually(&agent, "the first write", || {
        read(&properties) == "port=7000\nmotd=hello\n"
    });
    eventually(&agent, "the yaml file", || {
        read(&d.join("out/server.yaml")) == "tick: 20\n"
    });
    eventually(&agent, "the template", || {
        read(&d.join("out/game.conf")).contains("listen 7000;\nmotd \"HELLO\";\n")
    });
    assert_eq!(
        fs::metadata(&properties).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    eventually(&agent, "the reload", || runs(&reloads) == 1);

    // The broken entries say what is wrong, and the others kept working meanwhile.
    let log = agent.log();
    assert!(log.contains("file 4") && log.contains("not-a-dir"), "{log}");
    assert!(log.contains("broken.j2, line 1"), "{log}");
    assert!(agent.running());

    // A burst of releases: the file ends at the last one, rewritten whole, and one reload.
    // Held open, the file's inode stays in use, so a rewrite cannot get its number again.
    let held = fs::File::open(&properties).unwrap();
    let before = held.metadata().unwrap().ino();
    for port in [7001, 7002, 7003] {
        publish(
            &server,
            "application",
            &format!("port = {port}\nmotd = hello\n"),
        );
    }
    eventually(&agent, "the burst", || {
        read(&properties) == "port=7003\nmotd=hello\n"
    });
    assert_ne!(
        fs::metadata(&properties).unwrap().ino(),
        before,
        "replaced by a rename"
    );
    eventually(&agent, "the second reload", || runs(&reloads) == 2);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(runs(&reloads), 2, "one reload for the burst");
    let leftovers: Vec<_> = fs::read_dir(d.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Fixing the template on disk is picked up by the retry.
    fs::write(d.join("broken.j2"), "listen {{ config[\"port\"] }};\n").unwrap();
    eventually(&agent, "the fixed template", || {
        read(&d.join("out/broken.conf")) == "listen 7003;\n"
    });

    // The host shows in the instance view with the release it received.
    let instances = admin(
        &server,
        Method::GET,
        &format!("{NS}/application/instances"),
        &Value::Null,
    );
    let host = instances["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "host-a");
    assert!(host.is_some(), "{instances}");
    let latest = admin(
        &server,
        Method::GET,
        &format!("{NS}/application/releases/latest"),
        &Value::Null,
    );
    assert_eq!(host.unwrap()["releaseKey"], latest["releaseKey"]);
}

#[test]
fn files_stay_as_they_are_while_the_servers_are_down_and_catch_up_after() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ports = Ports::new();
    let (config_port, portal_port, admin_port) = (ports.config, ports.portal, ports.admin);
    let server = start_server(&d.join("server"), ports);
    prepare(&server);
    publish(&server, "application", "level = 1\n");
    fs::create_dir_all(d.join("out")).unwrap();
    let file = d.join("out/game.properties");
    let config = format!(
        r#"
config_services = ["http://127.0.0.1:{config_port}"]
app_id = "game"
label = "host-b"
cache_dir = "{d}/cache"
debounce_ms = 200
retry_secs = 1

[[file]]
namespace = "application"
path = "{file}"
"#,
        d = d.display(),
        file = file.display(),
    );
    let mut agent = Agent::start(d, &config);
    eventually(&agent, "the first write", || read(&file) == "level=1\n");

    // The servers go away: the file is neither rewritten nor truncated, the agent keeps going.
    let inode = fs::metadata(&file).unwrap().ino();
    drop(server);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(read(&file), "level=1\n");
    assert_eq!(fs::metadata(&file).unwrap().ino(), inode);
    assert!(agent.running(), "{}", agent.log());

    // They come back, on the same database: the next release reaches the file.
    let server = start_server(
        &d.join("server"),
        Ports {
            portal: portal_port,
            config: config_port,
            admin: admin_port,
        },
    );
    publish(&server, "application", "level = 2\n");
    eventually(&agent, "catching up", || read(&file) == "level=2\n");

    // A restart with the servers down starts from the cache: the file stays current.
    drop(agent);
    drop(server);
    let mut agent = Agent::start(d, &config);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(read(&file), "level=2\n");
    assert!(agent.running(), "{}", agent.log());
}

#[test]
fn with_nothing_received_or_cached_a_file_is_never_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("game.properties");
    fs::write(&file, "kept = yes\n").unwrap();
    let config = format!(
        r#"
config_services = ["http://127.0.0.1:{port}"]
app_id = "game"
cache_dir = "{d}/cache"
retry_secs = 1

[[file]]
namespace = "application"
path = "{file}"
"#,
        port = common::free_port(),
        d = d.display(),
        file = file.display(),
    );
    let mut agent = Agent::start(d, &config);
    eventually(&agent, "the warning", || {
        agent.log().contains("no release of the namespace")
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(read(&file), "kept = yes\n");
    assert!(agent.running());
}

#[test]
fn a_bad_configuration_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("agent.toml"), "app_id = \"game\"\n[[file]]\nnamespace = \"application\"\npath = \"/tmp/x\"\nmode = \"rwx\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lyre"))
        .args(["agent", "--config"])
        .arg(d.join("agent.toml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("meta_servers") || stderr.contains("octal"),
        "{stderr}"
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_lyre"))
        .args(["agent", "--config", "/nonexistent/agent.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/agent.toml"));
}

#[test]
fn a_release_is_reported_applied_once_reloaded_and_rejected_when_the_reload_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = start_server(&d.join("server"), Ports::new());
    prepare(&server);
    publish(&server, "application", "port = 80\n");
    fs::create_dir_all(d.join("out")).unwrap();
    let config = format!(
        r#"
config_services = ["http://127.0.0.1:{config}"]
app_id = "game"
label = "host-b"
ip = "10.1.1.1"
cache_dir = "{d}/cache"
debounce_ms = 200
command_retries = 0

[[file]]
namespace = "application"
path = "{d}/out/app.properties"
command = "grep -q '^port=80$' {d}/out/app.properties || {{ echo port must be 80 >&2; exit 3; }}"
"#,
        config = server.ports.config,
        d = d.display(),
    );
    let agent = Agent::start(d, &config);
    let applied = || {
        let page = admin(
            &server,
            Method::GET,
            &format!("{NS}/application/instances"),
            &Value::Null,
        );
        let latest = admin(
            &server,
            Method::GET,
            &format!("{NS}/application/releases/latest"),
            &Value::Null,
        );
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ip"] == "10.1.1.1")
            .map(|i| i["applied"].clone())
            .filter(|a| a["releaseKey"] == latest["releaseKey"])
    };

    // Written and reloaded: applied.
    eventually(&agent, "the applied report", || applied().is_some());
    assert_eq!(applied().unwrap()["status"], "applied", "{:?}", applied());

    // A release the reload command refuses: the file is written, the command fails, and the
    // host reports the release rejected with the command's status and output.
    publish(&server, "application", "port = 81\n");
    eventually(&agent, "the rejected report", || applied().is_some());
    let rejected = applied().unwrap();
    assert_eq!(rejected["status"], "rejected", "{rejected}");
    let reason = rejected["reason"].as_str().unwrap();
    assert!(reason.contains("(exit 3): port must be 80"), "{reason}");
}

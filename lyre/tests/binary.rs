//! The real `lyre` binary, started as a user starts it.

mod common;

use std::net::TcpListener;
use std::process::Command;

use common::{ADMIN_TOKEN, PASSWORD, Ports, Running, free_port, lyre};

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn login(ports: &Ports, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}/api/v1/auth/login",
            ports.portal
        ))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn runs_every_service_keeps_data_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();

    let mut first = lyre(dir.path(), &ports);
    first.env("LYRE_ADMIN_PASSWORD", PASSWORD);
    let running = Running::start(first);
    let banner = running.banner();
    assert!(
        banner.contains("running on SQLite (sqlite:./data/lyre.db)"),
        "{banner}"
    );
    assert!(banner.contains(&format!(
        "portal          http://localhost:{}",
        ports.portal
    )));
    assert!(banner.contains(&format!("/DEV  http://localhost:{}/PRO", ports.config)));
    assert!(
        !banner.contains("Created the super admin"),
        "the password was given, not generated"
    );
    assert!(
        dir.path().join("data/lyre.db").exists(),
        "the database file is created"
    );

    for (port, service) in [
        (ports.portal, "lyre-portal"),
        (ports.config, "lyre-config-service"),
        (ports.admin, "lyre-admin-service"),
    ] {
        let (status, body) = get(&format!("http://127.0.0.1:{port}/health")).await;
        assert_eq!((status, body.contains(service)), (200, true), "{body}");
        assert_eq!(get(&format!("http://127.0.0.1:{port}/ready")).await.0, 200);
    }
    // The meta server lists the config service of each environment under its prefix.
    let (_, pro) = get(&format!(
        "http://127.0.0.1:{}/PRO/services/config",
        ports.config
    ))
    .await;
    assert!(pro.contains(&format!(":{}/PRO/\"", ports.config)), "{pro}");
    assert_eq!(login(&ports, PASSWORD).await, 200);

    assert!(running.terminate().success(), "a clean exit on SIGTERM");

    // Second start: the data is kept and `admin` is not created again, even with another
    // password configured.
    let mut second = lyre(dir.path(), &ports);
    second.env("LYRE_ADMIN_PASSWORD", "another-password");
    let running = Running::start(second);
    assert!(!running.banner().contains("Created the super admin"));
    assert_eq!(login(&ports, PASSWORD).await, 200);
    assert_eq!(login(&ports, "another-password").await, 401);
    assert!(running.terminate().success());
}

#[tokio::test]
async fn prints_a_generated_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let running = Running::start(lyre(dir.path(), &ports));
    let banner = running.banner();
    let lines: Vec<&str> = banner.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("Created the super admin `admin` with the password"))
        .unwrap_or_else(|| panic!("no generated password in: {banner}"));
    let password = lines[at + 2].trim();
    assert!(password.len() >= 16, "{password}");
    assert_eq!(login(&ports, password).await, 200);
    drop(running);

    let running = Running::start(lyre(dir.path(), &ports));
    assert!(!running.banner().contains("Created the super admin"));
}

#[tokio::test]
async fn runs_only_the_targets_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command.args(["--target", "portal,admin-service"]);
    command.env("LYRE_ADMIN_PASSWORD", PASSWORD);
    let running = Running::start(command);
    assert!(!running.banner().contains("config service"));
    assert_eq!(
        get(&format!("http://127.0.0.1:{}/health", ports.portal))
            .await
            .0,
        200
    );
    assert_eq!(
        get(&format!("http://127.0.0.1:{}/health", ports.admin))
            .await
            .0,
        200
    );
    assert!(
        reqwest::get(format!("http://127.0.0.1:{}/health", ports.config))
            .await
            .is_err(),
        "nothing listens on the config port"
    );
}

/// Runs `lyre` expecting it to fail; returns its standard error.
fn fails(mut command: Command) -> String {
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "exit status 1");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0].to_owned()
}

#[test]
fn bad_configuration_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();

    let mut malformed = lyre(dir.path(), &ports);
    malformed.env("LYRE_DATABASE_URL", "postgres//db/lyre");
    assert!(fails(malformed).contains("invalid database URL"));

    let mut unreachable = lyre(dir.path(), &ports);
    unreachable.env(
        "LYRE_DATABASE_URL",
        format!("postgres://u:pw@127.0.0.1:{}/lyre", free_port()),
    );
    let line = fails(unreachable);
    assert!(line.contains("Connection refused"), "{line}");
    assert!(!line.contains(":pw@"), "the password is hidden: {line}");

    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut port_in_use = lyre(dir.path(), &ports);
    port_in_use.env(
        "LYRE_ADMIN_ADDR",
        format!("127.0.0.1:{}", taken.local_addr().unwrap().port()),
    );
    let line = fails(port_in_use);
    assert!(
        line.contains("admin service") && line.contains("in use"),
        "{line}"
    );

    let mut bad_env = lyre(dir.path(), &ports);
    bad_env.args(["--envs", "DEV,P RO"]);
    assert!(fails(bad_env).contains("invalid environment name"));

    std::fs::write(dir.path().join("lyre.toml"), "envs = \"DEV\"\n").unwrap();
    let line = fails(lyre(dir.path(), &ports));
    assert!(line.contains("lyre.toml line 1"), "{line}");
    assert!(
        !dir.path().join("data").exists(),
        "nothing was created by a failed start"
    );
}

#[test]
fn migrate_applies_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let output = lyre(dir.path(), &ports).arg("migrate").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let applied = stdout
        .split("Applied ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        applied.is_some_and(|n| n >= 3),
        "every migration applied: {stdout}"
    );
    let output = lyre(dir.path(), &ports).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("is up to date"));
}

#[test]
fn no_secret_reaches_the_log_even_at_debug() {
    use std::io::Read as _;

    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let admin_password = "admin-password-do-not-log";
    let jwt_secret = "jwt-secret-do-not-log-0123456789abcdef";
    let mut command = lyre(dir.path(), &ports);
    command
        .env("LYRE_ADMIN_PASSWORD", admin_password)
        .env("LYRE_JWT_SECRET", jwt_secret)
        .env("LYRE_LOG", "debug");
    let mut running = Running::start(command);
    let mut stderr = running.child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    // Sign in (a password in the body), use the session and a consumer token, make a secret.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secrets = runtime.block_on(async {
        let http = reqwest::Client::new();
        let portal = format!("http://127.0.0.1:{}", ports.portal);
        let login: serde_json::Value = http
            .post(format!("{portal}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "admin", "password": admin_password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = login["token"].as_str().unwrap().to_owned();
        let create = |path: &str, body: serde_json::Value| {
            http.post(format!("{portal}{path}"))
                .bearer_auth(&session)
                .json(&body)
                .send()
        };
        create("/api/v1/apps", serde_json::json!({"appId": "shop", "name": "Shop"}))
            .await
            .unwrap();
        // The admin port, with the admin credential.
        let apps = http
            .get(format!("http://127.0.0.1:{}/apps", ports.admin))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(apps.status(), 200);
        let consumer: serde_json::Value = create(
            "/api/v1/consumers",
            serde_json::json!({"name": "ci", "grants": [{"appId": "shop", "namespace": "*", "permissions": ["modify"]}]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let token = consumer["token"].as_str().unwrap().to_owned();
        let envs = http
            .get(format!("{portal}/openapi/v1/envs"))
            .header("Authorization", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(envs.status(), 200);
        let key: serde_json::Value = create("/api/v1/envs/DEV/apps/shop/accesskeys", serde_json::Value::Null)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        vec![session, token, key["secret"].as_str().unwrap().to_owned()]
    });
    running.terminate();
    let log = log.join().unwrap();
    assert!(
        log.contains("DEBUG") || log.contains("INFO"),
        "the log was read: {log}"
    );
    for secret in [admin_password, jwt_secret, ADMIN_TOKEN]
        .into_iter()
        .chain(secrets.iter().map(String::as_str))
    {
        assert!(!log.contains(secret), "a secret in the log");
    }
}

/// The web UI is inside the binary: copied to an empty folder and started there, `lyre` serves
/// the UI that `portal-ui/dist` held when it was built (built without one, `/` says how to
/// build it); `LYRE_UI_DIR` serves a folder instead.
#[tokio::test]
async fn the_binary_carries_its_web_ui() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../portal-ui/dist");
    let elsewhere = tempfile::tempdir().unwrap();
    let program = elsewhere.path().join("lyre");
    std::fs::copy(env!("CARGO_BIN_EXE_lyre"), &program).unwrap();
    let ports = Ports::new();
    let mut command = common::lyre_at(&program, elsewhere.path(), &ports);
    command.env("LYRE_ADMIN_PASSWORD", PASSWORD);
    let running = Running::start(command);
    let base = format!("http://127.0.0.1:{}", ports.portal);
    let client = reqwest::Client::new();
    let fetch = |path: &str, tag: Option<&str>| {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(tag) = tag {
            request = request.header("If-None-Match", tag);
        }
        request.send()
    };
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };

    let index = fetch("/", None).await.unwrap();
    if !dist.join("index.html").exists() {
        assert_eq!(index.status(), 503);
        let page = index.text().await.unwrap();
        assert!(page.contains("built without its web UI"), "{page}");
        assert!(page.contains("make ui"), "{page}");
        return;
    }
    assert_eq!(index.status(), 200);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert_eq!(header(&index, "cache-control"), "no-cache");
    let built = std::fs::read_to_string(dist.join("index.html")).unwrap();
    assert_eq!(index.text().await.unwrap(), built);

    // Every asset, byte for byte, with its type, cached for good, and 304 when unchanged.
    let mut assets = 0;
    for entry in std::fs::read_dir(dist.join("assets")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let path = format!("/assets/{name}");
        let answer = fetch(&path, None).await.unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        let kind = header(&answer, "content-type");
        if name.ends_with(".js") {
            assert_eq!(kind, "text/javascript", "{path}");
        } else if name.ends_with(".css") {
            assert_eq!(kind, "text/css", "{path}");
        }
        assert!(header(&answer, "cache-control").contains("immutable"));
        let tag = header(&answer, "etag");
        let bytes = answer.bytes().await.unwrap();
        let on_disk = std::fs::read(dist.join("assets").join(&name)).unwrap();
        assert!(
            bytes[..] == on_disk[..],
            "{path} differs from the built file"
        );
        let again = fetch(&path, Some(&tag)).await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assets += 1;
    }
    assert!(assets >= 2, "the UI has its script and style");

    // A route of the UI, reloaded, gets the UI; a missing asset is a 404, not the UI.
    let deep = fetch("/apps/shop/DEV", None).await.unwrap();
    assert_eq!(deep.status(), 200);
    assert_eq!(deep.text().await.unwrap(), built);
    assert_eq!(
        fetch("/assets/gone-1234.js", None).await.unwrap().status(),
        404
    );
    drop(running);

    // LYRE_UI_DIR serves a folder instead.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("index.html"), "<p>from a folder</p>").unwrap();
    let ports = Ports::new();
    let mut command = common::lyre_at(&program, elsewhere.path(), &ports);
    command
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .env("LYRE_UI_DIR", folder.path());
    let _running = Running::start(command);
    let (status, page) = get(&format!("http://127.0.0.1:{}/apps", ports.portal)).await;
    assert_eq!((status, page.as_str()), (200, "<p>from a folder</p>"));
}

//! The trust boundary against the real binary, over real sockets: no port accepts a write
//! without an authenticated identity. Each test is named after the hole it closes.

mod common;

use std::collections::BTreeSet;
use std::io::Read as _;
use std::process::{Command, Stdio};

use common::{
    ADMIN_TOKEN, PASSWORD, Ports, Running, assert_same_rows, dump, lyre, raw_request, send_raw,
};
use serde_json::Value;

const PRO_ITEMS: &str = "/envs/PRO/apps/shop/clusters/default/namespaces/application/items";
const PRO_RELEASES: &str = "/envs/PRO/apps/shop/clusters/default/namespaces/application/releases";
const JSON: &str = "Content-Type: application/json";

/// The TCP ports `pid` listens on, read from `/proc` (what `ss -ltnp` shows for it).
fn listening_ports(pid: u32) -> BTreeSet<u16> {
    let mut inodes = BTreeSet::new();
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
    {
        if let Ok(target) = std::fs::read_link(fd.path())
            && let Some(inode) = target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
        {
            inodes.insert(inode.to_owned());
        }
    }
    let mut ports = BTreeSet::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is `ADDR:PORT` in hex, st `0A` is LISTEN, the inode is field 9.
            if fields.len() > 9 && fields[3] == "0A" && inodes.contains(fields[9]) {
                let port = fields[1].rsplit(':').next().unwrap();
                ports.insert(u16::from_str_radix(port, 16).unwrap());
            }
        }
    }
    ports
}

fn call(
    port: u16,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> Option<(u16, String)> {
    send_raw(port, &raw_request(method, path, headers, body.as_bytes()))
}

fn sign_in(portal: u16) -> String {
    let (status, body) = call(
        portal,
        "POST",
        "/api/v1/auth/login",
        &[JSON],
        &format!(r#"{{"username":"admin","password":"{PASSWORD}"}}"#),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let session: Value = serde_json::from_str(&body).unwrap();
    format!(
        "Authorization: Bearer {}",
        session["token"].as_str().unwrap()
    )
}

/// What the admin port answers in the all-in-one: nothing, since Lyre does not listen there
/// (read from `/proc` before). Another program on this machine may have been given that free
/// port since; it is not Lyre, so only a success would be wrong.
fn nothing_takes(answer: Option<(u16, String)>) {
    if let Some((status, body)) = answer {
        assert!(
            !(200..300).contains(&status),
            "the admin port took the request: {status} {body}"
        );
    }
}

#[test]
fn the_default_all_in_one_opens_no_admin_port_and_takes_no_anonymous_write_or_key_read() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    // The defaults: no admin credential configured.
    command
        .env_remove("LYRE_ADMIN_TOKENS")
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .stderr(Stdio::null());
    let running = Running::start(command);
    assert!(
        running
            .banner()
            .contains("admin service   in process with the portal (no port open)"),
        "{}",
        running.banner()
    );
    assert_eq!(
        listening_ports(running.child.id()),
        BTreeSet::from([ports.portal, ports.config]),
        "the process listens on the portal and config ports only"
    );

    // An app with an access key in PRO, made by the signed-in super admin.
    let admin = sign_in(ports.portal);
    let (status, body) = call(
        ports.portal,
        "POST",
        "/api/v1/apps",
        &[JSON, &admin],
        r#"{"appId":"shop","name":"Shop"}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(
        ports.portal,
        "POST",
        "/api/v1/envs/PRO/apps/shop/accesskeys",
        &[JSON, &admin],
        "{}",
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(created["secretHint"], secret[secret.len() - 4..]);

    // Secrets are in no list, even a master's; a reveal shows one and is audited.
    let keys = "/api/v1/envs/PRO/apps/shop/accesskeys";
    let (status, list) = call(ports.portal, "GET", keys, &[&admin], "").unwrap();
    assert_eq!(status, 200, "{list}");
    assert!(
        !list.contains(&secret),
        "a list answered the secret: {list}"
    );
    let id = created["id"].as_i64().unwrap();
    let reveal = format!("{keys}/{id}/reveal");
    let (status, revealed) = call(ports.portal, "POST", &reveal, &[JSON, &admin], "").unwrap();
    assert_eq!(status, 200, "{revealed}");
    assert!(revealed.contains(&secret));
    let (_, audits) = call(ports.portal, "GET", "/api/v1/audits?size=5", &[&admin], "").unwrap();
    let audits: Value = serde_json::from_str(&audits).unwrap();
    let entry = &audits["items"][0];
    assert_eq!(
        (entry["operation"].as_str(), entry["operator"].as_str()),
        (Some("reveal"), Some("admin")),
        "{audits}"
    );
    let (status, _) = call(ports.portal, "POST", &reveal, &[JSON], "").unwrap();
    assert_eq!(status, 401);
    let before = dump(dir.path());

    // The attack of old: write and publish PRO through the admin port, naming any operator.
    let item = r#"{"key":"payments.enabled","value":"false","operator":"anyone"}"#;
    let release = r#"{"title":"owned","operator":"anyone"}"#;
    nothing_takes(call(ports.admin, "POST", PRO_ITEMS, &[JSON], item));
    nothing_takes(call(ports.admin, "POST", PRO_RELEASES, &[JSON], release));
    let admin_keys = "/envs/PRO/apps/shop/accesskeys";
    nothing_takes(call(ports.admin, "GET", admin_keys, &[], ""));

    // The same paths on the other ports, and the portal's own API, without signing in.
    let refused = [
        (ports.portal, "POST", PRO_ITEMS.to_owned(), item),
        (ports.portal, "POST", PRO_RELEASES.to_owned(), release),
        (ports.config, "POST", PRO_ITEMS.to_owned(), item),
        (ports.config, "POST", PRO_RELEASES.to_owned(), release),
        (ports.portal, "POST", format!("/api/v1{PRO_ITEMS}"), item),
        (
            ports.portal,
            "POST",
            format!("/api/v1{PRO_RELEASES}"),
            release,
        ),
        (
            ports.portal,
            "POST",
            format!("/openapi/v1{PRO_ITEMS}"),
            item,
        ),
        (
            ports.portal,
            "POST",
            format!("/openapi/v1{PRO_RELEASES}"),
            release,
        ),
        (
            ports.portal,
            "GET",
            "/api/v1/envs/PRO/apps/shop/accesskeys".to_owned(),
            "",
        ),
        (
            ports.config,
            "GET",
            "/envs/PRO/apps/shop/accesskeys".to_owned(),
            "",
        ),
        (ports.config, "GET", "/PRO/services/admin".to_owned(), ""),
    ];
    for (port, method, path, body) in refused {
        let (status, text) = call(port, method, &path, &[JSON], body).unwrap();
        assert!(
            matches!(status, 401 | 404 | 405),
            "{method} {path} on {port}: {status} {text}"
        );
        assert!(!text.contains("secret"), "{path} answered a secret: {text}");
    }
    let (status, _) = call(ports.portal, "GET", &format!("/api/v1{PRO_ITEMS}"), &[], "").unwrap();
    assert_eq!(status, 401, "the portal's API asks who is calling");

    assert_same_rows(&before, &dump(dir.path()), "a refused request");
    let (status, _) = call(
        ports.config,
        "GET",
        "/PRO/configs/shop/default/application",
        &[],
        "",
    )
    .unwrap();
    assert_eq!(status, 404, "nothing was published");
}

/// Reads what `lyre` wrote to standard error once it has been stopped.
fn stderr_of(mut running: Running) -> String {
    let _ = running.child.kill();
    let _ = running.child.wait();
    let mut text = String::new();
    if let Some(mut err) = running.child.stderr.take() {
        let _ = err.read_to_string(&mut text);
    }
    text
}

fn admin_only(dir: &std::path::Path, ports: &Ports) -> Command {
    let mut command = lyre(dir, ports);
    command.args(["--target", "admin-service"]);
    command
}

#[test]
fn an_admin_service_on_its_own_port_refuses_to_start_without_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = admin_only(dir.path(), &ports);
    command.env_remove("LYRE_ADMIN_TOKENS");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs a credential") && stderr.contains("LYRE_ADMIN_TOKENS"),
        "{stderr}"
    );
    assert!(
        send_raw(ports.admin, &raw_request("GET", "/health", &[], b"")).is_none(),
        "it did not listen"
    );

    // Explicitly insecure: it starts, says so loudly, and takes anyone's writes.
    let mut command = admin_only(dir.path(), &ports);
    command
        .env_remove("LYRE_ADMIN_TOKENS")
        .env("LYRE_ADMIN_INSECURE", "true");
    let running = Running::start_until(command, "admin service");
    assert!(
        running.banner().contains("INSECURE"),
        "{}",
        running.banner()
    );
    let (status, _) = call(
        ports.admin,
        "POST",
        "/apps",
        &[JSON],
        r#"{"appId":"open","name":"Open","ownerName":"o","operator":"o"}"#,
    )
    .unwrap();
    assert_eq!(status, 201);
    let stderr = stderr_of(running);
    assert!(stderr.contains("INSECURE"), "the log warns: {stderr}");
}

#[test]
fn an_admin_service_with_a_credential_answers_401_to_anyone_else_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let second = "a-second-admin-token-for-rotation-0123456789";
    let mut command = admin_only(dir.path(), &ports);
    command
        .env("LYRE_ADMIN_TOKENS", format!("{ADMIN_TOKEN},{second}"))
        .stderr(Stdio::null());
    let running = Running::start_until(command, "admin service");
    assert!(
        running.banner().contains("callers need an admin token"),
        "{}",
        running.banner()
    );
    let right = format!("Authorization: Bearer {ADMIN_TOKEN}");
    let (status, body) = call(
        ports.admin,
        "POST",
        "/apps",
        &[JSON, &right],
        r#"{"appId":"shop","name":"Shop","ownerName":"o","operator":"o"}"#,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let before = dump(dir.path());

    let item = r#"{"key":"k","value":"v","operator":"anyone"}"#;
    let wrong = format!("Authorization: Bearer {}x", ADMIN_TOKEN);
    let apollo = "Authorization: Apollo shop:c2lnbmF0dXJl".to_owned();
    for headers in [vec![JSON], vec![JSON, &wrong], vec![JSON, &apollo]] {
        for (method, path, body) in [
            ("POST", PRO_ITEMS, item),
            ("POST", PRO_RELEASES, r#"{"title":"t","operator":"anyone"}"#),
            ("GET", "/envs/PRO/apps/shop/accesskeys", ""),
            ("GET", "/apps", ""),
            ("GET", "/openapi.json", ""),
            // The operations as data, as a portal elsewhere sends them.
            (
                "POST",
                "/ops/items.create",
                r#"{"ns":{"env":"PRO","appId":"shop","cluster":"default","namespace":"application"},"new":{"key":"k","value":"v","operator":"anyone"}}"#,
            ),
            (
                "POST",
                "/ops/access_keys.list",
                r#"{"app":{"env":"PRO","appId":"shop"}}"#,
            ),
        ] {
            let (status, text) = call(ports.admin, method, path, &headers, body).unwrap();
            assert_eq!(status, 401, "{method} {path} {headers:?}: {text}");
            assert!(text.contains("admin service credential"), "{text}");
        }
    }
    assert_same_rows(&before, &dump(dir.path()), "a refused request");

    // Probes and metrics stay open; the second token (rotation) is accepted too.
    for path in ["/health", "/ready", "/metrics"] {
        assert_eq!(
            call(ports.admin, "GET", path, &[], "").unwrap().0,
            200,
            "{path}"
        );
    }
    let other = format!("Authorization: Bearer {second}");
    let (status, body) = call(
        ports.admin,
        "POST",
        "/envs/DEV/apps/shop/clusters/default/namespaces/application/items",
        &[JSON, &other],
        item,
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    drop(running);
}

/// The all-in-one with the super admin's password set and `settings` (environment variables),
/// started: its directory, its ports and the process (stopped when dropped).
fn all_in_one(settings: &[(&str, &str)]) -> (tempfile::TempDir, Ports, Running) {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command
        .env("LYRE_ADMIN_PASSWORD", PASSWORD)
        .envs(settings.iter().copied())
        .stderr(Stdio::null());
    let running = Running::start(command);
    (dir, ports, running)
}

/// Creates app `shop` as `auth`, who becomes its master.
fn create_shop(port: u16, auth: &str) {
    let shop = serde_json::json!({ "appId": "shop", "name": "Shop" });
    assert_eq!(
        portal_json(port, "POST", "/api/v1/apps", auth, &shop).0,
        201
    );
}

/// A JSON call to the portal as `auth` (an `Authorization` header, or none): status and body.
fn portal_json(port: u16, method: &str, path: &str, auth: &str, body: &Value) -> (u16, Value) {
    let mut headers = vec![JSON];
    if !auth.is_empty() {
        headers.push(auth);
    }
    let text = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (status, answer) = call(port, method, path, &headers, &text).unwrap();
    (
        status,
        serde_json::from_str(&answer).unwrap_or(Value::String(answer)),
    )
}

/// Signs `user` in to the portal: the `Authorization` header of their session.
fn session_of(port: u16, user: &str, password: &str) -> String {
    let login = serde_json::json!({ "username": user, "password": password });
    let (status, body) = portal_json(port, "POST", "/api/v1/auth/login", "", &login);
    assert_eq!(status, 200, "{user} signs in: {body}");
    format!("Authorization: Bearer {}", body["token"].as_str().unwrap())
}

/// Creates a consumer as `owner` with modify and release on every namespace of `app`: the
/// `Authorization` header of its token.
fn consumer_of(port: u16, owner: &str, name: &str, app: &str) -> String {
    let grants = serde_json::json!({
        "name": name,
        "grants": [{ "appId": app, "namespace": "*", "permissions": ["modify", "release"] }],
    });
    let (status, body) = portal_json(port, "POST", "/api/v1/consumers", owner, &grants);
    assert_eq!(status, 201, "{body}");
    format!("Authorization: {}", body["token"].as_str().unwrap())
}

/// Holes 1 and 2 of the review workflow, against the real binary: an app master approving a
/// change of their own by opening the request through their consumer in another user's name (or
/// by having someone else open it), and a consumer of another app publishing an approved
/// request by naming its author.
#[test]
fn reviews_follow_authenticated_identities_not_the_names_a_consumer_gives() {
    let (_dir, ports, _running) = all_in_one(&[]);
    let port = ports.portal;
    let admin = sign_in(port);
    for user in ["alice", "bob", "carol"] {
        let new = serde_json::json!({ "username": user, "password": PASSWORD });
        let (status, body) = portal_json(port, "POST", "/api/v1/users", &admin, &new);
        assert_eq!(status, 201, "{body}");
    }
    let (alice, bob, carol) = (
        session_of(port, "alice", PASSWORD),
        session_of(port, "bob", PASSWORD),
        session_of(port, "carol", PASSWORD),
    );
    // Alice makes `shop` (she is its master), lets bob modify it, and has a CI consumer.
    create_shop(port, &alice);
    let role = serde_json::json!({ "user": "bob", "role": "modify", "namespace": "*" });
    let (status, body) = portal_json(port, "POST", "/api/v1/apps/shop/roles", &alice, &role);
    assert!(status < 300, "{body}");
    let ci = consumer_of(port, &alice, "ci", "shop");

    // Through the consumer, alice changes a PRO key and opens the request naming bob.
    let item = serde_json::json!({
        "key": "payments.enabled", "value": "false", "dataChangeCreatedBy": "bob",
    });
    let (status, body) = portal_json(port, "POST", &format!("/openapi/v1{PRO_ITEMS}"), &ci, &item);
    assert_eq!(status, 200, "{body}");
    let open = serde_json::json!({ "title": "turn payments off", "operator": "bob" });
    let requests =
        "/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces/application/release-requests";
    let (status, opened) = portal_json(port, "POST", requests, &ci, &open);
    assert_eq!(status, 201, "{opened}");
    assert_eq!(
        opened["createdBy"], "ci (consumer of alice)",
        "the author is who called"
    );
    let id = opened["id"].as_i64().unwrap();
    let approve = |who: &str, id: i64| {
        let path = format!("/api/v1/release-requests/{id}/approve");
        portal_json(
            port,
            "POST",
            &path,
            who,
            &serde_json::json!({ "comment": "ok" }),
        )
    };
    let (status, body) = approve(&alice, id);
    assert_eq!(
        status, 403,
        "the consumer's owner approved her own change: {body}"
    );

    // Bob opens the same change in the portal: alice changed it, so she still may not approve.
    let withdraw = format!("/api/v1/release-requests/{id}/withdraw");
    assert_eq!(
        portal_json(port, "POST", &withdraw, &admin, &Value::Null).0,
        200
    );
    let requests = format!("/api{}", &requests[8..]);
    let open = serde_json::json!({ "title": "turn payments off" });
    let (status, opened) = portal_json(port, "POST", &requests, &bob, &open);
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_i64().unwrap();
    let (status, body) = approve(&alice, id);
    assert_eq!(
        status, 403,
        "the one who changed the key approved it: {body}"
    );
    let (status, body) = approve(&admin, id);
    assert_eq!(status, 200, "someone else reviews: {body}");

    // Carol's consumer of another app cannot publish it by naming its author.
    let other = serde_json::json!({ "appId": "other", "name": "Other" });
    assert_eq!(
        portal_json(port, "POST", "/api/v1/apps", &carol, &other).0,
        201
    );
    let evil = consumer_of(port, &carol, "evil", "other");
    let publish = format!("/openapi/v1/release-requests/{id}/publish?operator=bob");
    let (status, body) = portal_json(port, "POST", &publish, &evil, &Value::Null);
    assert_eq!(
        status, 403,
        "a token without release permission published: {body}"
    );
    let (status, _) = call(
        ports.config,
        "GET",
        "/PRO/configs/shop/default/application",
        &[],
        "",
    )
    .unwrap();
    assert_eq!(status, 404, "nothing was published");
    let (_, request) = portal_json(
        port,
        "GET",
        &format!("/api/v1/release-requests/{id}"),
        &alice,
        &Value::Null,
    );
    assert_eq!(request["status"], "approved", "{request}");

    // A caller with release permission of its own publishes it.
    let (status, body) = portal_json(port, "POST", &publish, &ci, &Value::Null);
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        ports.config,
        "GET",
        "/PRO/configs/shop/default/application",
        &[],
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "published");
}

/// Holes 6 and 7 of the consumers, against the real binary: a token that outlived its owner's
/// rights, and a token that read namespaces its grants do not cover.
#[test]
fn consumer_tokens_hold_no_more_than_their_grants_and_their_owner_rights() {
    let (_dir, ports, _running) = all_in_one(&[]);
    let port = ports.portal;
    let admin = sign_in(port);
    for user in ["alice", "bob"] {
        let new = serde_json::json!({ "username": user, "password": PASSWORD });
        assert_eq!(
            portal_json(port, "POST", "/api/v1/users", &admin, &new).0,
            201
        );
    }
    let (alice, bob) = (
        session_of(port, "alice", PASSWORD),
        session_of(port, "bob", PASSWORD),
    );
    create_shop(port, &alice);
    let pro = "/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";
    let dev = "/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";

    // Hole 7: a token granted DEV's `application` reads nothing of PRO.
    let grant = serde_json::json!({
        "name": "dev-ci",
        "grants": [{ "appId": "shop", "namespace": "application", "envs": ["DEV"], "permissions": ["modify"] }],
    });
    let (status, created) = portal_json(port, "POST", "/api/v1/consumers", &alice, &grant);
    assert_eq!(status, 201, "{created}");
    let dev_ci = format!("Authorization: {}", created["token"].as_str().unwrap());
    assert_eq!(portal_json(port, "GET", dev, &dev_ci, &Value::Null).0, 200);
    let (status, body) = portal_json(port, "GET", pro, &dev_ci, &Value::Null);
    assert_eq!(status, 403, "a DEV token read PRO: {body}");
    let (status, body) = portal_json(port, "GET", &format!("{pro}/items"), &dev_ci, &Value::Null);
    assert_eq!(status, 403, "a DEV token read PRO's items: {body}");
    let listed = "/openapi/v1/envs/PRO/apps/shop/clusters/default/namespaces";
    let (status, body) = portal_json(port, "GET", listed, &dev_ci, &Value::Null);
    assert_eq!(
        (status, body),
        (200, serde_json::json!([])),
        "PRO's namespaces, with items"
    );

    // Hole 6: alice's token stops when she is no longer a master, and she cannot renew it.
    let ci = consumer_of(port, &alice, "ci", "shop");
    assert_eq!(portal_json(port, "GET", pro, &ci, &Value::Null).0, 200);
    let role = serde_json::json!({ "user": "bob", "role": "master" });
    let (status, body) = portal_json(port, "POST", "/api/v1/apps/shop/roles", &alice, &role);
    assert!(status < 300, "{body}");
    let demote = "/api/v1/apps/shop/roles?user=alice&role=master";
    let (status, body) = portal_json(port, "DELETE", demote, &bob, &Value::Null);
    assert!(status < 300, "{body}");
    let (status, body) = portal_json(port, "GET", pro, &ci, &Value::Null);
    assert_eq!(status, 403, "a demoted master's token still worked: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no longer a master of app `shop`"),
        "{body}"
    );
    let (_, listed) = portal_json(port, "GET", "/api/v1/consumers", &alice, &Value::Null);
    let id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ci")
        .map(|c| c["id"].as_i64().unwrap())
        .unwrap();
    let rotate = format!("/api/v1/consumers/{id}/token");
    let (status, body) = portal_json(port, "POST", &rotate, &alice, &Value::Null);
    assert_eq!(status, 403, "a demoted master renewed the token: {body}");

    // Another master adopts it; it works again, until its new owner is disabled.
    let (_, listed) = portal_json(port, "GET", "/api/v1/consumers", &bob, &Value::Null);
    assert!(
        listed.to_string().contains("\"lapsed\""),
        "bob sees it to adopt: {listed}"
    );
    let adopt = format!("/api/v1/consumers/{id}/adopt");
    let (status, body) = portal_json(port, "POST", &adopt, &bob, &Value::Null);
    assert_eq!(status, 200, "{body}");
    assert_eq!(portal_json(port, "GET", pro, &ci, &Value::Null).0, 200);
    let disable = serde_json::json!({ "enabled": false });
    let (status, body) = portal_json(port, "PUT", "/api/v1/users/bob", &admin, &disable);
    assert_eq!(status, 200, "{body}");
    let (status, body) = portal_json(port, "GET", pro, &ci, &Value::Null);
    assert_eq!(status, 403, "a disabled owner's token still worked: {body}");
}

/// Hole 9: a name of dots only (`.`, `..`) is a path segment that clients and proxies resolve to
/// another path; no app, cluster, namespace, user or consumer may be called so, and a refusal
/// changes nothing.
#[test]
fn names_of_dots_only_are_refused_everywhere() {
    let (dir, ports, _running) = all_in_one(&[]);
    let port = ports.portal;
    let admin = sign_in(port);
    create_shop(port, &admin);
    let before = dump(dir.path());
    for dots in [".", ".."] {
        let attempts = [
            (
                "/api/v1/apps",
                serde_json::json!({ "appId": dots, "name": "dots" }),
            ),
            (
                "/api/v1/apps/shop/appnamespaces",
                serde_json::json!({ "name": dots }),
            ),
            (
                "/api/v1/envs/DEV/apps/shop/clusters",
                serde_json::json!({ "name": dots }),
            ),
            (
                "/api/v1/users",
                serde_json::json!({ "username": dots, "password": PASSWORD }),
            ),
            (
                "/api/v1/consumers",
                serde_json::json!({ "name": dots, "grants": [
                    { "appId": "shop", "namespace": "*", "permissions": ["modify"] }
                ] }),
            ),
            (
                "/api/v1/consumers",
                serde_json::json!({ "name": "ci", "grants": [
                    { "appId": "shop", "namespace": dots, "permissions": ["modify"] }
                ] }),
            ),
        ];
        for (path, body) in attempts {
            let (status, answer) = portal_json(port, "POST", path, &admin, &body);
            assert_eq!(status, 400, "POST {path} {body}: {answer}");
        }
    }
    assert_same_rows(&before, &dump(dir.path()), "a refused name");
}

/// The status, the head (lowercased) and the body of one raw exchange.
fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String, String) {
    use std::io::Write as _;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(&raw_request(method, path, headers, body.as_bytes()))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Hole 3, against the real binary: a page someone published served as a live page on the
/// config port, and writes a browser makes with the session cookie from another site's page.
#[test]
fn published_files_are_inert_in_browsers_and_cookie_writes_need_the_portals_own_page() {
    let (_dir, ports, _running) = all_in_one(&[]);
    let port = ports.portal;
    let admin = sign_in(port);
    create_shop(port, &admin);
    let page = serde_json::json!({ "name": "page.xml", "format": "xml" });
    let (status, body) = portal_json(
        port,
        "POST",
        "/api/v1/apps/shop/appnamespaces",
        &admin,
        &page,
    );
    assert_eq!(status, 201, "{body}");
    let ns = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/page.xml";
    let xhtml = r#"<html xmlns="http://www.w3.org/1999/xhtml"><script>fetch('/api/v1/users')</script></html>"#;
    let text = serde_json::json!({ "text": xhtml });
    let (status, body) = portal_json(port, "PUT", &format!("{ns}/text"), &admin, &text);
    assert!(status < 300, "{body}");
    let release = serde_json::json!({ "title": "a page" });
    let (status, body) = portal_json(port, "POST", &format!("{ns}/releases"), &admin, &release);
    assert_eq!(status, 201, "{body}");

    let (status, head, body) = exchange(
        ports.config,
        "GET",
        "/DEV/configfiles/raw/shop/default/page.xml",
        &[],
        "",
    );
    assert_eq!(
        (status, body.as_str()),
        (200, xhtml),
        "clients read the file as it is"
    );
    assert!(head.contains("content-type: application/xml"), "{head}");
    for defence in [
        "x-content-type-options: nosniff",
        "content-security-policy: sandbox",
        "content-disposition: attachment; filename=\"page.xml\"",
    ] {
        assert!(
            head.contains(defence),
            "the raw file went out without `{defence}`: {head}"
        );
    }

    // The JSON rendering is no file: not sniffed, sandboxed, and not offered as a download
    // named after the file it is not.
    let (status, head, _) = exchange(
        ports.config,
        "GET",
        "/DEV/configfiles/json/shop/default/page.xml",
        &[],
        "",
    );
    assert_eq!(status, 200);
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(head.contains("content-security-policy: sandbox"), "{head}");
    assert!(
        !head.contains("content-disposition"),
        "the JSON answer was offered as a download: {head}"
    );

    // The portal's own pages and answers may not be framed or sniffed.
    for path in ["/", "/api/v1/auth/me"] {
        let (_, head, _) = exchange(port, "GET", path, &[&admin], "");
        assert!(head.contains("frame-ancestors 'none'"), "{path}: {head}");
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head}"
        );
    }

    // A request the super admin's browser sends from another site, with the session cookie.
    let cookie = admin.replace("Authorization: Bearer ", "Cookie: lyre_session=");
    let new = serde_json::json!({ "username": "alice", "password": PASSWORD });
    assert_eq!(
        portal_json(port, "POST", "/api/v1/users", &admin, &new).0,
        201
    );
    let alice = session_of(port, "alice", PASSWORD);
    let pro = "/api/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";
    let role = serde_json::json!({ "user": "alice", "role": "modify", "namespace": "*" });
    assert!(portal_json(port, "POST", "/api/v1/apps/shop/roles", &admin, &role).0 < 300);
    let item = serde_json::json!({ "key": "payments.enabled", "value": "false" });
    assert_eq!(
        portal_json(port, "POST", &format!("{pro}/items"), &alice, &item).0,
        201
    );
    let open = serde_json::json!({ "title": "payments off" });
    let (status, opened) = portal_json(
        port,
        "POST",
        &format!("{pro}/release-requests"),
        &alice,
        &open,
    );
    assert_eq!(status, 201, "{opened}");
    let approve = format!("/api/v1/release-requests/{}/approve", opened["id"]);
    let form = "Content-Type: text/plain";
    let (status, _, body) = exchange(port, "POST", &approve, &[&cookie, form], "comment=ok");
    assert_eq!(status, 403, "a cross-site form approved a request: {body}");
    let (status, _, body) = exchange(port, "POST", "/api/v1/auth/logout", &[&cookie], "");
    assert_eq!(
        status, 403,
        "a cross-site form signed the admin out: {body}"
    );
    // The portal's own page sends its header.
    let (status, _, body) = exchange(
        port,
        "POST",
        &approve,
        &[&cookie, form, "X-Requested-With: lyre-portal"],
        "",
    );
    assert_eq!(status, 200, "{body}");
}

/// The peak resident memory of process `pid`, in KiB (`VmHWM`).
fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// `count` sign-ins at once, each as `user(i)` with a wrong password and the extra headers of
/// `headers(i)`: the statuses.
fn sign_in_burst(
    port: u16,
    count: usize,
    user: impl Fn(usize) -> String,
    headers: impl Fn(usize) -> Vec<String>,
) -> Vec<u16> {
    let threads: Vec<_> = (0..count)
        .map(|i| {
            let body = serde_json::json!({ "username": user(i), "password": "wrong-password" });
            let extra = headers(i);
            std::thread::spawn(move || {
                let mut all: Vec<&str> = vec![JSON];
                all.extend(extra.iter().map(String::as_str));
                call(port, "POST", "/api/v1/auth/login", &all, &body.to_string())
                    .map_or(0, |(status, _)| status)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// Hole 4, against the real binary: a burst of sign-ins that got a guess each while the first
/// were being checked, hashed all at once in memory, and shared one address behind a proxy.
#[test]
fn sign_in_bursts_are_counted_as_they_come_and_hashed_a_few_at_a_time() {
    let (_dir, ports, running) = all_in_one(&[("LYRE_TRUSTED_PROXIES", "127.0.0.1")]);
    let port = ports.portal;
    let admin = sign_in(port);
    let eve = serde_json::json!({ "username": "eve", "password": PASSWORD });
    assert_eq!(
        portal_json(port, "POST", "/api/v1/users", &admin, &eve).0,
        201
    );

    // Thirty guesses at once at one account: only as many as the throttle allows are tried.
    let statuses = sign_in_burst(port, 30, |_| "admin".into(), |_| vec![]);
    let tried = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        tried <= 5,
        "{tried} of a burst of guesses were tried: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429)),
        "{statuses:?}"
    );

    // Forty people sign in wrongly at once (through the trusted proxy): the hashes wait their
    // turn instead of taking about 19 MiB each at the same time.
    let before = peak_memory_kib(running.child.id());
    let statuses = sign_in_burst(
        port,
        40,
        |i| format!("someone-{i}"),
        |i| vec![format!("X-Forwarded-For: 10.1.0.{i}")],
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 503)),
        "{statuses:?}"
    );
    let grown = peak_memory_kib(running.child.id()) - before;
    assert!(
        grown < 200 * 1024,
        "a burst of sign-ins took {grown} KiB at its peak"
    );

    // Behind the trusted proxy, one address's failures lock that address, not everyone.
    let statuses = sign_in_burst(
        port,
        25,
        |i| format!("guess-{i}"),
        |_| vec!["X-Forwarded-For: 10.2.0.1".to_owned()],
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    let login = format!(r#"{{"username":"eve","password":"{PASSWORD}"}}"#);
    let (status, body) = call(
        port,
        "POST",
        "/api/v1/auth/login",
        &[JSON, "X-Forwarded-For: 10.2.0.2"],
        &login,
    )
    .unwrap();
    assert_eq!(
        status, 200,
        "another person behind the proxy was locked out: {body}"
    );
    // The address that failed stays locked, whoever signs in from it.
    let (status, _) = call(
        port,
        "POST",
        "/api/v1/auth/login",
        &[JSON, "X-Forwarded-For: 10.2.0.1"],
        &login,
    )
    .unwrap();
    assert_eq!(status, 429, "the locked address signed in");
}

/// Hole 8, against the real binary: anonymous reads naming made-up `ip`s each stored another
/// instance, without end.
#[test]
fn anonymous_reads_store_no_more_instances_than_an_app_is_allowed() {
    let (_dir, ports, _running) = all_in_one(&[("LYRE_INSTANCES_PER_APP", "5")]);
    let port = ports.portal;
    let admin = sign_in(port);
    create_shop(port, &admin);
    let ns = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
    let item = serde_json::json!({ "key": "k", "value": "v" });
    assert_eq!(
        portal_json(port, "POST", &format!("{ns}/items"), &admin, &item).0,
        201
    );
    let release = serde_json::json!({ "title": "r1" });
    assert_eq!(
        portal_json(port, "POST", &format!("{ns}/releases"), &admin, &release).0,
        201
    );

    for i in 0..20 {
        let read = format!("/DEV/configs/shop/default/application?ip=203.0.113.{i}");
        assert_eq!(call(ports.config, "GET", &read, &[], "").unwrap().0, 200);
    }
    // Recording is in the background: wait until it settles.
    let total = || {
        let (status, page) = portal_json(
            port,
            "GET",
            &format!("{ns}/instances?size=100"),
            &admin,
            &Value::Null,
        );
        assert_eq!(status, 200, "{page}");
        page["total"].as_i64().unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while total() < 5 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(1000));
    assert_eq!(
        total(),
        5,
        "made-up instances were stored beyond the app's allowance"
    );
}

/// Reads from `stream` until the server closes it (or 15 s pass): how long that took, and what
/// was read.
fn until_closed(stream: &mut std::net::TcpStream) -> (std::time::Duration, String) {
    let started = std::time::Instant::now();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(15)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

/// Hole 5, bodies: a client that announced a body and sent it slowly held a portal
/// connection (and the handler waiting for it) for as long as it liked.
#[test]
fn a_slow_request_body_is_cut_off_with_408() {
    use std::io::Write as _;
    use std::net::TcpStream;
    let (_dir, ports, _running) = all_in_one(&[("LYRE_BODY_TIMEOUT_SECS", "2")]);
    let body = r#"{"username":"admin","password":"not-the-password"}"#;
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut slow = TcpStream::connect(("127.0.0.1", ports.portal)).unwrap();
    slow.write_all(head.as_bytes()).unwrap();
    slow.write_all(&body.as_bytes()[..10]).unwrap();
    let (took, answer) = until_closed(&mut slow);
    assert!(
        took < std::time::Duration::from_secs(8),
        "a half-sent body held the portal's connection for {took:?}"
    );
    assert!(
        answer.starts_with("HTTP/1.1 408 "),
        "a slow body is told why: {answer:?}"
    );
    assert!(answer.contains("did not arrive within 2 s"), "{answer}");

    // A body sent whole, however long after its head was announced, is not cut off.
    let mut prompt = TcpStream::connect(("127.0.0.1", ports.portal)).unwrap();
    prompt.write_all(head.as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    prompt.write_all(body.as_bytes()).unwrap();
    prompt
        .write_all(b"GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (_, answer) = until_closed(&mut prompt);
    assert!(answer.starts_with("HTTP/1.1 401 "), "{answer:?}");
    assert!(
        answer.contains("HTTP/1.1 200 "),
        "the connection goes on: {answer}"
    );
}

/// Hole 5, against the real binary: connections that never finish a head or sit idle were
/// held forever, and nothing bounded how many one process took.
#[test]
fn slow_idle_and_surplus_connections_are_closed() {
    use std::io::Write as _;
    use std::net::TcpStream;
    let (_dir, ports, _running) = all_in_one(&[
        ("LYRE_HEAD_TIMEOUT_SECS", "2"),
        ("LYRE_IDLE_TIMEOUT_SECS", "3"),
        ("LYRE_MAX_CONNECTIONS", "8"),
    ]);
    let limit = std::time::Duration::from_secs(8);

    // A head begun and never finished: on the config port's lean path, and on the portal's.
    for (port, head) in [
        (
            ports.config,
            "GET /DEV/configs/shop/default/application HTTP/1.1\r\nHost: a\r\n",
        ),
        (
            ports.portal,
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\n",
        ),
    ] {
        let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
        slow.write_all(head.as_bytes()).unwrap();
        let (took, _) = until_closed(&mut slow);
        assert!(
            took < limit,
            "a half-sent head held port {port} for {took:?}"
        );
    }
    // A connection that sends nothing.
    let mut idle = TcpStream::connect(("127.0.0.1", ports.config)).unwrap();
    let (took, _) = until_closed(&mut idle);
    assert!(took < limit, "an idle connection stayed open {took:?}");

    // Eight connections held open; a ninth is told the server is full, and closed.
    let held: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(("127.0.0.1", ports.config)).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut surplus = TcpStream::connect(("127.0.0.1", ports.config)).unwrap();
    let (took, answer) = until_closed(&mut surplus);
    assert!(took < limit, "{took:?}");
    assert!(
        answer.starts_with("HTTP/1.1 503 "),
        "past the limit: {answer:?}"
    );
    assert!(answer.contains("too many connections"), "{answer}");
    drop(held);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, _) = call(ports.config, "GET", "/health", &[], "").unwrap();
    assert_eq!(status, 200, "the server takes connections again");
}

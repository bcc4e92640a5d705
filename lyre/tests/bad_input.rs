//! Malformed requests over real sockets against the real binary: broken and oversized JSON,
//! bytes that are not UTF-8, wrong content types, path tricks, odd encodings. Each is answered
//! 4xx by the Open API, the admin service or the config service, and the database is exactly
//! as it was before.

mod common;

use common::{PASSWORD, Ports, Running, admin_auth, dump, lyre, raw_request, send_raw};

/// Sends `request` as is; the status and body.
fn raw(port: u16, request: &[u8]) -> (u16, String) {
    send_raw(port, request).expect("an HTTP answer")
}

fn json_call(port: u16, method: &str, path: &str, auth: &str, body: &str) -> (u16, String) {
    raw(
        port,
        &raw_request(
            method,
            path,
            &[auth, "Content-Type: application/json"],
            body.as_bytes(),
        ),
    )
}

#[test]
fn malformed_requests_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command.env("LYRE_ADMIN_PASSWORD", PASSWORD);
    let _running = Running::start(command);

    // An app with a published namespace, and a consumer token that may change it.
    let (status, body) = json_call(
        ports.portal,
        "POST",
        "/api/v1/auth/login",
        "X-Nothing: 0",
        &format!(r#"{{"username":"admin","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let session: serde_json::Value = serde_json::from_str(&body).unwrap();
    let as_admin = format!(
        "Authorization: Bearer {}",
        session["token"].as_str().unwrap()
    );
    let (status, body) = json_call(
        ports.portal,
        "POST",
        "/api/v1/apps",
        &as_admin,
        r#"{"appId":"shop","name":"Shop"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = json_call(
        ports.portal,
        "POST",
        "/api/v1/consumers",
        &as_admin,
        r#"{"name":"ci","grants":[{"appId":"shop","namespace":"*","envs":[],"permissions":["modify","release"]}]}"#,
    );
    assert_eq!(status, 201, "{body}");
    let consumer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let auth = format!("Authorization: {}", consumer["token"].as_str().unwrap());
    let ns = "/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
    let (status, body) = json_call(
        ports.portal,
        "PUT",
        &format!("{ns}/items/timeout?createIfNotExists=true"),
        &auth,
        r#"{"key":"timeout","value":"30","dataChangeLastModifiedBy":"admin"}"#,
    );
    assert!(status < 300, "{status} {body}");
    let (status, body) = json_call(
        ports.portal,
        "POST",
        &format!("{ns}/releases"),
        &auth,
        r#"{"releaseTitle":"v1","releasedBy":"admin"}"#,
    );
    assert!(status < 300, "{status} {body}");

    let before = dump(dir.path());
    let item = format!("{ns}/items/timeout");
    let admin_items = "/envs/DEV/apps/shop/clusters/default/namespaces/application/items";
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let huge = format!(
        r#"{{"key":"timeout","value":"{}","dataChangeLastModifiedBy":"admin"}}"#,
        "x".repeat(3 << 20)
    );
    let mut not_utf8 = br#"{"key":"timeout","value":""#.to_vec();
    not_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    not_utf8.extend_from_slice(br#"","dataChangeLastModifiedBy":"admin"}"#);
    let json = "Content-Type: application/json";
    let admin_token = admin_auth();
    let admin_token = admin_token.as_str();
    let long_key = "k".repeat(10_000);

    let portal: Vec<(&str, Vec<u8>)> = vec![
        (
            "truncated JSON",
            raw_request(
                "PUT",
                &item,
                &[&auth, json],
                br#"{"key":"timeout","value":"#,
            ),
        ),
        (
            "not JSON",
            raw_request("PUT", &item, &[&auth, json], b"hello"),
        ),
        (
            "JSON of the wrong shape",
            raw_request("PUT", &item, &[&auth, json], br#"{"key":1,"value":true}"#),
        ),
        (
            "a JSON array",
            raw_request("PUT", &item, &[&auth, json], b"[]"),
        ),
        (
            "nested 5,000 deep",
            raw_request("PUT", &item, &[&auth, json], deep.as_bytes()),
        ),
        (
            "a 3 MiB body",
            raw_request("PUT", &item, &[&auth, json], huge.as_bytes()),
        ),
        (
            "bytes that are not UTF-8",
            raw_request("PUT", &item, &[&auth, json], &not_utf8),
        ),
        (
            "a text/plain body",
            raw_request(
                "PUT",
                &item,
                &[&auth, "Content-Type: text/plain"],
                br#"{"key":"timeout","value":"1","dataChangeLastModifiedBy":"admin"}"#,
            ),
        ),
        (
            "no token",
            raw_request(
                "PUT",
                &item,
                &[json],
                br#"{"key":"timeout","value":"1","dataChangeLastModifiedBy":"admin"}"#,
            ),
        ),
        (
            "a dot-dot app",
            raw_request(
                "GET",
                "/openapi/v1/envs/DEV/apps/..%2F..%2Fetc/clusters/default/namespaces/application",
                &[&auth],
                b"",
            ),
        ),
        (
            "a double-encoded dot-dot",
            raw_request(
                "GET",
                "/openapi/v1/envs/DEV/apps/%252e%252e/clusters/default/namespaces/application",
                &[&auth],
                b"",
            ),
        ),
        (
            "a NUL in the path",
            raw_request("GET", &format!("{ns}/items/time%00out"), &[&auth], b""),
        ),
        (
            "a 10,000-character key",
            raw_request(
                "DELETE",
                &format!("{ns}/items/{long_key}?operator=admin"),
                &[&auth],
                b"",
            ),
        ),
        (
            "an unknown environment",
            raw_request(
                "PUT",
                "/openapi/v1/envs/..%2FPRO/apps/shop/clusters/default/namespaces/application/items/timeout",
                &[&auth, json],
                br#"{"key":"timeout","value":"1","dataChangeLastModifiedBy":"admin"}"#,
            ),
        ),
        (
            "a query flag that is not a boolean",
            raw_request(
                "PUT",
                &format!("{item}?createIfNotExists=maybe"),
                &[&auth, json],
                br#"{"key":"timeout","value":"1","dataChangeLastModifiedBy":"admin"}"#,
            ),
        ),
        (
            "a fullwidth app id",
            raw_request(
                "GET",
                "/openapi/v1/envs/DEV/apps/%EF%BD%93hop/clusters/default/namespaces/application",
                &[&auth],
                b"",
            ),
        ),
        (
            "a method that is not there",
            raw_request("DELETE", "/openapi/v1/envs", &[&auth], b""),
        ),
    ];
    let admin: Vec<(&str, Vec<u8>)> = vec![
        (
            "admin: truncated JSON",
            raw_request(
                "POST",
                admin_items,
                &[json, admin_token],
                br#"{"key":"a","value":"#,
            ),
        ),
        (
            "admin: bytes that are not UTF-8",
            raw_request("POST", admin_items, &[json, admin_token], &not_utf8),
        ),
        (
            "admin: a 3 MiB body",
            raw_request("POST", admin_items, &[json, admin_token], huge.as_bytes()),
        ),
        (
            "admin: a dot-dot namespace",
            raw_request(
                "POST",
                "/envs/DEV/apps/shop/clusters/default/namespaces/..%2F..%2Fapplication/items",
                &[json, admin_token],
                br#"{"key":"a","value":"1","operator":"x"}"#,
            ),
        ),
    ];
    let config: Vec<(&str, Vec<u8>)> = vec![
        (
            "config: broken notifications",
            raw_request(
                "GET",
                "/notifications/v2?appId=shop&cluster=default&notifications=%5B%7B",
                &[],
                b"",
            ),
        ),
        (
            "config: a dot-dot app",
            raw_request(
                "GET",
                "/configs/..%2F..%2Fshop/default/application",
                &[],
                b"",
            ),
        ),
        (
            "config: a NUL in the namespace",
            raw_request("GET", "/configs/shop/default/appli%00cation", &[], b""),
        ),
    ];
    // Refused by the HTTP layer itself, before any handler: a bare 400.
    let protocol: Vec<(&str, Vec<u8>)> = vec![
        (
            "a header with control characters",
            raw_request("PUT", &item, &["Authorization: \x01\x02", json], b"{}"),
        ),
        (
            "a request line with a space in the path",
            b"GET /configs/shop default/application HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
    ];
    let mut wrong = Vec::new();
    // The config service answers a missing configuration with Apollo's bare 404; everything
    // else says what is wrong.
    for (port, cases, reason) in [
        (ports.portal, portal, true),
        (ports.admin, admin, true),
        (ports.config, config, false),
        (ports.portal, protocol, false),
    ] {
        for (what, bytes) in cases {
            let (status, body) = raw(port, &bytes);
            if !(400..500).contains(&status) || (reason && body.trim().is_empty()) {
                wrong.push(format!("{what}: {status} {body:.200}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answered other than 4xx with a reason:\n{}",
        wrong.join("\n")
    );
    assert!(
        before == dump(dir.path()),
        "a refused request changed the database"
    );
}

//! Starting the real `lyre` binary on free ports in a temporary directory.

#![allow(dead_code, reason = "each test file uses a part of these helpers")]

pub mod apollo;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "s3cret-password";

/// The admin service credential [`lyre`] gives the binary, which opens the admin port for the
/// tests that call it directly (the portal still calls the admin operations in process).
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef0123456789";

/// An HTTP client that presents [`ADMIN_TOKEN`] on every request.
pub fn admin_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {ADMIN_TOKEN}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The header that carries [`ADMIN_TOKEN`].
pub fn admin_auth() -> String {
    format!("Authorization: Bearer {ADMIN_TOKEN}")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Ports {
    pub portal: u16,
    pub config: u16,
    pub admin: u16,
}

impl Ports {
    pub fn new() -> Self {
        Self {
            portal: free_port(),
            config: free_port(),
            admin: free_port(),
        }
    }
}

pub fn lyre(dir: &Path, ports: &Ports) -> Command {
    lyre_at(Path::new(env!("CARGO_BIN_EXE_lyre")), dir, ports)
}

/// The `lyre` binary at `program` (a copy of it, say), started in `dir` on `ports`.
pub fn lyre_at(program: &Path, dir: &Path, ports: &Ports) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LYRE_PORTAL_ADDR", format!("127.0.0.1:{}", ports.portal))
        .env("LYRE_CONFIG_ADDR", format!("127.0.0.1:{}", ports.config))
        .env("LYRE_ADMIN_ADDR", format!("127.0.0.1:{}", ports.admin))
        .env("LYRE_ADMIN_TOKENS", ADMIN_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A running `lyre` whose banner has been read; killed when dropped.
pub struct Running {
    pub child: Child,
    pub banner: Vec<String>,
}

impl Running {
    /// Starts `lyre` with the portal and reads its banner.
    pub fn start(command: Command) -> Self {
        Self::start_until(command, "Sign in at")
    }

    /// Starts `lyre` and reads its banner up to the line that holds `last`.
    pub fn start_until(mut command: Command, last: &str) -> Self {
        let mut child = command.spawn().expect("starting lyre");
        let stdout = child.stdout.take().unwrap();
        let mut banner = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.contains(last);
            banner.push(line);
            if done {
                break;
            }
        }
        if !banner.last().is_some_and(|l| l.contains(last)) {
            // Say why: what it wrote to standard error (when that is piped), and how it ended.
            let _ = child.kill();
            let status = child.wait();
            let mut log = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut log);
            }
            panic!("lyre did not start ({status:?}): {banner:?}\n--- stderr\n{log}");
        }
        Self { child, banner }
    }

    /// Reads and drops its log (standard error) from now on: unread, the pipe fills and stops
    /// `lyre` at its next log line.
    pub fn discard_log(&mut self) {
        let mut log = self.child.stderr.take().expect("the log not taken yet");
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    }

    pub fn banner(&self) -> String {
        self.banner.join("\n")
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "lyre did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 request as bytes (`Connection: close`), with `headers` as written.
pub fn raw_request(method: &str, path: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Sends `request` as is to 127.0.0.1:`port`; the answer's status and body, or `None` when
/// nothing answers (refused, or not HTTP).
pub fn send_raw(port: u16, request: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    // A server may answer (and close) before reading a huge body: that is fine.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

/// A database URL that several `lyre` processes can share: a SQLite file in `dir`, or a fresh
/// database on `backend`'s server (kept while the returned `TestDb` lives); `None` when that
/// server is not configured.
pub async fn shared_database(
    dir: &Path,
    backend: lyre_store::testing::TestBackend,
) -> Option<(String, Option<lyre_store::testing::TestDb>)> {
    use lyre_store::testing::{TestBackend, TestDb};
    match backend {
        TestBackend::Sqlite => Some((format!("sqlite:{}", dir.join("shared.db").display()), None)),
        _ => {
            let t = TestDb::empty(backend).await?;
            Some((t.url.clone(), Some(t)))
        }
    }
}

/// Every row of the SQLite database `lyre` keeps in `dir`, as `sqlite3` dumps it, but the
/// service registry's and its sequence (heartbeats rewrite those every few seconds).
pub fn dump(dir: &Path) -> String {
    let output = Command::new("sqlite3")
        .arg(dir.join("data/lyre.db"))
        .arg(".dump")
        .output()
        .expect("sqlite3 (Debian package sqlite3) runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| {
            !line.starts_with("INSERT INTO service_registry ")
                && !line.starts_with("INSERT INTO sqlite_sequence VALUES('service_registry',")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails, showing the rows that differ, unless the two dumps hold the same rows.
pub fn assert_same_rows(before: &str, after: &str, what: &str) {
    let gone: Vec<&str> = before.lines().filter(|l| !after.contains(l)).collect();
    let new: Vec<&str> = after.lines().filter(|l| !before.contains(l)).collect();
    assert!(
        gone.is_empty() && new.is_empty(),
        "{what} changed the database:\n- {}\n+ {}",
        gone.join("\n- "),
        new.join("\n+ ")
    );
}

/// `GET path` on 127.0.0.1:`port`.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    send_raw(port, &raw_request("GET", path, &[], b""))
}

/// Signs `username` in to the portal at `portal` (its base URL): the session token.
pub async fn sign_in(
    http: &reqwest::Client,
    portal: &str,
    username: &str,
    password: &str,
) -> String {
    let answer = http
        .post(format!("{portal}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "signing in as {username}");
    answer.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

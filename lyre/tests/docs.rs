//! The walkthroughs in `docs/` work as written: their `sh` blocks run, in order, in one shell,
//! against a real `lyre`. They need `bash`, `curl` and `jq`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{ADMIN_TOKEN, Ports, Running, lyre};

/// The `sh` blocks of a Markdown file, in order.
fn shell_blocks(markdown: &str) -> String {
    let mut script = String::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```sh";
            continue;
        }
        if inside {
            script.push_str(line);
            script.push('\n');
        }
    }
    script
}

/// Runs the page's shell blocks against a fresh `lyre`; fails with their output if any
/// command fails.
fn run_page(page: &str) {
    run_page_with(page, &[]);
}

/// Like [`run_page`], with `lyre` started with the environment variables `env` (which the page
/// says it was started with).
fn run_page_with(page: &str, env: &[(&str, &str)]) {
    run_page_in(page, env, &[]);
}

/// Like [`run_page_with`], with `files` (name, content) written where `lyre` starts first.
fn run_page_in(page: &str, env: &[(&str, &str)], files: &[(&str, &str)]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(page);
    let markdown = std::fs::read_to_string(&path).unwrap();
    let script = shell_blocks(&markdown);
    assert!(!script.is_empty(), "{page} has no sh blocks");

    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let ports = Ports::new();
    let mut command = lyre(dir.path(), &ports);
    command.env("LYRE_ADMIN_PASSWORD", "docs-password");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut running = Running::start(command);
    running.discard_log();

    // `lyre` on the PATH is the binary under test, as pages run it by name.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_lyre"));
    let mut path = vec![bin.parent().unwrap().to_owned()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("ADMIN", format!("http://127.0.0.1:{}", ports.admin))
        .env("ADMIN_TOKEN", ADMIN_TOKEN)
        .env("CONFIG", format!("http://127.0.0.1:{}", ports.config))
        .env("PORTAL", format!("http://127.0.0.1:{}", ports.portal))
        .output()
        .expect("running bash");
    assert!(
        output.status.success(),
        "{page} failed:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn admin_walkthrough_works_as_written() {
    run_page("admin-walkthrough.md");
}

#[test]
fn client_protocol_walkthrough_works_as_written() {
    run_page("client-protocol.md");
}

#[test]
fn gray_release_walkthrough_works_as_written() {
    run_page("gray-release.md");
}

#[test]
fn ci_walkthrough_works_as_written() {
    run_page("ci.md");
}

#[test]
fn operations_steps_work_as_written() {
    run_page("operations.md");
}

#[test]
fn schemas_walkthrough_works_as_written() {
    run_page("schemas.md");
}

#[test]
fn agent_walkthrough_works_as_written() {
    run_page("agent.md");
}

#[test]
fn rollouts_walkthrough_works_as_written() {
    run_page("rollouts.md");
}

#[test]
fn secrets_walkthrough_works_as_written() {
    let key = lyre_store::secrets::KeyRing::new_entry("k1").unwrap();
    run_page_in(
        "secrets.md",
        &[("LYRE_SECRET_KEYS_FILE", "secret.keys")],
        &[("secret.keys", &key)],
    );
}

#[test]
fn webhooks_walkthrough_works_as_written() {
    run_page_with(
        "webhooks.md",
        &[
            ("LYRE_WEBHOOK_ALLOW_NETWORKS", "127.0.0.1/32"),
            ("LYRE_WEBHOOK_FIRST_RETRY_MS", "200"),
        ],
    );
}

//! The walkthroughs in `docs/` work as written: their `sh` blocks run, in order, in one shell,
//! against a real `lyre`, and a block followed by a `text` block prints that text (release
//! keys, times, durations and ports aside; `<n>` in the text stands for a number that depends
//! on timing; a `console` block shows output that varies more and is not compared). They need
//! `bash`, `curl` and `jq`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{ADMIN_TOKEN, Ports, Running, lyre};

/// One `sh` block of a page, and the output shown right after it (a `text` block with nothing
/// but blank lines between), if any.
struct Block {
    script: String,
    /// The line the block starts on, for messages.
    line: usize,
    shown: Option<String>,
}

/// The `sh` blocks of a Markdown file, in order.
fn shell_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // The fence being read (its language) and what it holds so far.
    let mut fence: Option<(String, usize, String)> = None;
    // Whether only blank lines came since the last `sh` block closed.
    let mut after_sh = false;
    for (number, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        match &mut fence {
            None if trimmed.starts_with("```") => {
                let language = trimmed.trim_start_matches('`').to_owned();
                fence = Some((language, number + 1, String::new()));
            }
            None => after_sh &= trimmed.is_empty(),
            Some(_) if trimmed.starts_with("```") => {
                let (language, start, body) = fence.take().unwrap();
                match language.as_str() {
                    "sh" => {
                        blocks.push(Block {
                            script: body,
                            line: start,
                            shown: None,
                        });
                        after_sh = true;
                        continue;
                    }
                    "text" if after_sh => blocks.last_mut().unwrap().shown = Some(body),
                    _ => {}
                }
                after_sh = false;
            }
            Some((_, _, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    blocks
}

/// `text` with what differs from run to run (release keys, times, durations, ports) written
/// as placeholders, so a page may show the values of the run it was written from.
fn steady(text: &str) -> String {
    static VOLATILE: std::sync::OnceLock<Vec<(regex::Regex, &str)>> = std::sync::OnceLock::new();
    let volatile = VOLATILE.get_or_init(|| {
        [
            (r"\b\d{14}-[0-9a-f]{16}\b", "<release key>"),
            (
                r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?( UTC|Z)?",
                "<time>",
            ),
            (r"\b(\d+h)?(\d+m)?\d+s\b", "<duration>"),
            (r"(127\.0\.0\.1|localhost):\d+", "<host>:<port>"),
        ]
        .into_iter()
        .map(|(pattern, placeholder)| (regex::Regex::new(pattern).unwrap(), placeholder))
        .collect()
    });
    volatile
        .iter()
        .fold(text.to_owned(), |text, (pattern, placeholder)| {
            pattern.replace_all(&text, *placeholder).into_owned()
        })
}

/// The line a block's output starts after.
fn marker(index: usize) -> String {
    format!("@@ docs block {index} @@")
}

/// Runs the page's shell blocks against a fresh `lyre`; fails with their output if any
/// command fails.
fn run_page(page: &str) {
    run_page_with(page, &[]);
}

/// Like [`run_page`], with `lyre` (and the page's commands) started with the environment
/// variables `env` (which the page says it was started with).
fn run_page_with(page: &str, env: &[(&str, &str)]) {
    run_page_in(page, env, &[]);
}

/// Like [`run_page_with`], with `files` (name, content) written where `lyre` starts first.
fn run_page_in(page: &str, env: &[(&str, &str)], files: &[(&str, &str)]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(page);
    let markdown = std::fs::read_to_string(&path).unwrap();
    let blocks = shell_blocks(&markdown);
    assert!(!blocks.is_empty(), "{page} has no sh blocks");
    // What a reader sees in a terminal: errors too.
    let mut script = String::from("exec 2>&1\n");
    for (index, block) in blocks.iter().enumerate() {
        script.push_str(&format!("printf '\\n%s\\n' '{}'\n", marker(index)));
        script.push_str(&block.script);
    }

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
        .envs(env.iter().copied())
        .output()
        .expect("running bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{page} failed:\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (index, block) in blocks.iter().enumerate() {
        let Some(shown) = &block.shown else { continue };
        let start = stdout.find(&marker(index)).unwrap() + marker(index).len();
        let end = stdout.find(&marker(index + 1)).unwrap_or(stdout.len());
        let printed = stdout[start..end].trim_matches('\n');
        let (printed, shown) = (steady(printed), steady(shown.trim_end_matches('\n')));
        // `<n>` in a page stands for a number that depends on timing.
        let pattern = format!("^{}$", regex::escape(&shown).replace("<n>", r"\d+"));
        assert!(
            regex::Regex::new(&pattern).unwrap().is_match(&printed),
            "{page}: the block on line {} prints something else than the page shows\n--- \
             printed\n{printed}\n--- shown\n{shown}",
            block.line
        );
    }
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

#[test]
fn migrate_from_apollo_walkthrough_works_as_written() {
    use common::apollo::ApolloDb;
    // Apollo's databases on the MariaDB server the tests are given; none, no walkthrough.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(config) = runtime.block_on(ApolloDb::create(&["configdb.sql", "seed.sql"])) else {
        return;
    };
    let portal = runtime
        .block_on(ApolloDb::create(&["portaldb.sql", "portal-seed.sql"]))
        .unwrap();
    run_page_with(
        "migrate-from-apollo.md",
        &[
            ("APOLLO_CONFIG_DB", config.url.as_str()),
            ("APOLLO_PORTAL_DB", portal.url.as_str()),
        ],
    );
    drop((config, portal));
}

//! Running a reload command after files changed: once for a burst of changes (debounce), with
//! a timeout, its exit status and output in the log, and retries with backoff when it fails.
//! Each run's outcome goes back, with the releases whose files it was run for, so the agent can
//! report them applied or rejected.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::mpsc;

/// How much of a command's output is logged.
const OUTPUT_LIMIT: usize = 4_096;
/// How much of the end of a failed command's output goes into its report.
const REASON_TAIL: usize = 600;

/// A release whose files changed and wait for the command: the agent's client (by position),
/// the namespace and the release key.
pub type Waiting = (usize, String, String);

/// What a command's run made of the releases it was run for: `Err` says why it failed.
pub type Ran = (Vec<Waiting>, Result<(), String>);

/// How commands run.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Quiet time after the last change before the command runs.
    pub debounce: Duration,
    /// Longest run before the command is killed.
    pub timeout: Duration,
    /// Attempts after the first failure before waiting for the next change.
    pub retries: u32,
    /// The first wait before a retry; it doubles each time, up to a minute.
    pub first_backoff: Duration,
}

/// One task per distinct command; [`Commands::changed`] asks it to run, and each run's outcome
/// is sent to `done`.
#[derive(Debug)]
pub struct Commands {
    runners: HashMap<String, mpsc::UnboundedSender<Waiting>>,
    done: mpsc::UnboundedSender<Ran>,
}

impl Commands {
    /// Commands whose runs' outcomes go to `done`.
    pub fn new(done: mpsc::UnboundedSender<Ran>) -> Self {
        Self {
            runners: HashMap::new(),
            done,
        }
    }

    /// Asks `command` to run after the debounce (starting its task on first use), for the
    /// files of release `waiting`.
    pub fn changed(&mut self, command: &str, policy: Policy, waiting: Waiting) {
        let sender = self.runners.entry(command.to_owned()).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_on_changes(
                command.to_owned(),
                rx,
                policy,
                self.done.clone(),
            ));
            tx
        });
        let _ = sender.send(waiting);
    }
}

async fn run_on_changes(
    command: String,
    mut changes: mpsc::UnboundedReceiver<Waiting>,
    policy: Policy,
    done: mpsc::UnboundedSender<Ran>,
) {
    while let Some(first) = changes.recv().await {
        let mut waiting = vec![first];
        // Let a burst of changes settle into one run.
        loop {
            match tokio::time::timeout(policy.debounce, changes.recv()).await {
                Ok(Some(more)) => waiting.push(more),
                Ok(None) => return,
                Err(_) => break,
            }
        }
        let mut backoff = policy.first_backoff;
        for attempt in 0..=policy.retries {
            let outcome = run_once(&command, policy.timeout, attempt).await;
            let failed = outcome.is_err();
            if !failed || attempt == policy.retries {
                let _ = done.send((std::mem::take(&mut waiting), outcome));
            }
            if !failed {
                break;
            }
            if attempt == policy.retries {
                tracing::error!(
                    %command,
                    attempts = attempt + 1,
                    "the command keeps failing; it runs again at the next change"
                );
                break;
            }
            tracing::warn!(%command, retry_in_ms = backoff.as_millis() as u64, "the command failed; retrying");
            // A new change during the wait starts over with a fresh run.
            match tokio::time::timeout(backoff, changes.recv()).await {
                Ok(Some(more)) => {
                    waiting.push(more);
                    backoff = policy.first_backoff;
                    continue;
                }
                Ok(None) => return,
                Err(_) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    }
}

/// Runs the command through `sh -c`: `Err` says why it failed, with the end of its output.
/// Its outcome and output are logged.
async fn run_once(command: &str, timeout: Duration, attempt: u32) -> Result<(), String> {
    let started = std::time::Instant::now();
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            tracing::error!(%command, error = %e, "cannot start the command");
            return Err(format!("`{command}` could not start: {e}"));
        }
    };
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => {
            tracing::error!(%command, timeout_secs = timeout.as_secs(), "the command took too long and was killed");
            Err(format!(
                "`{command}` took longer than {} s and was killed",
                timeout.as_secs()
            ))
        }
        Ok(Err(e)) => {
            tracing::error!(%command, error = %e, "the command could not be waited for");
            Err(format!("`{command}` could not be waited for: {e}"))
        }
        Ok(Ok(output)) => {
            let took_ms = started.elapsed().as_millis() as u64;
            let stdout = clip(&output.stdout);
            let stderr = clip(&output.stderr);
            if output.status.success() {
                tracing::info!(%command, attempt, took_ms, %stdout, %stderr, "the command ran");
                Ok(())
            } else {
                let status = output
                    .status
                    .code()
                    .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
                tracing::error!(%command, attempt, took_ms, %status, %stdout, %stderr, "the command failed");
                let said = if stderr.is_empty() { &stdout } else { &stderr };
                Err(format!(
                    "`{command}` failed ({status}): {}",
                    tail(said, REASON_TAIL)
                ))
            }
        }
    }
}

/// The last `limit` bytes of `text` (at a character boundary), marked when cut.
fn tail(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut start = text.len() - limit;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

fn clip(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.len() <= OUTPUT_LIMIT {
        return text.to_owned();
    }
    let mut end = OUTPUT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            debounce: Duration::from_millis(150),
            timeout: Duration::from_secs(5),
            retries: 2,
            first_backoff: Duration::from_millis(50),
        }
    }

    async fn lines(path: &std::path::Path, want: usize) -> usize {
        for _ in 0..100 {
            let n = std::fs::read_to_string(path).map_or(0, |t| t.lines().count());
            if n >= want {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
    }

    #[tokio::test]
    async fn a_burst_of_changes_runs_the_command_once() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("ran");
        let command = format!("echo ran >> {}", log.display());
        let (done, mut ran) = mpsc::unbounded_channel();
        let mut commands = Commands::new(done);
        for i in 0..5 {
            commands.changed(
                &command,
                policy(),
                (0, "application".into(), format!("r{i}")),
            );
        }
        assert_eq!(lines(&log, 1).await, 1);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(lines(&log, 1).await, 1, "still once");
        let (waiting, outcome) = ran.recv().await.unwrap();
        assert_eq!(
            (waiting.len(), outcome),
            (5, Ok(())),
            "one outcome for the burst"
        );
        commands.changed(&command, policy(), (0, "application".into(), "r5".into()));
        assert_eq!(lines(&log, 2).await, 2, "a later change runs it again");
    }

    #[tokio::test]
    async fn a_failing_command_is_retried_then_left_until_the_next_change() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("tries");
        let command = format!(
            "echo try >> {}; echo no such port >&2; exit 3",
            log.display()
        );
        let (done, mut ran) = mpsc::unbounded_channel();
        let mut commands = Commands::new(done);
        commands.changed(&command, policy(), (0, "application".into(), "r1".into()));
        assert_eq!(lines(&log, 3).await, 3, "first run and two retries");
        let (waiting, outcome) = ran.recv().await.unwrap();
        assert_eq!(waiting, [(0, "application".to_owned(), "r1".to_owned())]);
        let reason = outcome.unwrap_err();
        assert!(reason.contains("(exit 3): no such port"), "{reason}");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(lines(&log, 3).await, 3, "then it waits");
    }

    #[tokio::test]
    async fn a_command_that_hangs_is_killed() {
        let started = std::time::Instant::now();
        assert!(
            run_once("sleep 10", Duration::from_millis(200), 0)
                .await
                .is_err()
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

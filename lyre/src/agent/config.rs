//! `agent.toml`: where the configuration comes from, and which files to keep current.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// The agent's configuration file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Meta server URLs of the environment (e.g. `http://lyre:8080/PRO`); clients discover the
    /// config services through them.
    #[serde(default)]
    pub meta_servers: Vec<String>,
    /// Config service URLs, used directly (or when discovery fails).
    #[serde(default)]
    pub config_services: Vec<String>,
    /// The app whose namespaces files follow, unless a file names another.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The cluster (default `default`), unless a file names another.
    #[serde(default)]
    pub cluster: Option<String>,
    /// The data center, for Apollo's cluster fallback.
    #[serde(default)]
    pub data_center: Option<String>,
    /// How this host shows in the portal's instance view, and the identity gray rules select
    /// by (default: the host name).
    #[serde(default)]
    pub label: Option<String>,
    /// The IP address reported (default: the host's).
    #[serde(default)]
    pub ip: Option<String>,
    /// The app's access key secret, where the environment enforces access keys.
    #[serde(default)]
    pub secret: Option<String>,
    /// Where received configuration is cached, so the agent starts with the server down.
    #[serde(default = "default_cache_dir")]
    pub cache_dir: PathBuf,
    /// How long after a change a command waits for more changes before it runs (default 2 s).
    #[serde(default = "default_debounce_ms")]
    pub debounce_ms: u64,
    /// How long a command may run before it is killed (default 60 s).
    #[serde(default = "default_timeout_secs")]
    pub command_timeout_secs: u64,
    /// How often a failing command is tried again before the agent waits for the next change
    /// (default 5).
    #[serde(default = "default_retries")]
    pub command_retries: u32,
    /// How often files whose last write failed are tried again (default 30 s).
    #[serde(default = "default_retry_secs")]
    pub retry_secs: u64,
    /// The files to keep current.
    #[serde(default, rename = "file")]
    pub files: Vec<FileEntry>,
}

/// One file the agent keeps current.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// The app (default: the top-level `app_id`).
    #[serde(default)]
    pub app_id: Option<String>,
    /// The cluster (default: the top-level `cluster`, else `default`).
    #[serde(default)]
    pub cluster: Option<String>,
    /// The namespace; a non-properties one carries its suffix (`db.yaml`).
    pub namespace: String,
    /// The file written.
    pub path: PathBuf,
    /// A minijinja template rendered with the namespace (`config`, `content`, `namespace`,
    /// `release_key`); without one, the namespace is written in its own format.
    #[serde(default)]
    pub template: Option<PathBuf>,
    /// File mode, octal (e.g. `"0640"`; default `0644`).
    #[serde(default)]
    pub mode: Option<String>,
    /// Owner: a user name or uid (default: the agent's user).
    #[serde(default)]
    pub owner: Option<String>,
    /// Group: a group name or gid.
    #[serde(default)]
    pub group: Option<String>,
    /// Run after the file changed (through `sh -c`), e.g. `systemctl reload nginx`. Files with
    /// the same command share one run.
    #[serde(default)]
    pub command: Option<String>,
}

fn default_cache_dir() -> PathBuf {
    PathBuf::from("lyre-agent-cache")
}

fn default_debounce_ms() -> u64 {
    2_000
}

fn default_timeout_secs() -> u64 {
    60
}

fn default_retries() -> u32 {
    5
}

fn default_retry_secs() -> u64 {
    30
}

/// A file entry with every default applied and its mode parsed.
#[derive(Debug, Clone)]
pub struct Target {
    /// `file N (path)`, for messages.
    pub name: String,
    pub app_id: String,
    pub cluster: String,
    pub namespace: String,
    pub path: PathBuf,
    pub template: Option<PathBuf>,
    pub mode: u32,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub command: Option<String>,
}

impl AgentConfig {
    /// Reads and checks `path`; every problem names the file entry it is in.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: Self =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if config.meta_servers.is_empty() && config.config_services.is_empty() {
            bail!(
                "{}: give `meta_servers` or `config_services`",
                path.display()
            );
        }
        let https = config
            .meta_servers
            .iter()
            .chain(&config.config_services)
            .find(|url| url.trim_start().to_ascii_lowercase().starts_with("https:"));
        if let Some(url) = https.filter(|_| !cfg!(feature = "tls")) {
            bail!(
                "{}: `{url}`: this lyre was built without HTTPS (the `tls` feature); use \
                 http:// or a build with `--features tls`",
                path.display()
            );
        }
        if config.files.is_empty() {
            bail!(
                "{}: no `[[file]]` entries: nothing to keep current",
                path.display()
            );
        }
        Ok(config)
    }

    /// The file entries with their defaults, checked.
    pub fn targets(&self) -> anyhow::Result<Vec<Target>> {
        let mut targets: Vec<Target> = Vec::new();
        for (i, entry) in self.files.iter().enumerate() {
            let name = format!("file {} ({})", i + 1, entry.path.display());
            let app_id = entry
                .app_id
                .clone()
                .or_else(|| self.app_id.clone())
                .filter(|a| !a.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("{name}: no `app_id` (set it here or on top)"))?;
            let mode = match &entry.mode {
                None => 0o644,
                Some(text) => u32::from_str_radix(text.trim_start_matches("0o"), 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{name}: `mode` {text:?} is not an octal mode like \"0640\""
                        )
                    })?,
            };
            if entry.namespace.trim().is_empty() {
                bail!("{name}: `namespace` is empty");
            }
            if targets.iter().any(|t| t.path == entry.path) {
                bail!("{name}: another entry writes the same file");
            }
            targets.push(Target {
                name,
                app_id,
                cluster: entry
                    .cluster
                    .clone()
                    .or_else(|| self.cluster.clone())
                    .unwrap_or_else(|| "default".into()),
                namespace: entry.namespace.clone(),
                path: entry.path.clone(),
                template: entry.template.clone(),
                mode,
                owner: entry.owner.clone(),
                group: entry.group.clone(),
                command: entry.command.clone().filter(|c| !c.trim().is_empty()),
            });
        }
        Ok(targets)
    }

    pub fn debounce(&self) -> Duration {
        Duration::from_millis(self.debounce_ms)
    }

    pub fn command_timeout(&self) -> Duration {
        Duration::from_secs(self.command_timeout_secs.max(1))
    }

    pub fn retry_interval(&self) -> Duration {
        Duration::from_secs(self.retry_secs.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Vec<Target>> {
        let config: AgentConfig = toml::from_str(text)?;
        config.targets()
    }

    #[test]
    fn entries_take_the_defaults_and_name_their_problems() {
        let targets = parse(
            "meta_servers = [\"http://m/DEV\"]\napp_id = \"shop\"\n\
             [[file]]\nnamespace = \"application\"\npath = \"/etc/a\"\nmode = \"0640\"\n\
             [[file]]\napp_id = \"other\"\ncluster = \"east\"\nnamespace = \"db.yaml\"\npath = \"/etc/b\"\n",
        )
        .unwrap();
        assert_eq!(
            (
                targets[0].app_id.as_str(),
                targets[0].cluster.as_str(),
                targets[0].mode
            ),
            ("shop", "default", 0o640)
        );
        assert_eq!(
            (
                targets[1].app_id.as_str(),
                targets[1].cluster.as_str(),
                targets[1].mode
            ),
            ("other", "east", 0o644)
        );

        let no_app = parse("[[file]]\nnamespace = \"a\"\npath = \"/x\"\n").unwrap_err();
        assert!(
            no_app.to_string().contains("file 1 (/x): no `app_id`"),
            "{no_app}"
        );
        let bad_mode =
            parse("app_id = \"a\"\n[[file]]\nnamespace = \"a\"\npath = \"/x\"\nmode = \"rw\"\n")
                .unwrap_err();
        assert!(bad_mode.to_string().contains("octal"), "{bad_mode}");
        let twice = parse(
            "app_id = \"a\"\n[[file]]\nnamespace = \"a\"\npath = \"/x\"\n[[file]]\nnamespace = \"b\"\npath = \"/x\"\n",
        )
        .unwrap_err();
        assert!(twice.to_string().contains("file 2"), "{twice}");
        let unknown: Result<AgentConfig, _> =
            toml::from_str("[[file]]\nnamespce = \"a\"\npath = \"/x\"\n");
        assert!(unknown.unwrap_err().to_string().contains("namespce"));
    }
}

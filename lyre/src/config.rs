//! Configuration, layered: defaults < `lyre.toml` < `LYRE_*` environment variables < flags.
//!
//! Every setting has one name in three spellings: `database_url` in `lyre.toml`,
//! `LYRE_DATABASE_URL` in the environment, `--database-url` on the command line. The README's
//! configuration table lists them all; `lyre --help` prints them too.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::builder::BoolishValueParser;
use lyre_service_kit::credential::ServiceCredential;
use serde::Deserialize;

/// A service `lyre` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The config service, with the meta server on the same port.
    ConfigService,
    /// The admin service.
    AdminService,
    /// The portal (web UI and its API).
    Portal,
    /// All of the above.
    All,
}

/// Settings as given in one layer: each is `None` when that layer does not set it.
#[derive(Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Database URL: `sqlite:<path>`, `postgres://user:pass@host/db` or `mysql://user:pass@host/db`
    /// [default: sqlite:./data/lyre.db]
    #[arg(long, env = "LYRE_DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Largest number of pooled database connections per process [default: 10]
    #[arg(long, env = "LYRE_DATABASE_MAX_CONNECTIONS", global = true)]
    pub database_max_connections: Option<u32>,

    /// Environments served, comma separated; the first is the default [default: DEV,PRO]
    #[arg(long, env = "LYRE_ENVS", value_delimiter = ',', global = true)]
    pub envs: Option<Vec<String>>,

    /// Services to run: config-service, admin-service, portal or all; repeatable or comma
    /// separated [default: all]
    #[arg(
        long = "target",
        env = "LYRE_TARGETS",
        value_delimiter = ',',
        global = true
    )]
    pub targets: Option<Vec<Target>>,

    /// Address the portal listens on [default: 0.0.0.0:8070]
    #[arg(long, env = "LYRE_PORTAL_ADDR", global = true)]
    pub portal_addr: Option<String>,

    /// Address the config service and meta server listen on [default: 0.0.0.0:8080]
    #[arg(long, env = "LYRE_CONFIG_ADDR", global = true)]
    pub config_addr: Option<String>,

    /// Address the admin service listens on [default: 0.0.0.0:8090]
    #[arg(long, env = "LYRE_ADMIN_ADDR", global = true)]
    pub admin_addr: Option<String>,

    /// URL the config service announces to clients through the meta server
    /// [default: http://<this host's IP>:<config port>/]
    #[arg(long, env = "LYRE_CONFIG_URL", global = true)]
    pub config_url: Option<String>,

    /// URL the admin service announces through the meta server
    /// [default: http://<this host's IP>:<admin port>/]
    #[arg(long, env = "LYRE_ADMIN_URL", global = true)]
    pub admin_url: Option<String>,

    /// Meta server the portal asks; an environment's is `<meta_url>/<ENV>`
    /// [default: http://127.0.0.1:<config port>]
    #[arg(long, env = "LYRE_META_URL", global = true)]
    pub meta_url: Option<String>,

    /// Per-environment meta servers for the portal, overriding meta_url:
    /// `DEV=http://meta-dev:8080,PRO=http://meta-pro:8080`
    #[arg(long, env = "LYRE_META_URLS", global = true)]
    pub meta_urls: Option<String>,

    /// Tokens of the admin service credential, comma separated, each at least 32 characters.
    /// The admin service accepts any of them, the meta server lists admin services only to
    /// their holders, and a portal in another process presents the first. Several at once let
    /// a credential be rotated [default: none]
    #[arg(
        long,
        env = "LYRE_ADMIN_TOKENS",
        value_delimiter = ',',
        hide_env_values = true,
        global = true
    )]
    pub admin_tokens: Option<Vec<String>>,

    /// A file of admin service tokens, one a line (blank lines and `#` comments skipped),
    /// read at start and added after admin_tokens [default: none]
    #[arg(long, env = "LYRE_ADMIN_TOKENS_FILE", global = true)]
    pub admin_tokens_file: Option<PathBuf>,

    /// Keys that seal secret item values, `id:base64-of-32-bytes`, comma-separated (`lyre
    /// secrets new-key` makes one); the first seals, every one opens: put a new key first,
    /// then run `lyre secrets rotate` [default: none, secret items cannot be written]
    #[arg(
        long,
        env = "LYRE_SECRET_KEYS",
        value_delimiter = ',',
        hide_env_values = true,
        global = true
    )]
    pub secret_keys: Option<Vec<String>>,

    /// A file of secret keys, one `id:base64` a line (blank lines and `#` comments skipped),
    /// read at start after secret_keys [default: none]
    #[arg(long, env = "LYRE_SECRET_KEYS_FILE", global = true)]
    pub secret_keys_file: Option<PathBuf>,

    /// Run the admin service without a credential: anyone who reaches its port can change
    /// every configuration. Only for a network nothing else can reach [default: false]
    #[arg(long, env = "LYRE_ADMIN_INSECURE", value_parser = BoolishValueParser::new(), global = true)]
    pub admin_insecure: Option<bool>,

    /// Password of the super admin `admin`, used only when the account is first created
    /// [default: random, printed once]
    #[arg(
        long,
        env = "LYRE_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,

    /// Key that signs session tokens, at least 32 characters; every portal replica needs the
    /// same [default: generated once and kept in the database]
    #[arg(long, env = "LYRE_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// How long a portal session lasts, in seconds [default: 43200]
    #[arg(long, env = "LYRE_SESSION_TTL_SECS", global = true)]
    pub session_ttl_secs: Option<u64>,

    /// Proxies in front of the portal (addresses or CIDR blocks, comma-separated, e.g. the
    /// ingress's) whose `X-Forwarded-For` names the client; anyone else's is ignored
    /// [default: none: the client is the connection's address]
    #[arg(
        long,
        env = "LYRE_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Option<Vec<String>>,

    /// Mark the session cookie `Secure` (when the portal is served over HTTPS) [default: false]
    #[arg(long, env = "LYRE_COOKIE_SECURE", value_parser = BoolishValueParser::new(), global = true)]
    pub cookie_secure: Option<bool>,

    /// How long a long poll is held before answering 304, in seconds (1 to 90) [default: 60]
    #[arg(long, env = "LYRE_LONG_POLL_TIMEOUT_SECS", global = true)]
    pub long_poll_timeout_secs: Option<u64>,

    /// How long the config service remembers an instance it has not seen since, in seconds
    /// [default: 604800, a week]
    #[arg(long, env = "LYRE_INSTANCE_RETENTION_SECS", global = true)]
    pub instance_retention_secs: Option<u64>,

    /// Blocks inside the network (addresses or CIDR blocks, comma-separated) that webhooks may
    /// reach anyway; every other loopback, private, link-local or reserved address is refused
    /// [default: none]
    #[arg(
        long,
        env = "LYRE_WEBHOOK_ALLOW_NETWORKS",
        value_delimiter = ',',
        global = true
    )]
    pub webhook_allow_networks: Option<Vec<String>>,

    /// The pause after a webhook delivery's first failed attempt, in milliseconds; doubled
    /// after each further one, at most an hour [default: 10000]
    #[arg(long, env = "LYRE_WEBHOOK_FIRST_RETRY_MS", global = true)]
    pub webhook_first_retry_ms: Option<u64>,

    /// How long a webhook delivery is tried before it is given up, in seconds [default: 86400,
    /// a day]
    #[arg(long, env = "LYRE_WEBHOOK_GIVE_UP_SECS", global = true)]
    pub webhook_give_up_secs: Option<u64>,

    /// Releases kept per namespace (and gray branch) beyond those always kept (the active one,
    /// and those a gray branch, an open release request, an open rollout or an instance
    /// needs); 0 keeps every release [default: 0]
    #[arg(long, env = "LYRE_RETAIN_RELEASES", global = true)]
    pub retain_releases: Option<u64>,

    /// Days commits (the change history of items) are kept; 0 keeps them [default: 0]
    #[arg(long, env = "LYRE_RETAIN_COMMITS_DAYS", global = true)]
    pub retain_commits_days: Option<u64>,

    /// Days audit rows are kept; 0 keeps them [default: 0]
    #[arg(long, env = "LYRE_RETAIN_AUDIT_DAYS", global = true)]
    pub retain_audit_days: Option<u64>,

    /// Days webhook deliveries that were sent or given up (and their events) are kept
    /// [default: 30]
    #[arg(long, env = "LYRE_RETAIN_WEBHOOK_DELIVERIES_DAYS", global = true)]
    pub retain_webhook_deliveries_days: Option<u64>,

    /// How often the retention job runs, in seconds [default: 600]
    #[arg(long, env = "LYRE_RETENTION_INTERVAL_SECS", global = true)]
    pub retention_interval_secs: Option<u64>,

    /// Instances recorded per app and environment at the most; reads name their own `ip`, so
    /// this bounds what anyone can make the config service store [default: 10000]
    #[arg(long, env = "LYRE_INSTANCES_PER_APP", global = true)]
    pub instances_per_app: Option<u64>,

    /// Seconds a client has to send a whole request head once it started one (slow clients
    /// are cut off) [default: 10]
    #[arg(long, env = "LYRE_HEAD_TIMEOUT_SECS", global = true)]
    pub head_timeout_secs: Option<u64>,

    /// Seconds a client has to send a request's whole body once its head is in; a slower one is
    /// answered 408 and cut off [default: 30]
    #[arg(long, env = "LYRE_BODY_TIMEOUT_SECS", global = true)]
    pub body_timeout_secs: Option<u64>,

    /// Seconds a connection may sit idle between requests before it is closed [default: 60]
    #[arg(long, env = "LYRE_IDLE_TIMEOUT_SECS", global = true)]
    pub idle_timeout_secs: Option<u64>,

    /// Connections served at once by this process, on all its ports; past it, a connection is
    /// answered 503 and closed [default: the open-file limit less 128]
    #[arg(long, env = "LYRE_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,

    /// How often config services scan for new release messages, in milliseconds [default: 100]
    #[arg(long, env = "LYRE_SCAN_INTERVAL_MS", global = true)]
    pub scan_interval_ms: Option<u64>,

    /// Entries each of the config service's in-memory caches keeps before starting afresh
    /// [default: 200000]
    #[arg(long, env = "LYRE_CACHE_ENTRIES", global = true)]
    pub cache_entries: Option<usize>,

    /// Longest item key accepted, in characters, at most 512 [default: 128]
    #[arg(long, env = "LYRE_ITEM_KEY_MAX_LENGTH", global = true)]
    pub item_key_max_length: Option<usize>,

    /// Longest item value (a file namespace's whole content) accepted, in characters
    /// [default: 20000]
    #[arg(long, env = "LYRE_ITEM_VALUE_MAX_LENGTH", global = true)]
    pub item_value_max_length: Option<usize>,

    /// A folder of the built web UI to serve instead of the one built into the binary (for
    /// working on the UI) [default: the one built in]
    #[arg(long, env = "LYRE_UI_DIR", global = true)]
    pub ui_dir: Option<PathBuf>,

    /// Apply database migrations at start [default: true]
    #[arg(long, env = "LYRE_MIGRATE", value_parser = BoolishValueParser::new(), global = true)]
    pub migrate: Option<bool>,

    /// Log filter, e.g. `info` or `lyre=debug,info` [default: info]
    #[arg(long, env = "LYRE_LOG", global = true)]
    pub log: Option<String>,

    /// Log format: `text` or `json` [default: text]
    #[arg(long, env = "LYRE_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,

    /// How people sign in to the portal: the `[sign_in]` table of lyre.toml (local passwords,
    /// OpenID Connect, LDAP, groups mapped to roles; see docs/sign-in.md). File only.
    #[arg(skip)]
    pub sign_in: Option<lyre_portal::SignInSettings>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &self.database_url.as_deref().map(lyre_store::redact_url),
            )
            .field("envs", &self.envs)
            .field("targets", &self.targets)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// `self`, with what it leaves unset taken from `lower`.
    fn or(self, lower: Self) -> Self {
        Self {
            database_url: self.database_url.or(lower.database_url),
            database_max_connections: self
                .database_max_connections
                .or(lower.database_max_connections),
            envs: self.envs.or(lower.envs),
            targets: self.targets.or(lower.targets),
            portal_addr: self.portal_addr.or(lower.portal_addr),
            config_addr: self.config_addr.or(lower.config_addr),
            admin_addr: self.admin_addr.or(lower.admin_addr),
            config_url: self.config_url.or(lower.config_url),
            admin_url: self.admin_url.or(lower.admin_url),
            meta_url: self.meta_url.or(lower.meta_url),
            meta_urls: self.meta_urls.or(lower.meta_urls),
            admin_tokens: self.admin_tokens.or(lower.admin_tokens),
            admin_tokens_file: self.admin_tokens_file.or(lower.admin_tokens_file),
            admin_insecure: self.admin_insecure.or(lower.admin_insecure),
            secret_keys: self.secret_keys.or(lower.secret_keys),
            secret_keys_file: self.secret_keys_file.or(lower.secret_keys_file),
            admin_password: self.admin_password.or(lower.admin_password),
            jwt_secret: self.jwt_secret.or(lower.jwt_secret),
            session_ttl_secs: self.session_ttl_secs.or(lower.session_ttl_secs),
            cookie_secure: self.cookie_secure.or(lower.cookie_secure),
            trusted_proxies: self.trusted_proxies.or(lower.trusted_proxies),
            long_poll_timeout_secs: self.long_poll_timeout_secs.or(lower.long_poll_timeout_secs),
            scan_interval_ms: self.scan_interval_ms.or(lower.scan_interval_ms),
            head_timeout_secs: self.head_timeout_secs.or(lower.head_timeout_secs),
            idle_timeout_secs: self.idle_timeout_secs.or(lower.idle_timeout_secs),
            body_timeout_secs: self.body_timeout_secs.or(lower.body_timeout_secs),
            max_connections: self.max_connections.or(lower.max_connections),
            instance_retention_secs: self
                .instance_retention_secs
                .or(lower.instance_retention_secs),
            instances_per_app: self.instances_per_app.or(lower.instances_per_app),
            retain_releases: self.retain_releases.or(lower.retain_releases),
            retain_commits_days: self.retain_commits_days.or(lower.retain_commits_days),
            retain_audit_days: self.retain_audit_days.or(lower.retain_audit_days),
            retain_webhook_deliveries_days: self
                .retain_webhook_deliveries_days
                .or(lower.retain_webhook_deliveries_days),
            retention_interval_secs: self
                .retention_interval_secs
                .or(lower.retention_interval_secs),
            webhook_allow_networks: self.webhook_allow_networks.or(lower.webhook_allow_networks),
            webhook_first_retry_ms: self.webhook_first_retry_ms.or(lower.webhook_first_retry_ms),
            webhook_give_up_secs: self.webhook_give_up_secs.or(lower.webhook_give_up_secs),
            cache_entries: self.cache_entries.or(lower.cache_entries),
            item_key_max_length: self.item_key_max_length.or(lower.item_key_max_length),
            item_value_max_length: self.item_value_max_length.or(lower.item_value_max_length),
            ui_dir: self.ui_dir.or(lower.ui_dir),
            migrate: self.migrate.or(lower.migrate),
            log: self.log.or(lower.log),
            log_format: self.log_format.or(lower.log_format),
            sign_in: self.sign_in.or(lower.sign_in),
        }
    }
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// For people.
    Text,
    /// One JSON object per line.
    Json,
}

/// The validated configuration of one `lyre` process.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub database_max_connections: u32,
    pub envs: Vec<String>,
    pub targets: Vec<Target>,
    pub portal_addr: String,
    pub config_addr: String,
    pub admin_addr: String,
    pub config_url: Option<String>,
    pub admin_url: Option<String>,
    pub meta_url: String,
    pub meta_urls: BTreeMap<String, String>,
    /// The admin service credential (tokens, or explicitly insecure).
    pub admin_credential: ServiceCredential,
    /// The keys that seal and open secret item values.
    pub secrets: std::sync::Arc<lyre_store::secrets::KeyRing>,
    pub admin_password: Option<String>,
    pub jwt_secret: Option<String>,
    pub session_ttl: Duration,
    pub cookie_secure: bool,
    pub trusted_proxies: lyre_portal::TrustedProxies,
    pub sign_in: lyre_portal::SignIn,
    pub long_poll_timeout: Duration,
    pub scan_interval: Duration,
    pub cache_entries: usize,
    pub instance_retention: Duration,
    pub instances_per_app: u64,
    pub webhooks: lyre_portal::WebhookSettings,
    pub retention: lyre_admin_service::RetentionPolicy,
    pub connections: lyre_service_kit::ConnectionLimits,
    pub item_key_max_length: usize,
    pub item_value_max_length: usize,
    pub ui_dir: Option<PathBuf>,
    pub migrate: bool,
    pub log: String,
    pub log_format: LogFormat,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &lyre_store::redact_url(&self.database_url))
            .field("envs", &self.envs)
            .field("targets", &self.targets)
            .field("portal_addr", &self.portal_addr)
            .field("config_addr", &self.config_addr)
            .field("admin_addr", &self.admin_addr)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Whether `target` is to run.
    pub fn runs(&self, target: Target) -> bool {
        self.targets.contains(&Target::All) || self.targets.contains(&target)
    }

    /// Whether the admin service opens its port. With the portal in the same process the
    /// portal calls it in process, and the port opens only when a credential is configured
    /// (for portals or scripts elsewhere) or the operator chose the insecure mode.
    pub fn admin_listens(&self) -> bool {
        self.runs(Target::AdminService)
            && (!self.runs(Target::Portal)
                || self.admin_credential.has_tokens()
                || self.admin_credential.is_insecure())
    }
}

/// The `[sign_in]` table, checked. An https:// identity provider needs a build with HTTPS.
fn sign_in(settings: lyre_portal::SignInSettings) -> anyhow::Result<lyre_portal::SignIn> {
    if let Some(oidc) = &settings.oidc
        && oidc
            .issuer
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("https:")
        && !cfg!(feature = "tls")
    {
        bail!(
            "sign_in.oidc.issuer `{}`: this lyre was built without HTTPS (the `tls` feature), \
             so it cannot reach the provider; use the container image or a build with \
             `--features tls`",
            oidc.issuer
        );
    }
    lyre_portal::SignIn::new(settings).map_err(|e| anyhow::anyhow!(e))
}

/// Reads `lyre.toml`: `path` when given (it must exist), else `./lyre.toml` when present.
pub fn read_file(path: Option<&Path>) -> anyhow::Result<Settings> {
    let (path, required) = match path {
        Some(path) => (path.to_owned(), true),
        None => (PathBuf::from("lyre.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Settings::default());
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    toml::from_str(&text).map_err(|e| {
        let message = e.message().to_owned();
        match e.span() {
            Some(span) => {
                let line = text[..span.start].matches('\n').count() + 1;
                anyhow::anyhow!("{} line {line}: {message}", path.display())
            }
            None => anyhow::anyhow!("{}: {message}", path.display()),
        }
    })
}

/// Combines the layers (`cli` already holds flags over environment variables) and checks
/// every value.
pub fn resolve(cli: Settings, file: Settings) -> anyhow::Result<Config> {
    let s = cli.or(file);
    let retention = retention(&s)?;

    let database_url = s
        .database_url
        .unwrap_or_else(|| "sqlite:./data/lyre.db".into());
    lyre_store::db::backend_of(&database_url)?;

    let envs = parse_envs(s.envs.unwrap_or_else(|| vec!["DEV".into(), "PRO".into()]))?;
    let targets = s.targets.unwrap_or_else(|| vec![Target::All]);
    if targets.is_empty() {
        bail!("no target given: use config-service, admin-service, portal or all");
    }

    let portal_addr = check_addr("portal_addr", s.portal_addr, "0.0.0.0:8070")?;
    let config_addr = check_addr("config_addr", s.config_addr, "0.0.0.0:8080")?;
    let admin_addr = check_addr("admin_addr", s.admin_addr, "0.0.0.0:8090")?;
    let config_url = check_url("config_url", s.config_url)?;
    let admin_url = check_url("admin_url", s.admin_url)?;
    let config_port = config_addr.rsplit_once(':').map_or("8080", |(_, p)| p);
    let meta_url = check_url("meta_url", s.meta_url)?
        .unwrap_or_else(|| format!("http://127.0.0.1:{config_port}"));
    let meta_urls = parse_meta_urls(s.meta_urls.as_deref().unwrap_or(""), &envs)?;

    let admin_credential = admin_credential(
        s.admin_tokens.unwrap_or_default(),
        s.admin_tokens_file.as_deref(),
        s.admin_insecure.unwrap_or(false),
    )?;
    if let Some(secret) = &s.jwt_secret
        && secret.chars().count() < 32
    {
        bail!("jwt_secret (LYRE_JWT_SECRET) must be at least 32 characters");
    }
    if let Some(password) = &s.admin_password
        && password.chars().count() < 8
    {
        bail!("admin_password (LYRE_ADMIN_PASSWORD) must be at least 8 characters");
    }
    let session_ttl_secs = s.session_ttl_secs.unwrap_or(12 * 3600);
    if !(60..=30 * 24 * 3600).contains(&session_ttl_secs) {
        bail!("session_ttl_secs must be between 60 and 2592000 (30 days), not {session_ttl_secs}");
    }
    let database_max_connections = s.database_max_connections.unwrap_or(10);
    if database_max_connections == 0 {
        bail!("database_max_connections must be at least 1");
    }
    let long_poll_timeout_secs = s.long_poll_timeout_secs.unwrap_or(60);
    if !(1..=90).contains(&long_poll_timeout_secs) {
        bail!("long_poll_timeout_secs must be between 1 and 90, not {long_poll_timeout_secs}");
    }
    let scan_interval_ms = s.scan_interval_ms.unwrap_or(100);
    if !(10..=60_000).contains(&scan_interval_ms) {
        bail!("scan_interval_ms must be between 10 and 60000, not {scan_interval_ms}");
    }
    let defaults = lyre_service_kit::ConnectionLimits::default();
    let head_timeout_secs = s
        .head_timeout_secs
        .unwrap_or(defaults.head_timeout.as_secs());
    if !(1..=300).contains(&head_timeout_secs) {
        bail!("head_timeout_secs must be between 1 and 300, not {head_timeout_secs}");
    }
    let idle_timeout_secs = s
        .idle_timeout_secs
        .unwrap_or(defaults.idle_timeout.as_secs());
    if !(1..=3600).contains(&idle_timeout_secs) {
        bail!("idle_timeout_secs must be between 1 and 3600, not {idle_timeout_secs}");
    }
    let body_timeout_secs = s
        .body_timeout_secs
        .unwrap_or(defaults.body_timeout.as_secs());
    if !(1..=3600).contains(&body_timeout_secs) {
        bail!("body_timeout_secs must be between 1 and 3600, not {body_timeout_secs}");
    }
    let max_connections = s.max_connections.unwrap_or(defaults.max_connections);
    if max_connections < 1 {
        bail!("max_connections must be at least 1");
    }
    let connections = lyre_service_kit::ConnectionLimits {
        head_timeout: Duration::from_secs(head_timeout_secs),
        idle_timeout: Duration::from_secs(idle_timeout_secs),
        body_timeout: Duration::from_secs(body_timeout_secs),
        max_connections,
    };
    let instance_retention_secs = s.instance_retention_secs.unwrap_or(7 * 24 * 3600);
    if !(60..=366 * 24 * 3600).contains(&instance_retention_secs) {
        bail!(
            "instance_retention_secs must be between 60 and 31622400 (a year), not {instance_retention_secs}"
        );
    }
    let instances_per_app = s.instances_per_app.unwrap_or(10_000);
    if !(1..=10_000_000).contains(&instances_per_app) {
        bail!("instances_per_app must be between 1 and 10000000, not {instances_per_app}");
    }
    let cache_entries = s
        .cache_entries
        .unwrap_or(lyre_config_service::DEFAULT_CACHE_ENTRIES);
    if !(100..=10_000_000).contains(&cache_entries) {
        bail!("cache_entries must be between 100 and 10000000, not {cache_entries}");
    }
    let item_key_max_length = s
        .item_key_max_length
        .unwrap_or(lyre_admin_service::DEFAULT_KEY_MAX_LENGTH);
    if !(1..=lyre_admin_service::KEY_MAX_LENGTH_LIMIT).contains(&item_key_max_length) {
        bail!(
            "item_key_max_length must be between 1 and {}, not {item_key_max_length}",
            lyre_admin_service::KEY_MAX_LENGTH_LIMIT
        );
    }
    let item_value_max_length = s
        .item_value_max_length
        .unwrap_or(lyre_admin_service::DEFAULT_VALUE_MAX_LENGTH);
    if item_value_max_length == 0 {
        bail!("item_value_max_length must be at least 1");
    }
    let mut webhooks = lyre_portal::WebhookSettings::allowing(
        s.webhook_allow_networks.as_deref().unwrap_or_default(),
    )
    .map_err(|e| anyhow::anyhow!("webhook_allow_networks (LYRE_WEBHOOK_ALLOW_NETWORKS): {e}"))?;
    webhooks.https = cfg!(feature = "tls");
    let first_retry_ms = s.webhook_first_retry_ms.unwrap_or(10_000);
    if !(100..=3_600_000).contains(&first_retry_ms) {
        bail!(
            "webhook_first_retry_ms must be between 100 and 3600000 (an hour), not {first_retry_ms}"
        );
    }
    webhooks.first_retry = Duration::from_millis(first_retry_ms);
    let give_up_secs = s.webhook_give_up_secs.unwrap_or(24 * 3600);
    if !(1..=30 * 24 * 3600).contains(&give_up_secs) {
        bail!("webhook_give_up_secs must be between 1 and 2592000 (30 days), not {give_up_secs}");
    }
    webhooks.give_up_after = Duration::from_secs(give_up_secs);
    let secrets = secret_keys(
        s.secret_keys.as_deref().unwrap_or_default(),
        s.secret_keys_file.as_deref(),
    )?;
    webhooks.secrets = std::sync::Arc::new(secrets);
    let log_format = match s.log_format.as_deref().unwrap_or("text") {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => bail!("log_format must be `text` or `json`, not `{other}`"),
    };

    let config = Config {
        database_url,
        database_max_connections,
        envs,
        targets,
        portal_addr,
        config_addr,
        admin_addr,
        config_url,
        admin_url,
        meta_url,
        meta_urls,
        admin_credential,
        secrets: webhooks.secrets.clone(),
        admin_password: s.admin_password,
        jwt_secret: s.jwt_secret,
        session_ttl: Duration::from_secs(session_ttl_secs),
        cookie_secure: s.cookie_secure.unwrap_or(false),
        trusted_proxies: lyre_portal::TrustedProxies::parse(
            s.trusted_proxies.as_deref().unwrap_or_default(),
        )
        .map_err(|e| anyhow::anyhow!("trusted_proxies (LYRE_TRUSTED_PROXIES): {e}"))?,
        sign_in: sign_in(s.sign_in.unwrap_or_default())?,
        long_poll_timeout: Duration::from_secs(long_poll_timeout_secs),
        scan_interval: Duration::from_millis(scan_interval_ms),
        cache_entries,
        instance_retention: Duration::from_secs(instance_retention_secs),
        instances_per_app,
        webhooks,
        retention,
        connections,
        item_key_max_length,
        item_value_max_length,
        ui_dir: s.ui_dir,
        migrate: s.migrate.unwrap_or(true),
        log: s.log.unwrap_or_else(|| "info".into()),
        log_format,
    };
    // An admin service on a port of its own changes every configuration: it needs a credential.
    if config.admin_listens()
        && !config.admin_credential.has_tokens()
        && !config.admin_credential.is_insecure()
    {
        bail!(
            "the admin service listens on admin_addr and changes every configuration, so it needs \
             a credential: set admin_tokens (LYRE_ADMIN_TOKENS) or admin_tokens_file, each token \
             at least 32 characters (e.g. `openssl rand -hex 32`); or set admin_insecure \
             (LYRE_ADMIN_INSECURE=true) to let anyone who reaches the port in"
        );
    }
    Ok(config)
}

/// The admin service credential from the tokens given directly and those in `file`.
fn admin_credential(
    mut tokens: Vec<String>,
    file: Option<&Path>,
    insecure: bool,
) -> anyhow::Result<ServiceCredential> {
    tokens.retain(|t| !t.trim().is_empty());
    for token in &mut tokens {
        *token = token.trim().to_owned();
    }
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).with_context(|| {
            format!(
                "cannot read admin_tokens_file (LYRE_ADMIN_TOKENS_FILE) {}",
                file.display()
            )
        })?;
        tokens.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let credential = ServiceCredential::tokens(&tokens)
        .map_err(|e| anyhow::anyhow!("admin_tokens (LYRE_ADMIN_TOKENS): {e}"))?;
    Ok(if insecure {
        credential.insecure()
    } else {
        credential
    })
}

/// The secret key ring from the keys given directly and those in `file`.
pub fn secret_keys(
    keys: &[String],
    file: Option<&Path>,
) -> anyhow::Result<lyre_store::secrets::KeyRing> {
    let mut text = keys.join("\n");
    if let Some(file) = file {
        let read = std::fs::read_to_string(file).with_context(|| {
            format!(
                "cannot read secret_keys_file (LYRE_SECRET_KEYS_FILE) {}",
                file.display()
            )
        })?;
        text.push('\n');
        text.push_str(&read);
    }
    lyre_store::secrets::KeyRing::parse(&text)
        .map_err(|e| anyhow::anyhow!("secret_keys (LYRE_SECRET_KEYS): {e}"))
}

/// Environment names: letters, digits, `_` and `-`, at most 32; kept upper case and unique.
fn parse_envs(envs: Vec<String>) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for env in envs {
        let env = env.trim().to_ascii_uppercase();
        if env.is_empty() {
            continue;
        }
        if env.len() > 32
            || !env
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!("invalid environment name `{env}`: use at most 32 letters, digits, `_` or `-`");
        }
        if out.contains(&env) {
            bail!("environment `{env}` is listed twice in envs");
        }
        out.push(env);
    }
    if out.is_empty() {
        bail!("envs must name at least one environment");
    }
    Ok(out)
}

fn check_addr(name: &str, value: Option<String>, default: &str) -> anyhow::Result<String> {
    let value = value.unwrap_or_else(|| default.to_owned());
    let port_ok = value
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !port_ok && value.parse::<SocketAddr>().is_err() {
        bail!("{name} must be `host:port` (e.g. 0.0.0.0:8080), not `{value}`");
    }
    Ok(value)
}

fn check_url(name: &str, value: Option<String>) -> anyhow::Result<Option<String>> {
    match value {
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            bail!("{name} must be an http:// or https:// URL, not `{url}`")
        }
        other => Ok(other),
    }
}

/// `DEV=http://a,PRO=http://b`.
fn parse_meta_urls(text: &str, envs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((env, url)) = pair.split_once('=') else {
            bail!("meta_urls entries must look like `PRO=http://meta:8080`, not `{pair}`");
        };
        let env = env.trim().to_ascii_uppercase();
        if !envs.contains(&env) {
            bail!(
                "meta_urls names `{env}`, which is not one of envs ({})",
                envs.join(",")
            );
        }
        let url = check_url("meta_urls", Some(url.trim().to_owned()))?.unwrap_or_default();
        out.insert(env, url);
    }
    Ok(out)
}

/// The retention policy of `s`, checked.
fn retention(s: &Settings) -> anyhow::Result<lyre_admin_service::RetentionPolicy> {
    const DAY: u64 = 24 * 3600;
    let days = |name: &str, value: Option<u64>| -> anyhow::Result<Option<Duration>> {
        match value.unwrap_or(0) {
            0 => Ok(None),
            d if d <= 36_500 => Ok(Some(Duration::from_secs(d * DAY))),
            d => bail!("{name} must be between 0 (keep) and 36500 days, not {d}"),
        }
    };
    let deliveries = s.retain_webhook_deliveries_days.unwrap_or(30);
    if !(1..=36_500).contains(&deliveries) {
        bail!("retain_webhook_deliveries_days must be between 1 and 36500, not {deliveries}");
    }
    let interval = s.retention_interval_secs.unwrap_or(600);
    if !(1..=7 * DAY).contains(&interval) {
        bail!("retention_interval_secs must be between 1 and 604800 (a week), not {interval}");
    }
    Ok(lyre_admin_service::RetentionPolicy {
        releases: s.retain_releases.unwrap_or(0),
        commits: days("retain_commits_days", s.retain_commits_days)?,
        audit: days("retain_audit_days", s.retain_audit_days)?,
        deliveries: Duration::from_secs(deliveries * DAY),
        interval: Duration::from_secs(interval),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(f: impl FnOnce(&mut Settings)) -> Settings {
        let mut s = Settings::default();
        f(&mut s);
        s
    }

    #[test]
    fn defaults() {
        let c = resolve(Settings::default(), Settings::default()).unwrap();
        assert_eq!(c.database_url, "sqlite:./data/lyre.db");
        assert_eq!(c.envs, ["DEV", "PRO"]);
        assert_eq!(c.targets, [Target::All]);
        assert_eq!(
            (
                c.portal_addr.as_str(),
                c.config_addr.as_str(),
                c.admin_addr.as_str()
            ),
            ("0.0.0.0:8070", "0.0.0.0:8080", "0.0.0.0:8090")
        );
        assert_eq!(c.meta_url, "http://127.0.0.1:8080");
        assert!(c.migrate && !c.cookie_secure);
        assert_eq!(c.session_ttl, Duration::from_secs(43_200));
        assert!(c.runs(Target::Portal) && c.runs(Target::ConfigService));
        assert!(
            c.runs(Target::AdminService) && !c.admin_listens(),
            "the all-in-one calls the admin service in process and opens no admin port"
        );
    }

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_admin_port_opens_only_with_a_credential_or_by_explicit_choice() {
        let admin_only = |f: fn(&mut Settings)| {
            resolve(
                settings(|s| {
                    s.targets = Some(vec![Target::AdminService]);
                    f(s);
                }),
                Settings::default(),
            )
        };
        let err = admin_only(|_| {}).unwrap_err().to_string();
        assert!(
            err.contains("needs a credential") && err.contains("LYRE_ADMIN_TOKENS"),
            "{err}"
        );
        let c = admin_only(|s| s.admin_tokens = Some(vec![TOKEN.into()])).unwrap();
        assert!(c.admin_listens() && c.admin_credential.has_tokens());
        let c = admin_only(|s| s.admin_insecure = Some(true)).unwrap();
        assert!(c.admin_listens() && c.admin_credential.is_insecure());
        let err = admin_only(|s| s.admin_tokens = Some(vec!["short".into()]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 32 characters"), "{err}");

        // The all-in-one opens the port when given a credential, for portals elsewhere.
        let c = resolve(
            settings(|s| s.admin_tokens = Some(vec![TOKEN.into()])),
            Settings::default(),
        )
        .unwrap();
        assert!(c.admin_listens());
    }

    #[test]
    fn sign_in_comes_from_the_file_with_its_secrets_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("oidc-secret");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let file = dir.path().join("lyre.toml");
        let toml = format!(
            r#"
[sign_in]
local = "off"

[sign_in.oidc]
name = "Acme SSO"
issuer = "http://sso.internal/realms/acme"
client_id = "lyre"
client_secret_file = "{}"
redirect_url = "http://lyre.internal/api/v1/auth/oidc/callback"

[sign_in.groups]
"lyre-admins" = ["SuperAdmin"]
"shop-devs" = ["Master+shop", "ReleaseNamespace+shop+*+DEV"]
"#,
            secret.display()
        );
        std::fs::write(&file, &toml).unwrap();
        let c = resolve(Settings::default(), read_file(Some(&file)).unwrap()).unwrap();
        assert_eq!(c.sign_in.local(), lyre_portal::LocalSignIn::Off);

        // A role that is not one, and a secret file that is missing, are named.
        let bad = toml.replace("\"Master+shop\"", "\"Owner+shop\"");
        std::fs::write(&file, &bad).unwrap();
        let err = resolve(Settings::default(), read_file(Some(&file)).unwrap()).unwrap_err();
        assert!(
            format!("{err:#}").contains("`Owner+shop` is not a role"),
            "{err:#}"
        );
        std::fs::remove_file(&secret).unwrap();
        std::fs::write(&file, &toml).unwrap();
        let err = resolve(Settings::default(), read_file(Some(&file)).unwrap()).unwrap_err();
        assert!(format!("{err:#}").contains("client_secret_file"), "{err:#}");
        // An unknown setting is a mistake, not ignored.
        std::fs::write(&file, "[sign_in.ldap]\nurl = \"ldap://x\"\nuser_base = \"o=x\"\nuser_filtre = \"(uid={username})\"\n").unwrap();
        let err = read_file(Some(&file)).unwrap_err();
        assert!(format!("{err:#}").contains("user_filtre"), "{err:#}");
    }

    #[test]
    fn admin_tokens_come_from_a_file_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        let second = "fedcba9876543210fedcba9876543210";
        std::fs::write(
            &path,
            format!("# rotated monthly\n{TOKEN}\n\n  {second}  \n"),
        )
        .unwrap();
        let c = resolve(
            settings(|s| {
                s.targets = Some(vec![Target::AdminService]);
                s.admin_tokens_file = Some(path.clone());
            }),
            Settings::default(),
        )
        .unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {second}").parse().unwrap());
        assert!(c.admin_credential.allows(&headers));
        assert_eq!(c.admin_credential.own_token(), Some(TOKEN));

        let missing = dir.path().join("missing");
        let err = resolve(
            settings(|s| s.admin_tokens_file = Some(missing)),
            Settings::default(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("admin_tokens_file"), "{err:#}");
    }

    #[test]
    fn upper_layers_win() {
        let file = settings(|s| {
            s.envs = Some(vec!["dev".into(), "uat".into()]);
            s.portal_addr = Some("127.0.0.1:9070".into());
            s.config_addr = Some("127.0.0.1:9080".into());
        });
        let cli = settings(|s| s.portal_addr = Some("127.0.0.1:7070".into()));
        let c = resolve(cli, file).unwrap();
        assert_eq!(c.envs, ["DEV", "UAT"], "from the file, upper-cased");
        assert_eq!(c.portal_addr, "127.0.0.1:7070", "the command line wins");
        assert_eq!(c.config_addr, "127.0.0.1:9080");
        assert_eq!(
            c.meta_url, "http://127.0.0.1:9080",
            "follows the config port"
        );
    }

    #[test]
    fn names_what_is_wrong() {
        let cases: Vec<(Settings, &str)> = vec![
            (
                settings(|s| s.database_url = Some("oracle://x/y".into())),
                "unsupported scheme",
            ),
            (
                settings(|s| s.envs = Some(vec!["DEV".into(), "D EV".into()])),
                "invalid environment name",
            ),
            (
                settings(|s| s.envs = Some(vec!["DEV".into(), "dev".into()])),
                "listed twice",
            ),
            (
                settings(|s| s.envs = Some(vec![])),
                "at least one environment",
            ),
            (
                settings(|s| s.portal_addr = Some("8070".into())),
                "portal_addr must be",
            ),
            (
                settings(|s| s.jwt_secret = Some("short".into())),
                "at least 32 characters",
            ),
            (
                settings(|s| s.admin_password = Some("1234".into())),
                "at least 8 characters",
            ),
            (
                settings(|s| s.session_ttl_secs = Some(5)),
                "session_ttl_secs",
            ),
            (
                settings(|s| s.log_format = Some("xml".into())),
                "log_format",
            ),
            (
                settings(|s| s.cache_entries = Some(10)),
                "cache_entries must be between 100",
            ),
            (
                settings(|s| s.meta_urls = Some("UAT=http://x".into())),
                "not one of envs",
            ),
            (
                settings(|s| s.config_url = Some("config:8080".into())),
                "config_url must be",
            ),
        ];
        for (s, expected) in cases {
            let err = resolve(s, Settings::default()).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "`{err}` should mention `{expected}`"
            );
        }
    }

    #[test]
    fn reads_the_file_and_reports_mistakes_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lyre.toml");
        std::fs::write(
            &path,
            "envs = [\"DEV\"]\ntargets = [\"portal\", \"admin-service\"]\nmeta_urls = \"DEV=http://m:8080\"\n",
        )
        .unwrap();
        let c = resolve(Settings::default(), read_file(Some(&path)).unwrap()).unwrap();
        assert_eq!(c.targets, [Target::Portal, Target::AdminService]);
        assert_eq!(c.meta_urls["DEV"], "http://m:8080");

        std::fs::write(&path, "envs = [\"DEV\"]\nportal_adr = \"x\"\n").unwrap();
        let err = read_file(Some(&path)).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("portal_adr"),
            "{err}"
        );

        assert!(read_file(Some(&dir.path().join("missing.toml"))).is_err());
    }
}

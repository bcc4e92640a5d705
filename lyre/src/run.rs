//! Starting the configured services in this process, and stopping them on a signal.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use lyre_admin_service::{AdminSettings, AdminState};
use lyre_config_service::{ConfigSettings, ConfigState};
use lyre_meta_server::MetaState;
use lyre_portal::{AdminLink, PortalSettings, PortalState};
use lyre_protocol::meta::{ADMIN_SERVICE, CONFIG_SERVICE};
use lyre_service_kit::credential::ServiceCredential;
use lyre_service_kit::server::os_signal;
use lyre_service_kit::{Shutdown, env::route_envs, heartbeat, net, trace};
use lyre_store::bus::ReleaseBus;
use lyre_store::registry::Registration;
use lyre_store::sea_orm::{DatabaseConnection, DbBackend};
use lyre_store::{DbOptions, redact_url};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::config::{Config, Target};

/// How often instances renew their registry entry.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long in-flight requests may take to finish once a shutdown begins.
const GRACE: Duration = Duration::from_secs(10);

/// Connects to the database the configuration names.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let mut options = DbOptions::new(config.database_url.clone());
    options.max_connections = config.database_max_connections;
    Ok(lyre_store::connect(&options).await?)
}

/// `lyre migrate`: applies pending migrations and reports what it did.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = connect(config).await?;
    let applied = lyre_store::migrate(&db)
        .await
        .context("migrating the database")?;
    let mut out = std::io::stdout().lock();
    if applied == 0 {
        writeln!(
            out,
            "The database {} is up to date.",
            redact_url(&config.database_url)
        )?;
    } else {
        writeln!(
            out,
            "Applied {applied} migration(s) to {}.",
            redact_url(&config.database_url)
        )?;
    }
    db.close().await?;
    Ok(())
}

struct Listeners {
    portal: Option<TcpListener>,
    config: Option<TcpListener>,
    admin: Option<TcpListener>,
}

/// Binds every listener first, so a port in use fails the start before anything changes.
async fn bind_all(config: &Config) -> anyhow::Result<Listeners> {
    let mut listeners = Listeners {
        portal: None,
        config: None,
        admin: None,
    };
    if config.runs(Target::ConfigService) {
        listeners.config =
            Some(lyre_service_kit::bind(&config.config_addr, "config service").await?);
    }
    if config.admin_listens() {
        listeners.admin = Some(lyre_service_kit::bind(&config.admin_addr, "admin service").await?);
    }
    if config.runs(Target::Portal) {
        listeners.portal = Some(lyre_service_kit::bind(&config.portal_addr, "portal").await?);
    }
    Ok(listeners)
}

/// Runs the configured services until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    // Signals are caught from here on, so one that comes while the services start still stops
    // them gracefully (background jobs give their leases back).
    let mut signalled = tokio::spawn(os_signal());
    lyre_service_kit::limit_connections(config.connections);
    let listeners = bind_all(&config).await?;
    let db = connect(&config).await?;
    if config.migrate {
        let applied = lyre_store::migrate(&db)
            .await
            .context("migrating the database")?;
        if applied > 0 {
            tracing::info!(applied, "database migrated");
        }
    } else if !lyre_store::is_migrated(&db).await {
        tracing::warn!(
            "the database is not migrated; /ready answers 503 until `lyre migrate` runs"
        );
    }

    register_pool_metrics(&db);
    let (trigger, shutdown) = lyre_service_kit::shutdown_channel();
    // Releases published by this process reach its config service at once.
    let bus = ReleaseBus::new();
    let mut background = Vec::new();
    let mut tasks = JoinSet::new();
    let mut banner = Banner::new(&config);

    let mut registered = Registered {
        tasks: &mut tasks,
        db: &db,
        shutdown: &shutdown,
        envs: &config.envs,
    };
    if let Some(listener) = listeners.config {
        let settings = ConfigSettings {
            envs: config.envs.clone(),
            long_poll_timeout: config.long_poll_timeout,
            scan_interval: config.scan_interval,
            cache_entries: config.cache_entries,
            instance_retention: config.instance_retention,
            instances_per_app: config.instances_per_app,
            secrets: config.secrets.clone(),
        };
        let state = ConfigState::new(db.clone(), settings);
        let bus = config.runs(Target::AdminService).then(|| bus.clone());
        background.extend(lyre_config_service::spawn(&state, bus, shutdown.clone()));
        let router = route_envs(
            config_router(&db, state, config.admin_credential.clone()),
            config.envs.clone(),
        );
        let url = config.config_url.as_deref();
        banner.config = Some(registered.start(CONFIG_SERVICE, listener, router, url, true)?);
    }
    let admin_state = config.runs(Target::AdminService).then(|| {
        let settings = AdminSettings {
            envs: config.envs.clone(),
            key_max_length: config.item_key_max_length,
            value_max_length: config.item_value_max_length,
            secrets: config.secrets.clone(),
        };
        AdminState::with_bus(db.clone(), settings, bus.clone())
    });
    if let Some(state) = &admin_state {
        // Staged rollouts advance (and halt) by themselves wherever the admin operations run.
        background.push(lyre_admin_service::spawn_driver(
            state.clone(),
            shutdown.clone(),
        ));
        // Old rows go by the retention policy, one process at a time.
        background.push(lyre_admin_service::spawn_retention(
            db.clone(),
            config.retention.clone(),
            shutdown.clone(),
        ));
    }
    if let (Some(listener), Some(state)) = (listeners.admin, &admin_state) {
        let credential = config.admin_credential.clone();
        if credential.is_insecure() {
            tracing::warn!(
                addr = %config.admin_addr,
                "INSECURE: the admin service accepts requests without a credential \
                 (admin_insecure); anyone who reaches this port can change and publish every \
                 configuration"
            );
        }
        let router = lyre_admin_service::listening_router(state.clone(), credential);
        let url = config.admin_url.as_deref();
        banner.admin = Some(registered.start(ADMIN_SERVICE, listener, router, url, false)?);
    }
    if let Some(listener) = listeners.portal {
        let bound = listener.local_addr()?;
        let boot = lyre_portal::bootstrap(
            &db,
            config.admin_password.as_deref(),
            config.jwt_secret.as_deref(),
        )
        .await
        .context("preparing the portal")?;
        if boot.admin_created {
            tracing::info!("created the super admin `admin`");
        }
        banner.generated_password = boot.generated_admin_password;
        let link = match &admin_state {
            // The admin operations in this process: no port, no credential.
            Some(state) => AdminLink::InProcess(state.clone()),
            None => {
                if !config.admin_credential.has_tokens() {
                    tracing::warn!(
                        "the portal has no admin credential (admin_tokens): it can reach only \
                         admin services run with admin_insecure"
                    );
                }
                AdminLink::Remote(config.admin_credential.clone())
            }
        };
        let state = PortalState::new(db.clone(), portal_settings(&config), &boot.jwt_secret, link);
        // Webhook deliveries are sent wherever the portal runs, each by one process.
        background.push(lyre_portal::webhooks::deliver::spawn(
            db.clone(),
            config.webhooks.clone(),
            shutdown.clone(),
        ));
        let router = lyre_portal::router(state);
        let signal = shutdown.clone();
        tasks.spawn(async move { lyre_service_kit::serve(listener, router, signal, GRACE).await });
        banner.portal = Some(bound);
    }

    banner.print()?;
    tracing::info!("ready");

    // Run until a signal, or until a server fails on its own.
    let failed = tokio::select! {
        _ = &mut signalled => None,
        Some(result) = tasks.join_next() => Some(result),
    };
    tracing::info!("shutting down");
    trigger.trigger();
    while let Some(result) = tasks.join_next().await {
        if let Ok(Err(e)) = result {
            tracing::warn!(error = %e, "a server stopped with an error");
        }
    }
    for task in background {
        let _ = task.await;
    }
    db.close().await.ok();
    match failed {
        Some(Ok(Err(e))) => Err(e).context("a server stopped"),
        Some(Err(e)) => Err(e).context("a server task failed"),
        _ => Ok(()),
    }
}

/// The config service's port: Apollo's client endpoints and the meta server.
fn config_router(
    db: &DatabaseConnection,
    state: ConfigState,
    admin_callers: ServiceCredential,
) -> Router {
    let meta = lyre_meta_server::router(
        MetaState::new(db.clone(), lyre_meta_server::DEFAULT_EXPIRY)
            .with_admin_callers(admin_callers),
    );
    trace::layer(
        lyre_config_service::router(state).merge(meta),
        lyre_config_service::SERVICE_NAME,
    )
}

/// Starts services that announce themselves in the service registry.
struct Registered<'a> {
    tasks: &'a mut JoinSet<std::io::Result<()>>,
    db: &'a DatabaseConnection,
    shutdown: &'a Shutdown,
    envs: &'a [String],
}

impl Registered<'_> {
    /// Serves `app` on `listener` (with the lean path for plain GETs when `lean`, see
    /// `serve_lean`) and keeps the instance registered as `service_name` (announcing
    /// `configured_url`, or its own address) while it does. Returns the address.
    fn start(
        &mut self,
        service_name: &str,
        listener: TcpListener,
        app: impl lyre_service_kit::App,
        configured_url: Option<&str>,
        lean: bool,
    ) -> std::io::Result<SocketAddr> {
        let bound = listener.local_addr()?;
        let registration = Registration {
            service_name: service_name.to_owned(),
            instance_id: format!("{}:{}", net::hostname(), bound.port()),
            envs: self.envs.to_vec(),
            homepage_url: net::advertised_url(bound, configured_url),
        };
        let beat = heartbeat::spawn(
            self.db.clone(),
            registration,
            HEARTBEAT,
            self.shutdown.clone(),
        );
        let signal = self.shutdown.clone();
        self.tasks.spawn(async move {
            let result = if lean {
                lyre_service_kit::serve_lean(listener, app, signal, GRACE).await
            } else {
                lyre_service_kit::serve(listener, app, signal, GRACE).await
            };
            // Let the heartbeat leave the registry before the process ends.
            let _ = beat.await;
            result
        });
        Ok(bound)
    }
}

fn portal_settings(config: &Config) -> PortalSettings {
    PortalSettings {
        envs: config.envs.clone(),
        meta_url: config.meta_url.clone(),
        meta_urls: config.meta_urls.clone(),
        session_ttl: config.session_ttl,
        cookie_secure: config.cookie_secure,
        trusted_proxies: config.trusted_proxies.clone(),
        ui: match &config.ui_dir {
            Some(dir) => lyre_portal::UiSource::Dir(dir.clone()),
            None => lyre_portal::UiSource::Embedded(crate::ui::file),
        },
        admin_password: config.admin_password.clone(),
        sign_in: config.sign_in.clone(),
        webhooks: config.webhooks.clone(),
    }
}

/// What the operator sees on standard output once everything listens.
struct Banner<'a> {
    config_ref: &'a Config,
    portal: Option<SocketAddr>,
    config: Option<SocketAddr>,
    admin: Option<SocketAddr>,
    generated_password: Option<String>,
}

impl<'a> Banner<'a> {
    fn new(config: &'a Config) -> Self {
        Self {
            config_ref: config,
            portal: None,
            config: None,
            admin: None,
            generated_password: None,
        }
    }

    fn print(&self) -> std::io::Result<()> {
        let config = self.config_ref;
        let database = match lyre_store::db::backend_of(&config.database_url) {
            Ok(DbBackend::Sqlite) => "SQLite",
            Ok(DbBackend::Postgres) => "PostgreSQL",
            _ => "MySQL",
        };
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Lyre {} is running on {database} ({}), environments {}",
            env!("CARGO_PKG_VERSION"),
            redact_url(&config.database_url),
            config.envs.join(", ")
        )?;
        if let Some(addr) = self.portal {
            writeln!(out, "  portal          {}", net::local_url(addr))?;
        }
        if let Some(addr) = self.config {
            let base = net::local_url(addr);
            writeln!(out, "  config service  {base}")?;
            let metas: Vec<String> = config.envs.iter().map(|e| format!("{base}/{e}")).collect();
            writeln!(
                out,
                "  meta server     {} (without a prefix: {})",
                metas.join("  "),
                config.envs[0]
            )?;
        }
        if let Some(addr) = self.admin {
            let how = if config.admin_credential.is_insecure() {
                "INSECURE: no credential asked"
            } else {
                "callers need an admin token"
            };
            writeln!(out, "  admin service   {} ({how})", net::local_url(addr))?;
        } else if config.runs(Target::AdminService) {
            writeln!(
                out,
                "  admin service   in process with the portal (no port open)"
            )?;
        }
        if let Some(password) = &self.generated_password {
            writeln!(out)?;
            writeln!(out, "  Created the super admin `admin` with the password:")?;
            writeln!(out)?;
            writeln!(out, "      {password}")?;
            writeln!(out)?;
            writeln!(
                out,
                "  It is shown only this once: sign in and change it, or set LYRE_ADMIN_PASSWORD before the first start."
            )?;
        }
        if let Some(addr) = self.portal {
            writeln!(out, "Sign in at {} as `admin`.", net::local_url(addr))?;
        }
        out.flush()
    }
}

/// The database pool's use, read when `/metrics` is scraped.
fn register_pool_metrics(db: &DatabaseConnection) {
    let registry = lyre_service_kit::metrics::registry();
    let pool = db.clone();
    registry.gauge(
        "lyre_db_connections",
        "Database connections of this process's pool, by state (in_use, idle).",
        move || {
            let used = lyre_store::db::pool_use(&pool);
            vec![
                (
                    vec![("state", "in_use".to_owned())],
                    f64::from(used.open.saturating_sub(used.idle)),
                ),
                (vec![("state", "idle".to_owned())], f64::from(used.idle)),
            ]
        },
    );
    let pool = db.clone();
    registry.gauge(
        "lyre_db_connections_max",
        "The most connections this process's pool may open.",
        move || vec![(vec![], f64::from(lyre_store::db::pool_use(&pool).max))],
    );
}

//! The database stops under load: an all-in-one `lyre` reaches PostgreSQL through a TCP
//! proxy that this scenario cuts (open connections closed, new ones refused) for a while,
//! under readers of `/configs` and waiting long polls, then restores.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::Target;
use crate::http::Connection;
use crate::scenarios::{change_one_key, client, current_id, notifications_path, prepare, release};

/// Forwards to `upstream` until cut.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: String) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(true));
        let cuts = watch::Sender::new(0u64);
        let (accepting, cut_signal) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue; // closed at once, as a stopped server would
                }
                let upstream = upstream.clone();
                let mut cut = cut_signal.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Ok(Self { addr, up, cuts })
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct Counts {
    reads: AtomicU64,
    failed_reads: AtomicU64,
    polls: AtomicU64,
    failed_polls: AtomicU64,
    changes: AtomicU64,
}

/// `database` is a PostgreSQL URL without its host (`postgres://user@{}/name`, `{}` standing
/// for the proxy's address); `upstream` is the server's `host:port`.
pub async fn outage(
    lyre: &Path,
    upstream: &str,
    database: &str,
    seconds: u64,
    readers: usize,
    watchers: usize,
) -> anyhow::Result<Value> {
    let lyre = std::fs::canonicalize(lyre)?;
    let proxy = Proxy::start(upstream.to_owned()).await?;
    let url = database.replace("{}", &proxy.addr.to_string());
    let dir = std::env::temp_dir().join(format!("lyre-bench-outage-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (config, admin) = (
        crate::scenarios::free_port()?,
        crate::scenarios::free_port()?,
    );
    let mut server = tokio::process::Command::new(&lyre)
        .current_dir(&dir)
        .env_clear()
        .env("LYRE_DATABASE_URL", &url)
        .env("LYRE_CONFIG_ADDR", format!("127.0.0.1:{config}"))
        .env("LYRE_ADMIN_ADDR", format!("127.0.0.1:{admin}"))
        .env(
            "LYRE_PORTAL_ADDR",
            format!("127.0.0.1:{}", crate::scenarios::free_port()?),
        )
        .env("LYRE_ADMIN_PASSWORD", "bench-password")
        .env(
            "LYRE_ADMIN_TOKENS",
            std::env::var(crate::scenarios::ADMIN_TOKEN_VAR)
                .context("LYRE_ADMIN_TOKEN (the admin token the load presents) is not set")?,
        )
        .env("LYRE_LONG_POLL_TIMEOUT_SECS", "10")
        .env("LYRE_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let target = Target {
        config: SocketAddr::from(([127, 0, 0, 1], config)),
        admin: format!("http://127.0.0.1:{admin}"),
        app: "outage".into(),
        sources: vec![[127, 0, 0, 1].into()],
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !crate::scenarios::is_ready(config).await || !crate::scenarios::is_ready(admin).await {
        ensure!(Instant::now() < deadline, "lyre was not ready in 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    prepare(&target, &target.app, 50).await?;

    let counts = Arc::new(Counts::default());
    let running = Arc::new(AtomicBool::new(true));
    let configs = format!("/configs/{}/default/application", target.app);
    for _ in 0..readers {
        let (counts, running, configs) = (counts.clone(), running.clone(), configs.clone());
        tokio::spawn(async move {
            let mut connection = None;
            while running.load(Ordering::Relaxed) {
                if connection.is_none() {
                    connection = Connection::open(target.config, None).await.ok();
                }
                let ok = match connection.as_mut() {
                    Some(c) => c.get(&configs).await.is_ok_and(|a| a.status == 200),
                    None => false,
                };
                counts.reads.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    counts.failed_reads.fetch_add(1, Ordering::Relaxed);
                    connection = None;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
    let mut id = current_id(&target).await?;
    for _ in 0..watchers {
        let (counts, running) = (counts.clone(), running.clone());
        let app = target.app.clone();
        tokio::spawn(async move {
            let mut seen = id;
            while running.load(Ordering::Relaxed) {
                let answer = async {
                    let mut c = Connection::open(target.config, None).await?;
                    c.get(&notifications_path(&app, seen)).await
                }
                .await;
                if !running.load(Ordering::Relaxed) {
                    break; // the server is being stopped: not a failure of the scenario
                }
                counts.polls.fetch_add(1, Ordering::Relaxed);
                match answer {
                    Ok(a) if a.status == 304 => {}
                    Ok(a) if a.status == 200 => {
                        counts.changes.fetch_add(1, Ordering::Relaxed);
                        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
                        seen = body[0]["notificationId"].as_i64().unwrap_or(seen);
                    }
                    _ => {
                        counts.failed_polls.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
    }

    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    proxy.restore();
    let restored = Instant::now();
    // Counted before the first attempt: watchers may hear of the release before it returns.
    let before = counts.changes.load(Ordering::Relaxed);
    // Releases flow again: the first publish that succeeds, and every watcher told of it.
    let http = client();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let published = async {
            change_one_key(&http, &target, &target.app, "after-the-outage").await?;
            release(&http, &target, &target.app).await
        }
        .await;
        if published.is_ok() {
            break;
        }
        ensure!(
            restored.elapsed() < Duration::from_secs(60),
            "no release within 60 s of the database's return"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let publish_after_ms = restored.elapsed().as_secs_f64() * 1e3;
    let deadline = Instant::now() + Duration::from_secs(20);
    while counts.changes.load(Ordering::Relaxed) < before + watchers as u64
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let told = counts.changes.load(Ordering::Relaxed) - before;
    id = current_id(&target).await?;
    running.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = server.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "outage_s": seconds,
        "readers": readers,
        "watchers": watchers,
        "reads": counts.reads.load(Ordering::Relaxed),
        "failed_reads": counts.failed_reads.load(Ordering::Relaxed),
        "long_polls": counts.polls.load(Ordering::Relaxed),
        "failed_long_polls": counts.failed_polls.load(Ordering::Relaxed),
        "publish_attempts_after_return": attempts,
        "first_release_after_return_ms": (publish_after_ms * 10.0).round() / 10.0,
        "watchers_told": told,
        "notification_id_after": id,
    }))
}

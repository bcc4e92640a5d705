//! The database goes away under a running config service: cached reads and long polls keep
//! answering; when it returns, releases flow again without a restart. The database is reached
//! through a TCP proxy the test can cut (PostgreSQL and MariaDB; SQLite is a file).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Admin, Config, get, long_poll_path};
use lyre_service_kit::shutdown_channel;
use lyre_store::testing::TestBackend;
use lyre_store::{DbOptions, connect, db_test};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards connections to `target` until cut; cutting closes every open connection and
/// refuses new ones until restored.
struct Proxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let generation = watch::Sender::new(0u64);
        let (accepting, cuts) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let target = target.clone();
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self {
            addr,
            up,
            generation,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

db_test!(async fn a_config_service_survives_a_database_outage(t) {
    if t.backend == TestBackend::Sqlite {
        return;
    }
    let mut url = url::Url::parse(&t.url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port_or_known_default().unwrap());
    let proxy = Proxy::start(target).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    let mut options = DbOptions::new(url.to_string());
    options.connect_timeout = Duration::from_secs(1);
    let proxied = connect(&options).await.unwrap();

    let (_trigger, shutdown) = shutdown_channel();
    let admin = Admin::start(&t.db, shutdown.clone()).await;
    let config = Config::start(&proxied, None, Duration::from_secs(2), Duration::from_millis(100), shutdown).await;
    admin.create_app("shop").await;
    admin.create_namespace("shop", "extra", "properties", false).await;
    admin.publish_text("DEV", "shop", "default", "application", "v = 1\n").await;
    let read = format!("{}/configs/shop/default/application", config.url);
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&read).await.status != 200 {
        assert!(Instant::now() < deadline, "the first release arrives");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = get(&format!("{}{}", config.url, long_poll_path("shop", "default", &[("application", -1)]))).await.json()[0]["notificationId"]
        .as_i64()
        .unwrap();

    proxy.cut();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        let reply = get(&read).await;
        assert_eq!(reply.status, 200, "cached reads keep answering: {}", reply.body);
        assert_eq!(reply.json()["configurations"]["v"], "1");
    }
    assert_eq!(get(&format!("{}/configfiles/shop/default/application", config.url)).await.body, "v=1\n");
    let poll = format!("{}{}", config.url, long_poll_path("shop", "default", &[("application", id)]));
    assert_eq!(get(&poll).await.status, 304, "long polls keep being held and answered");
    let uncached = get(&format!("{}/configs/shop/default/extra", config.url)).await;
    assert_eq!(uncached.status, 503, "what is not in memory cannot be read: {}", uncached.body);

    // The database returns; a long poll waiting meanwhile is woken by the next release.
    proxy.restore();
    let waiting = tokio::spawn({
        let poll = poll.clone();
        async move { get(&poll).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    admin.publish_text("DEV", "shop", "default", "application", "v = 2\n").await;
    let woken = waiting.await.unwrap();
    assert_eq!(woken.status, 200, "releases flow again without a restart");
    assert_eq!(get(&read).await.json()["configurations"]["v"], "2");
});

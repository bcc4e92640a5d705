//! Prints an app's typed configuration, and again whenever it changes.
//!
//! ```text
//! cargo run -p lyre-client --example watch -- http://localhost:8080/DEV demo-app
//! ```
//!
//! Publish a change to the `application` namespace of `demo-app` in DEV (keys such as
//! `greeting`, `db.url`, `db.pool-size`, `features`) and the new values are printed.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Db {
    #[serde(default)]
    url: String,
    #[serde(default)]
    pool_size: u32,
}

#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    greeting: String,
    db: Option<Db>,
    #[serde(default)]
    features: Vec<String>,
}

#[expect(
    clippy::print_stdout,
    reason = "printing the configuration is what this example does"
)]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter("lyre_client=info")
        .init();
    let mut args = std::env::args().skip(1);
    let meta = args
        .next()
        .unwrap_or_else(|| "http://localhost:8080/DEV".into());
    let app_id = args.next().unwrap_or_else(|| "demo-app".into());

    let client = lyre_client::Client::builder()
        .meta_server(meta)
        .app_id(app_id)
        .cache_dir(std::env::temp_dir().join("lyre-example-cache"))
        .build()
        .await?;
    let mut settings = client.watch::<Settings>("application").await?;
    loop {
        let current = settings.get();
        let db = current.db.as_ref();
        println!(
            "greeting={:?} db.url={:?} db.pool-size={} features={:?}",
            current.greeting,
            db.map_or("", |d| d.url.as_str()),
            db.map_or(0, |d| d.pool_size),
            current.features
        );
        settings.changed().await;
    }
}

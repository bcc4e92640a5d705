//! A stand-in application for tests that need real SDK clients in processes of their own: it
//! watches one namespace as a typed struct (one `limit: u32`) and prints, one line each, what it
//! receives and what it applies, so a test can tell what every instance ever saw.
//!
//! ```text
//! lyre-probe CONFIG_URL APP_ID NAMESPACE LABEL IP CACHE_DIR
//! ```
//!
//! (Instances are told apart by their IP, as on hosts of their own.)
//!
//! Lines: `received <release key> limit=<raw value>` for every release the client holds (the
//! first one included), `applied limit=<n>` for every value the typed view takes.

use std::io::Write as _;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    limit: u32,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, app_id, namespace, label, ip, cache] = args.as_slice() else {
        return Err("usage: lyre-probe CONFIG_URL APP_ID NAMESPACE LABEL IP CACHE_DIR".into());
    };
    let client = lyre_client::Client::builder()
        .config_service(url)
        .app_id(app_id)
        .label(label)
        .ip(ip)
        .cache_dir(cache)
        .long_poll_timeout(std::time::Duration::from_secs(5))
        .build()
        .await?;
    let mut events = client.changes();
    let handle = client.namespace(namespace).await?;
    let held = handle.snapshot();
    say(&format!(
        "received {} limit={}",
        held.release_key,
        held.configurations.get("limit").unwrap_or("")
    ));
    let mut settings = client.watch::<Settings>(namespace).await?;
    say(&format!("applied limit={}", settings.get().limit));
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) if event.namespace == *namespace => {
                    let value = event
                        .changes
                        .iter()
                        .find(|c| c.key == "limit")
                        .and_then(|c| c.new_value.clone())
                        .or_else(|| handle.get_string("limit"))
                        .unwrap_or_default();
                    say(&format!("received {} limit={value}", event.release_key));
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return Ok(()),
            },
            () = settings.changed() => say(&format!("applied limit={}", settings.get().limit)),
        }
    }
}

//! The local cache: the last configuration received of each namespace, on disk, so an app can
//! start while no config service answers. Files are replaced atomically (written aside,
//! synced, renamed), and one that does not parse is reported and ignored.

use std::path::{Path, PathBuf};

use lyre_protocol::client::ApolloConfig;

use crate::Error;

/// The file of one namespace.
pub(crate) fn file(dir: &Path, app_id: &str, cluster: &str, namespace: &str) -> PathBuf {
    let name: String = format!("{app_id}+{cluster}+{namespace}.json")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+.-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(name)
}

/// Writes `config` to `path` atomically.
pub(crate) async fn write(path: &Path, config: &ApolloConfig) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(config).map_err(std::io::Error::other)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    tokio::fs::create_dir_all(dir).await?;
    let temporary = dir.join(format!(
        ".{}.{:016x}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cache"),
        rand::random::<u64>()
    ));
    let written = async {
        let mut file = tokio::fs::File::create(&temporary).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&temporary, path).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&temporary).await;
    }
    written
}

/// The cached configuration at `path`: `None` when there is none, an error when the file
/// exists but cannot be trusted.
pub(crate) async fn read(path: &Path) -> Result<Option<ApolloConfig>, Error> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::CorruptCache {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::CorruptCache {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use lyre_protocol::config::Configurations;

    use super::*;

    #[tokio::test]
    async fn round_trips_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "shop", "default", "datasources.yaml");
        assert_eq!(read(&path).await.unwrap(), None);
        let config = ApolloConfig {
            app_id: "shop".into(),
            cluster: "default".into(),
            namespace_name: "datasources.yaml".into(),
            configurations: Configurations(vec![("content".into(), "a: 1\n".into())]),
            release_key: "k1".into(),
        };
        write(&path, &config).await.unwrap();
        assert_eq!(read(&path).await.unwrap(), Some(config));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");

        std::fs::write(&path, b"{\"appId\": \"shop\", \"trunc").unwrap();
        assert!(matches!(read(&path).await, Err(Error::CorruptCache { .. })));
    }
}

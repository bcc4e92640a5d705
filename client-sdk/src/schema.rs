//! The JSON Schema of the app's own configuration type, for Lyre to check what is published
//! against (behind the `schema` feature).
//!
//! The schema is the type's, as schemars describes it (draft 2020-12), and it serves every
//! format the SDK reads into types: json and yaml documents are checked as they are, and a
//! properties namespace is checked after its keys are read exactly as [`crate::Client::watch`]
//! reads them (`db.pool-size` fills `db.pool_size`, `hosts = a, b` fills a list, values become
//! numbers, booleans and enum variants as the type asks).
//!
//! Write it from a test of the app, so CI can push it with `lyre schema push`:
//!
//! ```no_run
//! # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Settings { port: u16 }
//! lyre_client::schema::write::<Settings>("target/lyre-schema.json").unwrap();
//! ```

use std::path::Path;

/// The JSON Schema of `T`.
pub fn of<T: schemars::JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
}

/// Writes the JSON Schema of `T` to `path`, pretty-printed, creating its folder.
pub fn write<T: schemars::JsonSchema>(path: impl AsRef<Path>) -> std::io::Result<()> {
    let path = path.as_ref();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = serde_json::to_string_pretty(&of::<T>()).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;
    use serde::Deserialize;

    #[allow(dead_code, reason = "the schema is what is tested")]
    #[derive(Deserialize, JsonSchema)]
    struct Settings {
        /// Connections kept open.
        pool_size: u16,
        #[serde(default)]
        hosts: Vec<String>,
    }

    #[test]
    fn writes_the_types_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/schema.json");
        super::write::<Settings>(&path).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written, super::of::<Settings>());
        assert_eq!(
            written["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(written["properties"]["pool_size"]["format"], "uint16");
        assert_eq!(
            written["properties"]["pool_size"]["description"],
            "Connections kept open."
        );
        assert_eq!(written["required"], serde_json::json!(["pool_size"]));
    }
}

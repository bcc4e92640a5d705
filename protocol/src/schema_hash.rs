//! The hash that names a schema document: the SDK sends it with the reads of each typed view
//! (`schemaHash`), and the servers compute it for each version they hold, so the instance view
//! can say which version an instance was built with.
//!
//! It is the SHA-256 of the document's canonical JSON (object keys sorted at every level, no
//! whitespace), as 16 hex digits: the same document hashes the same whatever order its keys were
//! written or parsed in.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Hex digits kept of the digest.
pub const LEN: usize = 16;

/// The hash of a schema document.
pub fn of(document: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(document, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    digest
        .iter()
        .take(LEN / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` has the form of a hash (what a config service records of a client's).
pub fn is_hash(text: &str) -> bool {
    text.len() == LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_same_document_hashes_the_same_whatever_its_key_order() {
        let one: serde_json::Value = serde_json::from_str(
            r#"{"type":"object","properties":{"a":{"type":"integer"},"b":{}}}"#,
        )
        .unwrap();
        let other: serde_json::Value = serde_json::from_str(
            r#"{ "properties": { "b": {}, "a": { "type": "integer" } }, "type": "object" }"#,
        )
        .unwrap();
        assert_eq!(super::of(&one), super::of(&other));
        assert!(super::is_hash(&super::of(&one)), "{}", super::of(&one));
        assert_ne!(super::of(&one), super::of(&json!({"type": "object"})));
        assert_ne!(super::of(&json!(["a", "b"])), super::of(&json!(["b", "a"])));
    }

    #[test]
    fn only_hex_of_the_right_length_is_a_hash() {
        assert!(super::is_hash("0123456789abcdef"));
        assert!(!super::is_hash("0123456789ABCDEF"));
        assert!(!super::is_hash("0123456789abcde"));
        assert!(!super::is_hash("'; drop table x;"));
    }
}

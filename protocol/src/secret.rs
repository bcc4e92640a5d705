//! Sealed (encrypted) secret values as they travel: `lyre:v1:<key id>:<nonce and ciphertext,
//! base64url>`. A value in this form is a secret item's value; the servers hold the keys that
//! open it, everything else sees and passes on the sealed form.

/// What every sealed value starts with.
pub const PREFIX: &str = "lyre:v1:";

/// Longest key id.
pub const MAX_KEY_ID: usize = 32;

/// Whether a key id is well formed: 1 to 32 of `A-Z a-z 0-9 _ -`.
pub fn is_key_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_KEY_ID && id.bytes().all(is_id_byte)
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Whether `value` is a sealed value (by its form; whether a key opens it is the server's to
/// say).
pub fn is_sealed(value: &str) -> bool {
    split(value).is_some()
}

/// The key id and the base64url body of a sealed value.
pub fn split(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix(PREFIX)?;
    let (id, body) = rest.split_once(':')?;
    (is_key_id(id) && !body.is_empty() && body.bytes().all(is_id_byte)).then_some((id, body))
}

/// Every sealed value inside `text` (a JSON document, a change set), as byte ranges.
pub fn find_all(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(PREFIX) {
        let start = from + at;
        let rest = &text.as_bytes()[start + PREFIX.len()..];
        // The key id, a colon, the body: bytes of the two alphabets.
        let id_len = rest.iter().take_while(|b| is_id_byte(**b)).count();
        let mut end = start + PREFIX.len() + id_len;
        if rest.get(id_len) == Some(&b':') {
            let body_len = rest[id_len + 1..]
                .iter()
                .take_while(|b| is_id_byte(**b))
                .count();
            end += 1 + body_len;
        }
        if is_sealed(&text[start..end]) {
            found.push(start..end);
        }
        from = end.max(start + PREFIX.len());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(is_sealed("lyre:v1:k1:AAAA_-"));
        assert_eq!(split("lyre:v1:k1:AAAA"), Some(("k1", "AAAA")));
        for not in [
            "",
            "lyre:v1:",
            "lyre:v1:k1",
            "lyre:v1:k1:",
            "lyre:v1::AAAA",
            "lyre:v1:k 1:AAAA",
            "lyre:v1:k1:AA=A",
            "lyre:v2:k1:AAAA",
            " lyre:v1:k1:AAAA",
            "password",
        ] {
            assert!(!is_sealed(not), "{not:?}");
        }
        assert!(!is_key_id(&"k".repeat(33)));
    }

    #[test]
    fn finds_every_sealed_value_in_a_document() {
        let text = r#"{"a":"lyre:v1:k1:AAA","b":"plain lyre:v1: x","c":"lyre:v1:k2:B_-"}"#;
        let found: Vec<&str> = find_all(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["lyre:v1:k1:AAA", "lyre:v1:k2:B_-"]);
        assert!(find_all("nothing here").is_empty());
    }
}

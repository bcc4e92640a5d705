//! The server's schema verdict on a properties namespace and the SDK's reading of it into the
//! type the schema came from agree: whatever one accepts, the other accepts.

#![cfg(feature = "schema")]

use std::collections::BTreeMap;

use lyre_protocol::keys;
use lyre_protocol::schema::Schema;
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[allow(dead_code, reason = "read by the deserializer only")]
#[derive(Debug, Deserialize, JsonSchema)]
struct Settings {
    db: Db,
    mode: Mode,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    ports: Vec<u16>,
    #[serde(default)]
    verbose: bool,
    timeout_secs: Option<u32>,
    retries: Option<i8>,
}

#[allow(dead_code, reason = "read by the deserializer only")]
#[derive(Debug, Deserialize, JsonSchema)]
struct Db {
    url: String,
    pool_size: u16,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Fast,
    Safe,
    ReadOnly,
}

/// Texts a value may have: ones the type reads, ones it does not, and the in-between.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..70_000).prop_map(|n| n.to_string()),
        (-200i32..200).prop_map(|n| format!(" {n} ")),
        Just(String::new()),
        Just("1O".to_owned()),
        Just("fast".to_owned()),
        Just(" safe ".to_owned()),
        Just("read-only".to_owned()),
        Just("ReadOnly".to_owned()),
        Just("yes".to_owned()),
        Just("off".to_owned()),
        Just("TRUE".to_owned()),
        Just("a, b".to_owned()),
        Just("1, 2, 3".to_owned()),
        Just("1,x".to_owned()),
        "[a-z0-9 ,.-]{0,8}",
    ]
}

/// Keys the type has, written as people write them, and some it does not have.
fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "db.url",
        "db.pool-size",
        "db.pool_size",
        "mode",
        "hosts",
        "hosts[0]",
        "hosts[1]",
        "ports",
        "ports[0]",
        "verbose",
        "timeout-secs",
        "retries",
        "db",
        "unknown.key",
    ])
}

fn schema() -> Schema {
    let document = serde_json::to_value(schemars::schema_for!(Settings)).unwrap();
    Schema::new(document).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_schema_and_the_type_agree(pairs in prop::collection::btree_map(key(), value(), 0..9)) {
        let check = |pairs: &BTreeMap<&str, String>| {
            let items: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let typed = keys::from_pairs::<Settings>(items.iter().copied());
            let problems = schema().check_properties(items.iter().copied());
            prop_assert_eq!(
                typed.is_ok(),
                problems.is_empty(),
                "pairs {:?}: the type says {:?}, the schema says {:?}",
                items, typed.err().map(|e| e.to_string()), problems
            );
            Ok(())
        };
        // Most generated sets miss a required key; each is tried alone and over a good base.
        check(&pairs)?;
        let mut based: BTreeMap<&str, String> = [
            ("db.url", "postgres://db/app".to_owned()),
            ("db.pool-size", "10".to_owned()),
            ("mode", "safe".to_owned()),
        ]
        .into();
        based.extend(pairs);
        check(&based)?;
    }
}

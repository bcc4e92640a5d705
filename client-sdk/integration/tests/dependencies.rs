//! An app that depends on lyre-client compiles no database or server crate.

#[test]
fn lyre_client_pulls_in_no_database_or_server_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "tree",
            "-p",
            "lyre-client",
            "--prefix",
            "none",
            "--edges",
            "normal,build",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    for forbidden in [
        "sea-orm",
        "sqlx",
        "axum",
        "lyre-store",
        "lyre-service-kit",
        "lyre-config-service",
        "lyre-admin-service",
        "libsqlite3",
    ] {
        assert!(
            !tree
                .lines()
                .any(|l| l.starts_with(&format!("{forbidden} "))),
            "lyre-client depends on {forbidden}:\n{tree}"
        );
    }
    assert!(tree.lines().any(|l| l.starts_with("lyre-protocol ")));
}

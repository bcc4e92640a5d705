//! The throwaway OpenLDAP server the LDAP sign-in tests run against: seeded as documented,
//! with working access rules, group edits and StartTLS.

#[path = "common/slapd.rs"]
mod slapd;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use slapd::{
    ALICE_DN, ALICE_PASSWORD, BASE, BOB_DN, GROUPS, SERVICE_DN, SERVICE_PASSWORD, Slapd, group_dn,
};

/// `ldapsearch -x` against `server` bound as `dn` (anonymously when `None`), over StartTLS
/// trusting only `ca_file` when given.
fn search(
    server: &Slapd,
    bind: Option<(&str, &str)>,
    ca_file: Option<&Path>,
    base: &str,
    filter: &str,
    attrs: &[&str],
) -> Output {
    let mut command = Command::new("ldapsearch");
    match ca_file {
        Some(ca_file) => {
            command
                .env("LDAPTLS_CACERT", ca_file)
                .env("LDAPTLS_REQCERT", "demand")
                .arg("-ZZ");
        }
        None => {
            command.env("LDAPNOINIT", "1");
        }
    }
    command.args(["-LLL", "-x", "-H", &server.url, "-b", base, filter]);
    if let Some((dn, password)) = bind {
        command.args(["-D", dn, "-w", password]);
    }
    command
        .args(attrs)
        .stdin(Stdio::null())
        .output()
        .expect("running ldapsearch")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "ldapsearch failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The `member` values of the group `cn`, read as the service account.
fn members(server: &Slapd, cn: &str) -> Vec<String> {
    let output = search(
        server,
        Some((SERVICE_DN, SERVICE_PASSWORD)),
        None,
        &group_dn(cn),
        "(objectClass=groupOfNames)",
        &["member"],
    );
    let mut members: Vec<String> = stdout(&output)
        .lines()
        .filter_map(|line| line.strip_prefix("member: "))
        .map(str::to_owned)
        .collect();
    members.sort();
    members
}

#[test]
fn seeded_directory_with_access_rules_and_group_edits() {
    let started = Instant::now();
    let Some(server) = Slapd::start() else {
        return;
    };
    eprintln!("slapd started in {:?} at {}", started.elapsed(), server.url);
    assert!(server.ca_file.is_none());

    let service = Some((SERVICE_DN, SERVICE_PASSWORD));
    let alice = search(&server, service, None, BASE, "(uid=alice)", &["cn", "mail"]);
    let alice = stdout(&alice);
    assert!(alice.contains(&format!("dn: {ALICE_DN}")), "{alice}");
    assert!(alice.contains("cn: Alice Liddell"), "{alice}");
    assert!(alice.contains("mail: alice@lyre.test"), "{alice}");

    // The service account reads no passwords, and anonymous clients read nothing.
    let passwords = stdout(&search(
        &server,
        service,
        None,
        BASE,
        "(uid=*)",
        &["userPassword"],
    ));
    assert!(!passwords.contains("userPassword"), "{passwords}");
    let anonymous = search(&server, None, None, BASE, "(uid=alice)", &["cn"]);
    assert!(
        !String::from_utf8_lossy(&anonymous.stdout).contains("Alice"),
        "anonymous search found alice"
    );

    // Users authenticate with their password.
    let own = search(
        &server,
        Some((ALICE_DN, ALICE_PASSWORD)),
        None,
        ALICE_DN,
        "(objectClass=*)",
        &["cn"],
    );
    assert!(stdout(&own).contains("cn: Alice Liddell"));
    let wrong = search(
        &server,
        Some((ALICE_DN, "not-her-password")),
        None,
        ALICE_DN,
        "(objectClass=*)",
        &["cn"],
    );
    assert_eq!(
        wrong.status.code(),
        Some(49),
        "invalid credentials expected"
    );

    // Group membership, by full user DN.
    let groups = stdout(&search(
        &server,
        service,
        None,
        GROUPS,
        &format!("(member={ALICE_DN})"),
        &["cn"],
    ));
    assert!(groups.contains("cn: shop-devs"), "{groups}");
    assert!(groups.contains("cn: shop-release"), "{groups}");
    assert!(!groups.contains("cn: lyre-admins"), "{groups}");

    assert_eq!(members(&server, "shop-devs"), [ALICE_DN, BOB_DN]);
    server.remove_member("shop-devs", "alice");
    assert_eq!(members(&server, "shop-devs"), [BOB_DN]);
    server.add_member("shop-devs", "alice");
    assert_eq!(members(&server, "shop-devs"), [ALICE_DN, BOB_DN]);
    server.add_member("lyre-admins", "alice");
    assert!(members(&server, "lyre-admins").contains(&ALICE_DN.to_owned()));

    // Without certificates there is no StartTLS.
    let tls = search(
        &server,
        service,
        Some(Path::new("/nonexistent/ca.pem")),
        BASE,
        "(uid=alice)",
        &["cn"],
    );
    assert!(!tls.status.success());
}

#[test]
fn start_tls_with_the_throwaway_ca() {
    let started = Instant::now();
    let Some(server) = Slapd::start_tls() else {
        return;
    };
    eprintln!(
        "slapd with TLS started in {:?} at {}",
        started.elapsed(),
        server.url
    );
    let ca_file = server.ca_file.clone().expect("a TLS server has a CA file");
    assert!(
        std::fs::read_to_string(&ca_file)
            .expect("reading the CA file")
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    let service = Some((SERVICE_DN, SERVICE_PASSWORD));
    let alice = search(
        &server,
        service,
        Some(&ca_file),
        BASE,
        "(uid=alice)",
        &["cn"],
    );
    assert!(stdout(&alice).contains("cn: Alice Liddell"));
    let bind = search(
        &server,
        Some((ALICE_DN, ALICE_PASSWORD)),
        Some(&ca_file),
        ALICE_DN,
        "(objectClass=*)",
        &["cn"],
    );
    assert!(stdout(&bind).contains("cn: Alice Liddell"));
    let wrong = search(
        &server,
        Some((ALICE_DN, "not-her-password")),
        Some(&ca_file),
        ALICE_DN,
        "(objectClass=*)",
        &["cn"],
    );
    assert_eq!(
        wrong.status.code(),
        Some(49),
        "invalid credentials expected"
    );

    // Plain LDAP keeps working next to StartTLS.
    let plain = search(&server, service, None, BASE, "(uid=bob)", &["cn"]);
    assert!(stdout(&plain).contains("cn: Bob Builder"));
}

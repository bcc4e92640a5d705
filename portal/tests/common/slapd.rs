//! A throwaway OpenLDAP server for the LDAP sign-in tests.
//!
//! [`Slapd::start`] writes an old-style `slapd.conf` (mdb backend) into a temporary directory,
//! seeds the directory with `slapadd`, and runs `slapd` in the foreground on a free port of
//! 127.0.0.1. [`Slapd::start_tls`] does the same with a throwaway CA and a server certificate
//! for `127.0.0.1` / `localhost`, so StartTLS works on the same `ldap://` URL.
//! Dropping the [`Slapd`] kills the server and removes the directory.
//!
//! Only the OpenLDAP command-line tools are used (`slapd`, `slapadd`, `ldapsearch`,
//! `ldapmodify`, and `openssl` for the certificates); on Debian they come from the `slapd`
//! and `ldap-utils` packages. Without them the fixture returns `None` (the caller skips the
//! test), except under CI, where it panics.
//!
//! The seeded tree, under [`BASE`]:
//!
//! ```text
//! dc=lyre,dc=test
//! ├── ou=services   cn=lyre-service        (SERVICE_DN / SERVICE_PASSWORD)
//! ├── ou=people     uid=alice, uid=bob, uid=carol   (inetOrgPerson, cn / sn / mail)
//! └── ou=groups     cn=lyre-admins  {carol}          (groupOfNames, member = user DN)
//!                   cn=shop-devs    {alice, bob}
//!                   cn=shop-release {alice}
//! ```
//!
//! Access: the service account reads everything under [`BASE`] except passwords; a user may
//! bind with their password and read their own entry; anonymous clients may bind (to
//! authenticate) and read the root DSE and the schema, nothing else. The root DN
//! ([`ROOT_DN`]) may do anything.

#![allow(dead_code, reason = "each test file uses a part of this fixture")]

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The suffix of the directory.
pub const BASE: &str = "dc=lyre,dc=test";
/// Where the users live (RDN `uid`, objectClass `inetOrgPerson`).
pub const PEOPLE: &str = "ou=people,dc=lyre,dc=test";
/// Where the groups live (RDN `cn`, objectClass `groupOfNames`, `member` = full user DN).
pub const GROUPS: &str = "ou=groups,dc=lyre,dc=test";
/// Where the service account lives.
pub const SERVICES: &str = "ou=services,dc=lyre,dc=test";

/// The account the portal binds as to look users and groups up.
pub const SERVICE_DN: &str = "cn=lyre-service,ou=services,dc=lyre,dc=test";
pub const SERVICE_PASSWORD: &str = "service-secret";

/// The directory's root DN: not subject to access control.
pub const ROOT_DN: &str = "cn=admin,dc=lyre,dc=test";
pub const ROOT_PASSWORD: &str = "admin-secret";

/// `uid=alice`: cn "Alice Liddell", mail alice@lyre.test; in `shop-devs` and `shop-release`.
pub const ALICE_DN: &str = "uid=alice,ou=people,dc=lyre,dc=test";
pub const ALICE_PASSWORD: &str = "alice-password";
/// `uid=bob`: cn "Bob Builder", mail bob@lyre.test; in `shop-devs`.
pub const BOB_DN: &str = "uid=bob,ou=people,dc=lyre,dc=test";
pub const BOB_PASSWORD: &str = "bob-password";
/// `uid=carol`: cn "Carol Danvers", mail carol@lyre.test; in `lyre-admins`.
pub const CAROL_DN: &str = "uid=carol,ou=people,dc=lyre,dc=test";
pub const CAROL_PASSWORD: &str = "carol-password";

/// The seeded groups (`cn`) with their members (`uid`).
pub const SEEDED_GROUPS: [(&str, &[&str]); 3] = [
    ("lyre-admins", &["carol"]),
    ("shop-devs", &["alice", "bob"]),
    ("shop-release", &["alice"]),
];

/// The seeded people: uid, cn, sn, mail, password.
const PEOPLE_SEED: [(&str, &str, &str, &str, &str); 3] = [
    (
        "alice",
        "Alice Liddell",
        "Liddell",
        "alice@lyre.test",
        ALICE_PASSWORD,
    ),
    (
        "bob",
        "Bob Builder",
        "Builder",
        "bob@lyre.test",
        BOB_PASSWORD,
    ),
    (
        "carol",
        "Carol Danvers",
        "Danvers",
        "carol@lyre.test",
        CAROL_PASSWORD,
    ),
];

/// How long slapd gets to answer a search after it is started.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// The DN of the user `uid`.
pub fn user_dn(uid: &str) -> String {
    format!("uid={uid},{PEOPLE}")
}

/// The DN of the group `cn`.
pub fn group_dn(cn: &str) -> String {
    format!("cn={cn},{GROUPS}")
}

/// A running slapd; killed, and its files removed, on drop.
pub struct Slapd {
    /// `ldap://127.0.0.1:PORT`; StartTLS is available on it when started with
    /// [`Slapd::start_tls`].
    pub url: String,
    /// The PEM file of the CA that signed the server certificate (only with TLS).
    pub ca_file: Option<PathBuf>,
    /// `ldaps://127.0.0.1:PORT`, TLS from the first byte (only with TLS).
    pub ldaps_url: Option<String>,
    port: u16,
    tools: Tools,
    child: Child,
    // Declared last so the directory goes after the child is killed.
    dir: TempDir,
}

impl Slapd {
    /// A fresh, seeded server, or `None` (after saying why on stderr) when the OpenLDAP tools
    /// are not installed. Panics under CI (`CI` set) when they are missing.
    pub fn start() -> Option<Slapd> {
        Self::launch(false)
    }

    /// Like [`Slapd::start`], with a throwaway CA and a server certificate for `127.0.0.1`
    /// and `localhost` (and the machine's host name): StartTLS is available on [`Slapd::url`],
    /// and [`Slapd::ca_file`] is the CA's PEM file.
    pub fn start_tls() -> Option<Slapd> {
        Self::launch(true)
    }

    /// Adds the user `uid` to the group `group` (as the root DN). Panics when it fails, e.g.
    /// when the user already is a member.
    pub fn add_member(&self, group: &str, uid: &str) {
        self.modify_member(group, "add", uid);
    }

    /// Removes the user `uid` from the group `group` (as the root DN). Panics when it fails,
    /// e.g. when the user is not a member, or is the last one: `groupOfNames` requires at
    /// least one `member`, so a group cannot be emptied this way.
    pub fn remove_member(&self, group: &str, uid: &str) {
        self.modify_member(group, "delete", uid);
    }

    /// What slapd has logged so far (connections and operations, `-d 256`).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    fn modify_member(&self, group: &str, op: &str, uid: &str) {
        let ldif = format!(
            "dn: {}\nchangetype: modify\n{op}: member\nmember: {}\n",
            group_dn(group),
            user_dn(uid)
        );
        let output = run_with_input(
            ldap_command(&self.tools.ldapmodify).args([
                "-x",
                "-H",
                &self.url,
                "-D",
                ROOT_DN,
                "-w",
                ROOT_PASSWORD,
            ]),
            &ldif,
        );
        assert!(
            output.status.success(),
            "ldapmodify ({op} member {uid} of {group}) failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn launch(tls: bool) -> Option<Slapd> {
        let tools = Tools::find(tls)?;
        // The port is free when picked but may be taken before slapd binds it: try again.
        for attempt in 1.. {
            let mut slapd = Self::spawn(&tools, tls);
            match slapd.wait_ready() {
                Ok(()) => return Some(slapd),
                Err(log) if attempt < 5 && log.contains("Address already in use") => {}
                Err(log) => panic!(
                    "slapd at {} did not start (waited up to {READY_TIMEOUT:?}):\n{log}",
                    slapd.url
                ),
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// Prepares a directory and starts slapd on it, without waiting for it.
    fn spawn(tools: &Tools, tls: bool) -> Slapd {
        let dir = tempfile::Builder::new()
            .prefix("lyre-slapd-")
            .tempdir()
            .expect("creating a temporary directory for slapd");
        let path = dir.path();
        let ca_file = tls.then(|| make_certificates(tools, path));
        let conf = path.join("slapd.conf");
        fs::create_dir(path.join("db")).expect("creating slapd's database directory");
        fs::write(&conf, config(path, tls)).expect("writing slapd.conf");
        fs::write(path.join("seed.ldif"), seed(&instance(path))).expect("writing the seed LDIF");
        let output = run(Command::new(&tools.slapadd)
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(path.join("seed.ldif")));
        assert!(
            output.status.success(),
            "slapadd failed: {}\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );

        let port = free_port();
        let ldaps_url = tls.then(|| format!("ldaps://127.0.0.1:{}", free_port()));
        let mut listen = format!("ldap://127.0.0.1:{port}/");
        if let Some(ldaps) = &ldaps_url {
            listen.push_str(&format!(" {ldaps}/"));
        }
        let log = File::create(path.join("slapd.log")).expect("creating slapd's log");
        let child = Command::new(&tools.slapd)
            .arg("-f")
            .arg(&conf)
            .arg("-h")
            .arg(listen)
            .args(["-d", "256"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cloning slapd's log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", tools.slapd.display()));
        Slapd {
            url: format!("ldap://127.0.0.1:{port}"),
            ca_file,
            ldaps_url,
            port,
            tools: tools.clone(),
            child,
            dir,
        }
    }

    /// Waits until slapd has bound its port and answers the service account; the `Err`
    /// carries slapd's log.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let exited = self
                .child
                .try_wait()
                .expect("checking on the slapd process")
                .is_some();
            if !exited && self.answers() {
                break;
            }
            if exited || Instant::now() >= deadline {
                return Err(self.log());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let Some(ca_file) = &self.ca_file else {
            return Ok(());
        };
        let output = run(ldap_tls_command(&self.tools.ldapsearch, ca_file)
            .args(["-ZZ", "-x", "-H", &self.url, "-D", SERVICE_DN])
            .args(["-w", SERVICE_PASSWORD, "-b", BASE, "-s", "base", "1.1"]));
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "StartTLS failed: {}\n{}\nslapd's log:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr),
                self.log()
            ))
        }
    }

    /// Whether this server answers the service account: the base entry's description
    /// names the instance, for the port may have been another test's a moment ago.
    fn answers(&self) -> bool {
        // Something else listening on the port may never answer: give up after a while.
        let Some(output) = run_for(
            ldap_command(&self.tools.ldapsearch)
                .args(["-LLL", "-o", "ldif-wrap=no", "-o", "nettimeout=2"])
                .args(["-x", "-H", &self.url])
                .args(["-D", SERVICE_DN, "-w", SERVICE_PASSWORD])
                .args(["-b", BASE, "-s", "base", "description"]),
            Duration::from_secs(2),
        ) else {
            return false;
        };
        output.status.success()
            && String::from_utf8_lossy(&output.stdout)
                .lines()
                .any(|line| line == format!("description: {}", instance(self.dir.path())))
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the OpenLDAP tools are.
#[derive(Clone)]
struct Tools {
    slapd: PathBuf,
    slapadd: PathBuf,
    ldapsearch: PathBuf,
    ldapmodify: PathBuf,
    openssl: PathBuf,
}

impl Tools {
    /// The tools, or `None` when some are missing (panics under CI).
    fn find(tls: bool) -> Option<Tools> {
        let found = |name: &str| find_program(name).ok_or_else(|| name.to_owned());
        let mut missing = Vec::new();
        let mut get = |name: &str| {
            found(name).unwrap_or_else(|name| {
                missing.push(name);
                PathBuf::new()
            })
        };
        let tools = Tools {
            slapd: get("slapd"),
            slapadd: get("slapadd"),
            ldapsearch: get("ldapsearch"),
            ldapmodify: get("ldapmodify"),
            openssl: if tls { get("openssl") } else { PathBuf::new() },
        };
        if missing.is_empty() {
            return Some(tools);
        }
        let missing = missing.join(", ");
        assert!(
            !is_ci(),
            "the LDAP tests need OpenLDAP under CI; not found: {missing} \
             (apt-get install slapd ldap-utils openssl)"
        );
        eprintln!(
            "skipping: no OpenLDAP server to test against ({missing} not found; \
             apt-get install slapd ldap-utils)"
        );
        None
    }
}

/// An LDAP client command that reads no ldap.conf / .ldaprc / LDAP* variables.
fn ldap_command(program: &Path) -> Command {
    let mut command = Command::new(program);
    command.env("LDAPNOINIT", "1");
    command
}

/// An LDAP client command that trusts only `ca_file` and insists on a valid certificate.
fn ldap_tls_command(program: &Path, ca_file: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_remove("LDAPNOINIT")
        .env("LDAPTLS_CACERT", ca_file)
        .env("LDAPTLS_REQCERT", "demand");
    command
}

fn is_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// `name` in `PATH`, or in the sbin directories (where slapd lives), which a user's `PATH`
/// often lacks.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The first of `candidates` that exists.
fn first_existing<'a>(candidates: &[&'a str], file: &str) -> Option<&'a str> {
    candidates
        .iter()
        .copied()
        .find(|dir| Path::new(dir).join(file).exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("picking a free port")
        .port()
}

fn run(command: &mut Command) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {:?}: {e}", command.get_program()))
}

/// `command`'s output, or `None` (after killing it) when it takes longer than `limit`.
fn run_for(command: &mut Command, limit: Duration) -> Option<Output> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {:?}: {e}", command.get_program()));
    let deadline = Instant::now() + limit;
    while child
        .try_wait()
        .expect("checking on a child process")
        .is_none()
    {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Some(
        child
            .wait_with_output()
            .expect("waiting for a child process"),
    )
}

fn run_with_input(command: &mut Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {:?}: {e}", command.get_program()));
    child
        .stdin
        .take()
        .expect("the child's stdin is piped")
        .write_all(input.as_bytes())
        .expect("writing to the child's stdin");
    child
        .wait_with_output()
        .expect("waiting for the child process")
}

/// slapd.conf for a server whose files are all in `dir`.
fn config(dir: &Path, tls: bool) -> String {
    let dir = dir.display();
    let schema = first_existing(&["/etc/ldap/schema", "/etc/openldap/schema"], "core.schema")
        .unwrap_or("/etc/ldap/schema");
    let mut conf = String::new();
    for name in ["core", "cosine", "inetorgperson"] {
        writeln!(conf, "include {schema}/{name}.schema").unwrap();
    }
    writeln!(conf, "pidfile {dir}/slapd.pid").unwrap();
    writeln!(conf, "argsfile {dir}/slapd.args").unwrap();
    // Nothing to syslog; -d 256 writes connections and operations to slapd.log.
    writeln!(conf, "loglevel none").unwrap();
    // Debian builds the backends as modules; other builds may have mdb built in.
    if let Some(modules) = first_existing(
        &[
            "/usr/lib/ldap",
            "/usr/lib64/openldap",
            "/usr/lib/openldap",
            "/usr/libexec/openldap",
        ],
        "back_mdb.la",
    ) {
        writeln!(conf, "modulepath {modules}\nmoduleload back_mdb").unwrap();
    }
    if tls {
        writeln!(conf, "TLSCACertificateFile {dir}/ca.pem").unwrap();
        writeln!(conf, "TLSCertificateFile {dir}/server.pem").unwrap();
        writeln!(conf, "TLSCertificateKeyFile {dir}/server.key").unwrap();
    }
    // The frontend: anyone may read the root DSE and the schema (clients discover features).
    conf.push_str(
        "access to dn.base=\"\" by * read\n\
         access to dn.base=\"cn=Subschema\" by * read\n\
         \n",
    );
    writeln!(
        conf,
        "database mdb\n\
         suffix \"{BASE}\"\n\
         rootdn \"{ROOT_DN}\"\n\
         rootpw {ROOT_PASSWORD}\n\
         directory {dir}/db\n\
         maxsize 16777216\n\
         dbnosync\n\
         index objectClass eq\n\
         index uid,cn,mail eq\n\
         index member eq\n\
         access to attrs=userPassword\n  by anonymous auth\n  by * none\n\
         access to dn.subtree=\"{BASE}\"\n  by dn.exact=\"{SERVICE_DN}\" read\n  by self read\n  by * none"
    )
    .unwrap();
    conf
}

/// What the base entry's description says in the server whose files are in `dir`.
fn instance(dir: &Path) -> String {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    format!("Lyre test directory {name}")
}

/// The seeded entries. The passwords are stored in the clear: it is a throwaway server.
fn seed(instance: &str) -> String {
    let mut ldif = format!(
        "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: lyre\no: Lyre\n\
         description: {instance}\n\n\
         dn: {SERVICES}\nobjectClass: organizationalUnit\nou: services\n\n\
         dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
         cn: lyre-service\nuserPassword: {SERVICE_PASSWORD}\n\n\
         dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n\n"
    );
    for (uid, cn, sn, mail, password) in PEOPLE_SEED {
        write!(
            ldif,
            "dn: {}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {cn}\nsn: {sn}\n\
             mail: {mail}\nuserPassword: {password}\n\n",
            user_dn(uid)
        )
        .unwrap();
    }
    for (cn, members) in SEEDED_GROUPS {
        write!(
            ldif,
            "dn: {}\nobjectClass: groupOfNames\ncn: {cn}\n",
            group_dn(cn)
        )
        .unwrap();
        for uid in members {
            writeln!(ldif, "member: {}", user_dn(uid)).unwrap();
        }
        ldif.push('\n');
    }
    ldif
}

/// A CA (ca.pem) and a server certificate (server.pem, server.key) for 127.0.0.1 and
/// localhost, in `dir`; returns the CA's path.
fn make_certificates(tools: &Tools, dir: &Path) -> PathBuf {
    let openssl = |args: &[&str]| {
        let output = run(Command::new(&tools.openssl).args(args).current_dir(dir));
        assert!(
            output.status.success(),
            "openssl {:?} failed: {}\n{}",
            args,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-batch",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "7",
        "-subj",
        "/CN=Lyre test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    // An unencrypted RSA key in PKCS#8 PEM, which GnuTLS (Debian's slapd) reads.
    openssl(&[
        "req",
        "-new",
        "-batch",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    // OpenLDAP's own client checks "localhost" against the machine's host name.
    let mut names = String::from("IP:127.0.0.1,DNS:localhost");
    if let Ok(host) = fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty()
            && host != "localhost"
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            write!(names, ",DNS:{host}").unwrap();
        }
    }
    fs::write(
        dir.join("server.ext"),
        format!(
            "basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage = serverAuth\n\
             subjectAltName = {names}\n\
             subjectKeyIdentifier = hash\n\
             authorityKeyIdentifier = keyid\n"
        ),
    )
    .expect("writing the certificate extensions");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-CAserial",
        "ca.srl",
        "-days",
        "7",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    dir.join("ca.pem")
}

//! Signing in with a company directory: a real OpenLDAP (`common/slapd.rs`) behind the
//! portal's sign-in form, its groups mapped to Lyre's roles.

mod common;
#[path = "common/slapd.rs"]
mod slapd;

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{ADMIN_PASSWORD, TestPortal};
use lyre_portal::{LdapSettings, SignIn, SignInSettings};
use lyre_store::accounts::{self, SUBJECT_USER};
use lyre_store::{db_test, rbac};
use serde_json::{Value, json};
use slapd::Slapd;

/// The directory's settings as an operator writes them in lyre.toml.
fn directory(server: &Slapd) -> LdapSettings {
    let text = format!(
        r#"
url = "{url}"
bind_dn = "{service}"
bind_password = "{password}"
user_base = "{people}"
user_filter = "(&(objectClass=inetOrgPerson)(uid={{username}}))"
group_base = "{groups}"
group_filter = "(&(objectClass=groupOfNames)(member={{dn}}))"
"#,
        url = server.url,
        service = slapd::SERVICE_DN,
        password = slapd::SERVICE_PASSWORD,
        people = slapd::PEOPLE,
        groups = slapd::GROUPS,
    );
    toml::from_str(&text).expect("LDAP settings")
}

fn sign_in(ldap: LdapSettings) -> SignIn {
    SignIn::new(SignInSettings {
        ldap: Some(ldap),
        groups: [
            ("lyre-admins".to_owned(), vec!["SuperAdmin".to_owned()]),
            ("shop-devs".to_owned(), vec!["Master+shop".to_owned()]),
            (
                "shop-release".to_owned(),
                vec!["ReleaseNamespace+shop+application+PRO".to_owned()],
            ),
        ]
        .into(),
        ..Default::default()
    })
    .expect("sign-in settings")
}

async fn portal(t: &lyre_store::testing::TestDb, sign_in: SignIn) -> TestPortal {
    let mut settings = common::settings(PathBuf::from("/nonexistent/ui"));
    settings.sign_in = sign_in;
    TestPortal::with_settings(t, settings).await
}

/// Signs in and answers the session token.
async fn token(portal: &TestPortal, username: &str, password: &str) -> String {
    let reply = portal.login(username, password).await;
    assert_eq!(reply.status, StatusCode::OK, "{username}: {}", reply.text);
    reply.json()["token"].as_str().unwrap().to_owned()
}

/// `(role, group)` pairs of `/auth/me`.
fn grants(me: &Value) -> Vec<(String, Option<String>)> {
    me["roleGrants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["role"].as_str().unwrap().to_owned(),
                g["group"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn grant(role: &str, group: Option<&str>) -> (String, Option<String>) {
    (role.to_owned(), group.map(str::to_owned))
}

db_test!(async fn a_directory_user_signs_in_with_their_password_and_gets_the_roles_of_their_groups(t) {
    let Some(server) = Slapd::start() else { return };
    let portal = portal(&t, sign_in(directory(&server))).await;

    let alice = token(&portal, "alice", slapd::ALICE_PASSWORD).await;
    let me = portal.get("/api/v1/auth/me", Some(&alice)).await.json();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["displayName"], "Alice Liddell");
    assert_eq!(me["email"], "alice@lyre.test");
    assert_eq!(me["source"], "ldap");
    assert_eq!(me["superAdmin"], false);
    assert_eq!(
        grants(&me),
        vec![
            grant("Master+shop", Some("shop-devs")),
            grant("ReleaseNamespace+shop+application+PRO", Some("shop-release")),
        ]
    );
    // The user exists in Lyre now, without a password of Lyre's.
    let stored = accounts::find_user(&t.db, "alice").await.unwrap().unwrap();
    assert_eq!(stored.source, "ldap");
    assert_eq!(stored.password_hash, "");

    // A user in the admins' group is a super admin.
    let carol = token(&portal, "carol", slapd::CAROL_PASSWORD).await;
    let me = portal.get("/api/v1/auth/me", Some(&carol)).await.json();
    assert_eq!(me["superAdmin"], true);
    assert_eq!(grants(&me), vec![grant("SuperAdmin", Some("lyre-admins"))]);
    let users = portal.get("/api/v1/users", Some(&carol)).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);
});

db_test!(async fn a_wrong_password_and_an_unknown_user_get_one_answer_and_are_throttled(t) {
    let Some(server) = Slapd::start() else { return };
    let portal = portal(&t, sign_in(directory(&server))).await;

    let wrong = portal.login("alice", "not-her-password").await;
    let unknown = portal.login("mallory", "a-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text, unknown.text, "no hint whether the user exists");
    assert_eq!(wrong.code(), "invalid_credentials");
    assert!(accounts::find_user(&t.db, "alice").await.unwrap().is_none(), "nobody created");
    assert!(accounts::find_user(&t.db, "mallory").await.unwrap().is_none());

    // A filter's special characters are only characters: no one matches `*`.
    assert_eq!(portal.login("*", "a-password").await.status, StatusCode::UNAUTHORIZED);

    // The same throttling as local sign-in: five failures lock the name, her password too.
    for _ in 0..4 {
        assert_eq!(portal.login("alice", "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = portal.login("alice", slapd::ALICE_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.text);
});

db_test!(async fn leaving_a_group_takes_its_role_at_the_next_sign_in_and_hand_grants_stay(t) {
    let Some(server) = Slapd::start() else { return };
    let portal = portal(&t, sign_in(directory(&server))).await;
    let alice = token(&portal, "alice", slapd::ALICE_PASSWORD).await;
    let me = portal.get("/api/v1/auth/me", Some(&alice)).await.json();
    assert!(grants(&me).contains(&grant("ReleaseNamespace+shop+application+PRO", Some("shop-release"))));

    // A master grants her a role by hand, and the same role her group gives.
    rbac::grant(&t.db, "ModifyNamespace+shop+application", &[("ModifyNamespace", "shop+application")], SUBJECT_USER, "alice", "admin").await.unwrap();
    rbac::grant(&t.db, "Master+shop", &[("Master", "shop")], SUBJECT_USER, "alice", "admin").await.unwrap();

    // (A group keeps one member at least.)
    server.add_member("shop-release", "bob");
    server.remove_member("shop-release", "alice");
    server.remove_member("shop-devs", "alice");
    let again = token(&portal, "alice", slapd::ALICE_PASSWORD).await;
    let me = portal.get("/api/v1/auth/me", Some(&again)).await.json();
    assert_eq!(
        grants(&me),
        vec![
            grant("Master+shop", None),
            grant("ModifyNamespace+shop+application", None),
        ],
        "the groups' roles went; the roles granted in Lyre stayed"
    );
    assert_eq!(me["roles"], json!(["Master+shop", "ModifyNamespace+shop+application"]));

    // Back in a group, back the role; and the audit log says who changed what.
    server.add_member("shop-release", "alice");
    let third = token(&portal, "alice", slapd::ALICE_PASSWORD).await;
    let me = portal.get("/api/v1/auth/me", Some(&third)).await.json();
    assert!(grants(&me).contains(&grant("ReleaseNamespace+shop+application+PRO", Some("shop-release"))));
    use lyre_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entries = lyre_store::entity::audit::Entity::find()
        .filter(lyre_store::entity::audit::Column::EntityId.eq("alice"))
        .all(&t.db)
        .await
        .unwrap();
    let said = |operation: &str, role: &str, group: &str| {
        entries.iter().any(|e| {
            e.operation == operation
                && e.created_by == "ldap"
                && e.detail.contains(role)
                && e.detail.contains(group)
        })
    };
    assert!(said("revoke_mapped_role", "ReleaseNamespace+shop+application+PRO", "shop-release"), "{entries:?}");
    assert!(said("revoke_mapped_role", "Master+shop", "shop-devs"), "{entries:?}");
    assert!(said("grant_mapped_role", "ReleaseNamespace+shop+application+PRO", "shop-release"), "{entries:?}");
});

db_test!(async fn a_disabled_directory_user_is_signed_out_and_stays_out(t) {
    let Some(server) = Slapd::start() else { return };
    let portal = portal(&t, sign_in(directory(&server))).await;
    let alice = token(&portal, "alice", slapd::ALICE_PASSWORD).await;
    let admin = portal.admin_token().await;
    let disable = portal
        .send(
            Request::put("/api/v1/users/alice")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"enabled":false}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(disable.status, StatusCode::OK, "{}", disable.text);
    assert_eq!(portal.get("/api/v1/auth/me", Some(&alice)).await.status, StatusCode::UNAUTHORIZED);
    let again = portal.login("alice", slapd::ALICE_PASSWORD).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.text);
    assert_eq!(again.code(), "account_disabled");
});

db_test!(async fn a_directory_user_has_no_password_in_lyre(t) {
    let Some(server) = Slapd::start() else { return };
    let portal = portal(&t, sign_in(directory(&server))).await;
    let alice = token(&portal, "alice", slapd::ALICE_PASSWORD).await;
    let change = portal
        .send(
            Request::put("/api/v1/auth/password")
                .header(header::AUTHORIZATION, format!("Bearer {alice}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"currentPassword": slapd::ALICE_PASSWORD, "newPassword": "a-lyre-password"}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(change.status, StatusCode::CONFLICT, "{}", change.text);
    assert!(change.text.contains("signs in through LDAP"), "{}", change.text);
    let admin = portal.admin_token().await;
    let reset = portal
        .post_json("/api/v1/users/alice/password", Some(&admin), &json!({"password": "a-lyre-password"}))
        .await;
    assert_eq!(reset.status, StatusCode::CONFLICT, "{}", reset.text);
    // The password form still checks the directory, not Lyre.
    assert_eq!(portal.login("alice", "a-lyre-password").await.status, StatusCode::UNAUTHORIZED);
});

db_test!(async fn local_users_other_than_super_admins_are_refused_a_password_once_a_directory_is_configured(t) {
    let Some(server) = Slapd::start() else { return };
    let portal = portal(&t, sign_in(directory(&server))).await;
    let admin = portal.admin_token().await;
    let created = portal
        .post_json("/api/v1/users", Some(&admin), &json!({"username": "zoe", "password": "zoe-password-1"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let zoe = portal.login("zoe", "zoe-password-1").await;
    assert_eq!(zoe.status, StatusCode::FORBIDDEN, "{}", zoe.text);
    assert!(zoe.text.contains("kept for super admins"), "{}", zoe.text);
    // The super admin keeps the way in.
    assert_eq!(portal.login("admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
});

db_test!(async fn start_tls_and_ldaps_are_checked_against_the_configured_authority(t) {
    let Some(server) = Slapd::start_tls() else { return };
    let mut ldap = directory(&server);
    ldap.start_tls = true;
    ldap.ca_file = server.ca_file.clone();
    let portal = portal(&t, sign_in(ldap)).await;
    token(&portal, "alice", slapd::ALICE_PASSWORD).await;

    // LDAPS: TLS from the first byte, on its own port.
    let mut ldaps = directory(&server);
    ldaps.url = server.ldaps_url.clone().expect("an ldaps:// URL");
    ldaps.ca_file = server.ca_file.clone();
    let portal = self::portal(&t, sign_in(ldaps)).await;
    token(&portal, "carol", slapd::CAROL_PASSWORD).await;

    // Without the authority, the server's certificate is not trusted: the directory cannot be
    // asked, and the answer says so.
    let mut untrusted = directory(&server);
    untrusted.start_tls = true;
    let portal = self::portal(&t, sign_in(untrusted)).await;
    let reply = portal.login("bob", slapd::BOB_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.text);
    assert!(reply.text.contains("the company directory could not check your password"), "{}", reply.text);
});

db_test!(async fn a_directory_that_is_down_gets_a_clear_answer(t) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ldap: LdapSettings = toml::from_str(&format!(
        "url = \"ldap://127.0.0.1:{port}\"\nuser_base = \"{}\"\n",
        slapd::PEOPLE
    ))
    .unwrap();
    let portal = portal(&t, sign_in(ldap)).await;
    let reply = portal.login("alice", "a-password").await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.text);
    assert!(reply.text.contains(&format!("ldap://127.0.0.1:{port}")), "{}", reply.text);
    // The super admin still signs in.
    assert_eq!(portal.login("admin", ADMIN_PASSWORD).await.status, StatusCode::OK);
});

//! Signing in and out through the portal's router.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{ADMIN_PASSWORD, TestPortal};
use lyre_portal::bootstrap;
use lyre_store::accounts;
use lyre_store::db_test;
use lyre_store::entity::user;
use lyre_store::sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

db_test!(async fn admin_signs_in_and_is_recognised(t) {
    let portal = TestPortal::new(&t).await;
    let reply = portal.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    let token = body["token"].as_str().expect("a token");
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let expires_at = body["expiresAt"].as_str().expect("expiresAt");
    assert!(expires_at.ends_with('Z') && expires_at.contains('T'), "{expires_at}");

    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with(&format!("lyre_session={token};")), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age=3600"), "{cookie}");

    let me = portal.get("/api/v1/auth/me", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["superAdmin"], true);
    assert_eq!(me["roles"], json!(["SuperAdmin"]));

    // The cookie alone works too, as the web UI sends it.
    let by_cookie = portal
        .send(
            Request::get("/api/v1/auth/me")
                .header(header::COOKIE, format!("theme=dark; lyre_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(by_cookie.status, StatusCode::OK);
    assert_eq!(by_cookie.json()["username"], "admin");
});

db_test!(async fn wrong_credentials_get_one_answer(t) {
    let portal = TestPortal::new(&t).await;
    let wrong_password = portal.login("admin", "not the password").await;
    let unknown_user = portal.login("nobody", "not the password").await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_user.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.text, unknown_user.text, "no hint whether the user exists");
    assert_eq!(wrong_password.code(), "invalid_credentials");
    assert!(wrong_password.headers.get(header::SET_COOKIE).is_none());
});

db_test!(async fn repeated_failures_are_throttled(t) {
    let portal = TestPortal::new(&t).await;
    for _ in 0..5 {
        let reply = portal.login("admin", "guess").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Locked now: even the right password is refused until the lockout ends.
    let reply = portal.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text);
    assert_eq!(reply.code(), "too_many_attempts");
    let retry_after: u64 = reply.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    // The same for a user name that does not exist: no hint either way.
    for _ in 0..5 {
        portal.login("ghost", "guess").await;
    }
    assert_eq!(portal.login("ghost", "guess").await.status, StatusCode::TOO_MANY_REQUESTS);
});

db_test!(async fn signing_out_ends_the_session(t) {
    let portal = TestPortal::new(&t).await;
    let token = portal.admin_token().await;
    let other = portal.admin_token().await;

    let reply = portal.post_json("/api/v1/auth/logout", Some(&token), &json!({})).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("lyre_session=;") && cookie.contains("Max-Age=0"), "{cookie}");

    let me = portal.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.code(), "unauthenticated");
    // Another session of the same user goes on.
    assert_eq!(portal.get("/api/v1/auth/me", Some(&other)).await.status, StatusCode::OK);
    // Signing out again with the dead token is refused, not an error.
    let again = portal.post_json("/api/v1/auth/logout", Some(&token), &json!({})).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
});

db_test!(async fn bad_tokens_are_refused(t) {
    let portal = TestPortal::new(&t).await;
    let token = portal.admin_token().await;
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [tampered.as_str(), "not-a-jwt", ""] {
        let reply = portal.get("/api/v1/auth/me", Some(bad)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "token {bad:?}");
    }
    assert_eq!(portal.get("/api/v1/auth/me", None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(portal.get("/api/v1/system/status", None).await.status, StatusCode::UNAUTHORIZED);
});

db_test!(async fn disabled_users_cannot_sign_in_and_lose_their_sessions(t) {
    let portal = TestPortal::new(&t).await;
    let token = portal.admin_token().await;
    let admin = accounts::find_user(&t.db, "admin").await.unwrap().unwrap();
    let mut disabled = admin.into_active_model();
    disabled.is_enabled = Set(false);
    disabled.update(&t.db).await.unwrap();

    assert_eq!(portal.get("/api/v1/auth/me", Some(&token)).await.status, StatusCode::UNAUTHORIZED);
    let reply = portal.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "account_disabled");
    // A wrong password still says only that the credentials are wrong.
    assert_eq!(portal.login("admin", "nope").await.code(), "invalid_credentials");
});

db_test!(async fn malformed_sign_ins_name_the_problem(t) {
    let portal = TestPortal::new(&t).await;
    let missing = portal.post_json("/api/v1/auth/login", None, &json!({"username": "admin"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.code(), "invalid_body");
    assert!(missing.json()["message"].as_str().unwrap().contains("password"), "{}", missing.text);

    let empty = portal.post_json("/api/v1/auth/login", None, &json!({"username": " ", "password": ""})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.code(), "invalid_request");

    let broken = portal
        .send(
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"username\": \"admin\", "))
                .unwrap(),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.code(), "invalid_json");

    let form = portal
        .send(
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("username=admin&password=x"))
                .unwrap(),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(form.code(), "unsupported_media_type");

    let unknown = portal.get("/api/v1/no-such-thing", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "not_found");
});

db_test!(async fn bootstrap_creates_admin_once(t) {
    let first = bootstrap(&t.db, None, None).await.unwrap();
    assert!(first.admin_created);
    let generated = first.generated_admin_password.clone().expect("a generated password to print");
    assert!(generated.len() >= 16);

    let second = bootstrap(&t.db, Some("another password"), None).await.unwrap();
    assert!(!second.admin_created, "admin is not recreated");
    assert!(second.generated_admin_password.is_none(), "nothing new to print");
    assert_eq!(second.jwt_secret, first.jwt_secret, "the generated signing key is kept");
    assert_eq!(user::Entity::find().all(&t.db).await.unwrap().len(), 1);

    // The first password still works; the later one was not applied.
    let portal = TestPortal::with_settings(&t, common::settings("/nonexistent".into())).await;
    assert_eq!(portal.login("admin", &generated).await.status, StatusCode::OK);
    assert_eq!(portal.login("admin", "another password").await.status, StatusCode::UNAUTHORIZED);
});

db_test!(async fn argon2_hashes_are_stored(t) {
    TestPortal::new(&t).await;
    let admin = accounts::find_user(&t.db, "admin").await.unwrap().unwrap();
    assert!(admin.password_hash.starts_with("$argon2id$"), "an Argon2id PHC string");
    assert!(!admin.password_hash.contains(ADMIN_PASSWORD));
});

db_test!(async fn bcrypt_hashes_from_apollo_sign_in_and_become_argon2(t) {
    let portal = TestPortal::new(&t).await;
    // A user as Apollo's portal stores them: a BCrypt hash of cost 10, `$2a$` as Spring writes.
    let apollo_hash = bcrypt::hash_with_salt("apollo-era-password", 10, *b"0123456789abcdef")
        .unwrap()
        .format_for_version(bcrypt::Version::TwoA);
    assert!(apollo_hash.starts_with("$2a$10$"));
    accounts::create_user(
        &t.db,
        &accounts::NewUser {
            username: "zhang",
            display_name: "Zhang San",
            email: "zhang@example.com",
            password_hash: &apollo_hash,
            source: accounts::SOURCE_LOCAL,
            created_by: "import",
        },
    )
    .await
    .unwrap();

    // A wrong password is refused as any other, and leaves the hash as it was.
    let wrong = portal.login("zhang", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
    let stored = accounts::find_user(&t.db, "zhang").await.unwrap().unwrap();
    assert_eq!(stored.password_hash, apollo_hash);

    // The right one signs in, and the hash becomes an Argon2id one of the same password.
    let reply = portal.login("zhang", "apollo-era-password").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let stored = accounts::find_user(&t.db, "zhang").await.unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"), "{}", stored.password_hash);
    let again = portal.login("zhang", "apollo-era-password").await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(portal.login("zhang", "not-the-password").await.status, StatusCode::UNAUTHORIZED);

    // A hash of an absurd cost is not worked on (it would hold a hashing thread for hours).
    let costly = apollo_hash.replacen("$2a$10$", "$2a$31$", 1);
    let mut row = stored.into_active_model();
    row.password_hash = Set(costly.clone());
    row.update(&t.db).await.unwrap();
    assert_eq!(portal.login("zhang", "apollo-era-password").await.status, StatusCode::UNAUTHORIZED);
    let stored = accounts::find_user(&t.db, "zhang").await.unwrap().unwrap();
    assert_eq!(stored.password_hash, costly, "left as it was");
});

db_test!(async fn the_language_is_kept_with_the_user_for_every_session(t) {
    let portal = TestPortal::new(&t).await;
    let token = portal.admin_token().await;
    let put = |token: Option<String>, body: Value| {
        let mut request = Request::put("/api/v1/auth/me/language")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        portal.send(request.body(Body::from(body.to_string())).unwrap())
    };
    let me = portal.get("/api/v1/auth/me", Some(&token)).await.json();
    assert!(me.get("language").is_none(), "none chosen yet: {me}");

    let set = put(Some(token.clone()), json!({"language": "zh-CN"})).await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    // Another sign-in (another browser) finds it.
    let other = portal.admin_token().await;
    assert_eq!(portal.get("/api/v1/auth/me", Some(&other)).await.json()["language"], "zh-CN");

    for bad in [json!({"language": "fr"}), json!({"language": ""}), json!({"lang": "en"})] {
        let refused = put(Some(token.clone()), bad.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}: {}", refused.text);
        assert!(refused.json()["message"].as_str().unwrap().contains("language"), "{}", refused.text);
    }
    let unsigned = put(None, json!({"language": "en"})).await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    assert_eq!(portal.get("/api/v1/auth/me", Some(&token)).await.json()["language"], "zh-CN");

    assert_eq!(put(Some(token.clone()), json!({"language": "en"})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(portal.get("/api/v1/auth/me", Some(&other)).await.json()["language"], "en");
});

//! The portal fails over between admin services only when one could not be reached: a request
//! that reached an admin service whose answer was then lost is not sent to another.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::stack::{ADMIN_TOKEN, ENVS, Stack, ns, serve};
use lyre_protocol::meta::ADMIN_SERVICE;
use lyre_store::db_test;
use lyre_store::registry::{self, Registration};
use serde_json::{Value, json};

/// An admin service that carries out what it is sent (through the real one at `real`), then
/// hangs up without answering: a crash, or a network cut, after the work was done.
fn lossy(real: String) -> Router {
    Router::new().fallback(move |request: Request<Body>| forward_and_hang_up(real.clone(), request))
}

async fn forward_and_hang_up(real: String, request: Request<Body>) -> StatusCode {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut forward = reqwest::Client::new().request(parts.method, format!("{real}{uri}"));
    for (name, value) in &parts.headers {
        if name != "host" {
            forward = forward.header(name, value);
        }
    }
    forward.body(body).send().await.unwrap();
    panic!("the answer is lost on the way back");
}

/// How many releases the namespace has, asked of the real admin service.
async fn releases(s: &Stack) -> i64 {
    let url = format!(
        "{}/envs/DEV/apps/shop/clusters/default/namespaces/application/releases",
        s.admin_url
    );
    let page: Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["total"].as_i64().unwrap()
}

db_test!(async fn a_publish_whose_answer_was_lost_is_not_made_again_elsewhere(t) {
    let s = Stack::start(&t).await;
    let alice = s.user("alice").await;
    s.app("shop", "alice").await;
    let dev = ns("DEV", "shop", "application");

    // A second admin service joins; the portal sees it once its list of them is renewed.
    let lossy_url = serve(lossy(s.admin_url.clone())).await;
    registry::heartbeat(
        &t.db,
        &Registration {
            service_name: ADMIN_SERVICE.into(),
            instance_id: "admin-lossy".into(),
            envs: ENVS.iter().map(|e| (*e).to_owned()).collect(),
            homepage_url: format!("{lossy_url}/"),
        },
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;

    // The portal takes turns between the two: some requests go to the lossy one.
    let mut lost = 0;
    for round in 0..6 {
        let item = json!({"key": format!("k{round}"), "value": "1"});
        let added = s.call(Method::POST, &format!("{dev}/items"), Some(&alice), &item).await;
        // Made once either way: by the real service (201), or by the lossy one, whose
        // answer was lost (502), and not made again elsewhere (which would answer 409).
        assert!(
            added.status == StatusCode::CREATED || added.status == StatusCode::BAD_GATEWAY,
            "round {round}: {} {}",
            added.status,
            added.text
        );
        if round % 2 == 1 {
            // One more call to an admin service, so the publishes do not all fall to the same.
            s.call(Method::GET, &format!("{dev}/items"), Some(&alice), &Value::Null).await;
        }
        let before = releases(&s).await;
        let title = json!({"title": format!("round {round}")});
        let publish = s.call(Method::POST, &format!("{dev}/releases"), Some(&alice), &title).await;
        // Whichever service it went to, the publish was made exactly once.
        assert_eq!(releases(&s).await, before + 1, "round {round}: {} {}", publish.status, publish.text);
        if publish.status != StatusCode::CREATED {
            assert_eq!(publish.status, StatusCode::BAD_GATEWAY, "{}", publish.text);
            assert!(publish.text.contains("did not answer"), "{}", publish.text);
            lost += 1;
        }
    }
    assert!(lost > 0, "no publish went to the lossy admin service");
});

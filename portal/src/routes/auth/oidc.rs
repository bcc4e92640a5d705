//! Signing in through an identity provider: which ways in there are, and the OpenID Connect
//! round trip (`start` sends the browser to the provider, `callback` brings it back).
//!
//! Both OpenID Connect endpoints are browser navigations, so they answer with redirects: into
//! the portal with a session cookie, or to the sign-in page with `?error=<code>&message=...`
//! saying what went wrong. Nothing the provider or the browser sends makes them answer 500.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lyre_service_kit::Json;
use lyre_service_kit::extract::Query;
use lyre_service_kit::peer::PeerAddr;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::PortalState;
use crate::auth::start_session;
use crate::sso::oidc::{FLOW_TTL, FLOW_TYPE, Failure, Flow, SOURCE};
use crate::sso::{self, LocalSignIn};

/// The cookie that carries a sign-in between the portal and the provider.
const FLOW_COOKIE: &str = "lyre_oidc";
/// Where the flow cookie is sent: the callback only.
const FLOW_PATH: &str = "/api/v1/auth/oidc";

/// The ways to sign in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Methods {
    /// Who may sign in with a password kept by Lyre.
    local: LocalSignIn,
    /// Whether the sign-in form takes a user name and password (local users, or LDAP).
    password: bool,
    /// Whether passwords are also checked against an LDAP directory.
    ldap: bool,
    /// The OpenID Connect provider, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    oidc: Option<OidcMethod>,
}

/// Signing in through OpenID Connect.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OidcMethod {
    /// The provider's name: the button reads "Sign in with {name}".
    name: String,
    /// Where the button goes.
    start_url: String,
}

/// How people may sign in here: the sign-in page asks before showing its form.
#[utoipa::path(
    get,
    path = "/api/v1/auth/methods",
    tag = "auth",
    responses((status = 200, description = "The ways to sign in", body = Methods))
)]
pub(crate) async fn methods(State(state): State<PortalState>) -> Json<Methods> {
    let sign_in = &state.settings().sign_in;
    Json(Methods {
        local: sign_in.local(),
        password: sign_in.local() != LocalSignIn::Off || sign_in.ldap().is_some(),
        ldap: sign_in.ldap().is_some(),
        oidc: sign_in.oidc().map(|oidc| OidcMethod {
            name: oidc.name().to_owned(),
            start_url: format!("{FLOW_PATH}/start"),
        }),
    })
}

/// Starts signing in through the OpenID Connect provider: a redirect to it, with a short-lived
/// cookie that the callback checks.
#[utoipa::path(
    get,
    path = "/api/v1/auth/oidc/start",
    tag = "auth",
    responses(
        (status = 303, description = "To the provider, or to the sign-in page saying why not",
            headers(("location" = String, description = "Where to go"),
                ("set-cookie" = String, description = "The sign-in's cookie `lyre_oidc`"))),
    )
)]
pub(crate) async fn start(State(state): State<PortalState>) -> Response {
    let Some(oidc) = state.settings().sign_in.oidc() else {
        return to_sign_in(&state, &not_configured());
    };
    let now = lyre_store::time::now_millis() / 1000;
    let started = oidc.start(now).await.and_then(|(url, flow)| {
        let token = state.0.tokens.sign(&flow).map_err(|e| Failure {
            code: "internal",
            message: e.to_string(),
        })?;
        Ok((url, token))
    });
    match started {
        Ok((url, token)) => {
            let cookie = flow_cookie(&token, FLOW_TTL.as_secs(), state.settings().cookie_secure);
            redirect(&url, Some(cookie))
        }
        Err(failure) => to_sign_in(&state, &failure),
    }
}

/// What the provider sends back.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Callback {
    /// The authorization code.
    code: Option<String>,
    /// The state the sign-in started with.
    state: Option<String>,
    /// The provider's error code, when it did not sign the user in.
    error: Option<String>,
    /// The provider's explanation.
    error_description: Option<String>,
}

/// Where the provider sends the browser back: the code is exchanged, the ID token checked
/// (signature, issuer, audience, expiry, nonce), the user created or refreshed with the roles
/// their groups map to, and a session started.
#[utoipa::path(
    get,
    path = "/api/v1/auth/oidc/callback",
    tag = "auth",
    params(Callback),
    responses(
        (status = 303, description = "Into the portal with a session, or to the sign-in page \
            with `?error=` (`state`, `nonce`, `code`, `token`, `claims`, `unreachable`, \
            `provider`, `account`) and a message",
            headers(("location" = String, description = "Where to go"),
                ("set-cookie" = String, description = "The session cookie `lyre_session`"))),
    )
)]
pub(crate) async fn callback(
    State(state): State<PortalState>,
    peer: PeerAddr,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    match signed_in(&state, &peer, &headers, query).await {
        Ok(cookie) => {
            let mut response = redirect("/", Some(cookie));
            append_cookie(&mut response, &expired_flow_cookie(&state));
            response
        }
        Err(failure) => {
            tracing::info!(code = failure.code, reason = %failure.message, "OpenID Connect sign-in failed");
            to_sign_in(&state, &failure)
        }
    }
}

async fn signed_in(
    state: &PortalState,
    peer: &PeerAddr,
    headers: &HeaderMap,
    query: Callback,
) -> Result<String, Failure> {
    let oidc = state.settings().sign_in.oidc().ok_or_else(not_configured)?;
    let flow: Flow = flow_token(headers)
        .and_then(|token| state.0.tokens.verify::<Flow>(token))
        .filter(|flow| flow.typ == FLOW_TYPE)
        .ok_or_else(|| Failure {
            code: "state",
            message: "this sign-in was not started in this browser, or took longer than ten \
                minutes; start again"
                .into(),
        })?;
    if query.state.as_deref() != Some(flow.state.as_str()) {
        return Err(Failure {
            code: "state",
            message: format!(
                "the answer from {} does not belong to the sign-in this browser started (its \
                 state differs), so it was refused; start again",
                oidc.name()
            ),
        });
    }
    if let Some(error) = query.error {
        let detail = query
            .error_description
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        return Err(Failure {
            code: "provider",
            message: format!("{} did not sign you in ({error}{detail})", oidc.name()),
        });
    }
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Failure {
            code: "provider",
            message: format!("{} sent no sign-in code", oidc.name()),
        })?;
    let profile = oidc.finish(flow, code).await?;
    let user = sso::provision(state, SOURCE, &profile)
        .await
        .map_err(|e| Failure {
            code: "account",
            message: e.to_string(),
        })?;
    let address = state.client_address(peer, headers);
    let session = start_session(state, &user, &address, headers)
        .await
        .map_err(|e| Failure {
            code: "account",
            message: e.to_string(),
        })?;
    Ok(session.cookie)
}

fn not_configured() -> Failure {
    Failure {
        code: "provider",
        message: "sign-in through an identity provider is not configured here".into(),
    }
}

/// The flow cookie's token, if the browser sent one.
fn flow_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == FLOW_COOKIE).then_some(value)
        })
}

fn flow_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{FLOW_COOKIE}={token}; Path={FLOW_PATH}; HttpOnly; SameSite=Lax; \
         Max-Age={max_age_secs}{secure}"
    )
}

fn expired_flow_cookie(state: &PortalState) -> String {
    flow_cookie("", 0, state.settings().cookie_secure)
}

/// A `303 See Other` to `location`, setting `cookie`.
fn redirect(location: &str, cookie: Option<String>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    if let Some(cookie) = cookie {
        append_cookie(&mut response, &cookie);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("a header value"),
    );
    response
}

fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// To the sign-in page, which shows `failure`; the flow cookie goes.
fn to_sign_in(state: &PortalState, failure: &Failure) -> Response {
    let query = serde_urlencoded::to_string([
        ("error", failure.code),
        ("message", failure.message.as_str()),
    ])
    .unwrap_or_default();
    redirect(&format!("/login?{query}"), Some(expired_flow_cookie(state)))
}

//! Signing in through an identity provider: which ways in there are, and the OpenID Connect
//! round trip (`start` sends the browser to the provider, `callback` brings it back).
//!
//! Both OpenID Connect endpoints are browser navigations, so they answer with redirects: into
//! the portal with a session cookie, or to the sign-in page with `?error=<code>`, the sentence
//! saying what went wrong in a signed cookie that `methods` reads once. Nothing the provider
//! or the browser sends makes them answer 500.

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
/// The cookie that tells the sign-in page why a sign-in through the provider failed. The
/// message travels signed in a cookie rather than in the address, so that no link can make
/// the sign-in page say what its author wants.
const FAILURE_COOKIE: &str = "lyre_signin_failure";
/// Where it is sent: to [`methods`], which reads it once.
const FAILURE_PATH: &str = "/api/v1/auth/methods";
/// The type of a failure token.
const FAILURE_TYPE: &str = "signin-failure";
/// How long the sign-in page has to read it.
const FAILURE_TTL_SECS: i64 = 120;

/// Why the last sign-in through the provider failed, as the cookie carries it.
#[derive(Serialize, Deserialize, ToSchema)]
pub(crate) struct SignInFailure {
    /// A stable code: `state`, `nonce`, `code`, `token`, `claims`, `unreachable`, `provider`
    /// or `account`.
    code: String,
    /// What went wrong, for people.
    message: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    #[schema(ignore)]
    typ: String,
    #[serde(skip_serializing_if = "is_zero", default)]
    #[schema(ignore)]
    exp: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

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
    /// Why this browser's last sign-in through the provider failed, told once.
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<SignInFailure>,
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

/// How people may sign in here: the sign-in page asks before showing its form, and learns
/// why the browser's last sign-in through the provider failed, if it did.
#[utoipa::path(
    get,
    path = "/api/v1/auth/methods",
    tag = "auth",
    responses((status = 200, description = "The ways to sign in", body = Methods,
        headers(("set-cookie" = String, description = "Removes `lyre_signin_failure` once read"))))
)]
pub(crate) async fn methods(State(state): State<PortalState>, headers: HeaderMap) -> Response {
    let sign_in = &state.settings().sign_in;
    let failure = cookie(&headers, FAILURE_COOKIE)
        .and_then(|token| state.0.tokens.verify::<SignInFailure>(token))
        .filter(|failure| failure.typ == FAILURE_TYPE)
        .map(|failure| SignInFailure {
            typ: String::new(),
            exp: 0,
            ..failure
        });
    let told = failure.is_some();
    let body = Json(Methods {
        local: sign_in.local(),
        password: sign_in.local() != LocalSignIn::Off || sign_in.ldap().is_some(),
        ldap: sign_in.ldap().is_some(),
        oidc: sign_in.oidc().map(|oidc| OidcMethod {
            name: oidc.name().to_owned(),
            start_url: format!("{FLOW_PATH}/start"),
        }),
        failure,
    });
    let mut response = body.into_response();
    if told {
        let gone = set_cookie(FAILURE_COOKIE, "", FAILURE_PATH, 0, &state);
        append_cookie(&mut response, &gone);
    }
    response
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
            let cookie = set_cookie(FLOW_COOKIE, &token, FLOW_PATH, FLOW_TTL.as_secs(), &state);
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
            `provider`, `account`); the message follows in `GET /api/v1/auth/methods`",
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
    let flow: Flow = cookie(headers, FLOW_COOKIE)
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

/// The value of the cookie `name`, if the browser sent one.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// A `Set-Cookie` value: HttpOnly, `SameSite=Lax` (the provider's redirect back is a top-level
/// navigation from another site, which must carry it), sent only to `path`.
fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age_secs: u64,
    state: &PortalState,
) -> String {
    let secure = if state.settings().cookie_secure {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

fn expired_flow_cookie(state: &PortalState) -> String {
    set_cookie(FLOW_COOKIE, "", FLOW_PATH, 0, state)
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

/// To the sign-in page (`/login?error=<code>`), which learns what went wrong from
/// [`methods`]; the flow cookie goes.
fn to_sign_in(state: &PortalState, failure: &Failure) -> Response {
    let told = SignInFailure {
        code: failure.code.to_owned(),
        message: failure.message.clone(),
        typ: FAILURE_TYPE.to_owned(),
        exp: lyre_store::time::now_millis() / 1000 + FAILURE_TTL_SECS,
    };
    let query = serde_urlencoded::to_string([("error", failure.code)]).unwrap_or_default();
    let mut response = redirect(&format!("/login?{query}"), Some(expired_flow_cookie(state)));
    if let Ok(token) = state.0.tokens.sign(&told) {
        let max_age = FAILURE_TTL_SECS.unsigned_abs();
        append_cookie(
            &mut response,
            &set_cookie(FAILURE_COOKIE, &token, FAILURE_PATH, max_age, state),
        );
    }
    response
}

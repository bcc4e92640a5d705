//! OpenID Connect sign-in: the authorization code flow with PKCE, a nonce and a state kept in a
//! short-lived signed cookie, the ID token checked against the provider's keys (found by
//! discovery), and the user's claims read from the ID token and the userinfo endpoint.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, IdTokenFields, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::Profile;

/// `users.source` of a user who signs in through OpenID Connect.
pub(crate) const SOURCE: &str = "oidc";

/// How long provider metadata and keys are used before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(300);

/// The `[sign_in.oidc]` table of `lyre.toml`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The provider's name on the sign-in page: "Sign in with {name}" [default: `SSO`].
    pub name: Option<String>,
    /// The issuer URL; `{issuer}/.well-known/openid-configuration` must answer.
    pub issuer: String,
    /// The client registered for Lyre at the provider.
    pub client_id: String,
    /// Its secret (or `client_secret_file`, or `LYRE_OIDC_CLIENT_SECRET`) [default: none, a
    /// public client].
    pub client_secret: Option<String>,
    /// A file holding the client secret.
    pub client_secret_file: Option<PathBuf>,
    /// Where the provider sends people back: the portal's public URL followed by
    /// `/api/v1/auth/oidc/callback`; register it at the provider.
    pub redirect_url: String,
    /// Scopes asked for besides `openid` [default: `profile`, `email`, `groups`].
    pub scopes: Option<Vec<String>>,
    /// The claim whose value is the Lyre user name [default: `preferred_username`].
    pub username_claim: Option<String>,
    /// [default: `name`]
    pub display_name_claim: Option<String>,
    /// [default: `email`]
    pub email_claim: Option<String>,
    /// The claim listing the user's groups [default: `groups`].
    pub groups_claim: Option<String>,
    /// Whether signing out of Lyre also signs out of the provider, where it supports it
    /// [default: true].
    pub end_session: Option<bool>,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

/// Every claim that is not one of the standard ones (`groups`, say).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct Extra {
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl openidconnect::AdditionalClaims for Extra {}

type TokenFields = IdTokenFields<
    Extra,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type Client = openidconnect::Client<
    Extra,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<TokenFields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A checked OpenID Connect configuration, with the provider's metadata once fetched.
pub(crate) struct Oidc {
    name: String,
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    after_logout: PostLogoutRedirectUrl,
    scopes: Vec<String>,
    username_claim: String,
    display_name_claim: String,
    email_claim: String,
    groups_claim: String,
    end_session: bool,
    http: Http,
    metadata: Mutex<Option<(Instant, ProviderMetadataWithLogout)>>,
}

/// Why a sign-in through the provider did not happen: a stable code (the sign-in page's
/// `?error=`) and a sentence for people.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What the browser keeps between leaving for the provider and coming back: in a signed,
/// HttpOnly cookie that lives ten minutes.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Flow {
    /// Tells this token from a session's.
    pub typ: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub exp: i64,
}

/// The type of a [`Flow`] token.
pub(crate) const FLOW_TYPE: &str = "oidc-flow";

/// How long a sign-in may stay at the provider.
pub(crate) const FLOW_TTL: Duration = Duration::from_secs(600);

/// The HTTP client that talks to the provider: the workspace's reqwest, following no redirects.
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpFailure;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(self.0.clone(), request))
    }
}

async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpFailure(causes(&e)))?;
    let mut answer = HttpResponse::new(Vec::new());
    *answer.status_mut() = response.status();
    *answer.headers_mut() = response.headers().clone();
    *answer.body_mut() = response
        .bytes()
        .await
        .map_err(|e| HttpFailure(causes(&e)))?
        .to_vec();
    Ok(answer)
}

/// An HTTP failure talking to the provider, with its causes.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HttpFailure(String);

impl Oidc {
    pub(crate) fn new(s: OidcSettings) -> Result<Self, String> {
        let issuer = IssuerUrl::new(s.issuer.trim_end_matches('/').to_owned())
            .map_err(|e| format!("sign_in.oidc.issuer `{}`: {e}", s.issuer))?;
        if !matches!(issuer.url().scheme(), "http" | "https") {
            return Err(format!(
                "sign_in.oidc.issuer `{}` must be an http:// or https:// URL",
                s.issuer
            ));
        }
        let redirect = RedirectUrl::new(s.redirect_url.clone())
            .map_err(|e| format!("sign_in.oidc.redirect_url `{}`: {e}", s.redirect_url))?;
        if !redirect
            .url()
            .path()
            .ends_with("/api/v1/auth/oidc/callback")
        {
            return Err(format!(
                "sign_in.oidc.redirect_url `{}` must be the portal's URL followed by \
                 /api/v1/auth/oidc/callback",
                s.redirect_url
            ));
        }
        // Back to the sign-in page of the same portal after the provider signs people out.
        let mut login = redirect.url().clone();
        let base = login
            .path()
            .trim_end_matches("/api/v1/auth/oidc/callback")
            .to_owned();
        login.set_path(&format!("{base}/login"));
        login.set_query(None);
        let after_logout = PostLogoutRedirectUrl::from_url(login);
        if s.client_id.trim().is_empty() {
            return Err("sign_in.oidc.client_id must not be empty".into());
        }
        let client_secret = super::secret(
            "sign_in.oidc.client_secret",
            s.client_secret,
            s.client_secret_file.as_deref(),
            "LYRE_OIDC_CLIENT_SECRET",
        )?
        .map(ClientSecret::new);
        let http = reqwest::Client::builder()
            // A provider's answers are never followed elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("sign_in.oidc: {e}"))?;
        Ok(Self {
            name: s
                .name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "SSO".into()),
            issuer,
            client_id: ClientId::new(s.client_id.trim().to_owned()),
            client_secret,
            redirect,
            after_logout,
            scopes: s
                .scopes
                .unwrap_or_else(|| vec!["profile".into(), "email".into(), "groups".into()])
                .into_iter()
                .filter(|scope| scope != "openid")
                .collect(),
            username_claim: s
                .username_claim
                .unwrap_or_else(|| "preferred_username".into()),
            display_name_claim: s.display_name_claim.unwrap_or_else(|| "name".into()),
            email_claim: s.email_claim.unwrap_or_else(|| "email".into()),
            groups_claim: s.groups_claim.unwrap_or_else(|| "groups".into()),
            end_session: s.end_session.unwrap_or(true),
            http: Http(http),
            metadata: Mutex::new(None),
        })
    }

    /// The provider's name for people.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The provider's metadata and keys, fetched when missing or stale.
    async fn metadata(&self) -> Result<ProviderMetadataWithLogout, Failure> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        match ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http).await {
            Ok(metadata) => {
                *cached = Some((Instant::now(), metadata.clone()));
                Ok(metadata)
            }
            Err(e) => Err(Failure::new(
                "unreachable",
                format!(
                    "{} could not be asked who you are: its discovery document at {} \
                     did not answer as it should ({}); try again later",
                    self.name,
                    self.issuer.as_str(),
                    causes(&e)
                ),
            )),
        }
    }

    fn client(&self, metadata: ProviderMetadataWithLogout) -> Client {
        Client::from_provider_metadata(metadata, self.client_id.clone(), self.client_secret.clone())
            .set_redirect_uri(self.redirect.clone())
    }

    /// Where to send the browser to sign in, and what to remember until it comes back.
    pub(crate) async fn start(&self, now_secs: i64) -> Result<(String, Flow), Failure> {
        let client = self.client(self.metadata().await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            typ: FLOW_TYPE.into(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            exp: now_secs + i64::try_from(FLOW_TTL.as_secs()).unwrap_or(600),
        };
        Ok((url.to_string(), flow))
    }

    /// The person the provider sent back with `code`, once the flow's checks hold.
    pub(crate) async fn finish(&self, flow: Flow, code: String) -> Result<Profile, Failure> {
        let client = self.client(self.metadata().await?);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| Failure::new("provider", format!("{}: {e}", self.name)))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| self.token_failure(e))?;
        let id_token = tokens.id_token().ok_or_else(|| {
            Failure::new(
                "token",
                format!("{} answered without an ID token", self.name),
            )
        })?;
        let verifier = client.id_token_verifier();
        let nonce = Nonce::new(flow.nonce);
        let claims = id_token.claims(&verifier, &nonce).map_err(|e| match e {
            ClaimsVerificationError::InvalidNonce(_) => Failure::new(
                "nonce",
                format!(
                    "the ID token from {} was not issued for this sign-in (its nonce \
                     differs), so it was refused; start again",
                    self.name
                ),
            ),
            other => Failure::new(
                "token",
                format!("the ID token from {} was refused: {other}", self.name),
            ),
        })?;
        let mut found = match serde_json::to_value(claims) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        // Providers that keep the ID token small put the rest at userinfo.
        if client.user_info_url().is_some() {
            let subject = Some(claims.subject().clone());
            let info = self.user_info(&client, tokens.access_token().clone(), subject);
            for (name, value) in info.await? {
                found.entry(name).or_insert(value);
            }
        }
        self.profile(&found)
    }

    async fn user_info(
        &self,
        client: &Client,
        token: AccessToken,
        subject: Option<openidconnect::SubjectIdentifier>,
    ) -> Result<Map<String, Value>, Failure> {
        let request = client
            .user_info(token, subject)
            .map_err(|e| Failure::new("provider", format!("{}: {e}", self.name)))?;
        let info: openidconnect::UserInfoClaims<Extra, CoreGenderClaim> =
            request.request_async(&self.http).await.map_err(|e| {
                Failure::new(
                    "token",
                    format!("{}'s userinfo endpoint: {}", self.name, causes(&e)),
                )
            })?;
        Ok(match serde_json::to_value(info) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        })
    }

    fn token_failure(
        &self,
        e: RequestTokenError<HttpFailure, StandardErrorResponse<CoreErrorResponseType>>,
    ) -> Failure {
        match e {
            RequestTokenError::ServerResponse(answer)
                if *answer.error() == CoreErrorResponseType::InvalidGrant =>
            {
                Failure::new(
                    "code",
                    format!(
                        "{} refused the sign-in code: it expired or was used already \
                         ({}); start again",
                        self.name,
                        answer.error_description().map_or("invalid_grant", |d| d)
                    ),
                )
            }
            RequestTokenError::ServerResponse(answer) => Failure::new(
                "provider",
                format!("{} refused to issue tokens: {answer}", self.name),
            ),
            RequestTokenError::Request(e) => Failure::new(
                "unreachable",
                format!(
                    "{} could not be reached to finish signing in ({e}); try again later",
                    self.name
                ),
            ),
            other => Failure::new(
                "token",
                format!(
                    "{} answered the token request oddly: {}",
                    self.name,
                    causes(&other)
                ),
            ),
        }
    }

    fn profile(&self, claims: &Map<String, Value>) -> Result<Profile, Failure> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let username = text(&self.username_claim);
        if username.trim().is_empty() {
            return Err(Failure::new(
                "claims",
                format!(
                    "{} did not say who you are: the `{}` claim is missing (sign_in.oidc.\
                     username_claim names the claim to use)",
                    self.name, self.username_claim
                ),
            ));
        }
        let groups = match claims.get(&self.groups_claim) {
            Some(Value::Array(values)) => values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        Ok(Profile {
            username,
            display_name: text(&self.display_name_claim),
            email: text(&self.email_claim),
            groups,
        })
    }

    /// Where to send the browser so the provider signs the user out too, when it can.
    pub(crate) async fn end_session_url(&self) -> Option<String> {
        if !self.end_session {
            return None;
        }
        let metadata = self.metadata().await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let url = LogoutRequest::from(endpoint)
            .set_client_id(self.client_id.clone())
            .set_post_logout_redirect_uri(self.after_logout.clone())
            .http_get_url();
        Some(url.to_string())
    }
}

/// An error and its causes, on one line.
fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

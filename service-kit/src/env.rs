//! Environments on one port: a request to `/{ENV}/rest` is served as `/rest` for environment
//! `ENV`; any other request is served for the default (first configured) environment.
//!
//! This is how one process serves `DEV` and `PRO` side by side while Apollo clients choose
//! their environment by the meta-server URL alone (`http://host:8080/PRO`).

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use tower::Service;

/// The environment a request is for, put in its extensions by [`route_envs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestEnv {
    /// The environment's canonical (configured) name.
    pub name: String,
    /// Whether the path named it (`/PRO/...`) rather than falling back to the default.
    pub explicit: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestEnv {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            crate::error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
        })
    }
}

/// Splits `/{first}/rest` into the environment named by `first` (matched case-insensitively)
/// and `/rest`; `/PRO` alone becomes `/`.
fn split_env<'a>(path: &'a str, envs: &'a [String]) -> Option<(&'a String, &'a str)> {
    let rest = path.strip_prefix('/')?;
    let (first, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let env = envs.iter().find(|e| e.eq_ignore_ascii_case(first))?;
    Some((env, tail))
}

/// Serves `router` for every environment of `envs` (the first is the default), as described
/// in the module documentation.
pub fn route_envs(router: Router, envs: Vec<String>) -> EnvRoutes {
    assert!(!envs.is_empty(), "at least one environment");
    EnvRoutes {
        envs: envs.into(),
        router,
    }
}

/// A router served for several environments ([`route_envs`]). A service in front of the
/// router rather than a router around it: a request is routed once, not twice.
#[derive(Clone)]
pub struct EnvRoutes {
    envs: Arc<[String]>,
    router: Router,
}

impl Service<Request> for EnvRoutes {
    type Response = Response;
    type Error = Infallible;
    type Future = <Router as Service<Request>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let path = request.uri().path();
        let env = match split_env(path, &self.envs) {
            Some((env, rest)) => {
                let rest = rest.to_owned();
                let env = env.clone();
                // What the client asked for, as the router would record it were it first: an
                // access-key signature covers the path with its prefix.
                if request.extensions().get::<OriginalUri>().is_none() {
                    let asked = OriginalUri(request.uri().clone());
                    request.extensions_mut().insert(asked);
                }
                let mut parts = request.uri().clone().into_parts();
                let path_and_query = match request.uri().query() {
                    Some(q) => format!("{rest}?{q}"),
                    None => rest,
                };
                parts.path_and_query = path_and_query.parse().ok();
                if let Ok(uri) = Uri::from_parts(parts) {
                    *request.uri_mut() = uri;
                }
                RequestEnv {
                    name: env,
                    explicit: true,
                }
            }
            None => RequestEnv {
                name: self.envs[0].clone(),
                explicit: false,
            },
        };
        request.extensions_mut().insert(env);
        self.router.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_environment_prefixes() {
        let envs = vec!["DEV".to_owned(), "PRO".to_owned()];
        assert_eq!(
            split_env("/PRO/configs/a/b/c", &envs).map(|(e, r)| (e.as_str(), r)),
            Some(("PRO", "/configs/a/b/c"))
        );
        assert_eq!(
            split_env("/dev/services/config", &envs).map(|(e, r)| (e.as_str(), r)),
            Some(("DEV", "/services/config"))
        );
        assert_eq!(
            split_env("/PRO", &envs).map(|(e, r)| (e.as_str(), r)),
            Some(("PRO", "/"))
        );
        assert_eq!(split_env("/configs/a/b/c", &envs), None);
        assert_eq!(split_env("/PROD/x", &envs), None);
        assert_eq!(split_env("/", &envs), None);
    }
}

//! Signing in and out, and who is signed in.

pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod me;
pub(crate) mod oidc;

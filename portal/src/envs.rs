//! The portal's rules per environment: whether changes need review, and whether private
//! namespaces are shown to the app's members only. They live in the settings table, scoped
//! by environment; `PRO` has both on until someone changes them.

use lyre_store::sea_orm::{ConnectionTrait, DbErr};
use lyre_store::settings;

const REVIEW_REQUIRED: &str = "portal.review_required";
const MEMBER_ONLY_VIEW: &str = "portal.member_only_view";

/// The environment whose rules default to on.
const STRICT_BY_DEFAULT: &str = "PRO";

/// How the portal treats one environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EnvRules {
    /// Changes are published only through approved release requests.
    pub review_required: bool,
    /// Private namespaces are visible to the app's members (and the super admin) only.
    pub member_only_view: bool,
}

/// The rules of `env`.
pub(crate) async fn rules(db: &impl ConnectionTrait, env: &str) -> Result<EnvRules, DbErr> {
    let strict = env.eq_ignore_ascii_case(STRICT_BY_DEFAULT);
    Ok(EnvRules {
        review_required: settings::get_bool(db, env, REVIEW_REQUIRED, strict).await?,
        member_only_view: settings::get_bool(db, env, MEMBER_ONLY_VIEW, strict).await?,
    })
}

/// Changes the rules of `env`; `None` leaves one as it is.
pub(crate) async fn set(
    db: &impl ConnectionTrait,
    env: &str,
    review_required: Option<bool>,
    member_only_view: Option<bool>,
    by: &str,
) -> Result<(), DbErr> {
    if let Some(v) = review_required {
        settings::put(db, env, REVIEW_REQUIRED, &v.to_string(), by).await?;
    }
    if let Some(v) = member_only_view {
        settings::put(db, env, MEMBER_ONLY_VIEW, &v.to_string(), by).await?;
    }
    Ok(())
}

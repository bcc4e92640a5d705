//! Queries over configuration data: apps, clusters, namespaces, items, commits, releases,
//! locks and the audit log. Multi-step writes are composed by the admin service inside one
//! transaction (see [`crate::write`]).

pub mod access_keys;
pub mod app_namespaces;
pub mod apps;
pub mod audit;
pub mod branches;
pub mod clusters;
pub mod commits;
pub mod instances;
pub mod items;
pub mod locks;
pub mod messages;
pub mod namespaces;
pub mod releases;
pub mod rollouts;
pub mod schemas;

use sea_orm::sea_query::{Expr, ExprTrait as _, Func, SimpleExpr};
use sea_orm::{ColumnTrait, IntoSimpleExpr};

/// `lower(column) LIKE '%text%'` with `%`, `_` and `\` in `text` matched literally: the same
/// case-insensitive search on every backend.
pub(crate) fn contains_ignore_case(column: impl ColumnTrait, text: &str) -> SimpleExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(column.into_simple_expr()))
        .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

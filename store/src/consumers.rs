//! CI consumers of the Open API and their tokens. A token is stored only as its SHA-256 hash
//! (hex) and a short hint; the token itself is shown once, when it is made.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entity::{consumer, consumer_token};
use crate::time::now_millis;

/// A consumer to create.
#[derive(Clone, Debug)]
pub struct NewConsumer<'a> {
    pub name: &'a str,
    pub comment: &'a str,
    /// Requests per second; 0 for the default.
    pub rate_limit: i32,
    pub owner_name: &'a str,
    pub created_by: &'a str,
}

/// The SHA-256 of a consumer token, in lower-case hex: what is stored of it.
pub fn token_hash(token: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a consumer; a taken name is a unique violation.
pub async fn create(
    db: &impl ConnectionTrait,
    new: &NewConsumer<'_>,
) -> Result<consumer::Model, DbErr> {
    let now = now_millis();
    consumer::ActiveModel {
        name: Set(new.name.to_owned()),
        app_id: Set(String::new()),
        org_id: Set(String::new()),
        org_name: Set(String::new()),
        owner_name: Set(new.owner_name.to_owned()),
        owner_email: Set(String::new()),
        rate_limit: Set(new.rate_limit),
        comment: Set(new.comment.to_owned()),
        created_by: Set(new.created_by.to_owned()),
        created_at: Set(now),
        updated_by: Set(new.created_by.to_owned()),
        updated_at: Set(now),
        deleted_at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Gives consumer `consumer_id` a token (by its hash), ending the tokens it had.
pub async fn set_token(
    db: &impl ConnectionTrait,
    consumer_id: i64,
    token_hash: &str,
    token_hint: &str,
    by: &str,
) -> Result<(), DbErr> {
    let now = now_millis();
    consumer_token::Entity::update_many()
        .col_expr(consumer_token::Column::DeletedAt, Expr::value(now))
        .col_expr(consumer_token::Column::UpdatedBy, Expr::value(by))
        .col_expr(consumer_token::Column::UpdatedAt, Expr::value(now))
        .filter(consumer_token::Column::ConsumerId.eq(consumer_id))
        .filter(consumer_token::Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    consumer_token::ActiveModel {
        consumer_id: Set(consumer_id),
        token_hash: Set(token_hash.to_owned()),
        token_hint: Set(token_hint.to_owned()),
        expires_at: Set(0),
        created_by: Set(by.to_owned()),
        created_at: Set(now),
        updated_by: Set(by.to_owned()),
        updated_at: Set(now),
        deleted_at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The live consumer holding the live, unexpired token with this hash.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<consumer::Model>, DbErr> {
    let Some(token) = consumer_token::Entity::find()
        .filter(consumer_token::Column::TokenHash.eq(token_hash))
        .filter(consumer_token::Column::DeletedAt.eq(0))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if token.expires_at != 0 && token.expires_at <= now_millis() {
        return Ok(None);
    }
    consumer::Entity::find_by_id(token.consumer_id)
        .filter(consumer::Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// The live consumer `id`.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<consumer::Model>, DbErr> {
    consumer::Entity::find_by_id(id)
        .filter(consumer::Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// Every live consumer, by name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<consumer::Model>, DbErr> {
    consumer::Entity::find()
        .filter(consumer::Column::DeletedAt.eq(0))
        .order_by_asc(consumer::Column::Name)
        .all(db)
        .await
}

/// The hint of a consumer's live token (its last characters).
pub async fn token_hint(
    db: &impl ConnectionTrait,
    consumer_id: i64,
) -> Result<Option<String>, DbErr> {
    Ok(consumer_token::Entity::find()
        .filter(consumer_token::Column::ConsumerId.eq(consumer_id))
        .filter(consumer_token::Column::DeletedAt.eq(0))
        .one(db)
        .await?
        .map(|t| t.token_hint))
}

/// Deletes a consumer and ends its tokens.
pub async fn delete(db: &impl ConnectionTrait, id: i64, by: &str) -> Result<(), DbErr> {
    let now = now_millis();
    consumer::Entity::update_many()
        .col_expr(consumer::Column::DeletedAt, Expr::value(now))
        .col_expr(consumer::Column::UpdatedBy, Expr::value(by))
        .col_expr(consumer::Column::UpdatedAt, Expr::value(now))
        .filter(consumer::Column::Id.eq(id))
        .filter(consumer::Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    consumer_token::Entity::update_many()
        .col_expr(consumer_token::Column::DeletedAt, Expr::value(now))
        .filter(consumer_token::Column::ConsumerId.eq(id))
        .filter(consumer_token::Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok(())
}

/// The live consumer named `name`.
pub async fn find_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<consumer::Model>, DbErr> {
    consumer::Entity::find()
        .filter(consumer::Column::Name.eq(name))
        .filter(consumer::Column::DeletedAt.eq(0))
        .one(db)
        .await
}

/// Makes `owner` the owner of consumer `id`, if `from` still owns it: whether it did.
pub async fn adopt(
    db: &impl ConnectionTrait,
    id: i64,
    from: &str,
    owner: &str,
) -> Result<bool, DbErr> {
    let done = consumer::Entity::update_many()
        .col_expr(consumer::Column::CreatedBy, Expr::value(owner))
        .col_expr(consumer::Column::OwnerName, Expr::value(owner))
        .col_expr(consumer::Column::UpdatedBy, Expr::value(owner))
        .col_expr(consumer::Column::UpdatedAt, Expr::value(now_millis()))
        .filter(consumer::Column::Id.eq(id))
        .filter(consumer::Column::CreatedBy.eq(from))
        .filter(consumer::Column::DeletedAt.eq(0))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

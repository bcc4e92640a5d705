//! First-start setup: the super admin role, the `admin` account, and the session signing key.

use lyre_store::accounts::{self, NewUser, SUBJECT_USER, SUPER_ADMIN_PERMISSION, SUPER_ADMIN_ROLE};
use lyre_store::sea_orm::{DatabaseConnection, TransactionTrait};
use lyre_store::{is_unique_violation, settings};

use crate::PortalError;
use crate::auth::password;

/// The user name of the super admin created at first start.
pub const ADMIN_USERNAME: &str = "admin";
/// Where a generated session signing key is kept, so every portal replica shares it.
const JWT_SECRET_SETTING: &str = "portal.jwt_secret";

/// What [`bootstrap`] did.
pub struct Bootstrap {
    /// The key that signs session tokens.
    pub jwt_secret: String,
    /// Whether this start created the `admin` account.
    pub admin_created: bool,
    /// The generated password of `admin`, when this start created it without a configured
    /// one: to be shown once, now.
    pub generated_admin_password: Option<String>,
}

impl std::fmt::Debug for Bootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bootstrap")
            .field("admin_created", &self.admin_created)
            .finish_non_exhaustive()
    }
}

/// Prepares the database for the portal; safe to run at every start and by several replicas
/// at once. `admin` is created only if it does not exist: a changed password is never reset.
pub async fn bootstrap(
    db: &DatabaseConnection,
    admin_password: Option<&str>,
    jwt_secret: Option<&str>,
) -> Result<Bootstrap, PortalError> {
    let role = accounts::ensure_role(
        db,
        SUPER_ADMIN_ROLE,
        &[(SUPER_ADMIN_PERMISSION, "*")],
        "system",
    )
    .await?;

    let mut admin_created = false;
    let mut generated_admin_password = None;
    if accounts::find_user(db, ADMIN_USERNAME).await?.is_none() {
        let password_text = match admin_password {
            Some(p) => p.to_owned(),
            None => password::random_password(20),
        };
        let password_hash = password::hash(password_text.clone()).await?;
        let txn = db.begin().await?;
        let created = accounts::create_user(
            &txn,
            &NewUser {
                username: ADMIN_USERNAME,
                display_name: "Administrator",
                email: "",
                password_hash: &password_hash,
                source: accounts::SOURCE_LOCAL,
                created_by: "system",
            },
        )
        .await;
        match created {
            Ok(_) => {
                accounts::bind_role(&txn, role.id, SUBJECT_USER, ADMIN_USERNAME, "", "system")
                    .await?;
                txn.commit().await?;
                admin_created = true;
                if admin_password.is_none() {
                    generated_admin_password = Some(password_text);
                }
            }
            // Another replica created it first.
            Err(e) if is_unique_violation(&e) => txn.rollback().await?,
            Err(e) => return Err(e.into()),
        }
    }

    let jwt_secret = match jwt_secret {
        Some(secret) => secret.to_owned(),
        None => {
            settings::get_or_insert(
                db,
                "",
                JWT_SECRET_SETTING,
                &password::random_hex(32),
                "system",
            )
            .await?
        }
    };
    Ok(Bootstrap {
        jwt_secret,
        admin_created,
        generated_admin_password,
    })
}

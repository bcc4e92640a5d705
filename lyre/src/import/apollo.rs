//! Reading one environment's ApolloConfigDB (MySQL) as Apollo lays it out: the live rows of
//! an app, and the latest release message of every watch key.
//!
//! Only the columns Lyre keeps are read. Apollo's `bit(1)` flags are read as numbers, and its
//! `DATETIME` columns through `UNIX_TIMESTAMP`, which reads them in the database session's time
//! zone (the server's, as Apollo wrote them).

use lyre_store::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, Value,
};

/// Who made a row and when (epoch milliseconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub app_id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub owner_name: String,
    pub owner_email: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppNamespace {
    pub name: String,
    pub format: String,
    pub is_public: bool,
    pub comment: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub id: i64,
    pub name: String,
    pub parent_cluster_id: i64,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    pub id: i64,
    pub cluster_name: String,
    pub namespace_name: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub namespace_id: i64,
    pub key: String,
    pub value: String,
    pub comment: String,
    pub line_num: i32,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub cluster_name: String,
    pub namespace_name: String,
    /// Apollo's JSON: `createItems`, `updateItems` (`oldItem`, `newItem`), `deleteItems`.
    pub change_sets: String,
    pub comment: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub id: i64,
    pub release_key: String,
    pub name: String,
    pub comment: String,
    pub cluster_name: String,
    pub namespace_name: String,
    pub configurations: String,
    pub is_abandoned: bool,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseHistory {
    pub cluster_name: String,
    pub namespace_name: String,
    pub branch_name: String,
    pub release_id: i64,
    pub previous_release_id: i64,
    pub operation: i32,
    pub operation_context: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrayRule {
    pub cluster_name: String,
    pub namespace_name: String,
    pub branch_name: String,
    pub rules: String,
    pub release_id: i64,
    /// Apollo's: 0 deleted, 1 active, 2 merged.
    pub branch_status: i32,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    pub namespace_id: i64,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    pub secret: String,
    /// 0 enforce, 1 observe (Apollo before 2.3 has no mode: enforce).
    pub mode: i32,
    pub is_enabled: bool,
    pub stamp: Stamp,
}

/// Everything of one app in one environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppData {
    pub clusters: Vec<Cluster>,
    pub namespaces: Vec<Namespace>,
    pub items: Vec<Item>,
    pub commits: Vec<Commit>,
    pub releases: Vec<Release>,
    pub histories: Vec<ReleaseHistory>,
    pub gray_rules: Vec<GrayRule>,
    pub locks: Vec<Lock>,
    pub access_keys: Vec<AccessKey>,
}

/// The latest message of one watch key (`appId+cluster+namespace`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub message: String,
    pub id: i64,
}

const STAMP: &str = "COALESCE(`DataChange_CreatedBy`, '') AS created_by, \
     CAST(UNIX_TIMESTAMP(`DataChange_CreatedTime`) * 1000 AS SIGNED) AS created_at, \
     COALESCE(`DataChange_LastModifiedBy`, `DataChange_CreatedBy`, '') AS updated_by, \
     CAST(UNIX_TIMESTAMP(COALESCE(`DataChange_LastTime`, `DataChange_CreatedTime`)) * 1000 \
     AS SIGNED) AS updated_at";

fn stamp(row: &QueryResult) -> Result<Stamp, DbErr> {
    Ok(Stamp {
        created_by: row.try_get("", "created_by")?,
        created_at: row.try_get::<Option<i64>>("", "created_at")?.unwrap_or(0),
        updated_by: row.try_get("", "updated_by")?,
        updated_at: row.try_get::<Option<i64>>("", "updated_at")?.unwrap_or(0),
    })
}

fn text(row: &QueryResult, column: &str) -> Result<String, DbErr> {
    Ok(row
        .try_get::<Option<String>>("", column)?
        .unwrap_or_default())
}

fn number(row: &QueryResult, column: &str) -> Result<i64, DbErr> {
    Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
}

/// An ApolloConfigDB.
pub struct ConfigDb {
    db: DatabaseConnection,
}

impl ConfigDb {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, DbErr> {
        self.db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::MySql,
                sql,
                values,
            ))
            .await
    }

    /// The live apps.
    pub async fn apps(&self) -> Result<Vec<App>, DbErr> {
        let sql = format!(
            "SELECT `AppId`, `Name`, `OrgId`, `OrgName`, `OwnerName`, `OwnerEmail`, {STAMP} \
             FROM `App` WHERE `IsDeleted` = 0 ORDER BY `Id`"
        );
        let mut apps = Vec::new();
        for row in self.rows(&sql, Vec::new()).await? {
            apps.push(App {
                app_id: text(&row, "AppId")?,
                name: text(&row, "Name")?,
                org_id: text(&row, "OrgId")?,
                org_name: text(&row, "OrgName")?,
                owner_name: text(&row, "OwnerName")?,
                owner_email: text(&row, "OwnerEmail")?,
                stamp: stamp(&row)?,
            });
        }
        Ok(apps)
    }

    /// The live namespaces `app` defines (its own and the public ones it owns).
    pub async fn app_namespaces(&self, app: &str) -> Result<Vec<AppNamespace>, DbErr> {
        let sql = format!(
            "SELECT `Name`, `Format`, CAST(`IsPublic` AS SIGNED) AS is_public, `Comment`, {STAMP} \
             FROM `AppNamespace` WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        let mut found = Vec::new();
        for row in self.rows(&sql, vec![app.into()]).await? {
            found.push(AppNamespace {
                name: text(&row, "Name")?,
                format: text(&row, "Format")?,
                is_public: number(&row, "is_public")? != 0,
                comment: text(&row, "Comment")?,
                stamp: stamp(&row)?,
            });
        }
        Ok(found)
    }

    /// Everything else of `app`.
    pub async fn app_data(&self, app: &str) -> Result<AppData, DbErr> {
        let by_app = || vec![Value::from(app)];
        let mut data = AppData::default();
        let sql = format!(
            "SELECT CAST(`Id` AS SIGNED) AS Id, `Name`, CAST(`ParentClusterId` AS SIGNED) AS ParentClusterId, {STAMP} FROM `Cluster` \
             WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.clusters.push(Cluster {
                id: number(&row, "Id")?,
                name: text(&row, "Name")?,
                parent_cluster_id: number(&row, "ParentClusterId")?,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT CAST(`Id` AS SIGNED) AS Id, `ClusterName`, `NamespaceName`, {STAMP} FROM `Namespace` \
             WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.namespaces.push(Namespace {
                id: number(&row, "Id")?,
                cluster_name: text(&row, "ClusterName")?,
                namespace_name: text(&row, "NamespaceName")?,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT CAST(i.`NamespaceId` AS SIGNED) AS NamespaceId, i.`Key`, i.`Value`, i.`Comment`, \
             CAST(i.`LineNum` AS SIGNED) AS LineNum,              {} FROM `Item` i JOIN `Namespace` n ON n.`Id` = i.`NamespaceId` \
             WHERE n.`AppId` = ? AND n.`IsDeleted` = 0 AND i.`IsDeleted` = 0 \
             ORDER BY i.`NamespaceId`, i.`LineNum`, i.`Id`",
            STAMP.replace("`DataChange", "i.`DataChange")
        );
        for row in self.rows(&sql, by_app()).await? {
            data.items.push(Item {
                namespace_id: number(&row, "NamespaceId")?,
                key: text(&row, "Key")?,
                value: text(&row, "Value")?,
                comment: text(&row, "Comment")?,
                line_num: number(&row, "LineNum")? as i32,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT `ClusterName`, `NamespaceName`, `ChangeSets`, `Comment`, {STAMP} \
             FROM `Commit` WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.commits.push(Commit {
                cluster_name: text(&row, "ClusterName")?,
                namespace_name: text(&row, "NamespaceName")?,
                change_sets: text(&row, "ChangeSets")?,
                comment: text(&row, "Comment")?,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT CAST(`Id` AS SIGNED) AS Id, `ReleaseKey`, `Name`, `Comment`, `ClusterName`, `NamespaceName`, \
             `Configurations`, CAST(`IsAbandoned` AS SIGNED) AS is_abandoned, {STAMP} \
             FROM `Release` WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.releases.push(Release {
                id: number(&row, "Id")?,
                release_key: text(&row, "ReleaseKey")?,
                name: text(&row, "Name")?,
                comment: text(&row, "Comment")?,
                cluster_name: text(&row, "ClusterName")?,
                namespace_name: text(&row, "NamespaceName")?,
                configurations: text(&row, "Configurations")?,
                is_abandoned: number(&row, "is_abandoned")? != 0,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT `ClusterName`, `NamespaceName`, `BranchName`, CAST(`ReleaseId` AS SIGNED) AS ReleaseId, \
             CAST(`PreviousReleaseId` AS SIGNED) AS PreviousReleaseId, CAST(`Operation` AS SIGNED) AS Operation, \
             `OperationContext`, {STAMP} \
             FROM `ReleaseHistory` WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.histories.push(ReleaseHistory {
                cluster_name: text(&row, "ClusterName")?,
                namespace_name: text(&row, "NamespaceName")?,
                branch_name: text(&row, "BranchName")?,
                release_id: number(&row, "ReleaseId")?,
                previous_release_id: number(&row, "PreviousReleaseId")?,
                operation: number(&row, "Operation")? as i32,
                operation_context: text(&row, "OperationContext")?,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT `ClusterName`, `NamespaceName`, `BranchName`, `Rules`, CAST(`ReleaseId` AS SIGNED) AS ReleaseId, \
             CAST(`BranchStatus` AS SIGNED) AS BranchStatus, {STAMP} FROM `GrayReleaseRule` \
             WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.gray_rules.push(GrayRule {
                cluster_name: text(&row, "ClusterName")?,
                namespace_name: text(&row, "NamespaceName")?,
                branch_name: text(&row, "BranchName")?,
                rules: text(&row, "Rules")?,
                release_id: number(&row, "ReleaseId")?,
                branch_status: number(&row, "BranchStatus")? as i32,
                stamp: stamp(&row)?,
            });
        }
        let sql = format!(
            "SELECT CAST(l.`NamespaceId` AS SIGNED) AS NamespaceId, {} FROM `NamespaceLock` l \
             JOIN `Namespace` n ON n.`Id` = l.`NamespaceId` \
             WHERE n.`AppId` = ? AND n.`IsDeleted` = 0 AND l.`IsDeleted` = 0 ORDER BY l.`Id`",
            STAMP.replace("`DataChange", "l.`DataChange")
        );
        for row in self.rows(&sql, by_app()).await? {
            data.locks.push(Lock {
                namespace_id: number(&row, "NamespaceId")?,
                stamp: stamp(&row)?,
            });
        }
        let mode = if self.has_column("AccessKey", "Mode").await? {
            "CAST(`Mode` AS SIGNED)"
        } else {
            "0"
        };
        let sql = format!(
            "SELECT `Secret`, {mode} AS mode, CAST(`IsEnabled` AS SIGNED) AS is_enabled, \
             {STAMP} FROM `AccessKey` WHERE `AppId` = ? AND `IsDeleted` = 0 ORDER BY `Id`"
        );
        for row in self.rows(&sql, by_app()).await? {
            data.access_keys.push(AccessKey {
                secret: text(&row, "Secret")?,
                mode: number(&row, "mode")? as i32,
                is_enabled: number(&row, "is_enabled")? != 0,
                stamp: stamp(&row)?,
            });
        }
        Ok(data)
    }

    /// The latest message of every watch key, and the largest message id of all.
    pub async fn messages(&self) -> Result<(Vec<Message>, i64), DbErr> {
        let rows = self
            .rows(
                "SELECT `Message`, CAST(MAX(`Id`) AS SIGNED) AS id FROM `ReleaseMessage` \
                 GROUP BY `Message` \
                 ORDER BY id",
                Vec::new(),
            )
            .await?;
        let mut latest = Vec::with_capacity(rows.len());
        for row in rows {
            latest.push(Message {
                message: text(&row, "Message")?,
                id: number(&row, "id")?,
            });
        }
        let max = latest.iter().map(|m| m.id).max().unwrap_or(0);
        Ok((latest, max))
    }

    async fn has_column(&self, table: &str, column: &str) -> Result<bool, DbErr> {
        let rows = self
            .rows(
                "SELECT CAST(COUNT(*) AS SIGNED) AS n FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
                vec![table.into(), column.into()],
            )
            .await?;
        Ok(rows
            .first()
            .map(|row| number(row, "n"))
            .transpose()?
            .unwrap_or(0)
            > 0)
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }
}

/// A portal user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub username: String,
    /// BCrypt, as Apollo's portal keeps it (`{bcrypt}` prefix removed).
    pub password: String,
    pub display_name: String,
    pub email: String,
    pub enabled: bool,
}

/// A CI consumer with its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumer {
    pub id: i64,
    pub app_id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub owner_name: String,
    pub owner_email: String,
    pub stamp: Stamp,
}

/// A consumer's token, stored in the clear by Apollo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerToken {
    pub consumer_id: i64,
    pub token: String,
    /// Epoch milliseconds.
    pub expires: i64,
}

/// A role held: by a user (`subject` is the user name) or a consumer (its Apollo id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub role: String,
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Favorite {
    pub username: String,
    pub app_id: String,
    pub position: i32,
}

/// Everything Lyre takes of an ApolloPortalDB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortalData {
    pub users: Vec<User>,
    pub super_admins: Vec<String>,
    pub user_roles: Vec<Held>,
    pub consumers: Vec<Consumer>,
    pub tokens: Vec<ConsumerToken>,
    pub consumer_roles: Vec<Held>,
    pub favorites: Vec<Favorite>,
}

impl ConfigDb {
    /// The portal's users, roles, consumers and favorites (this being an ApolloPortalDB).
    pub async fn portal_data(&self) -> Result<PortalData, DbErr> {
        let mut data = PortalData::default();
        let sql = "SELECT `Username`, `Password`, `UserDisplayName`, `Email`, \
                   CAST(`Enabled` AS SIGNED) AS enabled FROM `Users` ORDER BY `Id`";
        for row in self.rows(sql, Vec::new()).await? {
            let password = text(&row, "Password")?;
            data.users.push(User {
                username: text(&row, "Username")?,
                password: password
                    .strip_prefix("{bcrypt}")
                    .unwrap_or(&password)
                    .to_owned(),
                display_name: text(&row, "UserDisplayName")?,
                email: text(&row, "Email")?,
                enabled: number(&row, "enabled")? != 0,
            });
        }
        let sql = "SELECT `Value` FROM `ServerConfig` WHERE `Key` = 'superAdmin' \
                   AND `IsDeleted` = 0";
        for row in self.rows(sql, Vec::new()).await? {
            data.super_admins.extend(
                text(&row, "Value")?
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            );
        }
        let held = |table: &str, subject: &str| {
            format!(
                "SELECT r.`RoleName`, CAST(h.`{subject}` AS CHAR) AS subject FROM `{table}` h \
                 JOIN `Role` r ON r.`Id` = h.`RoleId` \
                 WHERE h.`IsDeleted` = 0 AND r.`IsDeleted` = 0 ORDER BY h.`Id`"
            )
        };
        for row in self.rows(&held("UserRole", "UserId"), Vec::new()).await? {
            data.user_roles.push(Held {
                role: text(&row, "RoleName")?,
                subject: text(&row, "subject")?,
            });
        }
        for row in self
            .rows(&held("ConsumerRole", "ConsumerId"), Vec::new())
            .await?
        {
            data.consumer_roles.push(Held {
                role: text(&row, "RoleName")?,
                subject: text(&row, "subject")?,
            });
        }
        let sql = format!(
            "SELECT CAST(`Id` AS SIGNED) AS Id, `AppId`, `Name`, `OrgId`, `OrgName`, \
             `OwnerName`, `OwnerEmail`, {STAMP} FROM `Consumer` WHERE `IsDeleted` = 0 \
             ORDER BY `Id`"
        );
        for row in self.rows(&sql, Vec::new()).await? {
            data.consumers.push(Consumer {
                id: number(&row, "Id")?,
                app_id: text(&row, "AppId")?,
                name: text(&row, "Name")?,
                org_id: text(&row, "OrgId")?,
                org_name: text(&row, "OrgName")?,
                owner_name: text(&row, "OwnerName")?,
                owner_email: text(&row, "OwnerEmail")?,
                stamp: stamp(&row)?,
            });
        }
        let sql = "SELECT CAST(`ConsumerId` AS SIGNED) AS ConsumerId, `Token`, \
                   CAST(UNIX_TIMESTAMP(`Expires`) * 1000 AS SIGNED) AS expires \
                   FROM `ConsumerToken` WHERE `IsDeleted` = 0 ORDER BY `Id`";
        for row in self.rows(sql, Vec::new()).await? {
            data.tokens.push(ConsumerToken {
                consumer_id: number(&row, "ConsumerId")?,
                token: text(&row, "Token")?,
                expires: number(&row, "expires")?,
            });
        }
        let sql = "SELECT `UserId`, `AppId`, CAST(`Position` AS SIGNED) AS Position \
                   FROM `Favorite` WHERE `IsDeleted` = 0 ORDER BY `Id`";
        for row in self.rows(sql, Vec::new()).await? {
            data.favorites.push(Favorite {
                username: text(&row, "UserId")?,
                app_id: text(&row, "AppId")?,
                position: number(&row, "Position")? as i32,
            });
        }
        Ok(data)
    }
}

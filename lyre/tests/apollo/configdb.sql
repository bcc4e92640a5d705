-- An environment's ApolloConfigDB as Apollo 2.x lays it out (the tables `lyre import apollo`
-- reads), for the import tests and the migration walkthrough. Written from Apollo's table
-- descriptions; the seed data is in apollo/seed.sql.

CREATE TABLE `App` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `Name` varchar(500) NOT NULL DEFAULT 'default',
  `OrgId` varchar(32) NOT NULL DEFAULT 'default',
  `OrgName` varchar(64) NOT NULL DEFAULT 'default',
  `OwnerName` varchar(500) NOT NULL DEFAULT 'default',
  `OwnerEmail` varchar(500) NOT NULL DEFAULT 'default',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_AppId_DeletedAt` (`AppId`,`DeletedAt`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `AppNamespace` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `Name` varchar(32) NOT NULL DEFAULT '',
  `AppId` varchar(64) NOT NULL DEFAULT '',
  `Format` varchar(32) NOT NULL DEFAULT 'properties',
  `IsPublic` bit(1) NOT NULL DEFAULT b'0',
  `Comment` varchar(64) NOT NULL DEFAULT '',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_AppId_Name_DeletedAt` (`AppId`,`Name`,`DeletedAt`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Cluster` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `Name` varchar(32) NOT NULL DEFAULT '',
  `AppId` varchar(64) NOT NULL DEFAULT '',
  `ParentClusterId` int unsigned NOT NULL DEFAULT '0',
  `Comment` varchar(64) DEFAULT NULL,
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_AppId_Name_DeletedAt` (`AppId`,`Name`,`DeletedAt`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Namespace` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `ClusterName` varchar(500) NOT NULL DEFAULT 'default',
  `NamespaceName` varchar(500) NOT NULL DEFAULT 'default',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Item` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `NamespaceId` int unsigned NOT NULL DEFAULT '0',
  `Key` varchar(128) NOT NULL DEFAULT 'default',
  `Type` tinyint unsigned NOT NULL DEFAULT '0',
  `Value` longtext NOT NULL,
  `Comment` varchar(1024) DEFAULT '',
  `LineNum` int unsigned DEFAULT '0',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Commit` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `ChangeSets` longtext NOT NULL,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `ClusterName` varchar(500) NOT NULL DEFAULT 'default',
  `NamespaceName` varchar(500) NOT NULL DEFAULT 'default',
  `Comment` varchar(500) DEFAULT NULL,
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Release` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `ReleaseKey` varchar(64) NOT NULL DEFAULT '',
  `Name` varchar(64) NOT NULL DEFAULT 'default',
  `Comment` varchar(256) DEFAULT NULL,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `ClusterName` varchar(500) NOT NULL DEFAULT 'default',
  `NamespaceName` varchar(500) NOT NULL DEFAULT 'default',
  `Configurations` longtext NOT NULL,
  `IsAbandoned` bit(1) NOT NULL DEFAULT b'0',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_ReleaseKey_DeletedAt` (`ReleaseKey`,`DeletedAt`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `ReleaseHistory` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `ClusterName` varchar(32) NOT NULL DEFAULT 'default',
  `NamespaceName` varchar(32) NOT NULL DEFAULT 'default',
  `BranchName` varchar(32) NOT NULL DEFAULT 'default',
  `ReleaseId` int unsigned NOT NULL DEFAULT '0',
  `PreviousReleaseId` int unsigned NOT NULL DEFAULT '0',
  `Operation` tinyint unsigned NOT NULL DEFAULT '0',
  `OperationContext` longtext NOT NULL,
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `ReleaseMessage` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `Message` varchar(1024) NOT NULL DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `GrayReleaseRule` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `ClusterName` varchar(32) NOT NULL DEFAULT 'default',
  `NamespaceName` varchar(32) NOT NULL DEFAULT 'default',
  `BranchName` varchar(32) NOT NULL DEFAULT 'default',
  `Rules` varchar(16000) DEFAULT '[]',
  `ReleaseId` int unsigned NOT NULL DEFAULT '0',
  `BranchStatus` tinyint DEFAULT '1',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `NamespaceLock` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `NamespaceId` int unsigned NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `IsDeleted` bit(1) DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_NamespaceId_DeletedAt` (`NamespaceId`,`DeletedAt`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `AccessKey` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `Secret` varchar(128) NOT NULL DEFAULT '',
  `Mode` tinyint unsigned NOT NULL DEFAULT '0',
  `IsEnabled` bit(1) NOT NULL DEFAULT b'0',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  `DataChange_CreatedBy` varchar(64) NOT NULL DEFAULT '',
  `DataChange_CreatedTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `DataChange_LastModifiedBy` varchar(64) DEFAULT '',
  `DataChange_LastTime` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_AppId_Secret_DeletedAt` (`AppId`,`Secret`,`DeletedAt`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

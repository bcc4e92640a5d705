-- The tables of an ApolloPortalDB (Apollo 2.x) that `lyre import apollo --portal-db` reads,
-- for the import tests and the migration walkthrough. Written from Apollo's table
-- descriptions; the seed data is in apollo/portal-seed.sql.

CREATE TABLE `Users` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `Username` varchar(64) NOT NULL DEFAULT 'default',
  `Password` varchar(512) NOT NULL DEFAULT 'default',
  `UserDisplayName` varchar(512) NOT NULL DEFAULT 'default',
  `Email` varchar(64) NOT NULL DEFAULT 'default',
  `Enabled` tinyint DEFAULT NULL,
  PRIMARY KEY (`Id`),
  UNIQUE KEY `UK_Username` (`Username`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `ServerConfig` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `Key` varchar(64) NOT NULL DEFAULT 'default',
  `Value` varchar(2048) NOT NULL DEFAULT 'default',
  `Comment` varchar(1024) DEFAULT '',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Role` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `RoleName` varchar(256) NOT NULL DEFAULT '',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `UserRole` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `UserId` varchar(128) DEFAULT '',
  `RoleId` int unsigned DEFAULT NULL,
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Consumer` (
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
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `ConsumerToken` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `ConsumerId` int unsigned DEFAULT NULL,
  `Token` varchar(128) NOT NULL DEFAULT '',
  `Expires` datetime NOT NULL DEFAULT '2099-01-01 00:00:00',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `ConsumerRole` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `ConsumerId` int unsigned DEFAULT NULL,
  `RoleId` int unsigned DEFAULT NULL,
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `Favorite` (
  `Id` int unsigned NOT NULL AUTO_INCREMENT,
  `UserId` varchar(32) NOT NULL DEFAULT 'default',
  `AppId` varchar(64) NOT NULL DEFAULT 'default',
  `Position` int NOT NULL DEFAULT '10000',
  `IsDeleted` bit(1) NOT NULL DEFAULT b'0',
  `DeletedAt` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`Id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

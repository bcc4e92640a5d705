-- An ApolloPortalDB's rows: users with BCrypt password hashes (every one's password here is
-- `apollo-era-password`), the super admin, app and namespace roles (and one Lyre has no
-- counterpart of), a CI consumer with its token and grants, a favorite.

INSERT INTO `Users` (`Id`, `Username`, `Password`, `UserDisplayName`, `Email`, `Enabled`) VALUES
  (1, 'apollo', '$2a$10$M66kjoMgMwlfmk./sqk3V.4qzcjCqhHQ2xusS0eDbnLJ4WjGWOBOK', 'apollo', 'apollo@example.com', 1),
  (2, 'alice', '{bcrypt}$2a$10$M66kjoMgMwlfmk./sqk3V.4qzcjCqhHQ2xusS0eDbnLJ4WjGWOBOK', 'Alice', 'alice@example.com', 1),
  (3, 'bob', '$2a$10$M66kjoMgMwlfmk./sqk3V.4qzcjCqhHQ2xusS0eDbnLJ4WjGWOBOK', 'Bob', 'bob@example.com', 1);

INSERT INTO `ServerConfig` (`Id`, `Key`, `Value`) VALUES
  (1, 'superAdmin', 'apollo'),
  (2, 'apollo.portal.envs', 'dev');

INSERT INTO `Role` (`Id`, `RoleName`) VALUES
  (1, 'Master+shop'),
  (2, 'ManageAppMaster+shop'),
  (3, 'ModifyNamespace+shop+application'),
  (4, 'ReleaseNamespace+shop+application'),
  (5, 'ReleaseNamespace+shop+application+DEV'),
  (6, 'Master+platform');

INSERT INTO `UserRole` (`Id`, `UserId`, `RoleId`) VALUES
  (1, 'alice', 1),
  (2, 'alice', 2),
  (3, 'bob', 3),
  (4, 'bob', 5),
  (5, 'bob', 6);

INSERT INTO `Consumer` (`Id`, `AppId`, `Name`, `OrgId`, `OrgName`, `OwnerName`, `OwnerEmail`, `DataChange_CreatedBy`) VALUES
  (1, 'ci-pipeline', 'The CI pipeline', 'retail', 'Retail', 'alice', 'alice@example.com', 'apollo');

INSERT INTO `ConsumerToken` (`Id`, `ConsumerId`, `Token`, `Expires`) VALUES
  (1, 1, '3c16bf5b1f44b465179253442460e8c0ad845289', '2099-01-01 00:00:00');

INSERT INTO `ConsumerRole` (`Id`, `ConsumerId`, `RoleId`) VALUES
  (1, 1, 3),
  (2, 1, 4);

INSERT INTO `Favorite` (`Id`, `UserId`, `AppId`, `Position`) VALUES
  (1, 'alice', 'shop', 10000);

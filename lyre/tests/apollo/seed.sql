-- An ApolloConfigDB's rows as a running Apollo leaves them: app `shop` with a properties, a yaml
-- and an associated public namespace, a gray branch with its rule and release, an access key
-- and a lock; app `platform` owning the public namespace `common`; a deleted app. Release
-- message ids are high, as on an Apollo that has run for years.

INSERT INTO `App` (`Id`, `AppId`, `Name`, `OrgId`, `OrgName`, `OwnerName`, `OwnerEmail`, `IsDeleted`, `DeletedAt`, `DataChange_CreatedBy`, `DataChange_CreatedTime`) VALUES
  (1, 'shop', 'Shop', 'retail', 'Retail', 'alice', 'alice@example.com', b'0', 0, 'alice', '2024-01-02 03:04:05'),
  (2, 'platform', 'Platform', 'infra', 'Infrastructure', 'bob', 'bob@example.com', b'0', 0, 'bob', '2024-01-02 03:04:05'),
  (3, 'gone', 'Deleted app', 'infra', 'Infrastructure', 'bob', 'bob@example.com', b'1', 1700000000000, 'bob', '2023-05-06 07:08:09');

INSERT INTO `AppNamespace` (`Id`, `Name`, `AppId`, `Format`, `IsPublic`, `Comment`, `DataChange_CreatedBy`) VALUES
  (1, 'application', 'shop', 'properties', b'0', 'default app namespace', 'alice'),
  (2, 'db.yaml', 'shop', 'yaml', b'0', 'the database', 'alice'),
  (3, 'application', 'platform', 'properties', b'0', 'default app namespace', 'bob'),
  (4, 'common', 'platform', 'properties', b'1', 'shared by every app', 'bob');

INSERT INTO `Cluster` (`Id`, `Name`, `AppId`, `ParentClusterId`, `DataChange_CreatedBy`) VALUES
  (1, 'default', 'shop', 0, 'alice'),
  (2, 'default', 'platform', 0, 'bob'),
  (3, '20240301000000-gray0001', 'shop', 1, 'alice');

INSERT INTO `Namespace` (`Id`, `AppId`, `ClusterName`, `NamespaceName`, `DataChange_CreatedBy`) VALUES
  (1, 'shop', 'default', 'application', 'alice'),
  (2, 'shop', 'default', 'db.yaml', 'alice'),
  (3, 'shop', 'default', 'common', 'alice'),
  (4, 'platform', 'default', 'application', 'bob'),
  (5, 'platform', 'default', 'common', 'bob'),
  (6, 'shop', '20240301000000-gray0001', 'application', 'alice');

INSERT INTO `Item` (`Id`, `NamespaceId`, `Key`, `Value`, `Comment`, `LineNum`, `IsDeleted`, `DeletedAt`, `DataChange_CreatedBy`) VALUES
  (1, 1, 'timeout', '30', 'seconds', 1, b'0', 0, 'alice'),
  (2, 1, '', '', '# the database', 2, b'0', 0, 'alice'),
  (3, 1, 'host', 'db.internal', '', 3, b'0', 0, 'alice'),
  (4, 1, 'retired', 'x', '', 4, b'1', 1700000000001, 'alice'),
  (5, 2, 'content', 'db:\n  pool: 10\n', '', 1, b'0', 0, 'alice'),
  (6, 3, 'mq.timeout', '5', 'shop waits longer', 1, b'0', 0, 'alice'),
  (7, 5, 'mq.host', 'mq.internal', '', 1, b'0', 0, 'bob'),
  (8, 5, 'mq.timeout', '3', '', 2, b'0', 0, 'bob'),
  (9, 6, 'timeout', '60', '', 1, b'0', 0, 'alice');

INSERT INTO `Commit` (`Id`, `ChangeSets`, `AppId`, `ClusterName`, `NamespaceName`, `Comment`, `DataChange_CreatedBy`) VALUES
  (1, '{"createItems":[{"namespaceId":1,"key":"timeout","type":0,"value":"30","comment":"seconds","lineNum":1,"id":1,"isDeleted":false,"deletedAt":0,"dataChangeCreatedBy":"alice"}],"updateItems":[],"deleteItems":[]}', 'shop', 'default', 'application', NULL, 'alice'),
  (2, '{"createItems":[],"updateItems":[{"oldItem":{"key":"timeout","value":"20","comment":"seconds"},"newItem":{"key":"timeout","value":"30","comment":"seconds"}}],"deleteItems":[]}', 'shop', 'default', 'application', NULL, 'alice');

INSERT INTO `Release` (`Id`, `ReleaseKey`, `Name`, `Comment`, `AppId`, `ClusterName`, `NamespaceName`, `Configurations`, `IsAbandoned`, `DataChange_CreatedBy`, `DataChange_CreatedTime`) VALUES
  (9, '20240201000000-1111111111111111', 'first', NULL, 'shop', 'default', 'application', '{"timeout":"20","host":"db.internal"}', b'0', 'alice', '2024-02-01 00:00:00'),
  (10, '20240202000000-2222222222222222', 'longer timeout', 'asked by ops', 'shop', 'default', 'application', '{"timeout":"30","host":"db.internal"}', b'0', 'alice', '2024-02-02 00:00:00'),
  (11, '20240202000001-3333333333333333', 'pool', NULL, 'shop', 'default', 'db.yaml', '{"content":"db:\\n  pool: 10\\n"}', b'0', 'alice', '2024-02-02 00:00:01'),
  (12, '20240202000002-4444444444444444', 'mq', NULL, 'shop', 'default', 'common', '{"mq.timeout":"5"}', b'0', 'alice', '2024-02-02 00:00:02'),
  (13, '20240202000003-5555555555555555', 'mq', NULL, 'platform', 'default', 'common', '{"mq.host":"mq.internal","mq.timeout":"3"}', b'0', 'bob', '2024-02-02 00:00:03'),
  (14, '20240301000001-6666666666666666', 'gray timeout', NULL, 'shop', '20240301000000-gray0001', 'application', '{"timeout":"60","host":"db.internal"}', b'0', 'alice', '2024-03-01 00:00:01');

INSERT INTO `ReleaseHistory` (`Id`, `AppId`, `ClusterName`, `NamespaceName`, `BranchName`, `ReleaseId`, `PreviousReleaseId`, `Operation`, `OperationContext`, `DataChange_CreatedBy`) VALUES
  (1, 'shop', 'default', 'application', 'default', 9, 0, 0, '{"isEmergencyPublish":false}', 'alice'),
  (2, 'shop', 'default', 'application', 'default', 10, 9, 0, '{"isEmergencyPublish":false}', 'alice'),
  (3, 'shop', 'default', 'application', '20240301000000-gray0001', 14, 10, 2, '{"isEmergencyPublish":false}', 'alice');

INSERT INTO `GrayReleaseRule` (`Id`, `AppId`, `ClusterName`, `NamespaceName`, `BranchName`, `Rules`, `ReleaseId`, `BranchStatus`, `DataChange_CreatedBy`) VALUES
  (1, 'shop', 'default', 'application', '20240301000000-gray0001', '[{"clientAppId":"shop","clientIpList":["10.0.0.9"],"clientLabelList":[]}]', 14, 1, 'alice');

INSERT INTO `NamespaceLock` (`Id`, `NamespaceId`, `DataChange_CreatedBy`) VALUES
  (1, 2, 'alice');

INSERT INTO `AccessKey` (`Id`, `AppId`, `Secret`, `Mode`, `IsEnabled`, `DataChange_CreatedBy`) VALUES
  (1, 'shop', 'df23df3f59884980844ff3dada30fa97', 0, b'1', 'alice');

INSERT INTO `ReleaseMessage` (`Id`, `Message`) VALUES
  (70001, 'shop+default+application'),
  (70002, 'shop+default+db.yaml'),
  (70003, 'shop+default+common'),
  (70004, 'platform+default+common'),
  (70005, 'gone+default+application'),
  (70010, 'shop+default+application');

// The client instances that read the namespace, and which release each one holds.
import { useState, type ReactNode } from "react";
import { api, query, type Instance, type Namespace, type Page, type SchemaInEnv } from "../../api/client";
import { EmptyState, ErrorNote, Loading, Pager, When } from "../../components/Common";
import { useT } from "../../i18n";
import { useAsync } from "../../lib/useAsync";
import { at, schemaInEnvAt, type Where } from "./model";

const SIZE = 20;

/** A paged list of instances from `url` (which takes `page` and `size`). */
export function InstanceList({
  url,
  stamp,
  latestKey,
  mainCluster,
  schemaVersion,
  title,
  description,
  empty,
}: {
  url: (page: number, size: number) => string;
  stamp: number;
  latestKey?: string;
  mainCluster: string;
  /** The version of the namespace's schema in force, where it has one. */
  schemaVersion?: number;
  title: string;
  description: ReactNode;
  empty: ReactNode;
}) {
  const t = useT();
  const [page, setPage] = useState(0);
  const [tick, setTick] = useState(0);
  const list = useAsync(() => api.get<Page<Instance>>(url(page, SIZE)), [url(page, SIZE), stamp, tick]);
  const showSchema = schemaVersion !== undefined || Boolean(list.data?.items.some((i) => i.schemaHash));
  return (
    <div className="card ns-card">
      <div className="section-header ns-section-header">
        <div>
          <h2>{title}</h2>
          <p className="muted small">{description}</p>
        </div>
        <div className="toolbar">
          {list.data && <span className="muted small">{t("releases.instances.count", { count: list.data.total })}</span>}
          <button type="button" className="button button-small" onClick={() => setTick((n) => n + 1)} disabled={list.loading}>
            {list.loading && list.data && <span className="spinner" aria-hidden="true" />}
            {t("releases.instances.refresh")}
          </button>
        </div>
      </div>
      <ErrorNote error={list.error} />
      {!list.data ? (
        !list.error && <Loading label={t("releases.instances.loading")} />
      ) : list.data.items.length === 0 ? (
        empty
      ) : (
        <div className="table-scroll">
          <table className="table ns-instances">
            <thead>
              <tr>
                <th scope="col">{t("releases.instances.columnInstance")}</th>
                <th scope="col">{t("releases.instances.columnRelease")}</th>
                {showSchema && <th scope="col">{t("releases.instances.columnSchema")}</th>}
                <th scope="col">{t("releases.instances.columnReceived")}</th>
                <th scope="col">{t("releases.instances.columnLastRead")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((i) => {
                const onGray = i.configClusterName !== mainCluster;
                return (
                  <tr key={`${i.appId}-${i.ip}-${i.label}-${i.clusterName}-${i.dataCenter}`} data-testid={`instance-${i.ip}`}>
                    <td>
                      <span className="mono">{i.ip}</span>
                      <div className="muted small">
                        {i.appId}
                        {i.label && <> · {t("releases.instances.label", { label: i.label })}</>}
                        {i.dataCenter && <> · {i.dataCenter}</>}
                      </div>
                    </td>
                    <td>
                      <span className="mono small ns-release-key">{i.releaseKey}</span>
                      <div className="ns-instance-pills">
                        {onGray && <span className="pill pill-info">{t("releases.instances.gray")}</span>}
                        {latestKey &&
                          (i.releaseKey.split("+").includes(latestKey) ? (
                            <span className="pill pill-ok">{t("releases.instances.latest")}</span>
                          ) : (
                            <span className="pill pill-warn">{t("releases.instances.olderRelease")}</span>
                          ))}
                        <AppliedPill instance={i} />
                        {i.secretsWithheld && (
                          <span
                            className="pill pill-warn"
                            data-testid={`secrets-withheld-${i.ip}`}
                            title={t("releases.instances.secretsWithheldHint")}
                          >
                            {t("releases.instances.secretsWithheld")}
                          </span>
                        )}
                      </div>
                      {i.applied?.status === "rejected" && i.applied.releaseKey === i.releaseKey && (
                        <div className="small ns-apply-reason" data-testid={`instance-rejected-${i.ip}`}>
                          {i.applied.reason || t("releases.instances.noReason")}
                        </div>
                      )}
                    </td>
                    {showSchema && (
                      <td className="small" data-testid={`instance-schema-${i.ip}`}>
                        <SchemaCell instance={i} current={schemaVersion} />
                      </td>
                    )}
                    <td className="small">
                      <When at={i.releaseDeliveredAt} />
                    </td>
                    <td className="small">
                      <When at={i.lastSeenAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pager page={list.data.page} size={list.data.size} total={list.data.total} onPage={setPage} />}
    </div>
  );
}

/** Whether the instance could use the release it holds, where it reports (Lyre's SDK and agent). */
function AppliedPill({ instance }: { instance: Instance }) {
  const t = useT();
  const applied = instance.applied;
  if (!applied) return null;
  if (applied.releaseKey !== instance.releaseKey) {
    return (
      <span className="pill pill-muted" title={t("releases.instances.lastReported", { releaseKey: applied.releaseKey })}>
        {t("releases.instances.notReported")}
      </span>
    );
  }
  return applied.status === "applied" ? (
    <span className="pill pill-ok" title={t("releases.instances.appliedHint")}>
      {t("releases.instances.applied")}
    </span>
  ) : (
    <span className="pill pill-bad" title={t("releases.instances.rejectedHint")}>
      {t("releases.instances.rejected")}
    </span>
  );
}

/** Which schema an instance's typed view was built with, against the one in force. */
function SchemaCell({ instance, current }: { instance: Instance; current?: number }) {
  const t = useT();
  if (!instance.schemaHash) {
    return (
      <span className="muted" title={t("releases.instances.noSchemaHint")}>
        —
      </span>
    );
  }
  const hash = <span className="mono muted">{instance.schemaHash}</span>;
  if (instance.schemaVersion === undefined || instance.schemaVersion === null) {
    return (
      <>
        {hash}
        <div className="ns-instance-pills">
          <span className="pill pill-warn" title={t("releases.instances.notPushedHint")}>
            {t("releases.instances.notPushed")}
          </span>
        </div>
      </>
    );
  }
  return (
    <>
      {t.rich("releases.instances.schemaVersion", { version: instance.schemaVersion, hash })}
      <div className="ns-instance-pills">
        {current !== undefined &&
          (instance.schemaVersion === current ? (
            <span className="pill pill-ok">{t("releases.instances.inForce")}</span>
          ) : (
            <span className="pill pill-warn">{t("releases.instances.otherInForce", { version: current })}</span>
          ))}
      </div>
    </>
  );
}

export function InstancesTab({ where, ns, stamp }: { where: Where; ns: Namespace; stamp: number }) {
  const t = useT();
  const schema = useAsync(
    () =>
      api
        .get<SchemaInEnv>(schemaInEnvAt(where))
        .catch(() => null),
    [where, stamp],
  );
  return (
    <InstanceList
      url={(page, size) => at(where, `/instances${query({ page, size })}`)}
      stamp={stamp}
      latestKey={ns.latestRelease?.releaseKey}
      mainCluster={where.cluster}
      schemaVersion={schema.data?.current?.version}
      title={t("releases.instances.title")}
      description={t("releases.instances.description")}
      empty={
        <EmptyState title={t("releases.instances.empty")}>
          {t.rich("releases.instances.emptyHint", {
            env: where.env,
            app: where.app,
            cluster: where.cluster,
            code: (chunks) => <code>{chunks}</code>,
          })}
        </EmptyState>
      }
    />
  );
}

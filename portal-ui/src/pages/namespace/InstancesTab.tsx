// The client instances that read the namespace, and which release each one holds.
import { useState, type ReactNode } from "react";
import { api, query, type Instance, type Namespace, type Page, type SchemaInEnv } from "../../api/client";
import { EmptyState, ErrorNote, Loading, Pager, When } from "../../components/Common";
import { useAsync } from "../../lib/useAsync";
import { at, count, schemaInEnvAt, type Where } from "./model";

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
          {list.data && <span className="muted small">{count(list.data.total, "instance")}</span>}
          <button type="button" className="button button-small" onClick={() => setTick((t) => t + 1)} disabled={list.loading}>
            {list.loading && list.data && <span className="spinner" aria-hidden="true" />}
            Refresh
          </button>
        </div>
      </div>
      <ErrorNote error={list.error} />
      {!list.data ? (
        !list.error && <Loading label="Loading instances…" />
      ) : list.data.items.length === 0 ? (
        empty
      ) : (
        <div className="table-scroll">
          <table className="table ns-instances">
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Release it holds</th>
                {showSchema && <th scope="col">Schema</th>}
                <th scope="col">Received</th>
                <th scope="col">Last read</th>
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
                        {i.label && <> · label {i.label}</>}
                        {i.dataCenter && <> · {i.dataCenter}</>}
                      </div>
                    </td>
                    <td>
                      <span className="mono small ns-release-key">{i.releaseKey}</span>
                      <div className="ns-instance-pills">
                        {onGray && <span className="pill pill-info">Gray</span>}
                        {latestKey &&
                          (i.releaseKey.split("+").includes(latestKey) ? (
                            <span className="pill pill-ok">Latest</span>
                          ) : (
                            <span className="pill pill-warn">Older release</span>
                          ))}
                        <AppliedPill instance={i} />
                        {i.secretsWithheld && (
                          <span
                            className="pill pill-warn"
                            data-testid={`secrets-withheld-${i.ip}`}
                            title="Its app has no enforced access key here, so secret values were left out of its answer."
                          >
                            secrets withheld
                          </span>
                        )}
                      </div>
                      {i.applied?.status === "rejected" && i.applied.releaseKey === i.releaseKey && (
                        <div className="small ns-apply-reason" data-testid={`instance-rejected-${i.ip}`}>
                          {i.applied.reason || "No reason given."}
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
  const applied = instance.applied;
  if (!applied) return null;
  if (applied.releaseKey !== instance.releaseKey) {
    return (
      <span className="pill pill-muted" title={`It last reported on release ${applied.releaseKey}`}>
        Not reported yet
      </span>
    );
  }
  return applied.status === "applied" ? (
    <span className="pill pill-ok" title="It reported the release in use">
      Applied
    </span>
  ) : (
    <span className="pill pill-bad" title="It could not use the release and keeps the last good one">
      Rejected
    </span>
  );
}

/** Which schema an instance's typed view was built with, against the one in force. */
function SchemaCell({ instance, current }: { instance: Instance; current?: number }) {
  if (!instance.schemaHash) {
    return (
      <span className="muted" title="It sent no schema: an Apollo client, or a view not built with watch_with_schema">
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
          <span className="pill pill-warn" title="No version of this namespace's schema has this hash: it was never pushed">
            Not pushed
          </span>
        </div>
      </>
    );
  }
  return (
    <>
      Version {instance.schemaVersion} {hash}
      <div className="ns-instance-pills">
        {current !== undefined &&
          (instance.schemaVersion === current ? (
            <span className="pill pill-ok">In force</span>
          ) : (
            <span className="pill pill-warn">{`Version ${current} is in force`}</span>
          ))}
      </div>
    </>
  );
}

export function InstancesTab({ where, ns, stamp }: { where: Where; ns: Namespace; stamp: number }) {
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
      title="Instances"
      description="Client instances that read this namespace recently, newest first, with the release each one got."
      empty={
        <EmptyState title="No instance has read this namespace yet">
          Instances appear here once applications read the namespace from the config service of {where.env} (Apollo clients or
          the Lyre SDK for app <code>{where.app}</code>, cluster <code>{where.cluster}</code>).
        </EmptyState>
      }
    />
  );
}

// Releases and what happened to them: compare any two, roll back to an earlier one.
import { useEffect, useState } from "react";
import {
  ApiError,
  api,
  messageOf,
  query,
  type Adoption,
  type Namespace,
  type Page,
  type ReleaseAdoption,
  type ReleaseComparison,
  type ReleaseHistory,
  type ReleaseSummary,
  type Rollback,
} from "../../api/client";
import { EmptyState, ErrorNote, Loading, Pager, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { DiffTable } from "../../components/Diff";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { OPERATION, at, count, envPath, useStable, type Permissions, type Where } from "./model";

const SIZE = 10;

type Side = { id: number; title: string };

export function HistoryTab({
  where,
  ns,
  perms,
  stamp,
  onChanged,
}: {
  where: Where;
  ns: Namespace;
  perms: Permissions;
  stamp: number;
  onChanged: () => Promise<void>;
}) {
  const toast = useToast();
  const [releasePage, setReleasePage] = useState(0);
  const [historyPage, setHistoryPage] = useState(0);
  const releases = useAsync(
    () => api.get<Page<ReleaseSummary>>(at(where, `/releases${query({ page: releasePage, size: SIZE })}`)),
    [where, releasePage, stamp],
  );
  const history = useAsync(
    () => api.get<Page<ReleaseHistory>>(at(where, `/releases/histories${query({ page: historyPage, size: SIZE })}`)),
    [where, historyPage, stamp],
  );
  // What clients get now, read with the list (someone may have published since the page loaded).
  const served = useAsync(
    () =>
      api.get<ReleaseSummary>(at(where, "/releases/latest")).catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [where, stamp],
  );
  // How far each release reached the instances that read the namespace in the last day.
  const adoption = useAsync(() => api.get<Adoption>(at(where, "/adoption")).catch(() => null), [where, stamp]);
  const reach = new Map((adoption.data?.releases ?? []).map((r) => [r.releaseKey, r]));
  const [selected, setSelected] = useState<Side[]>([]);
  const [compare, setCompare] = useState<{ base: Side; to: Side; heading?: string } | null>(null);
  const [rollbackTo, setRollbackTo] = useState<ReleaseSummary | null>(null);
  const latest = served.data === undefined ? ns.latestRelease : served.data;

  const toggle = (release: ReleaseSummary, on: boolean) => {
    setSelected((all) => {
      const rest = all.filter((s) => s.id !== release.id);
      return on ? [...rest, { id: release.id, title: release.title }].slice(-2) : rest;
    });
  };
  const compareSelected = () => {
    const [a, b] = [...selected].sort((x, y) => x.id - y.id);
    if (a && b) {
      setCompare({ base: a, to: b });
    }
  };

  return (
    <div className="ns-stack">
      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div>
            <h2>Releases</h2>
            <p className="muted small">Newest first. Tick two to compare them.</p>
            {adoption.data && adoption.data.live > 0 && latest && (
              <p className="muted small" data-testid="adoption-summary">
                {count(adoption.data.live, "instance")} read this namespace in the last day;{" "}
                {adoption.data.live - (reach.get(latest.releaseKey)?.read ?? 0)} of them hold another release than the one
                served now.
              </p>
            )}
          </div>
          <div className="toolbar">
            <button type="button" className="button" disabled={selected.length !== 2} onClick={compareSelected}>
              Compare
            </button>
            <span className="muted small" aria-live="polite">
              {selected.length === 0 ? "" : `${selected.length} of 2 selected`}
            </span>
          </div>
        </div>
        <ErrorNote error={releases.error} />
        {!releases.data ? (
          !releases.error && <Loading label="Loading releases…" />
        ) : releases.data.items.length === 0 ? (
          <EmptyState title="Never released">Publish the namespace and its releases appear here.</EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table ns-releases">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                  <th scope="col">Release</th>
                  <th scope="col">Published</th>
                  <th scope="col">State</th>
                  <th scope="col">Instances</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {releases.data.items.map((r) => {
                  const isLatest = latest?.id === r.id;
                  return (
                    <tr key={r.id} data-testid={`release-${r.id}`} className={r.isAbandoned ? "ns-abandoned" : undefined}>
                      <td className="ns-select">
                        <input
                          type="checkbox"
                          aria-label={`Select “${r.title}” to compare`}
                          checked={selected.some((s) => s.id === r.id)}
                          onChange={(e) => toggle(r, e.target.checked)}
                        />
                      </td>
                      <td>
                        <strong>{r.title}</strong>
                        {r.comment && <div className="muted small">{r.comment}</div>}
                        <div className="muted small mono ns-release-key">{r.releaseKey}</div>
                      </td>
                      <td className="ns-when">
                        <span>{r.createdBy}</span>
                        <span className="muted small">
                          <When at={r.createdAt} />
                        </span>
                      </td>
                      <td>
                        {isLatest ? (
                          <span className="pill pill-ok">Served now</span>
                        ) : r.isAbandoned ? (
                          <span className="pill pill-muted">Rolled back</span>
                        ) : (
                          <span className="pill pill-info">Earlier</span>
                        )}
                      </td>
                      <td className="small" data-testid={`adoption-${r.id}`}>
                        <Reach counts={reach.get(r.releaseKey)} />
                      </td>
                      <td>
                        <div className="toolbar row-actions">
                          {!isLatest && !r.isAbandoned && latest && (
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => setRollbackTo(r)}
                              disabled={!perms.release}
                              title={perms.release ? undefined : "You hold no release role on this namespace"}
                            >
                              Roll back to this
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {releases.data && (
          <Pager page={releases.data.page} size={releases.data.size} total={releases.data.total} onPage={setReleasePage} />
        )}
      </div>

      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div>
            <h2>Release history</h2>
            <p className="muted small">Every publish, rollback and gray step, newest first.</p>
          </div>
        </div>
        <ErrorNote error={history.error} />
        {!history.data ? (
          !history.error && <Loading label="Loading the history…" />
        ) : history.data.items.length === 0 ? (
          <EmptyState title="Nothing happened yet">Publishes, rollbacks and gray releases are recorded here.</EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table ns-history">
              <thead>
                <tr>
                  <th scope="col">What</th>
                  <th scope="col">Release</th>
                  <th scope="col">By</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((h) => {
                  const op = OPERATION[h.operation] ?? { label: h.operation, tone: "pill-muted" };
                  const changed = h.releaseId > 0 && h.releaseId !== h.previousReleaseId;
                  return (
                    <tr key={h.id} data-testid={`history-${h.id}`}>
                      <td>
                        <span className={`pill ${op.tone}`}>{op.label}</span>
                        {h.isEmergencyPublish && <span className="pill pill-bad ns-after-pill">Emergency</span>}
                      </td>
                      <td>{h.releaseTitle || <span className="muted">—</span>}</td>
                      <td className="ns-when">
                        <span>{h.createdBy}</span>
                        <span className="muted small">
                          <When at={h.createdAt} />
                        </span>
                      </td>
                      <td>
                        <div className="toolbar row-actions">
                          {changed && (
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() =>
                                setCompare({
                                  base: { id: h.previousReleaseId, title: "Before" },
                                  to: { id: h.releaseId, title: "After" },
                                  heading: `${op.label}: “${h.releaseTitle || `release ${h.releaseId}`}”`,
                                })
                              }
                            >
                              Changes
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {history.data && (
          <Pager page={history.data.page} size={history.data.size} total={history.data.total} onPage={setHistoryPage} />
        )}
      </div>

      {compare && (
        <CompareDialog env={where.env} base={compare.base} to={compare.to} heading={compare.heading} onClose={() => setCompare(null)} />
      )}
      {rollbackTo && latest && (
        <RollbackDialog
          env={where.env}
          latest={latest}
          target={rollbackTo}
          onClose={() => setRollbackTo(null)}
          onDone={async (outcome) => {
            setRollbackTo(null);
            setSelected([]);
            toast.success(
              `Rolled back to “${outcome.active.title}”; ${outcome.abandoned.length === 1 ? "1 release is" : `${outcome.abandoned.length} releases are`} withdrawn.`,
            );
            await onChanged();
          }}
        />
      )}
    </div>
  );
}

function useComparison(env: string, base: number, to: number) {
  const [state, setState] = useState<{ data?: ReleaseComparison; error?: string }>({});
  useEffect(() => {
    let live = true;
    setState({});
    api
      .get<ReleaseComparison>(envPath(env, `/releases/compare${query({ baseReleaseId: base, toReleaseId: to })}`))
      .then((data) => live && setState({ data }))
      .catch((e) => live && setState({ error: messageOf(e) }));
    return () => {
      live = false;
    };
  }, [env, base, to]);
  return state;
}

function CompareDialog({
  env,
  base,
  to,
  heading,
  onClose,
}: {
  env: string;
  base: Side;
  to: Side;
  heading?: string;
  onClose: () => void;
}) {
  const close = useStable(onClose);
  const { data, error } = useComparison(env, base.id, to.id);
  return (
    <Dialog
      wide
      title={heading ?? `“${base.title}” → “${to.title}”`}
      onClose={close}
      footer={
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      }
    >
      <p className="muted small ns-dialog-text">
        {base.id === 0
          ? "The first release: everything it serves is new."
          : heading
            ? "What clients got differently after this step."
            : "What changed from the older release to the newer one."}
      </p>
      <ErrorNote error={error} />
      {!data && !error && <Loading label="Comparing…" />}
      {data && <DiffTable changes={data.changes} oldLabel={base.title} newLabel={to.title} empty="The two releases serve the same keys and values." />}
    </Dialog>
  );
}

function RollbackDialog({
  env,
  latest,
  target,
  onClose,
  onDone,
}: {
  env: string;
  latest: ReleaseSummary;
  target: ReleaseSummary;
  onClose: () => void;
  onDone: (outcome: Rollback) => Promise<void>;
}) {
  const close = useStable(onClose);
  const { data, error: compareError } = useComparison(env, latest.id, target.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const rollBack = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await api.put<Rollback>(envPath(env, `/releases/${latest.id}/rollback${query({ toReleaseId: target.id })}`));
      await onDone(outcome);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      wide
      title={`Roll back to “${target.title}”?`}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button-danger" onClick={() => void rollBack()} disabled={busy || !data}>
            {busy && <span className="spinner" aria-hidden="true" />}
            Roll back
          </button>
        </>
      }
    >
      <div className="form-grid">
        <p className="ns-dialog-text">
          Clients get “{target.title}” (by {target.createdBy}, <When at={target.createdAt} />) again instead of “{latest.title}”, at
          once. Every release after it is withdrawn. The items are not changed: they show as unpublished changes until the next
          publish.
        </p>
        <ErrorNote error={compareError} />
        {!data && !compareError && <Loading label="Comparing…" />}
        {data && (
          <DiffTable changes={data.changes} oldLabel="Served now" newLabel="After the rollback" empty="Both releases serve the same configuration." />
        )}
        <ErrorNote error={error} />
      </div>
    </Dialog>
  );
}

/** How many live instances hold a release, and what those that report made of it. */
function Reach({ counts }: { counts?: ReleaseAdoption }) {
  if (!counts || counts.read === 0) {
    return <span className="muted">—</span>;
  }
  return (
    <>
      <span>{count(counts.read, "holds it", "hold it")}</span>
      <div className="ns-instance-pills">
        {counts.applied > 0 && <span className="pill pill-ok">{counts.applied} applied</span>}
        {counts.rejected > 0 && <span className="pill pill-bad">{counts.rejected} rejected</span>}
      </div>
    </>
  );
}

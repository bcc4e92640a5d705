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
import { useT } from "../../i18n";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { OPERATION, at, envPath, useStable, type Permissions, type Where } from "./model";

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
  const t = useT();
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
            <h2>{t("releases.history.releasesTitle")}</h2>
            <p className="muted small">{t("releases.history.releasesHint")}</p>
            {adoption.data && adoption.data.live > 0 && latest && (
              <p className="muted small" data-testid="adoption-summary">
                {t("releases.history.adoptionSummary", {
                  live: adoption.data.live,
                  elsewhere: adoption.data.live - (reach.get(latest.releaseKey)?.read ?? 0),
                })}
              </p>
            )}
          </div>
          <div className="toolbar">
            <button type="button" className="button" disabled={selected.length !== 2} onClick={compareSelected}>
              {t("releases.history.compare")}
            </button>
            <span className="muted small" aria-live="polite">
              {selected.length === 0 ? "" : t("releases.history.selectedCount", { count: selected.length })}
            </span>
          </div>
        </div>
        <ErrorNote error={releases.error} />
        {!releases.data ? (
          !releases.error && <Loading label={t("releases.history.loadingReleases")} />
        ) : releases.data.items.length === 0 ? (
          <EmptyState title={t("releases.history.neverReleased")}>{t("releases.history.neverReleasedHint")}</EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table ns-releases">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">{t("releases.history.select")}</span>
                  </th>
                  <th scope="col">{t("releases.history.columnRelease")}</th>
                  <th scope="col">{t("releases.history.columnPublished")}</th>
                  <th scope="col">{t("releases.history.columnState")}</th>
                  <th scope="col">{t("releases.history.columnInstances")}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t("releases.history.actions")}</span>
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
                          aria-label={t("releases.history.selectToCompare", { title: r.title })}
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
                          <span className="pill pill-ok">{t("releases.history.servedNow")}</span>
                        ) : r.isAbandoned ? (
                          <span className="pill pill-muted">{t("releases.history.rolledBack")}</span>
                        ) : (
                          <span className="pill pill-info">{t("releases.history.earlier")}</span>
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
                              title={perms.release ? undefined : t("releases.history.noReleaseRole")}
                            >
                              {t("releases.history.rollBackToThis")}
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
            <h2>{t("releases.history.historyTitle")}</h2>
            <p className="muted small">{t("releases.history.historyHint")}</p>
          </div>
        </div>
        <ErrorNote error={history.error} />
        {!history.data ? (
          !history.error && <Loading label={t("releases.history.loadingHistory")} />
        ) : history.data.items.length === 0 ? (
          <EmptyState title={t("releases.history.nothingYet")}>{t("releases.history.nothingYetHint")}</EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table ns-history">
              <thead>
                <tr>
                  <th scope="col">{t("releases.history.columnWhat")}</th>
                  <th scope="col">{t("releases.history.columnRelease")}</th>
                  <th scope="col">{t("releases.history.columnBy")}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t("releases.history.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((h) => {
                  const known = OPERATION[h.operation];
                  const op = { label: known ? t(known.label) : h.operation, tone: known?.tone ?? "pill-muted" };
                  const changed = h.releaseId > 0 && h.releaseId !== h.previousReleaseId;
                  const release = h.releaseTitle || t("releases.history.releaseNumber", { id: h.releaseId });
                  return (
                    <tr key={h.id} data-testid={`history-${h.id}`}>
                      <td>
                        <span className={`pill ${op.tone}`}>{op.label}</span>
                        {h.isEmergencyPublish && <span className="pill pill-bad ns-after-pill">{t("releases.history.emergency")}</span>}
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
                                  base: { id: h.previousReleaseId, title: t("releases.history.before") },
                                  to: { id: h.releaseId, title: t("releases.history.after") },
                                  heading: t("releases.history.changesHeading", { operation: op.label, release }),
                                })
                              }
                            >
                              {t("releases.history.changes")}
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
              t("releases.history.rolledBackToast", { title: outcome.active.title, count: outcome.abandoned.length }),
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
  const t = useT();
  const close = useStable(onClose);
  const { data, error } = useComparison(env, base.id, to.id);
  return (
    <Dialog
      wide
      title={heading ?? t("releases.compare.title", { base: base.title, to: to.title })}
      onClose={close}
      footer={
        <button type="button" className="button" onClick={onClose}>
          {t("releases.compare.close")}
        </button>
      }
    >
      <p className="muted small ns-dialog-text">
        {base.id === 0
          ? t("releases.compare.firstRelease")
          : heading
            ? t("releases.compare.afterStep")
            : t("releases.compare.olderToNewer")}
      </p>
      <ErrorNote error={error} />
      {!data && !error && <Loading label={t("releases.compare.comparing")} />}
      {data && <DiffTable changes={data.changes} oldLabel={base.title} newLabel={to.title} empty={t("releases.compare.same")} />}
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
  const t = useT();
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
      title={t("releases.rollback.title", { title: target.title })}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("releases.rollback.cancel")}
          </button>
          <button type="button" className="button button-danger" onClick={() => void rollBack()} disabled={busy || !data}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {t("releases.rollback.rollBack")}
          </button>
        </>
      }
    >
      <div className="form-grid">
        <p className="ns-dialog-text">
          {t.rich("releases.rollback.explanation", {
            target: target.title,
            author: target.createdBy,
            when: <When at={target.createdAt} />,
            latest: latest.title,
          })}
        </p>
        <ErrorNote error={compareError} />
        {!data && !compareError && <Loading label={t("releases.compare.comparing")} />}
        {data && (
          <DiffTable
            changes={data.changes}
            oldLabel={t("releases.rollback.servedNow")}
            newLabel={t("releases.rollback.afterRollback")}
            empty={t("releases.rollback.same")}
          />
        )}
        <ErrorNote error={error} />
      </div>
    </Dialog>
  );
}

/** How many live instances hold a release, and what those that report made of it. */
function Reach({ counts }: { counts?: ReleaseAdoption }) {
  const t = useT();
  if (!counts || counts.read === 0) {
    return <span className="muted">—</span>;
  }
  return (
    <>
      <span>{t("releases.reach.holding", { count: counts.read })}</span>
      <div className="ns-instance-pills">
        {counts.applied > 0 && <span className="pill pill-ok">{t("releases.reach.applied", { count: counts.applied })}</span>}
        {counts.rejected > 0 && <span className="pill pill-bad">{t("releases.reach.rejected", { count: counts.rejected })}</span>}
      </div>
    </>
  );
}

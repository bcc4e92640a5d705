import { useEffect, useMemo, useState } from "react";
import { api, query, type Comparison, type EnvClusters, type KeyChange } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader } from "../../components/Common";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { msg, useT, type MessageId } from "../../i18n";
import { ChangeValue, multiline } from "../../components/Diff";
import { LineDiff } from "../../components/LineDiff";
import { ConfirmDialog, useFieldId } from "./kit";
import { namespacePath } from "./Overview";
import "./apps.css";

const KIND: Record<string, MessageId> = {
  added: msg("apps.compare.onlySource"),
  modified: msg("apps.compare.different"),
  deleted: msg("apps.compare.onlyTarget"),
};

/** A namespace in two places (environments or clusters): the differences, and copying chosen keys. */
export function ComparePage({ app }: { app: string }) {
  const t = useT();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const toast = useToast();
  const overview = useAsync(() => api.get<EnvClusters[]>(path("api", "v1", "apps", app, "envclusters")), [app]);
  const envs = (overview.data ?? []).filter((e) => !e.error);
  const down = (overview.data ?? []).filter((e) => e.error);

  const clustersOf = (env: string) => envs.find((e) => e.env === env)?.clusters.map((c) => c.cluster.name) ?? [];
  const namespaces = useMemo(
    () => [...new Set(envs.flatMap((e) => e.clusters.flatMap((c) => c.namespaces.map((n) => n.namespaceName))))].sort(),
    [envs],
  );

  // The choice lives in the address, so it survives a reload and can be shared.
  const pick = (name: string, fallback: string) => params.get(name) || fallback;
  const firstEnv = envs[0]?.env ?? "";
  const secondEnv = envs[1]?.env ?? firstEnv;
  const ns = pick("namespace", namespaces.includes("application") ? "application" : (namespaces[0] ?? ""));
  const fromEnv = pick("fromEnv", firstEnv);
  const toEnv = pick("toEnv", secondEnv);
  const fromCluster = pick("fromCluster", clustersOf(fromEnv).includes("default") ? "default" : (clustersOf(fromEnv)[0] ?? "default"));
  const toCluster = pick("toCluster", clustersOf(toEnv).includes("default") ? "default" : (clustersOf(toEnv)[0] ?? "default"));
  const set = (changes: Record<string, string>) => {
    const next = { namespace: ns, fromEnv, fromCluster, toEnv, toCluster, ...changes };
    navigate(`${path("apps", app, "compare")}${query(next)}`, { replace: true });
  };

  const ready = !!(ns && fromEnv && toEnv);
  const same = fromEnv === toEnv && fromCluster === toCluster;
  const comparison = useAsync(
    () =>
      ready && !same
        ? api.get<Comparison>(`${path("api", "v1", "apps", app, "namespaces", ns)}/compare${query({ fromEnv, fromCluster, toEnv, toCluster })}`)
        : Promise.resolve(undefined),
    [app, ns, fromEnv, fromCluster, toEnv, toCluster, ready, same],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  useEffect(() => setSelected(new Set()), [ns, fromEnv, fromCluster, toEnv, toCluster]);

  const changes = comparison.data?.changes ?? [];
  const allOn = changes.length > 0 && changes.every((c) => selected.has(c.key));
  const from = `${fromEnv} / ${fromCluster}`;
  const to = `${toEnv} / ${toCluster}`;
  const chosen = changes.filter((c) => selected.has(c.key));

  const ids = {
    ns: useFieldId("cmp-ns"),
    fromEnv: useFieldId("cmp-from-env"),
    fromCluster: useFieldId("cmp-from-cluster"),
    toEnv: useFieldId("cmp-to-env"),
    toCluster: useFieldId("cmp-to-cluster"),
  };

  return (
    <section className="compare-page">
      <PageHeader
        title={t("apps.compare.title")}
        crumbs={
          <>
            <Link to="/">{t("apps.list.title")}</Link>
            <span aria-hidden="true">/</span>
            <Link to={path("apps", app)}>{app}</Link>
            <span aria-hidden="true">/</span>
            <span>{t("apps.compare.crumb")}</span>
          </>
        }
      >
        {t("apps.compare.intro", { app })}
      </PageHeader>
      <ErrorNote error={overview.error} />
      {down.map((e) => (
        <p key={e.env} className="empty-inline">
          {t("apps.compare.envDown", { env: e.env, error: e.error })}
        </p>
      ))}
      {!overview.data && !overview.error && <Loading label={t("apps.common.loadingEnvs")} />}
      {overview.data && (
        <div className="card compare-form">
          <div className="field compare-ns">
            <label htmlFor={ids.ns}>{t("apps.common.namespace")}</label>
            <select id={ids.ns} value={ns} onChange={(e) => set({ namespace: e.target.value })}>
              {namespaces.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <fieldset className="compare-side">
            <legend>{t("apps.compare.source")}</legend>
            <div className="compare-pair">
              <div className="field">
                <label htmlFor={ids.fromEnv}>{t("apps.compare.fromEnv")}</label>
                <select
                  id={ids.fromEnv}
                  value={fromEnv}
                  onChange={(e) => set({ fromEnv: e.target.value, fromCluster: defaultCluster(clustersOf(e.target.value)) })}
                >
                  {envs.map((e) => (
                    <option key={e.env}>{e.env}</option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={ids.fromCluster}>{t("apps.compare.fromCluster")}</label>
                <select id={ids.fromCluster} value={fromCluster} onChange={(e) => set({ fromCluster: e.target.value })}>
                  {clustersOf(fromEnv).map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </div>
            </div>
          </fieldset>
          <button
            type="button"
            className="button button-small compare-swap"
            aria-label={t("apps.compare.swap")}
            title={t("apps.compare.swap")}
            onClick={() => set({ fromEnv: toEnv, fromCluster: toCluster, toEnv: fromEnv, toCluster: fromCluster })}
          >
            ⇄
          </button>
          <fieldset className="compare-side">
            <legend>{t("apps.compare.target")}</legend>
            <div className="compare-pair">
              <div className="field">
                <label htmlFor={ids.toEnv}>{t("apps.compare.toEnv")}</label>
                <select
                  id={ids.toEnv}
                  value={toEnv}
                  onChange={(e) => set({ toEnv: e.target.value, toCluster: defaultCluster(clustersOf(e.target.value)) })}
                >
                  {envs.map((e) => (
                    <option key={e.env}>{e.env}</option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={ids.toCluster}>{t("apps.compare.toCluster")}</label>
                <select id={ids.toCluster} value={toCluster} onChange={(e) => set({ toCluster: e.target.value })}>
                  {clustersOf(toEnv).map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </div>
            </div>
          </fieldset>
        </div>
      )}

      {overview.data && (
        <div className="section">
          {same ? (
            <EmptyState title={t("apps.compare.sameTitle")}>{t("apps.compare.sameText")}</EmptyState>
          ) : comparison.error ? (
            <ErrorNote error={comparison.error} />
          ) : !comparison.data ? (
            ready && <Loading label={t("apps.compare.comparing")} />
          ) : changes.length === 0 ? (
            <EmptyState title={t("apps.compare.equalTitle", { namespace: ns, from, to })}>{t("apps.compare.equalText")}</EmptyState>
          ) : (
            <>
              <div className="section-header">
                <h2>
                  {t("apps.compare.differences", { count: changes.length })}{" "}
                  <span className="muted heading-note">
                    {ns}: {from} → {to}
                  </span>
                </h2>
                <div className="toolbar">
                  <Link to={namespacePath(app, toEnv, toCluster, ns)} className="button button-small">
                    {t("apps.compare.openTarget")}
                  </Link>
                  <button type="button" className="button button-primary" disabled={chosen.length === 0} onClick={() => setConfirming(true)}>
                    {t("apps.compare.copySelected", { count: chosen.length })}
                  </button>
                </div>
              </div>
              <div className="card card-flush table-scroll">
                <table className="table compare-table stack-narrow" aria-label={t("apps.compare.differencesOf", { namespace: ns })}>
                  <thead>
                    <tr>
                      <th scope="col" className="check-col">
                        <input
                          type="checkbox"
                          aria-label={t("apps.compare.selectAll")}
                          checked={allOn}
                          onChange={() => setSelected(allOn ? new Set() : new Set(changes.map((c) => c.key)))}
                        />
                      </th>
                      <th scope="col">{t("apps.compare.colKey")}</th>
                      <th scope="col">{t("apps.compare.colDifference")}</th>
                      <th scope="col">{t("apps.compare.inPlace", { place: from })}</th>
                      <th scope="col">{t("apps.compare.inPlace", { place: to })}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {changes.map((c) => (
                      <DiffRow
                        key={c.key}
                        change={c}
                        on={selected.has(c.key)}
                        fromLabel={from}
                        toLabel={to}
                        toggle={() =>
                          setSelected((s) => {
                            const next = new Set(s);
                            if (!next.delete(c.key)) {
                              next.add(c.key);
                            }
                            return next;
                          })
                        }
                      />
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="muted small">
                {t("apps.compare.note", { to })}
              </p>
            </>
          )}
        </div>
      )}

      {confirming && (
        <ConfirmDialog
          title={t("apps.compare.confirmTitle", { count: chosen.length, to })}
          confirmLabel={t("apps.compare.confirmLabel")}
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            await api.post(`${path("api", "v1", "apps", app, "namespaces", ns)}/copy`, {
              fromEnv,
              fromCluster,
              toEnv,
              toCluster,
              keys: chosen.map((c) => c.key),
            });
            toast.success(t("apps.compare.copied", { count: chosen.length, to }));
            setConfirming(false);
            setSelected(new Set());
            await comparison.reload();
          }}
        >
          <p>{t.rich("apps.compare.confirmIn", { namespace: ns, to, strong: (chunks) => <strong>{chunks}</strong> })}</p>
          <ul className="copy-summary">
            {chosen.map((c) => (
              <li key={c.key}>
                <span className="mono">{c.key}</span> <span className="muted small">{t("apps.compare.willBe", { kind: c.kind })}</span>
              </li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
    </section>
  );
}

function defaultCluster(clusters: string[]): string {
  return clusters.includes("default") ? "default" : (clusters[0] ?? "default");
}

function DiffRow({
  change,
  on,
  toggle,
  fromLabel,
  toLabel,
}: {
  change: KeyChange;
  on: boolean;
  toggle: () => void;
  fromLabel: string;
  toLabel: string;
}) {
  const t = useT();
  const kind = KIND[change.kind];
  return (
    <tr className={`diff-${change.kind}${on ? " row-selected" : ""}`} data-testid={`diff-${change.key}`}>
      <td className="check-col">
        <input type="checkbox" aria-label={t("apps.compare.selectKey", { key: change.key })} checked={on} onChange={toggle} />
      </td>
      <td className="mono">{change.key}</td>
      <td>
        <span className={`change change-${change.kind}`}>{kind ? t(kind) : change.kind}</span>
      </td>
      {multiline(change) ? (
        // A file: its lines, from the target's to what copying would make them.
        <td colSpan={2} className="diff-lines-cell stack-full" data-label={`${toLabel} → ${fromLabel}`}>
          <LineDiff before={change.oldValue ?? ""} after={change.newValue ?? ""} />
        </td>
      ) : (
        <>
          <td className="mono value-cell stack-full" data-label={t("apps.compare.inPlace", { place: fromLabel })}>
            <ChangeValue change={change} side="new" marked />
          </td>
          <td className="mono value-cell stack-full" data-label={t("apps.compare.inPlace", { place: toLabel })}>
            <ChangeValue change={change} side="old" />
          </td>
        </>
      )}
    </tr>
  );
}

import { useEffect, useMemo, useState } from "react";
import { api, query, type Comparison, type EnvClusters, type KeyChange } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader } from "../../components/Common";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { ChangeValue, multiline } from "../../components/Diff";
import { LineDiff } from "../../components/LineDiff";
import { ConfirmDialog, useFieldId } from "./kit";
import { namespacePath } from "./Overview";
import "./apps.css";

const KIND: Record<string, { label: string; effect: string }> = {
  added: { label: "Only in source", effect: "added" },
  modified: { label: "Different", effect: "changed" },
  deleted: { label: "Only in target", effect: "deleted" },
};

/** A namespace in two places (environments or clusters): the differences, and copying chosen keys. */
export function ComparePage({ app }: { app: string }) {
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
        title="Compare environments"
        crumbs={
          <>
            <Link to="/">Apps</Link>
            <span aria-hidden="true">/</span>
            <Link to={path("apps", app)}>{app}</Link>
            <span aria-hidden="true">/</span>
            <span>Compare</span>
          </>
        }
      >
        A namespace of {app} in two places, key by key. Choose keys to copy from the source to the target: the target gets them as
        unpublished changes.
      </PageHeader>
      <ErrorNote error={overview.error} />
      {down.map((e) => (
        <p key={e.env} className="empty-inline">
          {e.env} cannot be reached: {e.error}
        </p>
      ))}
      {!overview.data && !overview.error && <Loading label="Loading environments…" />}
      {overview.data && (
        <div className="card compare-form">
          <div className="field compare-ns">
            <label htmlFor={ids.ns}>Namespace</label>
            <select id={ids.ns} value={ns} onChange={(e) => set({ namespace: e.target.value })}>
              {namespaces.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <fieldset className="compare-side">
            <legend>Source (copy from)</legend>
            <div className="compare-pair">
              <div className="field">
                <label htmlFor={ids.fromEnv}>From environment</label>
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
                <label htmlFor={ids.fromCluster}>From cluster</label>
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
            aria-label="Swap source and target"
            title="Swap source and target"
            onClick={() => set({ fromEnv: toEnv, fromCluster: toCluster, toEnv: fromEnv, toCluster: fromCluster })}
          >
            ⇄
          </button>
          <fieldset className="compare-side">
            <legend>Target (copy to)</legend>
            <div className="compare-pair">
              <div className="field">
                <label htmlFor={ids.toEnv}>To environment</label>
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
                <label htmlFor={ids.toCluster}>To cluster</label>
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
            <EmptyState title="Source and target are the same">Choose another environment or cluster for one of them.</EmptyState>
          ) : comparison.error ? (
            <ErrorNote error={comparison.error} />
          ) : !comparison.data ? (
            ready && <Loading label="Comparing…" />
          ) : changes.length === 0 ? (
            <EmptyState title={`${ns} is the same in ${from} and ${to}`}>Every key has the same value in both.</EmptyState>
          ) : (
            <>
              <div className="section-header">
                <h2>
                  {changes.length} {changes.length === 1 ? "difference" : "differences"}{" "}
                  <span className="muted heading-note">
                    {ns}: {from} → {to}
                  </span>
                </h2>
                <div className="toolbar">
                  <Link to={namespacePath(app, toEnv, toCluster, ns)} className="button button-small">
                    Open target namespace
                  </Link>
                  <button type="button" className="button button-primary" disabled={chosen.length === 0} onClick={() => setConfirming(true)}>
                    Copy selected keys{chosen.length > 0 ? ` (${chosen.length})` : ""}
                  </button>
                </div>
              </div>
              <div className="card card-flush table-scroll">
                <table className="table compare-table stack-narrow" aria-label={`Differences of ${ns}`}>
                  <thead>
                    <tr>
                      <th scope="col" className="check-col">
                        <input
                          type="checkbox"
                          aria-label="Select every key"
                          checked={allOn}
                          onChange={() => setSelected(allOn ? new Set() : new Set(changes.map((c) => c.key)))}
                        />
                      </th>
                      <th scope="col">Key</th>
                      <th scope="col">Difference</th>
                      <th scope="col">In {from}</th>
                      <th scope="col">In {to}</th>
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
                Copying a key the source lacks deletes it from the target. Copied keys are unpublished changes in {to}: publish them
                from the namespace's page.
              </p>
            </>
          )}
        </div>
      )}

      {confirming && (
        <ConfirmDialog
          title={`Copy ${chosen.length} ${chosen.length === 1 ? "key" : "keys"} to ${to}`}
          confirmLabel="Copy keys"
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            await api.post(`${path("api", "v1", "apps", app, "namespaces", ns)}/copy`, {
              fromEnv,
              fromCluster,
              toEnv,
              toCluster,
              keys: chosen.map((c) => c.key),
            });
            toast.success(`Copied ${chosen.length} ${chosen.length === 1 ? "key" : "keys"} to ${to}. Publish them from the namespace's page.`);
            setConfirming(false);
            setSelected(new Set());
            await comparison.reload();
          }}
        >
          <p>
            In <strong>{ns}</strong> of <strong>{to}</strong>:
          </p>
          <ul className="copy-summary">
            {chosen.map((c) => (
              <li key={c.key}>
                <span className="mono">{c.key}</span> <span className="muted small">will be {KIND[c.kind]?.effect ?? c.kind}</span>
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
  return (
    <tr className={`diff-${change.kind}${on ? " row-selected" : ""}`} data-testid={`diff-${change.key}`}>
      <td className="check-col">
        <input type="checkbox" aria-label={`Select ${change.key}`} checked={on} onChange={toggle} />
      </td>
      <td className="mono">{change.key}</td>
      <td>
        <span className={`change change-${change.kind}`}>{KIND[change.kind]?.label ?? change.kind}</span>
      </td>
      {multiline(change) ? (
        // A file: its lines, from the target's to what copying would make them.
        <td colSpan={2} className="diff-lines-cell stack-full" data-label={`${toLabel} → ${fromLabel}`}>
          <LineDiff before={change.oldValue ?? ""} after={change.newValue ?? ""} />
        </td>
      ) : (
        <>
          <td className="mono value-cell stack-full" data-label={`In ${fromLabel}`}>
            <ChangeValue change={change} side="new" marked />
          </td>
          <td className="mono value-cell stack-full" data-label={`In ${toLabel}`}>
            <ChangeValue change={change} side="old" />
          </td>
        </>
      )}
    </tr>
  );
}

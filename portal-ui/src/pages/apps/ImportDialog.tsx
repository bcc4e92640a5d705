// Importing an app export into one environment: what the file holds, which cluster each of
// its clusters goes to, what to do with keys that exist already, and what the import did.
import { useState } from "react";
import { api, query, type Imported } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
import { useT } from "../../i18n";
import { BusyLabel, Choices, useAction, useFieldId } from "./kit";
import { readZip, writeZip, ZipError, type ZipEntry } from "./zip";

type Policy = "abort" | "skip" | "overwrite";
const LEAVE_OUT = "";

export function ImportDialog({
  app,
  env,
  clusters,
  onClose,
  onImported,
}: {
  app: string;
  env: string;
  clusters: string[];
  onClose: () => void;
  onImported: () => void;
}) {
  const t = useT();
  const toast = useToast();
  const fileId = useFieldId("import-file");
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer; entries: ZipEntry[] }>();
  const [fileError, setFileError] = useState<string>();
  const [targets, setTargets] = useState<Record<string, string>>({});
  const [policy, setPolicy] = useState<Policy>("abort");
  const [result, setResult] = useState<Imported[]>();
  const action = useAction();

  const sources = file ? groupByCluster(file.entries) : [];

  const choose = async (chosen: File | undefined) => {
    setFile(undefined);
    setFileError(undefined);
    setResult(undefined);
    action.setError(undefined);
    if (!chosen) {
      return;
    }
    try {
      const bytes = await chosen.arrayBuffer();
      const entries = readZip(bytes);
      if (entries.length === 0) {
        throw new ZipError(t("apps.import.empty"));
      }
      setFile({ name: chosen.name, bytes, entries });
      const next: Record<string, string> = {};
      for (const [cluster] of groupByCluster(entries)) {
        next[cluster] = clusters.includes(cluster) ? cluster : LEAVE_OUT;
      }
      setTargets(next);
    } catch (e) {
      setFileError(e instanceof ZipError ? e.message : t("apps.import.unreadable"));
    }
  };

  const submit = () =>
    action.run(async () => {
      if (!file) {
        action.setError(t("apps.import.noFile"));
        return;
      }
      const chosen = sources.filter(([cluster]) => targets[cluster]);
      if (chosen.length === 0) {
        action.setError(t("apps.import.noCluster"));
        return;
      }
      const used = chosen.map(([cluster]) => targets[cluster]);
      if (new Set(used).size !== used.length) {
        action.setError(t("apps.import.sameCluster"));
        return;
      }
      const unchanged = chosen.length === sources.length && chosen.every(([cluster]) => targets[cluster] === cluster);
      const body = unchanged
        ? file.bytes
        : writeZip(
            chosen.flatMap(([cluster, entries]) =>
              entries.map((e) => ({ ...e, name: `${targets[cluster]}/${inside(cluster, e.name)}` })),
            ),
          );
      const imported = await api.upload<Imported[]>(
        `/api/v1/envs/${encodeURIComponent(env)}/apps/${encodeURIComponent(app)}/import${query({ policy })}`,
        new Blob([body], { type: "application/zip" }),
        "application/zip",
      );
      setResult(imported);
      const added = imported.reduce((n, i) => n + i.added.length, 0);
      const overwritten = imported.reduce((n, i) => n + i.overwritten.length, 0);
      toast.success(t("apps.import.imported", { env, added, overwritten }));
      onImported();
    });

  return (
    <Dialog
      title={t("apps.import.title", { env })}
      wide
      onClose={onClose}
      footer={
        result ? (
          <button type="button" className="button button-primary" onClick={onClose}>
            {t("apps.import.close")}
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              {t("apps.common.cancel")}
            </button>
            <button type="button" className="button button-primary" disabled={action.busy || !file} onClick={() => void submit()}>
              <BusyLabel busy={action.busy}>{t("apps.import.submit")}</BusyLabel>
            </button>
          </>
        )
      }
    >
      {result ? (
        <ImportResult result={result} />
      ) : (
        <div className="form-grid">
          <p className="muted">{t.rich("apps.import.intro", { strong: (chunks) => <strong>{chunks}</strong> })}</p>
          <div className="field">
            <label htmlFor={fileId}>{t("apps.import.fileLabel")}</label>
            <input
              id={fileId}
              type="file"
              accept=".zip,application/zip"
              aria-invalid={!!fileError || undefined}
              onChange={(e) => void choose(e.target.files?.[0])}
            />
            {fileError && (
              <span className="field-error" role="alert">
                {fileError}
              </span>
            )}
          </div>
          {file && (
            <div className="import-map">
              <h3 className="subheading">{t("apps.import.clusters")}</h3>
              <p className="muted small">{t("apps.import.mapIntro", { app, env })}</p>
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">{t("apps.import.colInFile")}</th>
                      <th scope="col">{t("apps.import.colFiles")}</th>
                      <th scope="col">{t("apps.import.colInto")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sources.map(([cluster, entries]) => (
                      <tr key={cluster}>
                        <td className="mono">{cluster || <span className="muted">{t("apps.import.noFolder")}</span>}</td>
                        <td className="mono small">
                          {entries.map((e) => (
                            <div key={e.name}>{inside(cluster, e.name)}</div>
                          ))}
                        </td>
                        <td>
                          <select
                            className="input"
                            aria-label={t("apps.import.targetLabel", { cluster })}
                            value={targets[cluster] ?? LEAVE_OUT}
                            onChange={(e) => setTargets((t) => ({ ...t, [cluster]: e.target.value }))}
                          >
                            {clusters.map((c) => (
                              <option key={c} value={c}>
                                {c}
                              </option>
                            ))}
                            <option value={LEAVE_OUT}>{t("apps.import.leaveOut")}</option>
                          </select>
                          {!clusters.includes(cluster) && targets[cluster] === LEAVE_OUT && (
                            <div className="field-hint">{t("apps.import.missingCluster", { env, cluster })}</div>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )}
          <Choices<Policy>
            legend={t("apps.import.policy")}
            name="import-policy"
            value={policy}
            onChange={setPolicy}
            options={[
              { id: "abort", label: t("apps.import.policyAbort"), hint: t("apps.import.policyAbortHint") },
              { id: "skip", label: t("apps.import.policySkip"), hint: t("apps.import.policySkipHint") },
              { id: "overwrite", label: t("apps.import.policyOverwrite"), hint: t("apps.import.policyOverwriteHint") },
            ]}
          />
          <p className="muted small">{t("apps.import.unpublishedNote")}</p>
          {action.error && (
            <p className="alert" role="alert">
              {action.error}
            </p>
          )}
        </div>
      )}
    </Dialog>
  );
}

function ImportResult({ result }: { result: Imported[] }) {
  const t = useT();
  if (result.length === 0) {
    return <p className="muted">{t("apps.import.nothing")}</p>;
  }
  return (
    <div className="form-grid">
      <p role="status">{t("apps.import.resultIntro")}</p>
      <div className="table-scroll">
        <table className="table import-result">
          <thead>
            <tr>
              <th scope="col">{t("apps.common.cluster")}</th>
              <th scope="col">{t("apps.common.namespace")}</th>
              <th scope="col">{t("apps.import.colAdded")}</th>
              <th scope="col">{t("apps.import.colOverwritten")}</th>
              <th scope="col">{t("apps.import.colSkipped")}</th>
            </tr>
          </thead>
          <tbody>
            {result.map((r) => (
              <tr key={`${r.clusterName}/${r.namespaceName}`} data-testid={`imported-${r.clusterName}-${r.namespaceName}`}>
                <td className="mono">{r.clusterName}</td>
                <td className="mono">{r.namespaceName}</td>
                <td>
                  <Keys keys={r.added} />
                </td>
                <td>
                  <Keys keys={r.overwritten} />
                </td>
                <td>
                  <Keys keys={r.skipped} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">{t("apps.import.resultNote")}</p>
    </div>
  );
}

function Keys({ keys }: { keys: string[] }) {
  if (keys.length === 0) {
    return <span className="muted">—</span>;
  }
  return (
    <span className="import-keys">
      <strong>{keys.length}</strong> <span className="mono small muted">{keys.join(", ")}</span>
    </span>
  );
}

/** The file's entries by their first folder (the cluster), in order. */
function groupByCluster(entries: ZipEntry[]): [string, ZipEntry[]][] {
  const groups = new Map<string, ZipEntry[]>();
  for (const e of entries) {
    const slash = e.name.indexOf("/");
    const cluster = slash > 0 ? e.name.slice(0, slash) : "";
    groups.set(cluster, [...(groups.get(cluster) ?? []), e]);
  }
  return [...groups.entries()];
}

/** An entry's name within its cluster's folder. */
function inside(cluster: string, name: string): string {
  return cluster ? name.slice(cluster.length + 1) : name;
}

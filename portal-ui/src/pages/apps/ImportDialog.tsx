// Importing an app export into one environment: what the file holds, which cluster each of
// its clusters goes to, what to do with keys that exist already, and what the import did.
import { useState } from "react";
import { api, query, type Imported } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
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
        throw new ZipError("This archive holds no files.");
      }
      setFile({ name: chosen.name, bytes, entries });
      const next: Record<string, string> = {};
      for (const [cluster] of groupByCluster(entries)) {
        next[cluster] = clusters.includes(cluster) ? cluster : LEAVE_OUT;
      }
      setTargets(next);
    } catch (e) {
      setFileError(e instanceof ZipError ? e.message : "This file could not be read.");
    }
  };

  const submit = () =>
    action.run(async () => {
      if (!file) {
        action.setError("Choose an exported zip file first.");
        return;
      }
      const chosen = sources.filter(([cluster]) => targets[cluster]);
      if (chosen.length === 0) {
        action.setError("Choose a cluster for at least one of the file's clusters.");
        return;
      }
      const used = chosen.map(([cluster]) => targets[cluster]);
      if (new Set(used).size !== used.length) {
        action.setError("Two of the file's clusters go to the same cluster: choose a different one for each.");
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
      toast.success(`Imported into ${env}: ${added} ${added === 1 ? "key" : "keys"} added, ${overwritten} overwritten.`);
      onImported();
    });

  return (
    <Dialog
      title={`Import into ${env}`}
      wide
      onClose={onClose}
      footer={
        result ? (
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="button button-primary" disabled={action.busy || !file} onClick={() => void submit()}>
              <BusyLabel busy={action.busy}>Import</BusyLabel>
            </button>
          </>
        )
      }
    >
      {result ? (
        <ImportResult result={result} />
      ) : (
        <div className="form-grid">
          <p className="muted">
            Choose a zip made by <strong>Export</strong> (one folder per cluster, one file per namespace). Every file is checked
            first: if anything is wrong, nothing is imported anywhere. Keys the file lacks are left alone.
          </p>
          <div className="field">
            <label htmlFor={fileId}>Export file (.zip)</label>
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
              <h3 className="subheading">Clusters</h3>
              <p className="muted small">Each cluster of the file goes into a cluster of {app} in {env}: the same one, or another.</p>
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">In the file</th>
                      <th scope="col">Files</th>
                      <th scope="col">Import into</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sources.map(([cluster, entries]) => (
                      <tr key={cluster}>
                        <td className="mono">{cluster || <span className="muted">(no folder)</span>}</td>
                        <td className="mono small">
                          {entries.map((e) => (
                            <div key={e.name}>{inside(cluster, e.name)}</div>
                          ))}
                        </td>
                        <td>
                          <select
                            className="input"
                            aria-label={`Import ${cluster} into`}
                            value={targets[cluster] ?? LEAVE_OUT}
                            onChange={(e) => setTargets((t) => ({ ...t, [cluster]: e.target.value }))}
                          >
                            {clusters.map((c) => (
                              <option key={c} value={c}>
                                {c}
                              </option>
                            ))}
                            <option value={LEAVE_OUT}>Leave out</option>
                          </select>
                          {!clusters.includes(cluster) && targets[cluster] === LEAVE_OUT && (
                            <div className="field-hint">{env} has no cluster {cluster}.</div>
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
            legend="Keys that exist already"
            name="import-policy"
            value={policy}
            onChange={setPolicy}
            options={[
              { id: "abort", label: "Stop", hint: "If any key exists already, import nothing and say which." },
              { id: "skip", label: "Keep existing values", hint: "Add the new keys only." },
              { id: "overwrite", label: "Overwrite", hint: "Existing keys take the file's values." },
            ]}
          />
          <p className="muted small">Imported changes are not published: publish them from each namespace's page.</p>
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
  if (result.length === 0) {
    return <p className="muted">The file held nothing to import.</p>;
  }
  return (
    <div className="form-grid">
      <p role="status">Imported. What happened in each namespace:</p>
      <div className="table-scroll">
        <table className="table import-result">
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              <th scope="col">Namespace</th>
              <th scope="col">Added</th>
              <th scope="col">Overwritten</th>
              <th scope="col">Skipped</th>
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
      <p className="muted small">Publish the changes from each namespace's page for clients to get them.</p>
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

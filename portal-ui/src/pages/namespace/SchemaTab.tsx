// The namespace's JSON Schema: the version in force, who set it, how this environment checks
// publishes against it, its history; masters set new versions and the mode.
import { useId, useState } from "react";
import { api, messageOf, query, type NamespaceSchema, type SchemaInEnv, type SchemaProblem } from "../../api/client";
import { ErrorNote, Loading, When } from "../../components/Common";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { at, schemaAt, schemaInEnvAt, type Where } from "./model";

type Mode = SchemaInEnv["mode"];

const MODES: { mode: Mode; label: string; help: string }[] = [
  { mode: "off", label: "Off", help: "publishes are not checked" },
  { mode: "warn", label: "Warn", help: "a publish that does not fit goes out, saying what does not fit" },
  { mode: "enforce", label: "Enforce", help: "a publish that does not fit is refused" },
];

/** Whether the signed-in user is a master of the app (who set schemas and modes). */
function useMaster(app: string): boolean {
  const { me } = useSession();
  return me.superAdmin || me.roles.includes(`Master+${app}`);
}

export function SchemaTab({ where, stamp, onChanged }: { where: Where; stamp: number; onChanged: () => Promise<void> }) {
  const toast = useToast();
  const master = useMaster(where.app);
  const ids = { mode: useId(), text: useId() };
  const state = useAsync(() => api.get<SchemaInEnv>(schemaInEnvAt(where)), [where, stamp]);
  const history = useAsync(() => api.get<NamespaceSchema[]>(schemaAt(where, "/history")), [where, stamp]);
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const setMode = async (mode: Mode) => {
    setBusy(true);
    try {
      await api.put(schemaInEnvAt(where, "/mode"), { mode });
      toast.success(`${where.env} now checks ${where.namespace} against its schema: ${mode}.`);
      // The page loads again: a first schema brings the Form tab, a new mode the verdicts.
      await onChanged();
    } catch (e) {
      toast.error(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const setSchema = async () => {
    setError(undefined);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (e) {
      setError(`That is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    setBusy(true);
    try {
      const set = await api.put<NamespaceSchema>(schemaAt(where), { document });
      toast.success(`Schema version ${set.version} is in force for ${where.namespace}.`);
      setText("");
      await onChanged();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.data) return <Loading label="Loading the schema…" />;
  const current = state.data.current;
  return (
    <div className="ns-schema">
      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div>
            <h2>Schema</h2>
            <p className="muted small">
              What may be published, as a JSON Schema: ideally the one the app's own type makes, written by{" "}
              <code>lyre_client::schema::write</code> and pushed by <code>lyre schema push</code>.
            </p>
          </div>
          <div className="toolbar">
            <label htmlFor={ids.mode} className="muted small">
              In {where.env}
            </label>
            <select
              id={ids.mode}
              data-testid="schema-mode"
              value={state.data.mode}
              disabled={!master || busy || !current}
              title={!master ? `Only a master of ${where.app} changes how ${where.env} checks the schema` : undefined}
              onChange={(e) => void setMode(e.target.value as Mode)}
            >
              {MODES.map((m) => (
                <option key={m.mode} value={m.mode}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p className="muted small">
          {where.env}: {MODES.find((m) => m.mode === state.data?.mode)?.help}.
        </p>
        {current ? (
          <>
            <p className="muted small" data-testid="schema-current">
              Version {current.version}, set by {current.createdBy}, <When at={current.createdAt} />.
            </p>
            <pre className="ns-schema-document">{JSON.stringify(current.document, null, 2)}</pre>
          </>
        ) : (
          <p className="muted">No schema yet: publishes are not checked.</p>
        )}
      </div>

      {master && (
        <div className="card ns-card">
          <h2>Set a new version</h2>
          <label className="field" htmlFor={ids.text}>
            <span>The JSON Schema (draft 2020-12); it applies in every environment</span>
            <textarea
              id={ids.text}
              data-testid="schema-text"
              rows={8}
              className="mono ns-schema-input"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          {error && (
            <p className="alert" role="alert">
              {error}
            </p>
          )}
          <div className="toolbar">
            <button type="button" className="button button-primary" disabled={busy || !text.trim()} onClick={() => void setSchema()}>
              Set schema
            </button>
          </div>
        </div>
      )}

      {history.data && history.data.length > 0 && (
        <div className="card ns-card">
          <h2>History</h2>
          <table className="table" data-testid="schema-history">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Set by</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{v.createdBy}</td>
                  <td>
                    <When at={v.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/**
 * What a publish (of `branch`, a gray branch, where given) would not fit of the schema, as the
 * publish dialogs show it before their button.
 */
export function SchemaVerdict({ where, branch }: { where: Where; branch?: string }) {
  const found = useAsync(
    async () => {
      const problems = await api.get<SchemaProblem[]>(at(where, `/schema-check${query({ branch })}`));
      if (problems.length === 0) return null;
      const state = await api.get<SchemaInEnv>(schemaInEnvAt(where)).catch(() => null);
      return { problems, mode: state?.mode ?? "warn", version: state?.current?.version };
    },
    [where, branch],
  );
  if (!found.data) return null;
  const { problems, mode, version } = found.data;
  const enforced = mode === "enforce";
  return (
    <div className={enforced ? "alert" : "notice notice-warn"} role={enforced ? "alert" : "status"} data-testid="schema-verdict">
      <p className="ns-alert-title">
        {enforced
          ? `This does not fit the schema (version ${version}), which ${where.env} enforces: the publish will be refused until it does.`
          : `This does not fit the schema (version ${version}); ${where.env} publishes it anyway and says so.`}
      </p>
      <ul>
        {problems.map((p) => (
          <li key={`${p.at} ${p.message}`}>
            {p.at && <code>{p.at}</code>} {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

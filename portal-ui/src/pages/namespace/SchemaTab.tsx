// The namespace's JSON Schema: the version in force, who set it, how this environment checks
// publishes against it, its history; masters set new versions and the mode.
import { useId, useState } from "react";
import { api, messageOf, query, type NamespaceSchema, type SchemaInEnv, type SchemaProblem } from "../../api/client";
import { ErrorNote, Loading, When } from "../../components/Common";
import { msg, useT, type MessageId } from "../../i18n";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { at, schemaAt, schemaInEnvAt, type Where } from "./model";

type Mode = SchemaInEnv["mode"];

const MODES: { mode: Mode; label: MessageId }[] = [
  { mode: "off", label: msg("releases.schema.modeOff") },
  { mode: "warn", label: msg("releases.schema.modeWarn") },
  { mode: "enforce", label: msg("releases.schema.modeEnforce") },
];

/** Whether the signed-in user is a master of the app (who set schemas and modes). */
function useMaster(app: string): boolean {
  const { me } = useSession();
  return me.superAdmin || me.roles.includes(`Master+${app}`);
}

export function SchemaTab({ where, stamp, onChanged }: { where: Where; stamp: number; onChanged: () => Promise<void> }) {
  const t = useT();
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
      toast.success(t("releases.schema.modeSet", { env: where.env, namespace: where.namespace, mode }));
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
      setError(t("releases.schema.notJson", { error: e instanceof Error ? e.message : String(e) }));
      return;
    }
    setBusy(true);
    try {
      const set = await api.put<NamespaceSchema>(schemaAt(where), { document });
      toast.success(t("releases.schema.schemaSet", { version: set.version, namespace: where.namespace }));
      setText("");
      await onChanged();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.data) return <Loading label={t("releases.schema.loading")} />;
  const current = state.data.current;
  return (
    <div className="ns-schema">
      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div>
            <h2>{t("releases.schema.title")}</h2>
            <p className="muted small">
              {t.rich("releases.schema.description", { code: (chunks) => <code>{chunks}</code> })}
            </p>
          </div>
          <div className="toolbar">
            <label htmlFor={ids.mode} className="muted small">
              {t("releases.schema.inEnv", { env: where.env })}
            </label>
            <select
              id={ids.mode}
              data-testid="schema-mode"
              value={state.data.mode}
              disabled={!master || busy || !current}
              title={!master ? t("releases.schema.onlyMaster", { app: where.app, env: where.env }) : undefined}
              onChange={(e) => void setMode(e.target.value as Mode)}
            >
              {MODES.map((m) => (
                <option key={m.mode} value={m.mode}>
                  {t(m.label)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p className="muted small">
          {t("releases.schema.modeHelp", { env: where.env, mode: state.data.mode })}
        </p>
        {current ? (
          <>
            <p className="muted small" data-testid="schema-current">
              {t.rich("releases.schema.current", {
                version: current.version,
                author: current.createdBy,
                when: <When at={current.createdAt} />,
              })}
            </p>
            <pre className="ns-schema-document">{JSON.stringify(current.document, null, 2)}</pre>
          </>
        ) : (
          <p className="muted">{t("releases.schema.none")}</p>
        )}
      </div>

      {master && (
        <div className="card ns-card">
          <h2>{t("releases.schema.setTitle")}</h2>
          <label className="field" htmlFor={ids.text}>
            <span>{t("releases.schema.textLabel")}</span>
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
              {t("releases.schema.set")}
            </button>
          </div>
        </div>
      )}

      {history.data && history.data.length > 0 && (
        <div className="card ns-card">
          <h2>{t("releases.schema.historyTitle")}</h2>
          <table className="table" data-testid="schema-history">
            <thead>
              <tr>
                <th scope="col">{t("releases.schema.columnVersion")}</th>
                <th scope="col">{t("releases.schema.columnSetBy")}</th>
                <th scope="col">{t("releases.schema.columnWhen")}</th>
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
  const t = useT();
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
          ? t("releases.schemaVerdict.enforced", { version, env: where.env })
          : t("releases.schemaVerdict.warned", { version, env: where.env })}
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

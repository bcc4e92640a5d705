// Text mode: the whole namespace as one text (properties with comments, or the file of a
// yaml/json/xml/txt namespace), edited with highlighting and saved in one step.
import { useEffect, useId, useState } from "react";
import { ApiError, api, messageOf, wordsOf, type Namespace, type NamespaceText, type SchemaProblem, type TextCheck } from "../../api/client";
import { CodeEditor } from "../../components/CodeEditor";
import { ErrorNote, Loading, SEALED_PREFIX } from "../../components/Common";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { msg, useT, type MessageId } from "../../i18n";
import { at, errorPosition, type Permissions, type Where } from "./model";
import { SaveRow, useSaveShortcut } from "./SaveRow";

/** Unsaved text, and the revision it was edited from. */
export type Draft = { text: string; revision: number };

const HINT: Record<string, MessageId> = {
  properties: msg("namespace.text.hintProperties"),
  yaml: msg("namespace.text.hintYaml"),
  yml: msg("namespace.text.hintYaml"),
  json: msg("namespace.text.hintJson"),
  xml: msg("namespace.text.hintXml"),
  txt: msg("namespace.text.hintTxt"),
};

type Problem = { kind: "invalid"; message: string; line?: number; column?: number } | { kind: "conflict"; message: string };

/** A text that does not parse, at the line (and column) its message names. */
function invalid(message: string): Problem {
  const position = errorPosition(message);
  return { kind: "invalid", message, line: position?.line, column: position?.column };
}

/** The line (from 1) a properties key is written on in `text`, if any. */
function lineOf(text: string, key: string): number | undefined {
  if (!key || key.startsWith("/")) return undefined;
  const index = text.split("\n").findIndex((line) => {
    const name = line.split(/[=:]/, 1)[0] ?? "";
    return name.trim() === key;
  });
  return index < 0 ? undefined : index + 1;
}

export function TextTab({
  where,
  ns,
  perms,
  stamp,
  hasSecrets = false,
  draft,
  setDraft,
  onSaved,
}: {
  where: Where;
  ns: Namespace;
  perms: Permissions;
  stamp: number;
  /** Whether the namespace has secret items (shown sealed in the text). */
  hasSecrets?: boolean;
  draft: Draft | null;
  setDraft: (draft: Draft | null) => void;
  onSaved: () => Promise<void>;
}) {
  const id = useId();
  const t = useT();
  const toast = useToast();
  const text = useAsync(() => api.get<NamespaceText>(at(where, "/text")), [where, stamp]);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  // What the typed text would not fit of the namespace's schema, where the environment checks it.
  const [unfit, setUnfit] = useState<SchemaProblem[]>([]);
  const errorLine = problem?.kind === "invalid" ? problem.line : undefined;
  // Ctrl+S (Cmd+S) saves the text, where the browser would save the page.
  const saveNow = useSaveShortcut();

  // The text is checked as it is typed (a moment after the last key), as saving would check
  // it: a problem is marked at its line, and the mark goes once the text is fixed.
  const typed = draft?.text;
  useEffect(() => {
    if (typed === undefined) {
      setProblem((p) => (p?.kind === "invalid" ? undefined : p));
      setUnfit([]);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api
        .post<TextCheck>(at(where, "/text/check"), { text: typed })
        .then((checked) => {
          if (!live) return;
          setUnfit(checked.schemaProblems ?? []);
          if (checked.problem) {
            setProblem(invalid(checked.problem));
          } else {
            setProblem((p) => (p?.kind === "invalid" ? undefined : p));
          }
        })
        .catch(() => {});
    }, 400);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [typed, where]);

  if (!text.data) {
    return text.error ? <ErrorNote error={text.error} /> : <Loading label={t("namespace.text.loading")} />;
  }
  const saved = text.data;
  const value = draft?.text ?? saved.text;
  const dirty = draft !== null && draft.text !== saved.text;
  const editable = perms.modify;
  const sealed = hasSecrets || saved.text.includes(SEALED_PREFIX);
  const hint: MessageId | undefined = Object.hasOwn(HINT, ns.format) ? HINT[ns.format] : undefined;

  const save = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await api.put<NamespaceText>(at(where, "/text"), { text: value, revision: draft?.revision ?? saved.revision, comment });
      setDraft(null);
      setComment("");
      toast.success(t("namespace.text.saved", { name: ns.namespaceName }));
      await onSaved();
    } catch (e) {
      if (e instanceof ApiError && e.code === "changed") {
        setProblem({ kind: "conflict", message: wordsOf(e) });
      } else if (e instanceof ApiError && e.status === 400) {
        setProblem({ ...invalid(e.message), message: wordsOf(e) });
      } else {
        setProblem({ kind: "invalid", message: messageOf(e) });
      }
    } finally {
      setBusy(false);
    }
  };

  saveNow.current = editable && dirty && !busy ? () => void save() : undefined;

  const reload = async () => {
    setDraft(null);
    setProblem(undefined);
    await text.reload();
  };

  return (
    <div className="card ns-card">
      <div className="section-header ns-section-header">
        <div>
          <h2>{ns.format === "properties" ? t("namespace.tabs.text") : t("namespace.tabs.content")}</h2>
          <p className="muted small">{hint ? t(hint) : t("namespace.text.hintFile")}</p>
        </div>
        {dirty && <span className="pill pill-warn">{t("namespace.text.notSaved")}</span>}
      </div>

      {sealed && <SecretsNote />}

      {problem?.kind === "conflict" && (
        <div className="alert ns-conflict" role="alert" data-testid="text-conflict">
          <p className="ns-alert-title">{t("namespace.text.conflict")}</p>
          <p>{problem.message}</p>
          <button type="button" className="button button-small" onClick={() => void reload()}>
            {t("namespace.text.reload")}
          </button>
        </div>
      )}

      <div className={`ns-editor${errorLine ? " ns-editor-error" : ""}`}>
        <CodeEditor
          value={value}
          format={ns.format}
          readOnly={!editable}
          label={t("namespace.text.editorLabel", { name: ns.namespaceName })}
          errorLine={errorLine}
          onChange={(next) => {
            // The editor reports text set from here too; only a person's edit makes a draft.
            if (next !== value) {
              setDraft(next === saved.text ? null : { text: next, revision: draft?.revision ?? saved.revision });
            }
          }}
        />
        {problem?.kind === "invalid" && (
          <div className="alert ns-parse-error" role="alert" data-testid="text-error">
            {problem.line !== undefined && (
              <span className="ns-error-at">
                {problem.column !== undefined
                  ? t("namespace.text.lineColumn", { line: problem.line, column: problem.column })
                  : t("namespace.text.line", { line: problem.line })}
              </span>
            )}
            <span>{problem.message}</span>
          </div>
        )}
        {unfit.length > 0 && (
          <div className="notice notice-warn ns-parse-error" role="status" data-testid="text-schema-problems">
            <span className="ns-error-at">{t("namespace.schema.unfit")}</span>
            <ul>
              {unfit.map((p) => {
                const line = lineOf(value, p.at);
                return (
                  <li key={`${p.at} ${p.message}`}>
                    {p.at && <code>{p.at}</code>} {line !== undefined ? t("namespace.text.onLine", { line }) : ""} {p.message}
                  </li>
                );
              })}
            </ul>
          </div>
        )}
      </div>

      <SaveRow
        id={id}
        editable={editable}
        comment={comment}
        setComment={setComment}
        canSave={dirty && !busy}
        canDiscard={dirty}
        busy={busy}
        onDiscard={reload}
        onSave={save}
        saveLabel={t("namespace.text.save")}
      />
    </div>
  );
}

/** Above a text with secret values: how they show and how to change one. */
export function SecretsNote() {
  const t = useT();
  return (
    <p className="notice ns-text-note" data-testid="secrets-note">
      {t("namespace.text.secretsNote")}
    </p>
  );
}

// Form mode: the namespace's configuration as one field per key its JSON Schema describes. It
// edits the same text the Text mode edits and saves it the same way, so history, reviews and
// diffs read as they always do; keys the schema does not describe are kept as they are.
import { useEffect, useId, useMemo, useState } from "react";
import {
  ApiError,
  api,
  messageOf,
  type Namespace,
  type NamespaceText,
  type SchemaInEnv,
  type SchemaProblem,
  type TextCheck,
} from "../../api/client";
import { ErrorNote, Loading, SEALED_PREFIX } from "../../components/Common";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { useT } from "../../i18n";
import { at, type Permissions, type Where } from "./model";
import { SaveRow, useSaveShortcut } from "./SaveRow";
import {
  assign,
  emptyRow,
  formOf,
  idOf,
  invalidFields,
  nearestPlace,
  placesOf,
  problemPath,
  readText,
  shown,
  type FormText,
  type FormValue,
  type Path,
  type Spec,
} from "./schemaForm";
import { SecretsNote, type Draft } from "./TextTab";

type Mode = SchemaInEnv["mode"];

export function FormTab({
  where,
  ns,
  perms,
  stamp,
  schema,
  version,
  mode,
  draft,
  setDraft,
  onSaved,
}: {
  where: Where;
  ns: Namespace;
  perms: Permissions;
  stamp: number;
  schema: unknown;
  version: number;
  mode: Mode;
  draft: Draft | null;
  setDraft: (draft: Draft | null) => void;
  onSaved: () => Promise<void>;
}) {
  const t = useT();
  const text = useAsync(() => api.get<NamespaceText>(at(where, "/text")), [where, stamp]);
  const spec = useMemo(() => formOf(schema), [schema]);
  // Bumped to start the form again from the saved text; nothing is edited while it is loaded.
  const [generation, setGeneration] = useState(0);
  const [resetting, setResetting] = useState(false);

  if (!text.data || resetting) {
    return text.error ? <ErrorNote error={text.error} /> : <Loading label={t("namespace.form.loading")} />;
  }
  const reset = async () => {
    setResetting(true);
    setDraft(null);
    await text.reload();
    setGeneration((g) => g + 1);
    setResetting(false);
  };
  return (
    <FormEditor
      key={`${text.data.revision} ${generation} ${version}`}
      where={where}
      ns={ns}
      spec={spec}
      version={version}
      mode={mode}
      saved={text.data}
      draft={draft}
      setDraft={setDraft}
      editable={perms.modify}
      onSaved={onSaved}
      onReset={reset}
    />
  );
}

/** What every field needs from the form around it. */
type Context = {
  uid: string;
  editable: boolean;
  invalid: Map<string, string>;
  problems: Map<string, SchemaProblem[]>;
  change: (path: Path, value: FormValue) => void;
  /** Marks what the browser cannot read as a number (it reports such an input as empty). */
  markUnreadable: (id: string, unreadable: boolean) => void;
};

function FormEditor({
  where,
  ns,
  spec,
  version,
  mode,
  saved,
  draft,
  setDraft,
  editable,
  onSaved,
  onReset,
}: {
  where: Where;
  ns: Namespace;
  spec: Spec;
  version: number;
  mode: Mode;
  saved: NamespaceText;
  draft: Draft | null;
  setDraft: (draft: Draft | null) => void;
  editable: boolean;
  onSaved: () => Promise<void>;
  onReset: () => Promise<void>;
}) {
  const uid = useId();
  const t = useT();
  const toast = useToast();
  // The form starts from the unsaved text (of this tab or the Text tab) when there is one.
  const [start] = useState(() => {
    const source = draft?.text ?? saved.text;
    const revision = draft?.revision ?? saved.revision;
    try {
      return { source, revision, form: readText(ns.format, spec, source) as FormText | undefined, error: undefined };
    } catch (e) {
      return { source, revision, form: undefined, error: e instanceof Error ? e.message : String(e) };
    }
  });
  const [value, setValue] = useState<FormValue>(start.form?.value);
  const [unreadable, setUnreadable] = useState<Set<string>>(() => new Set());
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ conflict: boolean; message: string }>();
  const [checked, setChecked] = useState<TextCheck>();

  const output = useMemo(() => start.form?.write(value) ?? start.source, [start, value]);
  const dirty = output !== saved.text;

  // The text the form would save is checked a moment after the last change, as saving (and the
  // Text tab) checks it: the same messages, at the fields they name.
  useEffect(() => {
    if (!start.form) return;
    let live = true;
    const timer = window.setTimeout(() => {
      api
        .post<TextCheck>(at(where, "/text/check"), { text: output })
        .then((answer) => live && setChecked(answer))
        .catch(() => {});
    }, 400);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [output, where, start]);

  const invalid = useMemo(() => {
    const found = invalidFields(spec, value);
    for (const id of unreadable) found.set(id, t("namespace.check.number"));
    return found;
  }, [spec, value, unreadable, t]);
  const problems = useMemo(() => {
    const places = placesOf(spec, value);
    const byPlace = new Map<string, SchemaProblem[]>();
    for (const problem of checked?.schemaProblems ?? []) {
      const path = problemPath(ns.format, problem.at);
      const place = path ? nearestPlace(places, path) : "";
      if (place) byPlace.set(place, [...(byPlace.get(place) ?? []), problem]);
    }
    return byPlace;
  }, [checked, ns.format, spec, value]);

  const blocked = invalid.size > 0;
  const canSave = editable && dirty && !busy && !blocked;

  const save = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      await api.put<NamespaceText>(at(where, "/text"), { text: output, revision: start.revision, comment });
      setDraft(null);
      toast.success(t("namespace.text.saved", { name: ns.namespaceName }));
      await onSaved();
    } catch (e) {
      setFailure({ conflict: e instanceof ApiError && e.code === "changed", message: messageOf(e) });
    } finally {
      setBusy(false);
    }
  };

  // Ctrl+S (Cmd+S) saves the form, where the browser would save the page.
  const saveNow = useSaveShortcut();
  saveNow.current = canSave ? () => void save() : undefined;

  const textTab = ns.format === "properties" ? t("namespace.tabs.text") : t("namespace.tabs.content");
  if (!start.form) {
    return (
      <div className="card ns-card">
        <h2>{t("namespace.tabs.form")}</h2>
        <p className="alert" role="alert" data-testid="form-unreadable">
          {t("namespace.form.unreadable", { draft: draft ? "yes" : "no", error: start.error, tab: textTab })}
        </p>
        {draft && (
          <div className="toolbar ns-form-toolbar">
            <button type="button" className="button" onClick={() => void onReset()}>
              {t("namespace.form.discardUnsaved")}
            </button>
          </div>
        )}
      </div>
    );
  }

  const form = start.form;
  const context: Context = {
    uid,
    editable,
    invalid,
    problems,
    change: (path, next) => {
      const updated = assign(value, path, next);
      setValue(updated);
      const text = form.write(updated);
      setDraft(text === saved.text ? null : { text, revision: start.revision });
    },
    markUnreadable: (id, yes) =>
      setUnreadable((all) => {
        if (all.has(id) === yes) return all;
        const next = new Set(all);
        if (yes) next.add(id);
        else next.delete(id);
        return next;
      }),
  };
  const unfit = checked?.schemaProblems ?? [];

  return (
    <div className="card ns-card">
      <div className="section-header ns-section-header">
        <div>
          <h2>{t("namespace.tabs.form")}</h2>
          <p className="muted small">{t("namespace.form.intro", { version, tab: textTab })}</p>
        </div>
        {dirty && <span className="pill pill-warn">{t("namespace.text.notSaved")}</span>}
      </div>

      {saved.text.includes(SEALED_PREFIX) && <SecretsNote />}
      {mode === "off" && (
        <p className="muted small ns-form-note">{t("namespace.form.modeOff", { env: where.env })}</p>
      )}
      {form.kept.length > 0 && (
        <p className="muted small ns-form-note" data-testid="form-kept">
          {t.rich("namespace.form.kept", {
            keys: form.kept.map((key, i) => (
              <span key={key}>
                {i > 0 && t("namespace.common.separator")}
                <code>{key}</code>
              </span>
            )),
          })}
        </p>
      )}

      {failure?.conflict && (
        <div className="alert ns-conflict" role="alert" data-testid="form-conflict">
          <p className="ns-alert-title">{t("namespace.text.conflict")}</p>
          <p>{failure.message}</p>
          <button type="button" className="button button-small" onClick={() => void onReset()}>
            {t("namespace.text.reload")}
          </button>
        </div>
      )}

      {spec.kind === "object" ? (
        spec.fields.length > 0 ? (
          <div className="ns-form-fields" data-testid="schema-form">
            {spec.fields.map((field) => (
              <FieldView key={field.name} spec={field} path={[field.name]} value={fieldOf(value, field.name)} context={context} />
            ))}
          </div>
        ) : (
          <p className="muted">{t("namespace.form.noKeys")}</p>
        )
      ) : (
        <p className="muted">{t("namespace.form.notAnObject", { tab: textTab })}</p>
      )}

      {checked?.problem && (
        <p className="alert ns-form-summary" role="alert">
          {checked.problem}
        </p>
      )}
      {unfit.length > 0 && (
        <div className="notice notice-warn ns-form-summary" role="status" data-testid="form-problems">
          <span className="ns-error-at">{t("namespace.schema.unfit")}</span>
          <ul>
            {unfit.map((p) => (
              <li key={`${p.at} ${p.message}`}>
                {p.at && <code>{p.at}</code>} {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {blocked && editable && (
        <p className="alert ns-form-summary" data-testid="form-blocked">
          {t("namespace.form.toFix", { count: invalid.size })}
        </p>
      )}
      {failure && !failure.conflict && (
        <p className="alert ns-form-summary" role="alert" data-testid="form-error">
          {failure.message}
        </p>
      )}

      <SaveRow
        id={uid}
        editable={editable}
        comment={comment}
        setComment={setComment}
        canSave={canSave}
        canDiscard={dirty}
        busy={busy}
        onDiscard={onReset}
        onSave={save}
        saveLabel={t("namespace.form.save")}
        saveTitle={blocked ? t("namespace.form.fixFirst") : undefined}
      />
    </div>
  );
}

function fieldOf(value: FormValue, name: string): FormValue {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value[name] : undefined;
}

/** The marks under a field: the value refused in place, else what the check says of it. */
function Marks({ id, domId, context }: { id: string; domId: string; context: Context }) {
  const invalid = context.invalid.get(id);
  if (invalid) {
    return (
      <span className="field-error" role="alert" id={`${domId}-error`} data-testid={`field-error-${id}`}>
        {invalid}
      </span>
    );
  }
  const problems = context.problems.get(id) ?? [];
  if (problems.length === 0) return null;
  return (
    <span className="field-error ns-form-problem" id={`${domId}-error`} data-testid={`field-problem-${id}`}>
      {problems.map((p) => (
        <span key={`${p.at} ${p.message}`}>{p.message}</span>
      ))}
    </span>
  );
}

/** The description and the default under a field. */
function Help({ spec, domId }: { spec: Spec; domId: string }) {
  const t = useT();
  if (!spec.description && spec.default === undefined) return null;
  return (
    <span className="field-hint ns-form-help" id={`${domId}-help`}>
      {spec.description && <span className="ns-form-description">{spec.description}</span>}
      {spec.default !== undefined && (
        <span className="ns-form-default">
          {t.rich("namespace.form.default", { code: (chunks) => <code>{chunks}</code>, value: shown(spec.default) })}
        </span>
      )}
    </span>
  );
}

function Required({ spec, row }: { spec: Spec; row?: boolean }) {
  const t = useT();
  if (row || !spec.required || spec.nullable) return null;
  return (
    <span className="ns-form-required" title={t("namespace.form.requiredTitle")}>
      {t("namespace.form.required")}
    </span>
  );
}

function FieldView({
  spec,
  path,
  value,
  context,
  label,
  row,
}: {
  spec: Spec;
  path: Path;
  value: FormValue;
  context: Context;
  /** A row's label ("hosts 2"); else the field's own. */
  label?: string;
  row?: boolean;
}) {
  const t = useT();
  const id = idOf(path);
  const name = label ?? spec.label;
  const domId = `${context.uid}-${id}`;
  const marked = context.invalid.has(id) || context.problems.has(id);
  // A row of a list of values shows no help of its own: the list above it does.
  const helped = (spec.description || spec.default !== undefined) && !(row && spec.kind !== "object" && spec.kind !== "boolean");
  const describedBy = [marked ? `${domId}-error` : "", helped ? `${domId}-help` : ""]
    .filter(Boolean)
    .join(" ");
  const disabled = !context.editable;
  const { change } = context;

  switch (spec.kind) {
    case "object":
      return (
        <fieldset className="ns-form-section" data-testid={`section-${id}`}>
          <legend>
            {name}
            <Required spec={spec} row={row} />
          </legend>
          <Help spec={spec} domId={domId} />
          <div className="ns-form-fields">
            {spec.fields.map((field) => (
              <FieldView
                key={field.name}
                spec={field}
                path={[...path, field.name]}
                value={fieldOf(value, field.name)}
                context={context}
              />
            ))}
          </div>
          <Marks id={id} domId={domId} context={context} />
        </fieldset>
      );
    case "array": {
      const items = spec.items as Spec;
      const rows = Array.isArray(value) ? value : [];
      const remove = (index: number) => {
        change(
          path,
          rows.filter((_, i) => i !== index),
        );
        for (let i = index; i < rows.length; i++) context.markUnreadable(idOf([...path, i]), false);
      };
      return (
        <div className="ns-form-list" role="group" aria-labelledby={`${domId}-label`} data-testid={`list-${id}`}>
          <div className="ns-form-label-row">
            <span className="ns-form-label" id={`${domId}-label`}>
              {name}
            </span>
            <Required spec={spec} row={row} />
          </div>
          <Help spec={spec} domId={domId} />
          {rows.length === 0 ? (
            <p className="muted small ns-form-empty">{t("namespace.form.noRows")}</p>
          ) : (
            <ol className="ns-form-rows">
              {rows.map((item, i) => {
                const rowLabel = t("namespace.form.rowLabel", { name, n: i + 1 });
                return (
                  <li key={i} className="ns-form-row">
                    <FieldView spec={items} path={[...path, i]} value={item} context={context} label={rowLabel} row />
                    {context.editable && (
                      <button
                        type="button"
                        className="button button-small ns-form-remove"
                        aria-label={t("namespace.form.removeRow", { row: rowLabel })}
                        onClick={() => remove(i)}
                      >
                        {t("namespace.form.remove")}
                      </button>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
          {context.editable && (
            <div className="toolbar">
              <button type="button" className="button button-small" onClick={() => change(path, [...rows, emptyRow(items)])}>
                {t("namespace.form.addTo", { name })}
              </button>
            </div>
          )}
          <Marks id={id} domId={domId} context={context} />
        </div>
      );
    }
    case "other":
      return (
        <div className="field ns-form-field" data-testid={`field-${id}`}>
          <span className="ns-form-label">{name}</span>
          <span className="field-hint">{t("namespace.form.otherShape")}</span>
          <Help spec={spec} domId={domId} />
        </div>
      );
    case "boolean": {
      const on = value === "true" || (value === undefined && spec.default === true);
      return (
        <div className={`field ns-form-field${row ? " ns-form-field-row" : ""}`}>
          <div className="ns-form-switch-row">
            <input
              id={domId}
              type="checkbox"
              role="switch"
              className="ns-form-switch"
              data-testid={`field-${id}`}
              checked={on}
              disabled={disabled}
              aria-invalid={context.invalid.has(id) || undefined}
              aria-describedby={describedBy || undefined}
              onChange={(e) => change(path, String(e.target.checked))}
            />
            <label htmlFor={domId}>{name}</label>
            <Required spec={spec} row={row} />
          </div>
          <Marks id={id} domId={domId} context={context} />
          <Help spec={spec} domId={domId} />
        </div>
      );
    }
    default: {
      const current = typeof value === "string" ? value : "";
      const common = {
        id: domId,
        "data-testid": `field-${id}`,
        disabled,
        "aria-invalid": context.invalid.has(id) || undefined,
        "aria-required": (spec.required && !spec.nullable) || undefined,
        "aria-describedby": describedBy || undefined,
      };
      let input;
      let chosenHelp;
      if (spec.kind === "enum") {
        const chosen = spec.choices.find((c) => c.value === current);
        if (chosen?.description) {
          chosenHelp = (
            <span className="field-hint ns-form-choice">
              <code>{chosen.value}</code>: {chosen.description}
            </span>
          );
        }
        input = (
          <select {...common} value={current} onChange={(e) => change(path, e.target.value)}>
            {(current === "" || !spec.required || spec.nullable) && (
              <option value="">
                {spec.default !== undefined ? t("namespace.form.defaultOption", { value: shown(spec.default) }) : t("namespace.form.notSet")}
              </option>
            )}
            {spec.choices.map((c) => (
              <option key={c.value} value={c.value} title={c.description}>
                {c.value}
              </option>
            ))}
            {!chosen && current !== "" && <option value={current}>{t("namespace.form.notAChoice", { value: current })}</option>}
          </select>
        );
      } else if (spec.kind === "integer" || spec.kind === "number") {
        const whole = spec.kind === "integer";
        const inclusive = (b?: { value: number; exclusive: boolean }) => (b && !b.exclusive ? String(b.value) : undefined);
        input = (
          <input
            {...common}
            type="number"
            inputMode={whole ? "numeric" : "decimal"}
            step={whole ? 1 : "any"}
            min={whole ? spec.low?.toString() : inclusive(spec.minimum)}
            max={whole ? spec.high?.toString() : inclusive(spec.maximum)}
            placeholder={spec.default !== undefined ? shown(spec.default) : undefined}
            value={current}
            onChange={(e) => {
              context.markUnreadable(id, e.target.validity.badInput);
              change(path, e.target.value);
            }}
          />
        );
      } else {
        input = (
          <input
            {...common}
            type="text"
            placeholder={spec.default !== undefined ? shown(spec.default) : undefined}
            value={current}
            onChange={(e) => change(path, e.target.value)}
          />
        );
      }
      return (
        <div className={`field ns-form-field${row ? " ns-form-field-row" : ""}`}>
          {row ? (
            <label htmlFor={domId} className="visually-hidden">
              {name}
            </label>
          ) : (
            <div className="ns-form-label-row">
              <label htmlFor={domId}>{name}</label>
              <Required spec={spec} />
            </div>
          )}
          {input}
          <Marks id={id} domId={domId} context={context} />
          {!row && <Help spec={spec} domId={domId} />}
          {chosenHelp}
        </div>
      );
    }
  }
}

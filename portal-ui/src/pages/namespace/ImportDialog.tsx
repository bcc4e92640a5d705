// Importing a file into the namespace: new keys are added, existing ones follow the policy.
import { useId, useState, type FormEvent } from "react";
import { ApiError, api, messageOf, query, type Imported } from "../../api/client";
import { Field } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
import { at, count, useStable, type Where } from "./model";

type Policy = "abort" | "skip" | "overwrite";

const POLICIES: { id: Policy; label: string; hint: string }[] = [
  { id: "abort", label: "Stop if a key exists", hint: "Nothing is imported when the namespace has any of the file's keys." },
  { id: "skip", label: "Keep existing values", hint: "Only keys the namespace lacks are added." },
  { id: "overwrite", label: "Overwrite existing values", hint: "Keys the namespace has take the file's values." },
];

const ACCEPT: Record<string, string> = {
  properties: ".properties,.txt,text/plain",
  yaml: ".yaml,.yml",
  yml: ".yaml,.yml",
  json: ".json,application/json",
  xml: ".xml,text/xml,application/xml",
  txt: ".txt,text/plain",
};

export function ImportDialog({
  where,
  format,
  onClose,
  onImported,
}: {
  where: Where;
  format: string;
  onClose: () => void;
  onImported: () => Promise<void>;
}) {
  const id = useId();
  const toast = useToast();
  const close = useStable(onClose);
  const [file, setFile] = useState<File | null>(null);
  const [policy, setPolicy] = useState<Policy>("abort");
  const [busy, setBusy] = useState(false);
  const [fileError, setFileError] = useState<string>();
  const [error, setError] = useState<{ message: string; conflict: boolean }>();
  const [result, setResult] = useState<Imported>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    if (!file) {
      setFileError("Choose a file to import.");
      return;
    }
    setFileError(undefined);
    setBusy(true);
    try {
      const text = await file.text();
      const imported = await api.upload<Imported>(at(where, `/import${query({ policy })}`), text, "text/plain; charset=utf-8");
      setResult(imported);
      const changed = imported.added.length + imported.overwritten.length;
      toast.success(changed ? `Imported ${file.name}: ${count(changed, "key")} changed.` : `Imported ${file.name}: nothing changed.`);
      await onImported();
    } catch (e) {
      setError({ message: messageOf(e), conflict: e instanceof ApiError && e.status === 409 });
    } finally {
      setBusy(false);
    }
  };

  const formId = `${id}-form`;
  return (
    <Dialog
      title={`Import into ${where.namespace}`}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {result ? "Close" : "Cancel"}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {result ? "Import again" : "Import"}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label="File"
          id={`${id}-file`}
          error={fileError}
          hint={format === "properties" ? "A .properties file. Keys missing from it are left alone." : `A ${format} file; it replaces the content.`}
        >
          <input
            id={`${id}-file`}
            type="file"
            accept={ACCEPT[format]}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setResult(undefined);
              setError(undefined);
            }}
          />
        </Field>
        <fieldset className="ns-choice">
          <legend>When a key exists already</legend>
          {POLICIES.map((p) => (
            <label key={p.id} className="check ns-policy">
              <input type="radio" name={`${id}-policy`} value={p.id} checked={policy === p.id} onChange={() => setPolicy(p.id)} />
              <span>
                {p.label}
                <span className="muted small ns-policy-hint">{p.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {error && (
          <div className="alert" role="alert" data-testid="import-error">
            {error.conflict && <p className="ns-alert-title">Nothing was imported.</p>}
            <p>{error.message}</p>
          </div>
        )}
        {result && <ImportResult result={result} />}
      </form>
    </Dialog>
  );
}

function ImportResult({ result }: { result: Imported }) {
  const groups: { label: string; keys: string[]; tone: string }[] = [
    { label: "Added", keys: result.added, tone: "change-added" },
    { label: "Overwritten", keys: result.overwritten, tone: "change-modified" },
    { label: "Skipped (kept)", keys: result.skipped, tone: "ns-skipped" },
  ];
  return (
    <div className="ns-import-result" role="status" data-testid="import-result">
      <p className="ns-alert-title">Imported. Publish to send the changes to clients.</p>
      <dl>
        {groups.map((g) => (
          <div key={g.label} className="ns-import-group">
            <dt>
              <span className={`change ${g.tone}`}>{g.label}</span> <span className="muted small">{g.keys.length}</span>
            </dt>
            <dd className="mono small">{g.keys.length ? g.keys.join(", ") : <span className="muted">none</span>}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

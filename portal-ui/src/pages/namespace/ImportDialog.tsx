// Importing a file into the namespace: new keys are added, existing ones follow the policy.
import { useId, useState, type FormEvent } from "react";
import { ApiError, api, messageOf, query, type Imported } from "../../api/client";
import { Field } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
import { msg, useFormat, useT, type MessageId } from "../../i18n";
import { at, useStable, type Where } from "./model";

type Policy = "abort" | "skip" | "overwrite";

const POLICIES: { id: Policy; label: MessageId; hint: MessageId }[] = [
  { id: "abort", label: msg("namespace.import.abort"), hint: msg("namespace.import.abortHint") },
  { id: "skip", label: msg("namespace.import.skip"), hint: msg("namespace.import.skipHint") },
  { id: "overwrite", label: msg("namespace.import.overwrite"), hint: msg("namespace.import.overwriteHint") },
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
  const t = useT();
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
      setFileError(t("namespace.import.chooseFile"));
      return;
    }
    setFileError(undefined);
    setBusy(true);
    try {
      const text = await file.text();
      const imported = await api.upload<Imported>(at(where, `/import${query({ policy })}`), text, "text/plain; charset=utf-8");
      setResult(imported);
      const changed = imported.added.length + imported.overwritten.length;
      toast.success(t("namespace.import.done", { name: file.name, count: changed }));
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
      title={t("namespace.import.title", { namespace: where.namespace })}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {result ? t("namespace.dialog.close") : t("namespace.dialog.cancel")}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {result ? t("namespace.import.again") : t("namespace.import.submit")}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        <Field
          label={t("namespace.import.file")}
          id={`${id}-file`}
          error={fileError}
          hint={format === "properties" ? t("namespace.import.fileHintProperties") : t("namespace.import.fileHint", { format })}
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
          <legend>{t("namespace.import.policy")}</legend>
          {POLICIES.map((p) => (
            <label key={p.id} className="check ns-policy">
              <input type="radio" name={`${id}-policy`} value={p.id} checked={policy === p.id} onChange={() => setPolicy(p.id)} />
              <span>
                {t(p.label)}
                <span className="muted small ns-policy-hint">{t(p.hint)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {error && (
          <div className="alert" role="alert" data-testid="import-error">
            {error.conflict && <p className="ns-alert-title">{t("namespace.import.nothingImported")}</p>}
            <p>{error.message}</p>
          </div>
        )}
        {result && <ImportResult result={result} />}
      </form>
    </Dialog>
  );
}

function ImportResult({ result }: { result: Imported }) {
  const t = useT();
  const f = useFormat();
  const groups: { label: MessageId; keys: string[]; tone: string }[] = [
    { label: msg("namespace.import.added"), keys: result.added, tone: "change-added" },
    { label: msg("namespace.import.overwritten"), keys: result.overwritten, tone: "change-modified" },
    { label: msg("namespace.import.skipped"), keys: result.skipped, tone: "ns-skipped" },
  ];
  return (
    <div className="ns-import-result" role="status" data-testid="import-result">
      <p className="ns-alert-title">{t("namespace.import.imported")}</p>
      <dl>
        {groups.map((g) => (
          <div key={g.label} className="ns-import-group">
            <dt>
              <span className={`change ${g.tone}`}>{t(g.label)}</span> <span className="muted small">{f.number(g.keys.length)}</span>
            </dt>
            <dd className="mono small">
              {g.keys.length ? g.keys.join(t("namespace.common.separator")) : <span className="muted">{t("namespace.import.none")}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

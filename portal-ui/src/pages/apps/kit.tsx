// Small pieces shared by the app and operations pages: copy buttons, confirmations, choice
// chips, the environments, downloads, and mapping API errors onto form fields.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { ApiError, api, messageOf } from "../../api/client";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { currentLocale, useT } from "../../i18n";

/** Copies `text` to the clipboard; answers whether it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall back to a hidden text area below.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  document.body.removeChild(area);
  return ok;
}

/**
 * A value shown once (a token, a secret): what it is, the value with a copy button, and a button
 * to put it away. `testId` and `valueTestId` name the panel and the value for tests.
 */
export function ShownOnce({
  label,
  title,
  value,
  copyLabel,
  what,
  testId,
  valueTestId,
  onDone,
  children,
}: {
  label: string;
  title: ReactNode;
  value: string;
  copyLabel: string;
  what: string;
  testId: string;
  valueTestId: string;
  onDone: () => void;
  children: ReactNode;
}) {
  const t = useT();
  return (
    <div className="token-panel" role="region" aria-label={label} data-testid={testId}>
      <div className="token-panel-text">
        <h2>{title}</h2>
        {children}
      </div>
      <div className="token-box">
        <code className="mono token-value" data-testid={valueTestId}>
          {value}
        </code>
        <CopyButton text={value} label={copyLabel} what={what} />
      </div>
      <button type="button" className="button button-small" onClick={onDone}>
        {t("apps.kit.copiedIt")}
      </button>
    </div>
  );
}

/** A button that copies `text`, says so for a moment, and falls back to selecting it. */
export function CopyButton({ text, label, what }: { text: string; label?: string; what?: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const toast = useToast();
  const timer = useRef<number>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <button
      type="button"
      className="button button-small"
      onClick={async () => {
        if (await copyText(text)) {
          setCopied(true);
          const copiedWhat = what ?? t("apps.kit.text");
          toast.success(t("apps.kit.copiedToClipboard", { what: copiedWhat }));
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => setCopied(false), 2000);
        } else {
          toast.error(t("apps.kit.copyFailed"));
        }
      }}
    >
      {copied ? t("apps.kit.copied") : (label ?? t("apps.kit.copy"))}
    </button>
  );
}

/** A confirmation before a destructive or important action; shows the action's error in place. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("apps.common.cancel")}
          </button>
          <button
            type="button"
            data-autofocus
            className={`button ${danger ? "button-danger-solid" : "button-primary"}`}
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(undefined);
              try {
                await onConfirm();
              } catch (e) {
                setError(messageOf(e));
                setBusy(false);
              }
            }}
          >
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {confirmLabel}
          </button>
        </>
      }
    >
      <div className="kit-confirm">{children}</div>
      {error && (
        <p className="alert alert-inline" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

/** A row of mutually exclusive choices, as pressed-or-not buttons (wraps in a narrow window). */
export function Chips<T extends string>({
  label,
  options,
  value,
  onChange,
  testId,
}: {
  label: string;
  options: { id: T; label: ReactNode; title?: string }[];
  value: T;
  onChange: (id: T) => void;
  testId?: string;
}) {
  return (
    <div className="chips" role="group" aria-label={label} data-testid={testId}>
      {options.map((o) => (
        <button
          key={o.id}
          type="button"
          className={`chip${o.id === value ? " chip-current" : ""}`}
          aria-pressed={o.id === value}
          title={o.title}
          onClick={() => onChange(o.id)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** Radio buttons with a line of explanation each. */
export function Choices<T extends string>({
  legend,
  name,
  options,
  value,
  onChange,
}: {
  legend: string;
  name: string;
  options: { id: T; label: string; hint?: string; disabled?: boolean }[];
  value: T;
  onChange: (id: T) => void;
}) {
  return (
    <fieldset className="choices">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.id} className={`choice${o.id === value ? " choice-current" : ""}${o.disabled ? " choice-disabled" : ""}`}>
          <input type="radio" name={name} value={o.id} checked={o.id === value} disabled={o.disabled} onChange={() => onChange(o.id)} />
          <span>
            <span className="choice-label">{o.label}</span>
            {o.hint && <span className="choice-hint">{o.hint}</span>}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** The environments the portal serves, in configured order. */
export function useEnvNames(): { envs: string[]; error?: string } {
  const status = useAsync(() => api.systemStatus(), []);
  return { envs: status.data?.envs.map((e) => e.name) ?? [], error: status.error };
}

/** Fetches `path` and saves the answer as a file (its name from the answer, else `fallback`). */
export async function download(path: string, fallback: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: "same-origin" });
  } catch {
    // As the API client does: the English words for scripts; `messageOf` says it in the user's language.
    throw new ApiError(0, "network", "the portal cannot be reached; check your connection and try again");
  }
  if (!response.ok) {
    let message = `the portal answered ${response.status} ${response.statusText}`;
    let code = "http_error";
    let body: Record<string, unknown> | undefined;
    try {
      const json = (await response.json()) as { code?: string; message?: string };
      message = json.message ?? message;
      code = json.code ?? code;
      body = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : undefined;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, code, message, body);
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallback;
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/**
 * Splits an API error into the form field it is about (found by `fields`: a field and the
 * words that name it in a message) and the rest.
 */
export function fieldError<F extends string>(error: unknown, fields: [F, RegExp][]): { field?: F; message: string } {
  const message = messageOf(error);
  if (error instanceof ApiError && (error.status === 400 || error.status === 409)) {
    // The words that name a field are the API's (English); in another language the message shown
    // is a translation, so look in the API's own words.
    const words = currentLocale() === "en" ? message : error.message;
    for (const [field, pattern] of fields) {
      if (pattern.test(words)) {
        return { field, message };
      }
    }
  }
  return { message };
}

/** Runs an action with a busy flag and an error of its own (shown where it happened). */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** A spinner inside a primary button while its action runs. */
export function BusyLabel({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <>
      {busy && <span className="spinner spinner-light" aria-hidden="true" />}
      {children}
    </>
  );
}

/** A value that follows `value` after it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** A stable id for a form field, with a readable prefix. */
export function useFieldId(prefix: string): string {
  return `${prefix}-${useId().replace(/:/g, "")}`;
}

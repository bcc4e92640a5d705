// Small building blocks every page uses.
import type { ReactNode } from "react";
import { translate, useFormat, useT } from "../i18n";

/** A spinner with a label, for a page or section being loaded. */
export function Loading({ label }: { label?: string }) {
  const t = useT();
  return (
    <div className="empty" role="status">
      <span className="spinner" aria-hidden="true" /> {label ?? t("common.loading")}
    </div>
  );
}

/** What a page shows when there is nothing yet, with what to do about it. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children && <p className="muted">{children}</p>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

/** An error message in place. */
export function ErrorNote({ error }: { error?: string }) {
  if (!error) {
    return null;
  }
  return (
    <p className="alert" role="alert">
      {error}
    </p>
  );
}

/** A labelled form field; `hint` and `error` are announced with it. */
export function Field({
  label,
  hint,
  error,
  children,
  id,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: ReactNode;
  id: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error && <span className="field-hint">{hint}</span>}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Page title, description and actions. */
export function PageHeader({ title, children, actions, crumbs }: { title: ReactNode; children?: ReactNode; actions?: ReactNode; crumbs?: ReactNode }) {
  const t = useT();
  return (
    <div className="page-header">
      <div className="page-title">
        {crumbs && <nav className="crumbs" aria-label={t("common.breadcrumbs")}>{crumbs}</nav>}
        <h1>{title}</h1>
        {children && <p className="muted">{children}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

/** Tabs that switch a section of a page. */
export function Tabs<T extends string>({
  tabs,
  current,
  onChange,
  label,
}: {
  tabs: { id: T; label: ReactNode }[];
  current: T;
  onChange: (id: T) => void;
  label: string;
}) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          aria-selected={tab.id === current}
          className={`tab${tab.id === current ? " tab-current" : ""}`}
          onClick={() => onChange(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

/** Previous / next for a paged list. */
export function Pager({ page, size, total, onPage }: { page: number; size: number; total: number; onPage: (page: number) => void }) {
  const t = useT();
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) {
    return null;
  }
  return (
    <div className="pager">
      <button type="button" className="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        {t("common.pager.previous")}
      </button>
      <span className="muted small">{t("common.pager.page", { page: page + 1, pages })}</span>
      <button type="button" className="button" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)}>
        {t("common.pager.next")}
      </button>
    </div>
  );
}

/** A short, readable time in the user's language: "14:02" today, else "8 Dec 2026, 14:02"; the title says how long ago. */
export function When({ at }: { at: string }) {
  const f = useFormat();
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) {
    return <span>{at}</span>;
  }
  const today = new Date().toDateString() === date.toDateString();
  return (
    <time dateTime={at} title={`${f.dateTimeLong(date)} (${f.relative(date)})`}>
      {today ? f.time(date) : f.dateTime(date)}
    </time>
  );
}

/** What every sealed (encrypted) secret value starts with: `lyre:v1:<key id>:<base64url>`. */
export const SEALED_PREFIX = "lyre:v1:";

/** Whether `value` is a secret item's sealed value (never shown to people). */
export function isSealed(value: string | null | undefined): boolean {
  return typeof value === "string" && value.startsWith(SEALED_PREFIX);
}

/** Every sealed value inside `text` (an audit detail, a line of text), masked. */
export function maskSealed(text: string): string {
  return text.replace(/lyre:v1:[A-Za-z0-9_:-]*/g, `•••••• (${translate("common.secret.word")})`);
}

/** A small padlock. */
function Lock() {
  return (
    <svg className="secret-lock" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}

/**
 * A secret value in place of its sealed form: a padlock, dots and the word "secret". With
 * `changed`, marks a secret whose value differs from the one it is compared with.
 */
export function SecretValue({ changed }: { changed?: boolean }) {
  const t = useT();
  return (
    <span className="secret-value" title={t("common.secret.title")}>
      <Lock />
      <span className="secret-dots" aria-hidden="true">
        ••••••
      </span>{" "}
      <span className="secret-word">{t("common.secret.word")}</span>
      {changed && (
        <>
          {" "}
          <span className="change change-modified secret-changed">{t("common.secret.changed")}</span>
        </>
      )}
    </span>
  );
}

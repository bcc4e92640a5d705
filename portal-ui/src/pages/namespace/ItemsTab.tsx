// Table mode: the items in order, what changed since the latest release, and editing one item
// at a time.
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import {
  ApiError,
  api,
  messageOf,
  wordsOf,
  query,
  type Item,
  type KeyChange,
  type RevealedSecret,
  type SchemaProblem,
  type UnpublishedChanges,
} from "../../api/client";
import { EmptyState, ErrorNote, Field, SecretValue, When, isSealed } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { msg, useT, type MessageId } from "../../i18n";
import { at, useStable, type Permissions, type Where } from "./model";

const MARK: Record<string, MessageId> = {
  added: msg("namespace.items.markAdded"),
  modified: msg("namespace.items.markModified"),
  deleted: msg("namespace.items.markDeleted"),
};

/** How long a revealed secret value stays in view. */
const REVEAL_MS = 30_000;

/** Whether an item is secret: its value is sealed, never the plain value. */
function isSecret(item: Item): boolean {
  return Boolean(item.secret) || isSealed(item.value);
}

export function ItemsTab({
  where,
  items,
  changes,
  perms,
  onChanged,
}: {
  where: Where;
  items: Item[];
  changes: UnpublishedChanges;
  perms: Permissions;
  onChanged: () => Promise<void>;
}) {
  const t = useT();
  const toast = useToast();
  const [filter, setFilter] = useState("");
  const [dialog, setDialog] = useState<{ kind: "add" } | { kind: "edit" | "delete"; item: Item } | null>(null);

  const byKey = useMemo(() => new Map(changes.changes.map((c) => [c.key, c])), [changes]);
  // Where the environment checks the schema: what the items would not fit of it, by key.
  const unfit = useAsync(() => api.get<SchemaProblem[]>(at(where, "/schema-check")).catch(() => []), [where, items]);
  const unfitByKey = useMemo(() => {
    const found = new Map<string, string[]>();
    for (const p of unfit.data ?? []) found.set(p.at, [...(found.get(p.at) ?? []), p.message]);
    return found;
  }, [unfit.data]);
  const deleted = changes.changes.filter((c) => c.kind === "deleted");
  const added = changes.changes.filter((c) => c.kind === "added").length;
  const modified = changes.changes.filter((c) => c.kind === "modified").length;

  const needle = filter.trim().toLowerCase();
  const matches = (...texts: (string | null | undefined)[]) => !needle || texts.some((text) => text?.toLowerCase().includes(needle));
  // A secret's sealed form is not something people look for.
  const shown = items.filter((i) => matches(i.key, isSecret(i) ? undefined : i.value, i.comment));
  const shownDeleted = deleted.filter((c) => matches(c.key, isSealed(c.oldValue) ? undefined : c.oldValue));

  const parts: string[] = [];
  if (added) parts.push(t("namespace.items.added", { count: added }));
  if (modified) parts.push(t("namespace.items.modified", { count: modified }));
  if (deleted.length) parts.push(t("namespace.items.deleted", { count: deleted.length }));
  const base = changes.baseRelease;
  const itemCount = t("namespace.items.count", { count: items.length });
  const summary =
    parts.length > 0
      ? base
        ? t("namespace.items.summarySince", { items: itemCount, changes: parts.join(t("namespace.common.separator")), title: base.title })
        : t("namespace.items.summaryUnreleased", { items: itemCount, changes: parts.join(t("namespace.common.separator")) })
      : base
        ? t("namespace.items.summaryPublished", { items: itemCount })
        : itemCount;

  return (
    <div className="card ns-card">
      <div className="section-header ns-section-header">
        <div>
          <h2>{t("namespace.tabs.items")}</h2>
          <p className="muted small" data-testid="items-summary">
            {summary}
          </p>
        </div>
        <div className="toolbar">
          {items.length > 0 && (
            <input
              className="input ns-filter"
              type="search"
              aria-label={t("namespace.items.filter")}
              placeholder={t("namespace.items.filterPlaceholder")}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
          )}
          <button
            type="button"
            className="button button-primary"
            onClick={() => setDialog({ kind: "add" })}
            disabled={!perms.modify}
            title={perms.modify ? undefined : t("namespace.page.noModifyRole")}
          >
            {t("namespace.items.add")}
          </button>
        </div>
      </div>

      {items.length === 0 && deleted.length === 0 ? (
        <EmptyState
          title={t("namespace.items.noneTitle")}
          action={
            perms.modify ? (
              <button type="button" className="button" onClick={() => setDialog({ kind: "add" })}>
                {t("namespace.items.addFirst")}
              </button>
            ) : undefined
          }
        >
          {t("namespace.items.noneHint")}
        </EmptyState>
      ) : shown.length === 0 && shownDeleted.length === 0 ? (
        <EmptyState title={t("namespace.items.noMatch")} />
      ) : (
        <table className="table ns-items">
          <thead>
            <tr>
              <th scope="col">{t("namespace.items.key")}</th>
              <th scope="col">{t("namespace.items.value")}</th>
              <th scope="col">{t("namespace.items.comment")}</th>
              <th scope="col">{t("namespace.items.lastChanged")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("namespace.items.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((item) => {
              const change = byKey.get(item.key);
              return (
                <tr key={item.key} className={change ? `ns-row-${change.kind}` : undefined} data-testid={`item-${item.key}`}>
                  <td data-label={t("namespace.items.key")}>
                    <span className="mono ns-key">{item.key}</span>
                    {change && <ChangeMark change={change} />}
                    {unfitByKey.has(item.key) && (
                      <span className="pill pill-warn ns-unfit" data-testid={`unfit-${item.key}`} title={unfitByKey.get(item.key)?.join("; ")}>
                        {t("namespace.items.unfit", { problems: unfitByKey.get(item.key)?.join("; ") })}
                      </span>
                    )}
                  </td>
                  <td data-label={t("namespace.items.value")} className="mono value-cell">
                    {isSecret(item) ? (
                      <SecretCell key={`${item.key}@${item.version}`} where={where} item={item} />
                    ) : item.value === "" ? (
                      <span className="muted">{t("namespace.items.empty")}</span>
                    ) : (
                      item.value
                    )}
                  </td>
                  <td data-label={t("namespace.items.comment")} className="ns-comment-cell">
                    {item.comment || <span className="muted">—</span>}
                  </td>
                  <td data-label={t("namespace.items.lastChanged")} className="ns-when">
                    <span>{item.updatedBy}</span>
                    <span className="muted small">
                      <When at={item.updatedAt} />
                    </span>
                  </td>
                  <td className="ns-row-actions">
                    <div className="toolbar row-actions">
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={t("namespace.items.editKey", { key: item.key })}
                        onClick={() => setDialog({ kind: "edit", item })}
                        disabled={!perms.modify}
                      >
                        {t("namespace.items.edit")}
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger"
                        aria-label={t("namespace.items.deleteKey", { key: item.key })}
                        onClick={() => setDialog({ kind: "delete", item })}
                        disabled={!perms.modify}
                      >
                        {t("namespace.items.delete")}
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
            {shownDeleted.map((c) => (
              <tr key={`deleted-${c.key}`} className="ns-row-deleted" data-testid={`item-${c.key}`}>
                <td data-label={t("namespace.items.key")}>
                  <span className="mono ns-key ns-gone">{c.key}</span>
                  <ChangeMark change={c} />
                </td>
                <td data-label={t("namespace.items.value")} className="mono value-cell">
                  <span className="ns-gone">{isSealed(c.oldValue) ? <SecretValue /> : c.oldValue}</span>
                </td>
                <td data-label={t("namespace.items.comment")}>
                  <span className="muted">—</span>
                </td>
                <td data-label={t("namespace.items.lastChanged")} className="muted small">
                  {t("namespace.items.deletedUnpublished")}
                </td>
                <td className="ns-row-actions" />
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {changes.changes.length > 0 && (
        <p className="muted small ns-legend">
          {t("namespace.items.legend")}
        </p>
      )}

      {dialog?.kind === "add" && (
        <ItemDialog
          where={where}
          onClose={() => setDialog(null)}
          onSaved={async (item) => {
            setDialog(null);
            toast.success(t("namespace.items.addedToast", { key: item.key }));
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "edit" && (
        <ItemDialog
          where={where}
          item={dialog.item}
          onClose={() => setDialog(null)}
          onSaved={async (item) => {
            setDialog(null);
            toast.success(t("namespace.items.savedToast", { key: item.key }));
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <DeleteDialog
          where={where}
          item={dialog.item}
          onClose={() => setDialog(null)}
          onDeleted={async () => {
            setDialog(null);
            toast.success(t("namespace.items.deletedToast", { key: dialog.item.key }));
            await onChanged();
          }}
        />
      )}
    </div>
  );
}

function ChangeMark({ change }: { change: KeyChange }) {
  const t = useT();
  const title =
    change.kind === "modified"
      ? isSealed(change.oldValue)
        ? isSealed(change.newValue)
          ? t("namespace.items.secretChanged")
          : t("namespace.items.publishedSecret")
        : t("namespace.items.publishedValue", { value: change.oldValue ?? "" })
      : change.kind === "added"
        ? t("namespace.items.notInRelease")
        : t("namespace.items.stillInRelease");
  const mark = MARK[change.kind];
  return (
    <span className={`change change-${change.kind} ns-mark`} title={title}>
      {mark ? t(mark) : change.kind}
    </span>
  );
}

/**
 * A secret item's value: masked, with a button that reveals it (for people with the reveal
 * role; every reveal is recorded) in place for a while.
 */
function SecretCell({ where, item }: { where: Where; item: Item }) {
  const t = useT();
  const [plain, setPlain] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // A revealed value hides again by itself.
  useEffect(() => {
    if (plain === undefined) return;
    const timer = window.setTimeout(() => setPlain(undefined), REVEAL_MS);
    return () => window.clearTimeout(timer);
  }, [plain]);
  const reveal = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const revealed = await api.post<RevealedSecret>(at(where, `/items/${encodeURIComponent(item.key)}/reveal`));
      setPlain(revealed.value);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="secret-cell">
      <div className="secret-line">
        {plain === undefined ? (
          <SecretValue />
        ) : (
          <span className="secret-plain" data-testid={`revealed-${item.key}`}>
            {plain === "" ? <span className="muted">{t("namespace.items.empty")}</span> : plain}
          </span>
        )}
        {plain === undefined ? (
          <button
            type="button"
            className="button button-small secret-toggle"
            aria-label={t("namespace.items.revealKey", { key: item.key })}
            title={t("namespace.items.revealTitle", { seconds: REVEAL_MS / 1000 })}
            onClick={() => void reveal()}
            disabled={busy}
          >
            {busy && <span className="spinner" aria-hidden="true" />}
            {t("namespace.items.reveal")}
          </button>
        ) : (
          <button type="button" className="button button-small secret-toggle" aria-label={t("namespace.items.hideKey", { key: item.key })} onClick={() => setPlain(undefined)}>
            {t("namespace.items.hide")}
          </button>
        )}
      </div>
      {error && (
        <p className="alert alert-inline secret-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Adds an item, or changes one from the version the dialog was opened at. */
function ItemDialog({
  where,
  item,
  onClose,
  onSaved,
}: {
  where: Where;
  item?: Item;
  onClose: () => void;
  onSaved: (item: Item) => Promise<void>;
}) {
  const id = useId();
  const t = useT();
  const close = useStable(onClose);
  const [key, setKey] = useState(item?.key ?? "");
  // A secret's value is never in the page: its field starts empty, and left empty keeps it.
  const [value, setValue] = useState(item && !isSecret(item) ? item.value : "");
  const [secret, setSecret] = useState(item ? isSecret(item) : false);
  const [comment, setComment] = useState(item?.comment ?? "");
  // The version this edit is based on: the item as it was opened, or as it was reloaded.
  const [basis, setBasis] = useState<Item | undefined>(item);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [keyError, setKeyError] = useState<string>();
  const [valueError, setValueError] = useState<string>();
  const wasSecret = basis ? isSecret(basis) : false;
  // A secret item whose value field is left empty keeps its value.
  const unchangedSecret = wasSecret && secret && value === "";
  const [conflict, setConflict] = useState<string>();
  const [reloaded, setReloaded] = useState(false);
  // What the value would not fit of the schema (where the environment checks it), as it is typed.
  const checkedKey = item?.key ?? key.trim();
  const [unfit, setUnfit] = useState<string[]>([]);
  useEffect(() => {
    if (!checkedKey || unchangedSecret) {
      setUnfit([]);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api
        .post<SchemaProblem[]>(at(where, "/item-check"), { key: checkedKey, value })
        .then((problems) => live && setUnfit(problems.filter((p) => p.at === checkedKey).map((p) => p.message)))
        .catch(() => {});
    }, 400);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [where, checkedKey, value, unchangedSecret]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setError(undefined);
    setKeyError(undefined);
    setValueError(undefined);
    if (!item && !key.trim()) {
      setKeyError(t("namespace.items.keyMissing"));
      return;
    }
    if (item && wasSecret && !secret && value === "") {
      setValueError(t("namespace.items.plainValueMissing"));
      return;
    }
    setBusy(true);
    try {
      const saved = item
        ? await api.put<Item>(at(where, `/items/${encodeURIComponent(item.key)}`), {
            // Sent back as it is, the sealed value stays.
            value: unchangedSecret && basis ? basis.value : value,
            comment,
            version: basis?.version,
            ...(secret !== wasSecret ? { secret } : {}),
          })
        : await api.post<Item>(at(where, "/items"), { key: key.trim(), value, comment, secret });
      await onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.code === "changed" && item) {
        setConflict(wordsOf(e));
        setReloaded(false);
      } else if (
        e instanceof ApiError &&
        !item &&
        (e.code === "already_exists" || (e.status === 400 && /key/i.test(e.message) && !/secret/i.test(e.message)))
      ) {
        setKeyError(wordsOf(e));
      } else {
        setError(messageOf(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const reloadTheirs = async () => {
    if (!item) return;
    setBusy(true);
    try {
      const latest = await api.get<Item>(at(where, `/items/${encodeURIComponent(item.key)}`));
      setBasis(latest);
      setReloaded(true);
      setConflict(undefined);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const formId = `${id}-form`;
  return (
    <Dialog
      title={item ? t("namespace.items.editKey", { key: item.key }) : t("namespace.items.addTitle")}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("namespace.dialog.cancel")}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {item ? t("namespace.items.save") : t("namespace.items.addSubmit")}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        {conflict && (
          <div className="alert ns-conflict" role="alert">
            <p className="ns-alert-title">{t("namespace.items.conflict")}</p>
            <p>{conflict}</p>
            <button type="button" className="button button-small" onClick={() => void reloadTheirs()} disabled={busy}>
              {t("namespace.items.loadTheirs")}
            </button>
          </div>
        )}
        {reloaded && basis && (
          <p className="notice" role="status">
            {t.rich("namespace.items.reloaded", {
              value: isSecret(basis) ? <SecretValue /> : <code>{basis.value || t("namespace.items.empty")}</code>,
              by: basis.updatedBy,
              when: <When at={basis.updatedAt} />,
              next: unchangedSecret ? "keep" : "replace",
            })}
          </p>
        )}
        {item ? (
          <div className="field">
            <span>{t("namespace.items.key")}</span>
            <code className="ns-fixed-key">{item.key}</code>
          </div>
        ) : (
          <Field label={t("namespace.items.key")} id={`${id}-key`} error={keyError} hint={t("namespace.items.keyHint")}>
            <input
              id={`${id}-key`}
              className="mono"
              value={key}
              aria-invalid={keyError ? true : undefined}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => {
                setKey(e.target.value);
                setKeyError(undefined);
              }}
            />
          </Field>
        )}
        <Field
          label={t("namespace.items.value")}
          id={`${id}-value`}
          error={valueError}
          hint={wasSecret && secret ? t("namespace.items.valueHintSecret") : t("namespace.items.valueHint")}
        >
          <textarea
            id={`${id}-value`}
            className="mono ns-value-input"
            value={value}
            placeholder={wasSecret ? (secret ? t("namespace.items.unchangedSecret") : t("namespace.items.newPlainValue")) : undefined}
            aria-invalid={unfit.length > 0 || valueError ? true : undefined}
            spellCheck={false}
            autoComplete="off"
            rows={Math.min(12, Math.max(3, value.split("\n").length + 1))}
            onChange={(e) => {
              setValue(e.target.value);
              setValueError(undefined);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void submit();
              }
            }}
          />
        </Field>
        {unfit.length > 0 && (
          <div className="notice notice-warn" role="status" data-testid="item-schema-problems">
            <span className="ns-error-at">{t("namespace.schema.unfit")}</span>
            <ul>
              {unfit.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          </div>
        )}
        <div className="secret-field">
          <label className="check">
            <input
              type="checkbox"
              checked={secret}
              aria-describedby={`${id}-secret-hint`}
              onChange={(e) => {
                setSecret(e.target.checked);
                setValueError(undefined);
              }}
            />
            {t("namespace.items.secret")}
          </label>
          <span id={`${id}-secret-hint`} className="field-hint">
            {t("namespace.items.secretHint")}
          </span>
        </div>
        {wasSecret && !secret && (
          <p className="notice notice-warn" role="status" data-testid="secret-to-plain">
            {t("namespace.items.toPlain", { key: item?.key ?? "" })}
          </p>
        )}
        <Field label={t("namespace.items.comment")} id={`${id}-comment`}>
          <input id={`${id}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} autoComplete="off" />
        </Field>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

function DeleteDialog({
  where,
  item,
  onClose,
  onDeleted,
}: {
  where: Where;
  item: Item;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  const t = useT();
  const close = useStable(onClose);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.del(at(where, `/items/${encodeURIComponent(item.key)}${query({ version: item.version })}`));
      await onDeleted();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={t("namespace.items.deleteTitle", { key: item.key })}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("namespace.dialog.cancel")}
          </button>
          <button type="button" className="button button-danger" onClick={() => void remove()} disabled={busy}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {t("namespace.items.delete")}
          </button>
        </>
      }
    >
      <div className="form-grid">
        <p className="ns-dialog-text">
          <code>{item.key}</code> = {isSecret(item) ? <SecretValue /> : <code>{item.value || t("namespace.items.empty")}</code>}
        </p>
        <p className="muted ns-dialog-text">
          {t("namespace.items.deleteHint")}
        </p>
        <ErrorNote error={error} />
      </div>
    </Dialog>
  );
}

import { useState, type FormEvent, type ReactNode } from "react";
import { api, messageOf, type App, type ConsumerGrant, type ConsumerView, type Page } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, PageHeader, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useT, type Translate } from "../../i18n";
import { Link, path } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { BusyLabel, ConfirmDialog, ShownOnce, fieldError, useDebounced, useEnvNames, useFieldId } from "../apps/kit";
import "../apps/apps.css";
import "./ops.css";

/** The token of a consumer, shown once after it was made. */
type Fresh = { name: string; token: string; rotated: boolean };

/** CI consumers: tokens for pipelines to use the Open API. */
export function ConsumersPage() {
  const t = useT();
  const { me } = useSession();
  const toast = useToast();
  const consumers = useAsync(() => api.get<ConsumerView[]>("/api/v1/consumers"), []);
  const [creating, setCreating] = useState(false);
  const [fresh, setFresh] = useState<Fresh>();
  const [rotating, setRotating] = useState<ConsumerView>();
  const [deleting, setDeleting] = useState<ConsumerView>();
  const list = consumers.data ?? [];
  const adopt = async (c: ConsumerView) => {
    try {
      await api.post<ConsumerView>(`/api/v1/consumers/${c.id}/adopt`);
      toast.success(t("ops.consumers.adopted", { name: c.name }));
      await consumers.reload();
    } catch (e) {
      toast.error(messageOf(e));
    }
  };

  return (
    <section className="ops-page">
      <PageHeader
        title={t("ops.consumers.title")}
        actions={
          list.length > 0 && (
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              {t("ops.consumers.create")}
            </button>
          )
        }
      >
        {me.superAdmin
          ? t.rich("ops.consumers.introSuperAdmin", { code: (chunks) => <code>{chunks}</code> })
          : t.rich("ops.consumers.introOwner", { code: (chunks) => <code>{chunks}</code> })}
      </PageHeader>

      {fresh && <TokenPanel fresh={fresh} onDone={() => setFresh(undefined)} />}

      <ErrorNote error={consumers.error} />
      {!consumers.data && consumers.loading && <Loading label={t("ops.consumers.loading")} />}
      {consumers.data && list.length === 0 && (
        <EmptyState
          title={t("ops.consumers.empty")}
          action={
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              {t("ops.consumers.create")}
            </button>
          }
        >
          {t.rich("ops.consumers.emptyHint", { code: (chunks) => <code>{chunks}</code> })}
        </EmptyState>
      )}
      {list.length > 0 && (
        <ul className="consumer-list">
          {list.map((c) => (
            <li key={c.id} className="card consumer-card" data-testid={`consumer-${c.name}`}>
              <div className="consumer-head">
                <div className="consumer-title">
                  <h2 className="consumer-name">{c.name}</h2>
                  {c.comment && <p className="muted small">{c.comment}</p>}
                </div>
                <div className="toolbar">
                  {c.lapsed && c.createdBy !== me.username ? (
                    <button type="button" className="button button-small button-primary" onClick={() => void adopt(c)}>
                      {t("ops.consumers.adopt")}
                    </button>
                  ) : (
                    <>
                      <button type="button" className="button button-small" onClick={() => setRotating(c)}>
                        {t("ops.consumers.rotate")}
                      </button>
                      <button type="button" className="button button-small button-danger" onClick={() => setDeleting(c)}>
                        {t("ops.consumers.delete")}
                      </button>
                    </>
                  )}
                </div>
              </div>
              {c.lapsed && (
                <p className="notice notice-warn" role="status">
                  {t("ops.consumers.lapsed", { reason: c.lapsed })}
                </p>
              )}
              <dl className="consumer-facts">
                <div>
                  <dt>{t("ops.consumers.token")}</dt>
                  <dd className="mono">…{c.tokenHint}</dd>
                </div>
                <div>
                  <dt>{t("ops.consumers.rateLimit")}</dt>
                  <dd>{t("ops.consumers.perSecond", { rate: c.rateLimit })}</dd>
                </div>
                <div>
                  <dt>{t("ops.consumers.owner")}</dt>
                  <dd>{t.rich("ops.consumers.ownerSince", { user: c.createdBy, when: <When at={c.createdAt} /> })}</dd>
                </div>
              </dl>
              <div className="table-scroll">
                <table className="table grant-table stack-narrow">
                  <thead>
                    <tr>
                      <th scope="col">{t("ops.consumers.app")}</th>
                      <th scope="col">{t("ops.consumers.namespace")}</th>
                      <th scope="col">{t("ops.consumers.environments")}</th>
                      <th scope="col">{t("ops.consumers.may")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.grants.map((g, i) => (
                      <tr key={i}>
                        <td>
                          <Link to={path("apps", g.appId)} className="app-link">
                            {g.appId}
                          </Link>
                        </td>
                        <td className="mono">{g.namespace === "*" ? t("ops.consumers.allNamespaces") : g.namespace}</td>
                        <td>{g.envs && g.envs.length > 0 ? g.envs.join(", ") : t("ops.consumers.allEnvs")}</td>
                        <td>
                          {g.permissions.map((p) => (
                            <span key={p} className={`pill role-${p} pill-gap`}>
                              {permission(t, p)}
                            </span>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </li>
          ))}
        </ul>
      )}

      {creating && (
        <CreateConsumerDialog
          onClose={() => setCreating(false)}
          onCreated={async (created) => {
            setCreating(false);
            setFresh({ name: created.name, token: created.token ?? "", rotated: false });
            await consumers.reload();
          }}
        />
      )}
      {rotating && (
        <ConfirmDialog
          title={t("ops.consumers.rotateTitle", { name: rotating.name })}
          confirmLabel={t("ops.consumers.rotate")}
          onClose={() => setRotating(undefined)}
          onConfirm={async () => {
            const rotated = await api.post<ConsumerView>(`/api/v1/consumers/${rotating.id}/token`);
            setFresh({ name: rotated.name, token: rotated.token ?? "", rotated: true });
            toast.success(t("ops.consumers.rotated", { name: rotated.name }));
            setRotating(undefined);
            await consumers.reload();
          }}
        >
          <p>{t.rich("ops.consumers.rotateBody", { hint: rotating.tokenHint, code: (chunks) => <code>{chunks}</code> })}</p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={t("ops.consumers.deleteTitle", { name: deleting.name })}
          confirmLabel={t("ops.consumers.deleteConfirm")}
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.del(`/api/v1/consumers/${deleting.id}`);
            toast.success(t("ops.consumers.deleted", { name: deleting.name }));
            if (fresh?.name === deleting.name) {
              setFresh(undefined);
            }
            setDeleting(undefined);
            await consumers.reload();
          }}
        >
          <p>{t("ops.consumers.deleteBody")}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function TokenPanel({ fresh, onDone }: { fresh: Fresh; onDone: () => void }) {
  const t = useT();
  return (
    <ShownOnce
      label={t("ops.consumers.newToken")}
      title={t("ops.consumers.copyTitle", { name: fresh.name })}
      value={fresh.token}
      copyLabel={t("ops.consumers.copyToken")}
      what={t("ops.consumers.token")}
      testId="token-panel"
      valueTestId="token-value"
      onDone={onDone}
    >
      <p>
        {t.rich("ops.consumers.tokenBody", { rotated: fresh.rotated ? "yes" : "no", code: (chunks) => <code>{chunks}</code> })}
      </p>
    </ShownOnce>
  );
}

type GrantRow = { appId: string; namespace: string; envs: string[]; modify: boolean; release: boolean };
type ConsumerField = "name" | "rateLimit" | "grants";

function CreateConsumerDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (created: ConsumerView) => Promise<void> }) {
  const t = useT();
  const toast = useToast();
  const { envs } = useEnvNames();
  const [name, setName] = useState("");
  const [comment, setComment] = useState("");
  const [rateLimit, setRateLimit] = useState("20");
  const [rows, setRows] = useState<GrantRow[]>([{ appId: "", namespace: "*", envs: [], modify: true, release: false }]);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<ConsumerField | "form", string>>>({});
  const ids = { name: useFieldId("consumer-name"), comment: useFieldId("consumer-comment"), rate: useFieldId("consumer-rate") };

  const update = (i: number, change: Partial<GrantRow>) => setRows((all) => all.map((r, j) => (j === i ? { ...r, ...change } : r)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: typeof errors = {};
    if (!name.trim()) {
      local.name = t("ops.consumers.nameRequired");
    }
    const limit = Number(rateLimit);
    if (rateLimit.trim() && (!Number.isInteger(limit) || limit < 1)) {
      local.rateLimit = t("ops.consumers.rateInvalid");
    }
    const incomplete = rows.findIndex((r) => !r.appId.trim() || !r.namespace.trim() || (!r.modify && !r.release));
    if (incomplete >= 0) {
      local.grants = t("ops.consumers.grantIncomplete", { n: incomplete + 1 });
    }
    setErrors(local);
    if (Object.keys(local).length > 0) {
      return;
    }
    const grants: ConsumerGrant[] = rows.map((r) => ({
      appId: r.appId.trim(),
      namespace: r.namespace.trim(),
      envs: r.envs,
      permissions: [...(r.modify ? (["modify"] as const) : []), ...(r.release ? (["release"] as const) : [])],
    }));
    setBusy(true);
    try {
      const created = await api.post<ConsumerView>("/api/v1/consumers", {
        name: name.trim(),
        comment: comment.trim() || undefined,
        rateLimit: rateLimit.trim() ? limit : undefined,
        grants,
      });
      toast.success(t("ops.consumers.created", { name: created.name }));
      await onCreated(created);
    } catch (e) {
      const { field, message } = fieldError<ConsumerField>(e, [
        ["grants", /grant|app `|permission/i],
        ["rateLimit", /rate/i],
        ["name", /name|consumer|exists/i],
      ]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("ops.consumers.createTitle")}
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("ops.consumers.cancel")}
          </button>
          <button type="submit" form="consumer-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{t("ops.consumers.create")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="consumer-form" className="form-grid" onSubmit={submit} noValidate>
        <div className="form-row">
          <Field id={ids.name} label={t("ops.consumers.name")} hint={t("ops.consumers.nameHint")} error={errors.name}>
            <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} autoComplete="off" />
          </Field>
          <Field id={ids.rate} label={t("ops.consumers.rateLabel")} error={errors.rateLimit}>
            <input
              id={ids.rate}
              type="number"
              min={1}
              inputMode="numeric"
              value={rateLimit}
              onChange={(e) => setRateLimit(e.target.value)}
              aria-invalid={!!errors.rateLimit || undefined}
            />
          </Field>
        </div>
        <Field id={ids.comment} label={t("ops.consumers.comment")} hint={t("ops.consumers.commentHint")}>
          <input id={ids.comment} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <fieldset className="grant-rows">
          <legend>{t("ops.consumers.grants")}</legend>
          <p className="muted small">{t("ops.consumers.grantsHint")}</p>
          {rows.map((r, i) => (
            <GrantRowEditor
              key={i}
              index={i}
              row={r}
              envs={envs}
              onChange={(change) => update(i, change)}
              onRemove={rows.length > 1 ? () => setRows((all) => all.filter((_, j) => j !== i)) : undefined}
            />
          ))}
          <div>
            <button
              type="button"
              className="button button-small"
              onClick={() => setRows((all) => [...all, { appId: "", namespace: "*", envs: [], modify: true, release: false }])}
            >
              {t("ops.consumers.addGrant")}
            </button>
          </div>
          {errors.grants && (
            <p className="field-error" role="alert">
              {errors.grants}
            </p>
          )}
        </fieldset>
        <ErrorNote error={errors.form} />
      </form>
    </Dialog>
  );
}

function GrantRowEditor({
  index,
  row,
  envs,
  onChange,
  onRemove,
}: {
  index: number;
  row: GrantRow;
  envs: string[];
  onChange: (change: Partial<GrantRow>) => void;
  onRemove?: () => void;
}) {
  const t = useT();
  const n = index + 1;
  const hidden = (chunks: ReactNode[]) => <span className="visually-hidden-apps">{chunks}</span>;
  const appId = useFieldId("grant-app");
  const nsId = useFieldId("grant-ns");
  const listId = useFieldId("grant-apps");
  const search = useDebounced(row.appId.trim(), 200);
  const apps = useAsync(() => api.get<Page<App>>(`/api/v1/apps?search=${encodeURIComponent(search)}&size=10`), [search]);
  return (
    <div className="grant-row" data-testid={`grant-row-${n}`}>
      <div className="grant-row-fields">
        <div className="field">
          <label htmlFor={appId}>
            {t.rich("ops.consumers.grantApp", { n, hidden })}
          </label>
          <input id={appId} list={listId} value={row.appId} onChange={(e) => onChange({ appId: e.target.value })} autoComplete="off" />
          <datalist id={listId}>
            {(apps.data?.items ?? []).map((a) => (
              <option key={a.appId} value={a.appId}>
                {a.name}
              </option>
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={nsId}>
            {t.rich("ops.consumers.grantNamespace", { n, hidden })}
          </label>
          <input id={nsId} value={row.namespace} onChange={(e) => onChange({ namespace: e.target.value })} placeholder={t("ops.consumers.allPlaceholder")} />
        </div>
        <fieldset className="inline-checks">
          <legend>
            {t.rich("ops.consumers.grantEnvs", { n, hidden })}
          </legend>
          {envs.map((e) => (
            <label key={e} className="check">
              <input
                type="checkbox"
                checked={row.envs.includes(e)}
                onChange={(ev) => onChange({ envs: ev.target.checked ? [...row.envs, e] : row.envs.filter((x) => x !== e) })}
              />
              {e}
            </label>
          ))}
        </fieldset>
        <fieldset className="inline-checks">
          <legend>
            {t.rich("ops.consumers.grantMay", { n, hidden })}
          </legend>
          <label className="check">
            <input type="checkbox" checked={row.modify} onChange={(e) => onChange({ modify: e.target.checked })} />
            {permission(t, "modify")}
          </label>
          <label className="check">
            <input type="checkbox" checked={row.release} onChange={(e) => onChange({ release: e.target.checked })} />
            {permission(t, "release")}
          </label>
        </fieldset>
      </div>
      {onRemove && (
        <button type="button" className="button button-small button-quiet" aria-label={t("ops.consumers.removeGrant", { n })} onClick={onRemove}>
          {t("ops.consumers.remove")}
        </button>
      )}
    </div>
  );
}

/** A grant's permission (`modify`, `release`) in words. */
function permission(t: Translate, name: string): string {
  return t("ops.consumers.permission", { permission: name });
}

// Webhooks of an app (its masters') or of the whole installation (the super admin's): the list,
// creating and changing one, its secret shown once, and its deliveries, sent again on demand.
import { useState, type FormEvent, type ReactNode } from "react";
import { api, messageOf, query, type DeliveryView, type Page, type WebhookBody, type WebhookView } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, Pager, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { msg, useT, type MessageId } from "../../i18n";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { BusyLabel, ConfirmDialog, ShownOnce, fieldError, useFieldId } from "../apps/kit";
import "../apps/apps.css";
import "./ops.css";

/** Every event a webhook may hear, by area, with what makes it happen. */
const EVENT_GROUPS: { area: MessageId; kinds: { kind: string; when: MessageId }[] }[] = [
  {
    area: msg("ops.webhooks.areas.releases"),
    kinds: [
      { kind: "release.published", when: msg("ops.webhooks.events.releasePublished") },
      { kind: "release.rolled_back", when: msg("ops.webhooks.events.releaseRolledBack") },
    ],
  },
  {
    area: msg("ops.webhooks.areas.gray"),
    kinds: [
      { kind: "gray.published", when: msg("ops.webhooks.events.grayPublished") },
      { kind: "gray.merged", when: msg("ops.webhooks.events.grayMerged") },
      { kind: "gray.abandoned", when: msg("ops.webhooks.events.grayAbandoned") },
    ],
  },
  {
    area: msg("ops.webhooks.areas.rollouts"),
    kinds: [
      { kind: "rollout.started", when: msg("ops.webhooks.events.rolloutStarted") },
      { kind: "rollout.advanced", when: msg("ops.webhooks.events.rolloutAdvanced") },
      { kind: "rollout.paused", when: msg("ops.webhooks.events.rolloutPaused") },
      { kind: "rollout.resumed", when: msg("ops.webhooks.events.rolloutResumed") },
      { kind: "rollout.aborted", when: msg("ops.webhooks.events.rolloutAborted") },
      { kind: "rollout.halted", when: msg("ops.webhooks.events.rolloutHalted") },
      { kind: "rollout.completed", when: msg("ops.webhooks.events.rolloutCompleted") },
    ],
  },
  {
    area: msg("ops.webhooks.areas.requests"),
    kinds: [
      { kind: "request.opened", when: msg("ops.webhooks.events.requestOpened") },
      { kind: "request.approved", when: msg("ops.webhooks.events.requestApproved") },
      { kind: "request.rejected", when: msg("ops.webhooks.events.requestRejected") },
    ],
  },
];

const ALL = "*";
const DELIVERIES_PAGE = 20;

/** Whose webhooks: an app's, or the installation's (every app's events). */
export type WebhookScope = { kind: "app"; app: string } | { kind: "installation" };

/** A webhook's secret, shown once after it was made. */
type Fresh = { id: number; url: string; secret: string; rotated: boolean };

/** The webhooks under `base` (`/api/v1/apps/{app}/webhooks` or `/api/v1/system/webhooks`). */
export function Webhooks({ base, scope }: { base: string; scope: WebhookScope }) {
  const t = useT();
  const toast = useToast();
  const hooks = useAsync(() => api.get<WebhookView[]>(base), [base]);
  const [editing, setEditing] = useState<WebhookView | "new">();
  const [fresh, setFresh] = useState<Fresh>();
  const [rotating, setRotating] = useState<WebhookView>();
  const [deleting, setDeleting] = useState<WebhookView>();
  const [open, setOpen] = useState<number[]>([]);
  const list = hooks.data ?? [];
  const installation = scope.kind === "installation";
  const toggle = (id: number) => setOpen((all) => (all.includes(id) ? all.filter((x) => x !== id) : [...all, id]));
  const create = (
    <button type="button" className="button button-primary" onClick={() => setEditing("new")}>
      {t("ops.webhooks.create")}
    </button>
  );

  return (
    <section className="webhooks" aria-labelledby="webhooks-title">
      <div className="section-header">
        <div className="section-intro">
          <h2 id="webhooks-title">{installation ? t("ops.webhooks.installationTitle") : t("ops.webhooks.title")}</h2>
          <p className="muted small">
            {installation ? t("ops.webhooks.installationIntro") : t("ops.webhooks.appIntro", { app: scope.app })}
          </p>
        </div>
        {list.length > 0 && create}
      </div>

      {fresh && <SecretPanel fresh={fresh} onDone={() => setFresh(undefined)} />}

      <ErrorNote error={hooks.error} />
      {!hooks.data && hooks.loading && <Loading label={t("ops.webhooks.loading")} />}
      {hooks.data && list.length === 0 && (
        <EmptyState title={t("ops.webhooks.empty")} action={create}>
          {installation ? t("ops.webhooks.installationEmptyHint") : t("ops.webhooks.appEmptyHint", { app: scope.app })}
        </EmptyState>
      )}
      {list.length > 0 && (
        <ul className="webhook-list">
          {list.map((w) => (
            <li key={w.id} className="card webhook-card" data-testid={`webhook-${w.id}`}>
              <div className="webhook-head">
                <div className="webhook-title">
                  <h3 className="webhook-url mono">{w.url}</h3>
                  {w.description && <p className="muted small">{w.description}</p>}
                </div>
                <span className={`pill ${w.enabled ? "pill-ok" : "pill-muted"}`} data-testid="webhook-enabled">
                  {w.enabled ? t("ops.webhooks.enabled") : t("ops.webhooks.disabled")}
                </span>
              </div>
              <dl className="consumer-facts webhook-facts">
                <div className="webhook-events">
                  <dt>{t("ops.webhooks.events")}</dt>
                  <dd>
                    {w.events.includes(ALL) ? (
                      <span className="pill pill-info">{t("ops.webhooks.allEvents")}</span>
                    ) : (
                      w.events.map((e) => (
                        <span key={e} className="pill pill-muted pill-gap mono webhook-kind">
                          {e}
                        </span>
                      ))
                    )}
                  </dd>
                </div>
                <div>
                  <dt>{t("ops.webhooks.secret")}</dt>
                  <dd className="mono">{w.secretHint}</dd>
                </div>
                <div>
                  <dt>{t("ops.webhooks.created")}</dt>
                  <dd>{t.rich("ops.webhooks.createdBy", { user: w.createdBy, when: <When at={w.createdAt} /> })}</dd>
                </div>
                {w.updatedBy && w.updatedBy !== w.createdBy && (
                  <div>
                    <dt>{t("ops.webhooks.lastChangedBy")}</dt>
                    <dd>{w.updatedBy}</dd>
                  </div>
                )}
              </dl>
              <div className="toolbar webhook-actions">
                <button
                  type="button"
                  className="button button-small"
                  aria-expanded={open.includes(w.id)}
                  aria-controls={`webhook-deliveries-${w.id}`}
                  onClick={() => toggle(w.id)}
                >
                  {open.includes(w.id) ? t("ops.webhooks.hideDeliveries") : t("ops.webhooks.deliveries")}
                </button>
                <button type="button" className="button button-small" onClick={() => setEditing(w)}>
                  {t("ops.webhooks.edit")}
                </button>
                <button type="button" className="button button-small" onClick={() => setRotating(w)}>
                  {t("ops.webhooks.rotate")}
                </button>
                <button type="button" className="button button-small button-danger" onClick={() => setDeleting(w)}>
                  {t("ops.webhooks.delete")}
                </button>
              </div>
              {open.includes(w.id) && (
                <Deliveries id={`webhook-deliveries-${w.id}`} base={`${base}/${w.id}`} showApp={installation} />
              )}
            </li>
          ))}
        </ul>
      )}

      {editing && (
        <WebhookDialog
          base={base}
          scope={scope}
          editing={editing === "new" ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={async (saved) => {
            setEditing(undefined);
            if (saved.secret) {
              setFresh({ id: saved.id, url: saved.url, secret: saved.secret, rotated: false });
            }
            await hooks.reload();
          }}
        />
      )}
      {rotating && (
        <ConfirmDialog
          title={t("ops.webhooks.rotateTitle")}
          confirmLabel={t("ops.webhooks.rotate")}
          onClose={() => setRotating(undefined)}
          onConfirm={async () => {
            const rotated = await api.post<WebhookView>(`${base}/${rotating.id}/secret`);
            setFresh({ id: rotated.id, url: rotated.url, secret: rotated.secret ?? "", rotated: true });
            toast.success(t("ops.webhooks.rotated"));
            setRotating(undefined);
            await hooks.reload();
          }}
        >
          <p>
            {t.rich("ops.webhooks.rotateBody", {
              url: rotating.url,
              hint: rotating.secretHint.replace(/^…/, ""),
              code: (chunks) => <code>{chunks}</code>,
            })}
          </p>
          <p className="muted small">{t("ops.webhooks.rotateNote")}</p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={t("ops.webhooks.deleteTitle")}
          confirmLabel={t("ops.webhooks.deleteConfirm")}
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.del(`${base}/${deleting.id}`);
            toast.success(t("ops.webhooks.deleted", { url: deleting.url }));
            if (fresh?.id === deleting.id) {
              setFresh(undefined);
            }
            setOpen((all) => all.filter((x) => x !== deleting.id));
            setDeleting(undefined);
            await hooks.reload();
          }}
        >
          <p>{t.rich("ops.webhooks.deleteBody", { url: deleting.url, code: (chunks) => <code>{chunks}</code> })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function SecretPanel({ fresh, onDone }: { fresh: Fresh; onDone: () => void }) {
  const t = useT();
  const code = (chunks: ReactNode[]) => <code>{chunks}</code>;
  return (
    <ShownOnce
      label={t("ops.webhooks.newSecret")}
      title={t("ops.webhooks.copyTitle")}
      value={fresh.secret}
      copyLabel={t("ops.webhooks.copySecret")}
      what={t("ops.webhooks.secret")}
      testId="webhook-secret"
      valueTestId="webhook-secret-value"
      onDone={onDone}
    >
      <p>{t.rich("ops.webhooks.secretBody", { rotated: fresh.rotated ? "yes" : "no", url: fresh.url, code })}</p>
      <p>{t.rich("ops.webhooks.signature", { code })}</p>
    </ShownOnce>
  );
}

type WebhookField = "url" | "events" | "description";

function WebhookDialog({
  base,
  scope,
  editing,
  onClose,
  onSaved,
}: {
  base: string;
  scope: WebhookScope;
  editing?: WebhookView;
  onClose: () => void;
  onSaved: (saved: WebhookView) => Promise<void>;
}) {
  const t = useT();
  const toast = useToast();
  const [url, setUrl] = useState(editing?.url ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [all, setAll] = useState(editing ? editing.events.includes(ALL) : false);
  const [kinds, setKinds] = useState<string[]>(editing ? editing.events.filter((e) => e !== ALL) : []);
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<WebhookField | "form", string>>>({});
  const ids = {
    url: useFieldId("webhook-url"),
    description: useFieldId("webhook-description"),
    events: useFieldId("webhook-events"),
    eventsError: useFieldId("webhook-events-error"),
    form: useFieldId("webhook-form-error"),
  };
  const title = editing ? t("ops.webhooks.editTitle") : t("ops.webhooks.createTitle");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: typeof errors = {};
    if (!url.trim()) {
      local.url = t("ops.webhooks.urlRequired");
    }
    if (!all && kinds.length === 0) {
      local.events = t("ops.webhooks.eventsRequired");
    }
    setErrors(local);
    if (Object.keys(local).length > 0) {
      reveal(local.url ? "url" : "events");
      return;
    }
    const body: WebhookBody = {
      url: url.trim(),
      events: all ? [ALL] : kinds,
      description: description.trim(),
      enabled,
    };
    setBusy(true);
    try {
      const saved = editing ? await api.put<WebhookView>(`${base}/${editing.id}`, body) : await api.post<WebhookView>(base, body);
      toast.success(editing ? t("ops.webhooks.saved", { url: saved.url }) : t("ops.webhooks.createdToast", { url: saved.url }));
      await onSaved(saved);
    } catch (e) {
      const { field, message } = fieldError<WebhookField>(e, [
        ["events", /`events`|event kind/i],
        ["description", /`description`/i],
        ["url", /`url`|inside the network|resolves|address|\bTLS\b/i],
      ]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
      reveal(field ?? "form");
    }
  };

  // The dialog scrolls: bring the field an error is about into view (and focus it, if it is an input).
  const reveal = (field: WebhookField | "form") =>
    window.requestAnimationFrame(() => {
      const target = document.getElementById(field === "form" ? ids.form : field === "events" ? ids.eventsError : ids[field]);
      if (target instanceof HTMLInputElement) {
        target.focus();
      } else {
        target?.scrollIntoView({ block: "nearest" });
      }
    });

  const note = (chunks: ReactNode[]) => <span className="muted small">{chunks}</span>;
  const toggleKind = (kind: string, on: boolean) => setKinds((now) => (on ? [...now, kind] : now.filter((k) => k !== kind)));

  return (
    <Dialog
      title={title}
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("ops.webhooks.cancel")}
          </button>
          <button type="submit" form="webhook-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{editing ? t("ops.webhooks.save") : t("ops.webhooks.create")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="webhook-form" className="form-grid" onSubmit={submit} noValidate>
        <Field id={ids.url} label={t("ops.webhooks.url")} hint={t("ops.webhooks.urlHint")} error={errors.url}>
          <input
            id={ids.url}
            type="url"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            // i18n-ignore: an example address, the same in every language
            placeholder="https://hooks.example.com/lyre"
            aria-invalid={!!errors.url || undefined}
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
        <Field id={ids.description} label={t("ops.webhooks.description")} hint={t("ops.webhooks.descriptionHint")} error={errors.description}>
          <input
            id={ids.description}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-invalid={!!errors.description || undefined}
          />
        </Field>
        <fieldset className="webhook-event-picker" aria-describedby={ids.events}>
          <legend>{t("ops.webhooks.events")}</legend>
          <p id={ids.events} className="muted small">
            {scope.kind === "installation" ? t("ops.webhooks.hearsEveryApp") : t("ops.webhooks.hearsApp", { app: scope.app })}
          </p>
          <label className="check webhook-all">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
            <span>{t.rich("ops.webhooks.allEventsNote", { note })}</span>
          </label>
          <div className="webhook-event-groups">
            {EVENT_GROUPS.map((g) => (
              <fieldset key={g.area} className="webhook-event-group" disabled={all}>
                <legend>{t(g.area)}</legend>
                {g.kinds.map((k) => (
                  <label key={k.kind} className="check webhook-event-check">
                    <input type="checkbox" checked={all || kinds.includes(k.kind)} onChange={(e) => toggleKind(k.kind, e.target.checked)} />
                    <span>
                      <span className="mono webhook-event-kind">{k.kind}</span> <span className="webhook-event-when">{t(k.when)}</span>
                    </span>
                  </label>
                ))}
              </fieldset>
            ))}
          </div>
          {errors.events && (
            <p id={ids.eventsError} className="field-error" role="alert">
              {errors.events}
            </p>
          )}
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>{t.rich("ops.webhooks.enabledNote", { note })}</span>
        </label>
        <div id={ids.form}>
          <ErrorNote error={errors.form} />
        </div>
      </form>
    </Dialog>
  );
}

const STATE_PILL: Record<string, string> = { delivered: "pill-ok", pending: "pill-warn", failed: "pill-bad" };

/** One webhook's deliveries, newest first, with their answers, bodies and a way to send one again. */
function Deliveries({ id, base, showApp }: { id: string; base: string; showApp: boolean }) {
  const t = useT();
  const toast = useToast();
  const [page, setPage] = useState(0);
  const deliveries = useAsync(() => api.get<Page<DeliveryView>>(`${base}/deliveries${query({ page, size: DELIVERIES_PAGE })}`), [base, page]);
  const [sending, setSending] = useState<number>();
  const items = deliveries.data?.items ?? [];

  const redeliver = async (d: DeliveryView) => {
    setSending(d.id);
    try {
      const again = await api.post<DeliveryView>(`${base}/deliveries/${d.id}/redeliver`);
      toast.success(t("ops.webhooks.redelivered", { event: d.eventId, kind: d.kind, delivery: again.id }));
      if (page === 0) {
        await deliveries.reload();
      } else {
        setPage(0);
      }
    } catch (e) {
      toast.error(messageOf(e));
    } finally {
      setSending(undefined);
    }
  };

  return (
    <div id={id} className="webhook-deliveries" role="region" aria-label={t("ops.webhooks.deliveries")}>
      <div className="section-header webhook-deliveries-head">
        <h4 className="subheading">
          {t("ops.webhooks.deliveries")}
          {deliveries.data && deliveries.data.total > 0 && <span className="muted heading-note"> · {deliveries.data.total}</span>}
        </h4>
        <button
          type="button"
          className="button button-small"
          onClick={() => void deliveries.reload()}
          disabled={deliveries.loading}
          aria-busy={deliveries.loading || undefined}
        >
          {deliveries.loading && deliveries.data && <span className="spinner" aria-hidden="true" />}
          {t("ops.webhooks.refresh")}
        </button>
      </div>
      <ErrorNote error={deliveries.error} />
      {!deliveries.data && deliveries.loading && <Loading label={t("ops.webhooks.loadingDeliveries")} />}
      {deliveries.data && items.length === 0 && (
        <p className="muted small delivery-empty">
          {t("ops.webhooks.noDeliveries")}
        </p>
      )}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="table delivery-table stack-narrow">
            <thead>
              <tr>
                <th scope="col">{t("ops.webhooks.col.event")}</th>
                <th scope="col">{t("ops.webhooks.col.where")}</th>
                <th scope="col">{t("ops.webhooks.col.state")}</th>
                <th scope="col">{t("ops.webhooks.col.http")}</th>
                <th scope="col">{t("ops.webhooks.col.took")}</th>
                <th scope="col">{t("ops.webhooks.col.attempts")}</th>
                <th scope="col">{t("ops.webhooks.col.when")}</th>
                <th scope="col">
                  <span className="visually-hidden-apps">{t("ops.webhooks.col.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-testid={`delivery-${d.id}`}>
                  <td className="stack-full delivery-event">
                    <span className="mono delivery-kind" data-testid="delivery-kind">
                      {d.kind}
                    </span>
                    <span className="muted small delivery-ids">
                      {t("ops.webhooks.deliveryIds", { delivery: d.id, event: d.eventId })}
                    </span>
                    <details className="delivery-body">
                      <summary>{t("ops.webhooks.bodySent")}</summary>
                      <pre className="mono">{pretty(d.body)}</pre>
                    </details>
                  </td>
                  <td data-label={t("ops.webhooks.col.where")} className="delivery-where">
                    {showApp && d.appId && <span className="mono">{d.appId} · </span>}
                    <span className="mono">
                      {[d.env, d.clusterName, d.namespaceName].filter(Boolean).join(" / ") || "—"}
                    </span>
                  </td>
                  <td data-label={t("ops.webhooks.col.state")} className="delivery-state">
                    <span className={`pill ${STATE_PILL[d.state] ?? "pill-muted"}`} data-testid="delivery-state">
                      {t("ops.webhooks.state", { state: d.state })}
                    </span>
                    {d.error && (
                      <p className="delivery-error" data-testid="delivery-error">
                        {d.error}
                      </p>
                    )}
                    {d.state === "pending" && d.nextAttemptAt && (
                      <p className="muted small delivery-next">
                        {t.rich("ops.webhooks.nextAttempt", { when: <When at={d.nextAttemptAt} /> })}
                      </p>
                    )}
                  </td>
                  <td data-label={t("ops.webhooks.col.http")} className="mono" data-testid="delivery-status">
                    {d.status ?? "—"}
                  </td>
                  <td data-label={t("ops.webhooks.col.took")} className="nowrap">
                    {d.attempts > 0 ? t("ops.webhooks.took", { ms: d.durationMs }) : "—"}
                  </td>
                  <td data-label={t("ops.webhooks.col.attempts")}>{d.attempts}</td>
                  <td data-label={t("ops.webhooks.col.when")} className="nowrap">
                    <When at={d.createdAt} />
                    {d.lastAttemptAt && d.attempts > 1 && (
                      <span className="muted small delivery-last">
                        {" "}
                        {t.rich("ops.webhooks.lastTried", { when: <When at={d.lastAttemptAt} /> })}
                      </span>
                    )}
                  </td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={t("ops.webhooks.redeliverLabel", { delivery: d.id, kind: d.kind })}
                      disabled={sending !== undefined}
                      onClick={() => void redeliver(d)}
                    >
                      {sending === d.id ? t("ops.webhooks.queuing") : t("ops.webhooks.redeliver")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deliveries.data && (
        <Pager page={page} size={deliveries.data.size || DELIVERIES_PAGE} total={deliveries.data.total} onPage={setPage} />
      )}
    </div>
  );
}

/** A JSON body, indented; as it is when it is not JSON. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

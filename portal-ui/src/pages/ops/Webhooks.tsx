// Webhooks of an app (its masters') or of the whole installation (the super admin's): the list,
// creating and changing one, its secret shown once, and its deliveries, sent again on demand.
import { useState, type FormEvent } from "react";
import { api, messageOf, query, type DeliveryView, type Page, type WebhookBody, type WebhookView } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, Pager, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { BusyLabel, ConfirmDialog, ShownOnce, fieldError, useFieldId } from "../apps/kit";
import "../apps/apps.css";
import "./ops.css";

/** Every event a webhook may hear, by area, with what makes it happen. */
const EVENT_GROUPS: { area: string; kinds: { kind: string; when: string }[] }[] = [
  {
    area: "Releases",
    kinds: [
      { kind: "release.published", when: "a namespace is published" },
      { kind: "release.rolled_back", when: "a release is rolled back" },
    ],
  },
  {
    area: "Gray",
    kinds: [
      { kind: "gray.published", when: "a gray branch is published" },
      { kind: "gray.merged", when: "a gray branch is merged into main" },
      { kind: "gray.abandoned", when: "a gray branch is abandoned" },
    ],
  },
  {
    area: "Rollouts",
    kinds: [
      { kind: "rollout.started", when: "a staged rollout starts" },
      { kind: "rollout.advanced", when: "it moves to its next step" },
      { kind: "rollout.paused", when: "it is paused" },
      { kind: "rollout.resumed", when: "it is resumed" },
      { kind: "rollout.aborted", when: "it is aborted" },
      { kind: "rollout.halted", when: "it halts on a rejection" },
      { kind: "rollout.completed", when: "it reaches every instance" },
    ],
  },
  {
    area: "Release requests",
    kinds: [
      { kind: "request.opened", when: "a release request is opened" },
      { kind: "request.approved", when: "it is approved" },
      { kind: "request.rejected", when: "it is rejected" },
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
      Create webhook
    </button>
  );

  return (
    <section className="webhooks" aria-labelledby="webhooks-title">
      <div className="section-header">
        <div className="section-intro">
          <h2 id="webhooks-title">{installation ? "Installation webhooks" : "Webhooks"}</h2>
          <p className="muted small">
            {installation
              ? "Each hears the events of every app, and receives them as signed JSON POSTs."
              : `Lyre POSTs the events you choose in ${scope.app}, as signed JSON, to each webhook's address, and tries again until it answers 2xx.`}
          </p>
        </div>
        {list.length > 0 && create}
      </div>

      {fresh && <SecretPanel fresh={fresh} onDone={() => setFresh(undefined)} />}

      <ErrorNote error={hooks.error} />
      {!hooks.data && hooks.loading && <Loading label="Loading webhooks…" />}
      {hooks.data && list.length === 0 && (
        <EmptyState title="No webhooks yet" action={create}>
          {installation ? (
            <>
              A webhook tells another system what happens, as it happens: an installation webhook hears every app's releases,
              rollbacks, gray releases, staged rollouts and release requests. Use one for an audit store or a company-wide chat
              channel; an app's masters add webhooks for their own app on its Webhooks tab.
            </>
          ) : (
            <>
              A webhook tells another system what happens in {scope.app}, as it happens: a release is published or rolled back, a gray
              release changes, a staged rollout moves, a release request is opened or reviewed. Point one at a chat bot, a deployment
              pipeline or an audit store.
            </>
          )}
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
                  {w.enabled ? "Enabled" : "Disabled"}
                </span>
              </div>
              <dl className="consumer-facts webhook-facts">
                <div className="webhook-events">
                  <dt>Events</dt>
                  <dd>
                    {w.events.includes(ALL) ? (
                      <span className="pill pill-info">All events</span>
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
                  <dt>Secret</dt>
                  <dd className="mono">{w.secretHint}</dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>
                    {w.createdBy}, <When at={w.createdAt} />
                  </dd>
                </div>
                {w.updatedBy && w.updatedBy !== w.createdBy && (
                  <div>
                    <dt>Last changed by</dt>
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
                  {open.includes(w.id) ? "Hide deliveries" : "Deliveries"}
                </button>
                <button type="button" className="button button-small" onClick={() => setEditing(w)}>
                  Edit
                </button>
                <button type="button" className="button button-small" onClick={() => setRotating(w)}>
                  Rotate secret
                </button>
                <button type="button" className="button button-small button-danger" onClick={() => setDeleting(w)}>
                  Delete
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
          title="Rotate the webhook's secret"
          confirmLabel="Rotate secret"
          onClose={() => setRotating(undefined)}
          onConfirm={async () => {
            const rotated = await api.post<WebhookView>(`${base}/${rotating.id}/secret`);
            setFresh({ id: rotated.id, url: rotated.url, secret: rotated.secret ?? "", rotated: true });
            toast.success("The webhook has a new secret: deliveries from now on are signed with it.");
            setRotating(undefined);
            await hooks.reload();
          }}
        >
          <p>
            Deliveries to <code>{rotating.url}</code> are signed with a new secret from now on; the current one (ending in{" "}
            <code>{rotating.secretHint.replace(/^…/, "")}</code>) no longer matches.
          </p>
          <p className="muted small">A receiver that checks signatures refuses deliveries until it has the new secret.</p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete the webhook"
          confirmLabel="Delete webhook"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.del(`${base}/${deleting.id}`);
            toast.success(`Webhook to ${deleting.url} deleted.`);
            if (fresh?.id === deleting.id) {
              setFresh(undefined);
            }
            setOpen((all) => all.filter((x) => x !== deleting.id));
            setDeleting(undefined);
            await hooks.reload();
          }}
        >
          <p>
            <code>{deleting.url}</code> hears nothing more. Its deliveries, sent and waiting, are deleted with it. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function SecretPanel({ fresh, onDone }: { fresh: Fresh; onDone: () => void }) {
  return (
    <ShownOnce
      label="New webhook secret"
      title="Copy the webhook's secret now"
      value={fresh.secret}
      copyLabel="Copy secret"
      what="Secret"
      testId="webhook-secret"
      valueTestId="webhook-secret-value"
      onDone={onDone}
    >
      <p>
        {fresh.rotated ? "This is the new secret" : "This is the secret"} of the webhook to <code>{fresh.url}</code>. It is shown this
        once; rotate it if it is lost.
      </p>
      <p>
        Each delivery carries <code>Lyre-Timestamp</code> (unix seconds) and <code>Lyre-Signature: sha256=&lt;hex&gt;</code>: the
        HMAC-SHA256, keyed with this secret, of the timestamp, a dot and the body as received. The receiver computes it, compares, and
        refuses old timestamps.
      </p>
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
  const title = editing ? "Edit webhook" : "Create a webhook";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: typeof errors = {};
    if (!url.trim()) {
      local.url = "Give the address deliveries are POSTed to, e.g. https://hooks.example.com/lyre.";
    }
    if (!all && kinds.length === 0) {
      local.events = "Tick the events it hears, or All events.";
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
      toast.success(editing ? `Webhook to ${saved.url} saved.` : `Webhook to ${saved.url} created. Copy its secret now.`);
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

  const toggleKind = (kind: string, on: boolean) => setKinds((now) => (on ? [...now, kind] : now.filter((k) => k !== kind)));

  return (
    <Dialog
      title={title}
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="webhook-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{editing ? "Save webhook" : "Create webhook"}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="webhook-form" className="form-grid" onSubmit={submit} noValidate>
        <Field id={ids.url} label="URL" hint="http or https. Each event is POSTed here as JSON." error={errors.url}>
          <input
            id={ids.url}
            type="url"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://hooks.example.com/lyre"
            aria-invalid={!!errors.url || undefined}
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
        <Field id={ids.description} label="Description" hint="What it is for (optional)." error={errors.description}>
          <input
            id={ids.description}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-invalid={!!errors.description || undefined}
          />
        </Field>
        <fieldset className="webhook-event-picker" aria-describedby={ids.events}>
          <legend>Events</legend>
          <p id={ids.events} className="muted small">
            {scope.kind === "installation" ? "What it hears, in every app." : `What it hears in ${scope.app}.`}
          </p>
          <label className="check webhook-all">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
            <span>
              All events <span className="muted small">(also kinds added in later versions)</span>
            </span>
          </label>
          <div className="webhook-event-groups">
            {EVENT_GROUPS.map((g) => (
              <fieldset key={g.area} className="webhook-event-group" disabled={all}>
                <legend>{g.area}</legend>
                {g.kinds.map((k) => (
                  <label key={k.kind} className="check webhook-event-check">
                    <input type="checkbox" checked={all || kinds.includes(k.kind)} onChange={(e) => toggleKind(k.kind, e.target.checked)} />
                    <span>
                      <span className="mono webhook-event-kind">{k.kind}</span> <span className="webhook-event-when">{k.when}</span>
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
          <span>
            Enabled <span className="muted small">(a disabled webhook hears no new events; its waiting deliveries wait)</span>
          </span>
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
  const toast = useToast();
  const [page, setPage] = useState(0);
  const deliveries = useAsync(() => api.get<Page<DeliveryView>>(`${base}/deliveries${query({ page, size: DELIVERIES_PAGE })}`), [base, page]);
  const [sending, setSending] = useState<number>();
  const items = deliveries.data?.items ?? [];

  const redeliver = async (d: DeliveryView) => {
    setSending(d.id);
    try {
      const again = await api.post<DeliveryView>(`${base}/deliveries/${d.id}/redeliver`);
      toast.success(`Event #${d.eventId} (${d.kind}) queued again as delivery #${again.id}.`);
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
    <div id={id} className="webhook-deliveries" role="region" aria-label="Deliveries">
      <div className="section-header webhook-deliveries-head">
        <h4 className="subheading">
          Deliveries
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
          Refresh
        </button>
      </div>
      <ErrorNote error={deliveries.error} />
      {!deliveries.data && deliveries.loading && <Loading label="Loading deliveries…" />}
      {deliveries.data && items.length === 0 && (
        <p className="muted small delivery-empty">
          Nothing sent yet. A delivery appears here each time an event it hears happens; the newest comes first.
        </p>
      )}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="table delivery-table stack-narrow">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Where</th>
                <th scope="col">State</th>
                <th scope="col">HTTP</th>
                <th scope="col">Took</th>
                <th scope="col">Attempts</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span className="visually-hidden-apps">Actions</span>
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
                      delivery #{d.id} · event #{d.eventId}
                    </span>
                    <details className="delivery-body">
                      <summary>Body sent</summary>
                      <pre className="mono">{pretty(d.body)}</pre>
                    </details>
                  </td>
                  <td data-label="Where" className="delivery-where">
                    {showApp && d.appId && <span className="mono">{d.appId} · </span>}
                    <span className="mono">
                      {[d.env, d.clusterName, d.namespaceName].filter(Boolean).join(" / ") || "—"}
                    </span>
                  </td>
                  <td data-label="State" className="delivery-state">
                    <span className={`pill ${STATE_PILL[d.state] ?? "pill-muted"}`} data-testid="delivery-state">
                      {d.state}
                    </span>
                    {d.error && (
                      <p className="delivery-error" data-testid="delivery-error">
                        {d.error}
                      </p>
                    )}
                    {d.state === "pending" && d.nextAttemptAt && (
                      <p className="muted small delivery-next">
                        Next attempt <When at={d.nextAttemptAt} />
                      </p>
                    )}
                  </td>
                  <td data-label="HTTP" className="mono" data-testid="delivery-status">
                    {d.status ?? "—"}
                  </td>
                  <td data-label="Took" className="nowrap">
                    {d.attempts > 0 ? `${d.durationMs} ms` : "—"}
                  </td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="When" className="nowrap">
                    <When at={d.createdAt} />
                    {d.lastAttemptAt && d.attempts > 1 && (
                      <span className="muted small delivery-last">
                        {" "}
                        last tried <When at={d.lastAttemptAt} />
                      </span>
                    )}
                  </td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Redeliver delivery #${d.id} (${d.kind})`}
                      disabled={sending !== undefined}
                      onClick={() => void redeliver(d)}
                    >
                      {sending === d.id ? "Queuing…" : "Redeliver"}
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

import { useState, type FormEvent } from "react";
import { api, messageOf, type App, type ConsumerGrant, type ConsumerView, type Page } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, PageHeader, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
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
      toast.success(`You own ${c.name} now; its token works again.`);
      await consumers.reload();
    } catch (e) {
      toast.error(messageOf(e));
    }
  };

  return (
    <section className="ops-page">
      <PageHeader
        title="CI tokens"
        actions={
          list.length > 0 && (
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              Create CI token
            </button>
          )
        }
      >
        A CI token lets a pipeline read and change configuration through the Open API (<code>/openapi/v1</code>), within the apps,
        namespaces and environments it is granted. {me.superAdmin ? "You see every token." : "You see the tokens you own, and those you may adopt."}
      </PageHeader>

      {fresh && <TokenPanel fresh={fresh} onDone={() => setFresh(undefined)} />}

      <ErrorNote error={consumers.error} />
      {!consumers.data && consumers.loading && <Loading label="Loading CI tokens…" />}
      {consumers.data && list.length === 0 && (
        <EmptyState
          title="No CI tokens yet"
          action={
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              Create CI token
            </button>
          }
        >
          Create one for each pipeline that publishes configuration, e.g. with <code>lyre publish</code>. The super admin, or a master
          of every app it is granted on, may create one.
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
                      Adopt
                    </button>
                  ) : (
                    <>
                      <button type="button" className="button button-small" onClick={() => setRotating(c)}>
                        Rotate token
                      </button>
                      <button type="button" className="button button-small button-danger" onClick={() => setDeleting(c)}>
                        Delete
                      </button>
                    </>
                  )}
                </div>
              </div>
              {c.lapsed && (
                <p className="notice notice-warn" role="status">
                  This token no longer works: {c.lapsed}. A master of its apps may adopt it to make it work again.
                </p>
              )}
              <dl className="consumer-facts">
                <div>
                  <dt>Token</dt>
                  <dd className="mono">…{c.tokenHint}</dd>
                </div>
                <div>
                  <dt>Rate limit</dt>
                  <dd>{c.rateLimit} requests/s</dd>
                </div>
                <div>
                  <dt>Owner</dt>
                  <dd>
                    {c.createdBy}, <When at={c.createdAt} />
                  </dd>
                </div>
              </dl>
              <div className="table-scroll">
                <table className="table grant-table stack-narrow">
                  <thead>
                    <tr>
                      <th scope="col">App</th>
                      <th scope="col">Namespace</th>
                      <th scope="col">Environments</th>
                      <th scope="col">May</th>
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
                        <td className="mono">{g.namespace === "*" ? "all (*)" : g.namespace}</td>
                        <td>{g.envs && g.envs.length > 0 ? g.envs.join(", ") : "all"}</td>
                        <td>
                          {g.permissions.map((p) => (
                            <span key={p} className={`pill role-${p} pill-gap`}>
                              {p}
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
          title={`Rotate the token of ${rotating.name}`}
          confirmLabel="Rotate token"
          onClose={() => setRotating(undefined)}
          onConfirm={async () => {
            const rotated = await api.post<ConsumerView>(`/api/v1/consumers/${rotating.id}/token`);
            setFresh({ name: rotated.name, token: rotated.token ?? "", rotated: true });
            toast.success(`${rotated.name} has a new token; the old one no longer works.`);
            setRotating(undefined);
            await consumers.reload();
          }}
        >
          <p>
            The current token (ending in <code>{rotating.tokenHint}</code>) stops working at once. Pipelines using it need the new one.
          </p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}`}
          confirmLabel="Delete CI token"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.del(`/api/v1/consumers/${deleting.id}`);
            toast.success(`${deleting.name} deleted; its token no longer works.`);
            if (fresh?.name === deleting.name) {
              setFresh(undefined);
            }
            setDeleting(undefined);
            await consumers.reload();
          }}
        >
          <p>Its token stops working at once, and its grants are removed. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function TokenPanel({ fresh, onDone }: { fresh: Fresh; onDone: () => void }) {
  return (
    <ShownOnce
      label="New token"
      title={<>Copy the token of {fresh.name} now</>}
      value={fresh.token}
      copyLabel="Copy token"
      what="Token"
      testId="token-panel"
      valueTestId="token-value"
      onDone={onDone}
    >
      <p>
        {fresh.rotated ? "This is its new token." : "This is its token."} It is shown this once: Lyre keeps only a hash of it. Store it in
        your CI's secrets and send it as <code>Authorization: &lt;token&gt;</code>.
      </p>
    </ShownOnce>
  );
}

type GrantRow = { appId: string; namespace: string; envs: string[]; modify: boolean; release: boolean };
type ConsumerField = "name" | "rateLimit" | "grants";

function CreateConsumerDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (created: ConsumerView) => Promise<void> }) {
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
      local.name = "Give the token a name, e.g. the pipeline's.";
    }
    const limit = Number(rateLimit);
    if (rateLimit.trim() && (!Number.isInteger(limit) || limit < 1)) {
      local.rateLimit = "A whole number of requests per second, at least 1.";
    }
    const incomplete = rows.findIndex((r) => !r.appId.trim() || !r.namespace.trim() || (!r.modify && !r.release));
    if (incomplete >= 0) {
      local.grants = `Grant ${incomplete + 1}: name an app and a namespace (or *), and allow modify, release or both.`;
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
      toast.success(`CI token ${created.name} created. Copy its token now.`);
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
      title="Create a CI token"
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="consumer-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>Create CI token</BusyLabel>
          </button>
        </>
      }
    >
      <form id="consumer-form" className="form-grid" onSubmit={submit} noValidate>
        <div className="form-row">
          <Field id={ids.name} label="Name" hint="Unique, e.g. shop-deploy." error={errors.name}>
            <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} autoComplete="off" />
          </Field>
          <Field id={ids.rate} label="Rate limit (requests per second)" error={errors.rateLimit}>
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
        <Field id={ids.comment} label="Comment" hint="What it is for (optional).">
          <input id={ids.comment} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <fieldset className="grant-rows">
          <legend>Grants</legend>
          <p className="muted small">What the token may do. No environment ticked means every environment.</p>
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
              Add a grant
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
  const n = index + 1;
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
            App<span className="visually-hidden-apps"> of grant {n}</span>
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
            Namespace<span className="visually-hidden-apps"> of grant {n}</span>
          </label>
          <input id={nsId} value={row.namespace} onChange={(e) => onChange({ namespace: e.target.value })} placeholder="* for all" />
        </div>
        <fieldset className="inline-checks">
          <legend>
            Environments<span className="visually-hidden-apps"> of grant {n}</span>
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
            May<span className="visually-hidden-apps"> (grant {n})</span>
          </legend>
          <label className="check">
            <input type="checkbox" checked={row.modify} onChange={(e) => onChange({ modify: e.target.checked })} />
            modify
          </label>
          <label className="check">
            <input type="checkbox" checked={row.release} onChange={(e) => onChange({ release: e.target.checked })} />
            release
          </label>
        </fieldset>
      </div>
      {onRemove && (
        <button type="button" className="button button-small button-quiet" aria-label={`Remove grant ${n}`} onClick={onRemove}>
          Remove
        </button>
      )}
    </div>
  );
}

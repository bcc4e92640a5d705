// Who holds which role in an app: grant and revoke; and the app's access keys per environment.
import { useState, type FormEvent } from "react";
import { api, messageOf, query, type AccessKey, type AppNamespace, type ConsumerView, type EnvClusters, type RoleGrant } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { path } from "../../lib/router";
import { useToast } from "../../lib/toast";
import { useAsync, type Async } from "../../lib/useAsync";
import { BusyLabel, Chips, Choices, ConfirmDialog, CopyButton, fieldError, useFieldId } from "./kit";
import { UserPicker } from "./UserPicker";

type Role = "master" | "modify" | "release" | "reveal";

const ROLES: Role[] = ["master", "modify", "release", "reveal"];

const ROLE_LABEL: Record<Role, string> = {
  master: "Master",
  modify: "Modify",
  release: "Release",
  reveal: "Reveal secrets",
};

const ROLE_HINT: Record<Role, string> = {
  master: "Manages the app: clusters, namespaces, access keys and roles.",
  modify: "Edits items, imports files, opens release requests.",
  release: "Publishes, rolls back, reviews release requests.",
  reveal: "Sees secret values in the clear; every reveal is recorded. Per namespace, not per cluster.",
};

/** Where a grant applies, in words. */
export function scopeText(g: Pick<RoleGrant, "role" | "namespace" | "env" | "cluster">): string {
  if (g.role === "master") {
    return "Whole app";
  }
  if (g.cluster) {
    return `Cluster ${g.cluster} in ${g.env ?? "every environment"}`;
  }
  const ns = !g.namespace || g.namespace === "*" ? "All namespaces" : `Namespace ${g.namespace}`;
  return `${ns} · ${g.env ? `${g.env} only` : "every environment"}`;
}

export function Permissions({
  app,
  isMaster,
  roles,
  onChanged,
}: {
  app: string;
  isMaster: boolean;
  roles: Async<RoleGrant[]>;
  onChanged: () => Promise<void>;
}) {
  const toast = useToast();
  const [granting, setGranting] = useState(false);
  const [revoking, setRevoking] = useState<RoleGrant>();
  // CI tokens hold roles by id; name those the caller may list.
  const consumers = useAsync(() => api.get<ConsumerView[]>("/api/v1/consumers").catch((): ConsumerView[] => []), []);
  const consumerName = (id: string) => consumers.data?.find((c) => String(c.id) === id)?.name;
  const grants = [...(roles.data ?? [])].sort(
    (a, b) => a.subjectType.localeCompare(b.subjectType) || a.subject.localeCompare(b.subject) || order(a.role) - order(b.role),
  );

  return (
    <div className="permissions">
      <section aria-labelledby="roles-title">
        <div className="section-header">
          <div className="section-intro">
            <h2 id="roles-title">Roles</h2>
            <p className="muted small">
              Masters manage the app. Modify and release apply to a namespace (or all of them), in one environment or all, or to a
              whole cluster; reveal (seeing secret values) applies to a namespace only. An app always keeps at least one master.
            </p>
          </div>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setGranting(true)}
            disabled={!isMaster}
            title={isMaster ? undefined : `Only a master of ${app} (or the super admin) grants roles`}
          >
            Grant a role
          </button>
        </div>
        {!isMaster && roles.data && (
          <p className="notice small perm-notice">You are not a master of {app}: only its masters (or the super admin) change roles. Ask one of them.</p>
        )}
        <ErrorNote error={roles.error} />
        {!roles.data && roles.loading && <Loading label="Loading roles…" />}
        {roles.data && grants.length === 0 && <EmptyState title="Nobody holds a role in this app" />}
        {roles.data && grants.length > 0 && (
          <div className="card card-flush table-scroll">
            <table className="table roles-table stack-narrow">
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col">Role</th>
                  <th scope="col">Where</th>
                  <th scope="col" className="hide-narrow">
                    Granted
                  </th>
                  <th scope="col">
                    <span className="visually-hidden-apps">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {grants.map((g) => (
                  <tr key={grantKey(g)} data-testid={`grant-${g.subject}-${g.role}-${g.namespace ?? ""}-${g.env ?? ""}-${g.cluster ?? ""}`}>
                    <td>
                      {g.subjectType === "user" ? (
                        <span className="mono">{g.subject}</span>
                      ) : (
                        <span>
                          CI token <span className="mono">{consumerName(g.subject) ?? `#${g.subject}`}</span>
                        </span>
                      )}
                    </td>
                    <td>
                      <span className={`pill role-${g.role}`}>{g.role}</span>
                    </td>
                    <td className="stack-full">{scopeText(g)}</td>
                    <td className="hide-narrow muted small">
                      {g.group ? (
                        <>from group {g.group}, at each sign-in</>
                      ) : (
                        <>
                          {g.grantedBy}, <When at={g.grantedAt} />
                        </>
                      )}
                    </td>
                    <td className="cell-actions">
                      {g.group ? (
                        <span className="muted small" title="It goes when the user leaves the group">
                          through the identity provider
                        </span>
                      ) : g.subjectType === "user" ? (
                        <button
                          type="button"
                          className="button button-small button-danger"
                          aria-label={`Revoke ${g.role} from ${g.subject}: ${scopeText(g)}`}
                          onClick={() => setRevoking(g)}
                          disabled={!isMaster}
                          title={isMaster ? undefined : `Only a master of ${app} (or the super admin) revokes roles`}
                        >
                          Revoke
                        </button>
                      ) : (
                        <span className="muted small">on the CI tokens page</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <AccessKeys app={app} isMaster={isMaster} />

      {granting && (
        <GrantDialog
          app={app}
          onClose={() => setGranting(false)}
          onGranted={async () => {
            setGranting(false);
            await onChanged();
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke a role"
          confirmLabel="Revoke"
          danger
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await api.del(
              `${path("api", "v1", "apps", app, "roles")}${query({
                user: revoking.subject,
                role: revoking.role,
                namespace: revoking.namespace,
                env: revoking.env,
                cluster: revoking.cluster,
              })}`,
            );
            toast.success(`${revoking.subject} no longer holds ${revoking.role} (${scopeText(revoking).toLowerCase()}).`);
            setRevoking(undefined);
            await onChanged();
          }}
        >
          <p>
            Take <strong>{revoking.role}</strong> from <strong className="mono">{revoking.subject}</strong>?
          </p>
          <p className="muted small">{scopeText(revoking)}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function order(role: string): number {
  return (ROLES as string[]).indexOf(role);
}

function grantKey(g: RoleGrant): string {
  return [g.subjectType, g.subject, g.role, g.namespace ?? "", g.env ?? "", g.cluster ?? "", g.group ?? ""].join("|");
}

type Scope = "app" | "namespace" | "cluster";
type GrantField = "user" | "scope";

function GrantDialog({ app, onClose, onGranted }: { app: string; onClose: () => void; onGranted: () => Promise<void> }) {
  const toast = useToast();
  const overview = useAsync(() => api.get<EnvClusters[]>(path("api", "v1", "apps", app, "envclusters")), [app]);
  const definitions = useAsync(() => api.get<AppNamespace[]>(path("api", "v1", "apps", app, "appnamespaces")), [app]);
  const [user, setUser] = useState("");
  const [role, setRole] = useState<Role>("modify");
  const [scope, setScope] = useState<Scope>("namespace");
  const [namespace, setNamespace] = useState("*");
  const [env, setEnv] = useState("");
  const [cluster, setCluster] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<GrantField | "form", string>>>({});
  const ids = {
    user: useFieldId("grant-user"),
    namespace: useFieldId("grant-ns"),
    env: useFieldId("grant-env"),
    clusterEnv: useFieldId("grant-cluster-env"),
    cluster: useFieldId("grant-cluster"),
  };
  const envs = (overview.data ?? []).map((e) => e.env);
  const clusterEnv = env || envs[0] || "";
  const clusterNames = (overview.data ?? []).find((e) => e.env === clusterEnv)?.clusters.map((c) => c.cluster.name) ?? [];
  // Namespaces this app defines, and public ones it has associated somewhere.
  const namespaces = [
    ...new Set([
      ...(definitions.data ?? []).map((d) => d.name),
      ...(overview.data ?? []).flatMap((e) => e.clusters.flatMap((c) => c.namespaces.map((n) => n.namespaceName))),
    ]),
  ].sort();
  // Reveal is granted per namespace only.
  const effectiveScope: Scope = role === "master" ? "app" : scope === "app" || role === "reveal" ? "namespace" : scope;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!user.trim()) {
      setErrors({ user: "Choose who gets the role." });
      return;
    }
    const body =
      effectiveScope === "app"
        ? { user: user.trim(), role }
        : effectiveScope === "namespace"
          ? { user: user.trim(), role, namespace, env: env || undefined }
          : { user: user.trim(), role, env: clusterEnv, cluster: cluster || clusterNames[0] };
    if (effectiveScope === "cluster" && !body.cluster) {
      setErrors({ scope: `${clusterEnv} has no cluster to choose.` });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const granted = await api.post<RoleGrant>(path("api", "v1", "apps", app, "roles"), body);
      toast.success(`${granted.subject} now holds ${granted.role} (${scopeText(granted).toLowerCase()}).`);
      await onGranted();
    } catch (e) {
      const { field, message } = fieldError<GrantField>(e, [
        ["user", /`user`|user `/],
        ["scope", /namespace|cluster|env/i],
      ]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Grant a role"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="grant-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>Grant</BusyLabel>
          </button>
        </>
      }
    >
      <form id="grant-form" className="form-grid" onSubmit={submit} noValidate>
        <Field id={ids.user} label="User" error={errors.user} hint="Search by name or email.">
          <UserPicker id={ids.user} value={user} onChange={setUser} invalid={!!errors.user} />
        </Field>
        <Choices<Role>
          legend="Role"
          name="grant-role"
          value={role}
          onChange={setRole}
          options={ROLES.map((r) => ({ id: r, label: ROLE_LABEL[r], hint: ROLE_HINT[r] }))}
        />
        {role === "master" ? (
          <p className="muted small">Master covers the whole app.</p>
        ) : (
          <>
            <Choices<Scope>
              legend="Where"
              name="grant-scope"
              value={effectiveScope}
              onChange={setScope}
              options={[
                { id: "namespace", label: "A namespace, or all of them", hint: "In one environment, or in every one." },
                // Reveal is not granted per cluster.
                ...(role === "reveal"
                  ? []
                  : [{ id: "cluster" as const, label: "A cluster", hint: "Every namespace of one cluster in one environment." }]),
              ]}
            />
            {effectiveScope === "namespace" ? (
              <div className="form-row">
                <Field id={ids.namespace} label="Namespace">
                  <select id={ids.namespace} value={namespace} onChange={(e) => setNamespace(e.target.value)}>
                    <option value="*">All namespaces (*)</option>
                    {namespaces.map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field id={ids.env} label="Environment">
                  <select id={ids.env} value={env} onChange={(e) => setEnv(e.target.value)}>
                    <option value="">Every environment</option>
                    {envs.map((e) => (
                      <option key={e} value={e}>
                        {e}
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
            ) : (
              <div className="form-row">
                <Field id={ids.clusterEnv} label="Environment">
                  <select
                    id={ids.clusterEnv}
                    value={clusterEnv}
                    onChange={(e) => {
                      setEnv(e.target.value);
                      setCluster("");
                    }}
                  >
                    {envs.map((e) => (
                      <option key={e} value={e}>
                        {e}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field id={ids.cluster} label="Cluster">
                  <select id={ids.cluster} value={cluster || clusterNames[0] || ""} onChange={(e) => setCluster(e.target.value)}>
                    {clusterNames.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
            )}
            {errors.scope && (
              <p className="field-error" role="alert">
                {errors.scope}
              </p>
            )}
          </>
        )}
        <ErrorNote error={errors.form} />
      </form>
    </Dialog>
  );
}

/** The app's access keys in one environment: clients sign their requests with an enabled key. */
function AccessKeys({ app, isMaster }: { app: string; isMaster: boolean }) {
  const overview = useAsync(() => api.get<EnvClusters[]>(path("api", "v1", "apps", app, "envclusters")), [app]);
  const envs = (overview.data ?? []).map((e) => e.env);
  const [chosen, setChosen] = useState("");
  const env = chosen || envs[0] || "";
  return (
    <section className="section access-keys" aria-labelledby="keys-title">
      <div className="section-header">
        <div className="section-intro">
          <h2 id="keys-title">Access keys</h2>
          <p className="muted small">
            With an enabled key in <em>enforce</em> mode, config services answer only clients that sign their requests with a key's
            secret; in <em>observe</em> mode unsigned requests are only logged. At most 5 keys per environment.
          </p>
        </div>
        {envs.length > 0 && <Chips label="Environment for access keys" value={env} onChange={setChosen} options={envs.map((e) => ({ id: e, label: e }))} />}
      </div>
      {!isMaster ? (
        <EmptyState title="Only the app's masters manage access keys">Ask a master of {app} if your clients need a key.</EmptyState>
      ) : overview.error ? (
        <ErrorNote error={overview.error} />
      ) : !env ? (
        <Loading label="Loading environments…" />
      ) : (
        <KeyList key={env} app={app} env={env} />
      )}
    </section>
  );
}

/** A key's secret: its last characters, or the whole secret once created or revealed. */
function KeySecret(props: { hint: string; secret?: string; busy: boolean; disabled: boolean; onHide: () => void; onReveal: () => void }) {
  const { hint, secret, busy, disabled, onHide, onReveal } = props;
  if (secret) {
    return (
      <>
        <code className="mono key-value">{secret}</code>
        <CopyButton text={secret} what="Secret" />
        <button type="button" className="button button-small" onClick={onHide}>
          Hide
        </button>
      </>
    );
  }
  return (
    <>
      <code className="mono key-value" aria-label={`Secret ending in ${hint}`}>
        ••••••••{hint}
      </code>
      <button
        type="button"
        className="button button-small"
        disabled={disabled}
        title="Shows the secret; the reveal is recorded in the audit log."
        onClick={onReveal}
      >
        <BusyLabel busy={busy}>Reveal</BusyLabel>
      </button>
    </>
  );
}

function KeyList({ app, env }: { app: string; env: string }) {
  const toast = useToast();
  const base = path("api", "v1", "envs", env, "apps", app, "accesskeys");
  const keys = useAsync(() => api.get<AccessKey[]>(base), [base]);
  const [working, setWorking] = useState<string>();
  const [error, setError] = useState<string>();
  const [deleting, setDeleting] = useState<AccessKey>();
  // Secrets shown on this page: the one just created, and those revealed (each reveal is audited).
  const [shown, setShown] = useState<Record<number, string>>({});
  const show = (key: AccessKey) => {
    const secret = key.secret;
    if (secret) setShown((current) => ({ ...current, [key.id]: secret }));
  };
  const hide = (id: number) =>
    setShown((current) => {
      const rest = { ...current };
      delete rest[id];
      return rest;
    });

  const act = async (what: string, action: () => Promise<unknown>, done: string) => {
    setWorking(what);
    setError(undefined);
    try {
      await action();
      toast.success(done);
      await keys.reload();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setWorking(undefined);
    }
  };

  const list = keys.data ?? [];
  return (
    <div data-testid={`access-keys-${env}`}>
      <div className="toolbar keys-toolbar">
        <button
          type="button"
          className="button button-small"
          disabled={!!working || list.length >= 5}
          title={list.length >= 5 ? "An environment has at most 5 keys." : undefined}
          onClick={() =>
            void act(
              "create",
              async () => show(await api.post<AccessKey>(base)),
              `Access key created in ${env}. Copy its secret now, then enable it when clients sign with it.`,
            )
          }
        >
          <BusyLabel busy={working === "create"}>Create access key in {env}</BusyLabel>
        </button>
      </div>
      <ErrorNote error={error ?? keys.error} />
      {!keys.data && keys.loading && <Loading label="Loading access keys…" />}
      {keys.data && list.length === 0 && (
        <EmptyState title={`No access keys in ${env}`}>Without a key, any client may read the app's configuration in {env}.</EmptyState>
      )}
      {list.length > 0 && (
        <ul className="key-list">
          {list.map((k) => (
            <li key={k.id} className="card key-row" data-testid={`access-key-${k.id}`}>
              <div className="key-secret">
                <span className="muted small">Secret</span>
                <KeySecret
                  hint={k.secretHint}
                  secret={shown[k.id]}
                  busy={working === `reveal-${k.id}`}
                  disabled={!!working}
                  onHide={() => hide(k.id)}
                  onReveal={() =>
                    void act(`reveal-${k.id}`, async () => show(await api.post<AccessKey>(`${base}/${k.id}/reveal`)), "Secret revealed (recorded in the audit log).")
                  }
                />
              </div>
              <div className="key-state">
                <span className={`pill ${k.enabled ? "pill-ok" : "pill-muted"}`}>{k.enabled ? "Enabled" : "Disabled"}</span>
                <span className={`pill ${k.mode === "observe" ? "pill-info" : "pill-warn"}`}>{k.mode === "observe" ? "Observe" : "Enforce"}</span>
                <span className="muted small">
                  by {k.createdBy}, <When at={k.createdAt} />
                </span>
              </div>
              <div className="key-actions">
                <button
                  type="button"
                  className="button button-small"
                  disabled={!!working}
                  onClick={() =>
                    void act(`enable-${k.id}`, () => api.put(`${base}/${k.id}`, { enabled: !k.enabled }), k.enabled ? "Access key disabled." : "Access key enabled.")
                  }
                >
                  <BusyLabel busy={working === `enable-${k.id}`}>{k.enabled ? "Disable" : "Enable"}</BusyLabel>
                </button>
                <button
                  type="button"
                  className="button button-small"
                  disabled={!!working}
                  onClick={() =>
                    void act(
                      `mode-${k.id}`,
                      () => api.put(`${base}/${k.id}`, { mode: k.mode === "observe" ? "enforce" : "observe" }),
                      k.mode === "observe" ? "The key is enforced now." : "The key only observes now.",
                    )
                  }
                >
                  <BusyLabel busy={working === `mode-${k.id}`}>{k.mode === "observe" ? "Switch to enforce" : "Switch to observe"}</BusyLabel>
                </button>
                <button
                  type="button"
                  className="button button-small button-danger"
                  disabled={!!working || k.enabled}
                  title={k.enabled ? "Disable the key before deleting it." : undefined}
                  onClick={() => setDeleting(k)}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete an access key"
          confirmLabel="Delete key"
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.del(`${base}/${deleting.id}`);
            toast.success(`Access key deleted from ${env}.`);
            setDeleting(undefined);
            await keys.reload();
          }}
        >
          <p>
            Delete the key ending in <code>{deleting.secretHint}</code> from {env}? Clients still signing with it will need
            another.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

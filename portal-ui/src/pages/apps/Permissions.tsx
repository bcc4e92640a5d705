// Who holds which role in an app: grant and revoke; and the app's access keys per environment.
import { useState, type FormEvent } from "react";
import { api, messageOf, query, type AccessKey, type AppNamespace, type ConsumerView, type EnvClusters, type RoleGrant } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { path } from "../../lib/router";
import { useToast } from "../../lib/toast";
import { useAsync, type Async } from "../../lib/useAsync";
import { msg, useLocale, useT, type MessageId, type Translate } from "../../i18n";
import { BusyLabel, Chips, Choices, ConfirmDialog, CopyButton, fieldError, useFieldId } from "./kit";
import { UserPicker } from "./UserPicker";

type Role = "master" | "modify" | "release" | "reveal";

const ROLES: Role[] = ["master", "modify", "release", "reveal"];

const ROLE_LABEL: Record<Role, MessageId> = {
  master: msg("apps.roles.master"),
  modify: msg("apps.roles.modify"),
  release: msg("apps.roles.release"),
  reveal: msg("apps.roles.reveal"),
};

const ROLE_HINT: Record<Role, MessageId> = {
  master: msg("apps.roles.masterHint"),
  modify: msg("apps.roles.modifyHint"),
  release: msg("apps.roles.releaseHint"),
  reveal: msg("apps.roles.revealHint"),
};

/** Where a grant applies, in words. */
export function scopeText(t: Translate, g: Pick<RoleGrant, "role" | "namespace" | "env" | "cluster">): string {
  if (g.role === "master") {
    return t("apps.scope.app");
  }
  if (g.cluster) {
    return g.env ? t("apps.scope.cluster", { cluster: g.cluster, env: g.env }) : t("apps.scope.clusterEveryEnv", { cluster: g.cluster });
  }
  const ns = !g.namespace || g.namespace === "*" ? t("apps.scope.allNamespaces") : t("apps.scope.namespace", { namespace: g.namespace });
  return `${ns} · ${g.env ? t("apps.scope.envOnly", { env: g.env }) : t("apps.scope.everyEnv")}`;
}

/** The scope inside a sentence: English lowercases it ("namespace application · every environment"). */
function useScopeInSentence(t: Translate): (g: Pick<RoleGrant, "role" | "namespace" | "env" | "cluster">) => string {
  const { locale } = useLocale();
  return (g) => (locale === "en" ? scopeText(t, g).toLowerCase() : scopeText(t, g));
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
  const t = useT();
  const scopeInSentence = useScopeInSentence(t);
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
            <h2 id="roles-title">{t("apps.perms.roles")}</h2>
            <p className="muted small">{t("apps.perms.rolesIntro")}</p>
          </div>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setGranting(true)}
            disabled={!isMaster}
            title={isMaster ? undefined : t("apps.perms.onlyMastersGrant", { app })}
          >
            {t("apps.perms.grant")}
          </button>
        </div>
        {!isMaster && roles.data && (
          <p className="notice small perm-notice">{t("apps.perms.notMaster", { app })}</p>
        )}
        <ErrorNote error={roles.error} />
        {!roles.data && roles.loading && <Loading label={t("apps.perms.loading")} />}
        {roles.data && grants.length === 0 && <EmptyState title={t("apps.perms.empty")} />}
        {roles.data && grants.length > 0 && (
          <div className="card card-flush table-scroll">
            <table className="table roles-table stack-narrow">
              <thead>
                <tr>
                  <th scope="col">{t("apps.perms.colWho")}</th>
                  <th scope="col">{t("apps.perms.colRole")}</th>
                  <th scope="col">{t("apps.perms.colWhere")}</th>
                  <th scope="col" className="hide-narrow">
                    {t("apps.perms.colGranted")}
                  </th>
                  <th scope="col">
                    <span className="visually-hidden-apps">{t("apps.perms.colActions")}</span>
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
                          {t.rich("apps.perms.ciToken", {
                            name: consumerName(g.subject) ?? `#${g.subject}`,
                            mono: (chunks) => <span className="mono">{chunks}</span>,
                          })}
                        </span>
                      )}
                    </td>
                    <td>
                      <span className={`pill role-${g.role}`}>{g.role}</span>
                    </td>
                    <td className="stack-full">{scopeText(t, g)}</td>
                    <td className="hide-narrow muted small">
                      {g.group
                        ? t("apps.perms.fromGroup", { group: g.group })
                        : t.rich("apps.perms.grantedBy", { user: g.grantedBy, when: <When at={g.grantedAt} /> })}
                    </td>
                    <td className="cell-actions">
                      {g.group ? (
                        <span className="muted small" title={t("apps.perms.groupTitle")}>
                          {t("apps.perms.viaIdp")}
                        </span>
                      ) : g.subjectType === "user" ? (
                        <button
                          type="button"
                          className="button button-small button-danger"
                          aria-label={t("apps.perms.revokeLabel", { role: g.role, user: g.subject, scope: scopeText(t, g) })}
                          onClick={() => setRevoking(g)}
                          disabled={!isMaster}
                          title={isMaster ? undefined : t("apps.perms.onlyMastersRevoke", { app })}
                        >
                          {t("apps.perms.revoke")}
                        </button>
                      ) : (
                        <span className="muted small">{t("apps.perms.onCiTokensPage")}</span>
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
          title={t("apps.perms.revokeTitle")}
          confirmLabel={t("apps.perms.revoke")}
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
            toast.success(t("apps.perms.revoked", { user: revoking.subject, role: revoking.role, scope: scopeInSentence(revoking) }));
            setRevoking(undefined);
            await onChanged();
          }}
        >
          <p>
            {t.rich("apps.perms.revokeText", {
              role: revoking.role,
              subject: revoking.subject,
              strong: (chunks) => <strong>{chunks}</strong>,
              mono: (chunks) => <strong className="mono">{chunks}</strong>,
            })}
          </p>
          <p className="muted small">{scopeText(t, revoking)}</p>
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
  const t = useT();
  const scopeInSentence = useScopeInSentence(t);
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
      setErrors({ user: t("apps.grant.userRequired") });
      return;
    }
    const body =
      effectiveScope === "app"
        ? { user: user.trim(), role }
        : effectiveScope === "namespace"
          ? { user: user.trim(), role, namespace, env: env || undefined }
          : { user: user.trim(), role, env: clusterEnv, cluster: cluster || clusterNames[0] };
    if (effectiveScope === "cluster" && !body.cluster) {
      setErrors({ scope: t("apps.grant.noCluster", { env: clusterEnv }) });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const granted = await api.post<RoleGrant>(path("api", "v1", "apps", app, "roles"), body);
      toast.success(t("apps.grant.granted", { user: granted.subject, role: granted.role, scope: scopeInSentence(granted) }));
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
      title={t("apps.perms.grant")}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("apps.common.cancel")}
          </button>
          <button type="submit" form="grant-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{t("apps.grant.submit")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="grant-form" className="form-grid" onSubmit={submit} noValidate>
        <Field id={ids.user} label={t("apps.grant.user")} error={errors.user} hint={t("apps.grant.userHint")}>
          <UserPicker id={ids.user} value={user} onChange={setUser} invalid={!!errors.user} />
        </Field>
        <Choices<Role>
          legend={t("apps.grant.role")}
          name="grant-role"
          value={role}
          onChange={setRole}
          options={ROLES.map((r) => ({ id: r, label: t(ROLE_LABEL[r]), hint: t(ROLE_HINT[r]) }))}
        />
        {role === "master" ? (
          <p className="muted small">{t("apps.grant.masterScope")}</p>
        ) : (
          <>
            <Choices<Scope>
              legend={t("apps.grant.where")}
              name="grant-scope"
              value={effectiveScope}
              onChange={setScope}
              options={[
                { id: "namespace", label: t("apps.grant.scopeNamespace"), hint: t("apps.grant.scopeNamespaceHint") },
                // Reveal is not granted per cluster.
                ...(role === "reveal"
                  ? []
                  : [{ id: "cluster" as const, label: t("apps.grant.scopeCluster"), hint: t("apps.grant.scopeClusterHint") }]),
              ]}
            />
            {effectiveScope === "namespace" ? (
              <div className="form-row">
                <Field id={ids.namespace} label={t("apps.common.namespace")}>
                  <select id={ids.namespace} value={namespace} onChange={(e) => setNamespace(e.target.value)}>
                    <option value="*">{t("apps.grant.allNamespaces")}</option>
                    {namespaces.map((n) => (
                      <option key={n} value={n}>
                        {n}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field id={ids.env} label={t("apps.common.environment")}>
                  <select id={ids.env} value={env} onChange={(e) => setEnv(e.target.value)}>
                    <option value="">{t("apps.grant.everyEnv")}</option>
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
                <Field id={ids.clusterEnv} label={t("apps.common.environment")}>
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
                <Field id={ids.cluster} label={t("apps.common.cluster")}>
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
  const t = useT();
  const overview = useAsync(() => api.get<EnvClusters[]>(path("api", "v1", "apps", app, "envclusters")), [app]);
  const envs = (overview.data ?? []).map((e) => e.env);
  const [chosen, setChosen] = useState("");
  const env = chosen || envs[0] || "";
  return (
    <section className="section access-keys" aria-labelledby="keys-title">
      <div className="section-header">
        <div className="section-intro">
          <h2 id="keys-title">{t("apps.keys.title")}</h2>
          <p className="muted small">{t.rich("apps.keys.intro", { em: (chunks) => <em>{chunks}</em> })}</p>
        </div>
        {envs.length > 0 && <Chips label={t("apps.keys.envLabel")} value={env} onChange={setChosen} options={envs.map((e) => ({ id: e, label: e }))} />}
      </div>
      {!isMaster ? (
        <EmptyState title={t("apps.keys.notMasterTitle")}>{t("apps.keys.notMasterText", { app })}</EmptyState>
      ) : overview.error ? (
        <ErrorNote error={overview.error} />
      ) : !env ? (
        <Loading label={t("apps.common.loadingEnvs")} />
      ) : (
        <KeyList key={env} app={app} env={env} />
      )}
    </section>
  );
}

/** A key's secret: its last characters, or the whole secret once created or revealed. */
function KeySecret(props: { hint: string; secret?: string; busy: boolean; disabled: boolean; onHide: () => void; onReveal: () => void }) {
  const { hint, secret, busy, disabled, onHide, onReveal } = props;
  const t = useT();
  if (secret) {
    return (
      <>
        <code className="mono key-value">{secret}</code>
        <CopyButton text={secret} what={t("apps.keys.secret")} />
        <button type="button" className="button button-small" onClick={onHide}>
          {t("apps.keys.hide")}
        </button>
      </>
    );
  }
  return (
    <>
      <code className="mono key-value" aria-label={t("apps.keys.secretEnding", { hint })}>
        ••••••••{hint}
      </code>
      <button
        type="button"
        className="button button-small"
        disabled={disabled}
        title={t("apps.keys.revealTitle")}
        onClick={onReveal}
      >
        <BusyLabel busy={busy}>{t("apps.keys.reveal")}</BusyLabel>
      </button>
    </>
  );
}

function KeyList({ app, env }: { app: string; env: string }) {
  const t = useT();
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
          title={list.length >= 5 ? t("apps.keys.max") : undefined}
          onClick={() =>
            void act(
              "create",
              async () => show(await api.post<AccessKey>(base)),
              t("apps.keys.created", { env }),
            )
          }
        >
          <BusyLabel busy={working === "create"}>{t("apps.keys.create", { env })}</BusyLabel>
        </button>
      </div>
      <ErrorNote error={error ?? keys.error} />
      {!keys.data && keys.loading && <Loading label={t("apps.keys.loading")} />}
      {keys.data && list.length === 0 && (
        <EmptyState title={t("apps.keys.emptyTitle", { env })}>{t("apps.keys.emptyText", { env })}</EmptyState>
      )}
      {list.length > 0 && (
        <ul className="key-list">
          {list.map((k) => (
            <li key={k.id} className="card key-row" data-testid={`access-key-${k.id}`}>
              <div className="key-secret">
                <span className="muted small">{t("apps.keys.secret")}</span>
                <KeySecret
                  hint={k.secretHint}
                  secret={shown[k.id]}
                  busy={working === `reveal-${k.id}`}
                  disabled={!!working}
                  onHide={() => hide(k.id)}
                  onReveal={() =>
                    void act(`reveal-${k.id}`, async () => show(await api.post<AccessKey>(`${base}/${k.id}/reveal`)), t("apps.keys.revealed"))
                  }
                />
              </div>
              <div className="key-state">
                <span className={`pill ${k.enabled ? "pill-ok" : "pill-muted"}`}>{k.enabled ? t("apps.keys.enabled") : t("apps.keys.disabled")}</span>
                <span className={`pill ${k.mode === "observe" ? "pill-info" : "pill-warn"}`}>{k.mode === "observe" ? t("apps.keys.observe") : t("apps.keys.enforce")}</span>
                <span className="muted small">{t.rich("apps.keys.createdBy", { user: k.createdBy, when: <When at={k.createdAt} /> })}</span>
              </div>
              <div className="key-actions">
                <button
                  type="button"
                  className="button button-small"
                  disabled={!!working}
                  onClick={() =>
                    void act(`enable-${k.id}`, () => api.put(`${base}/${k.id}`, { enabled: !k.enabled }), k.enabled ? t("apps.keys.disabledToast") : t("apps.keys.enabledToast"))
                  }
                >
                  <BusyLabel busy={working === `enable-${k.id}`}>{k.enabled ? t("apps.keys.disable") : t("apps.keys.enable")}</BusyLabel>
                </button>
                <button
                  type="button"
                  className="button button-small"
                  disabled={!!working}
                  onClick={() =>
                    void act(
                      `mode-${k.id}`,
                      () => api.put(`${base}/${k.id}`, { mode: k.mode === "observe" ? "enforce" : "observe" }),
                      k.mode === "observe" ? t("apps.keys.enforcedToast") : t("apps.keys.observingToast"),
                    )
                  }
                >
                  <BusyLabel busy={working === `mode-${k.id}`}>{k.mode === "observe" ? t("apps.keys.toEnforce") : t("apps.keys.toObserve")}</BusyLabel>
                </button>
                <button
                  type="button"
                  className="button button-small button-danger"
                  disabled={!!working || k.enabled}
                  title={k.enabled ? t("apps.keys.disableFirst") : undefined}
                  onClick={() => setDeleting(k)}
                >
                  {t("apps.keys.delete")}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {deleting && (
        <ConfirmDialog
          title={t("apps.keys.deleteTitle")}
          confirmLabel={t("apps.keys.deleteConfirm")}
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.del(`${base}/${deleting.id}`);
            toast.success(t("apps.keys.deleted", { env }));
            setDeleting(undefined);
            await keys.reload();
          }}
        >
          <p>{t.rich("apps.keys.deleteText", { hint: deleting.secretHint, env, code: (chunks) => <code>{chunks}</code> })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

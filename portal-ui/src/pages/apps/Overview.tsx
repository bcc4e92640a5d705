// The app's configuration across environments: pick an environment and a cluster, see its
// namespaces, create namespaces and clusters, associate public namespaces, export and import.
import { useMemo, useState, type FormEvent } from "react";
import { api, messageOf, query, type AppNamespace, type Cluster, type EnvClusters, type Namespace } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { useT } from "../../i18n";
import { ImportDialog } from "./ImportDialog";
import { BusyLabel, Chips, Choices, download, fieldError, useFieldId } from "./kit";

type ClusterOverview = EnvClusters["clusters"][number];
type Open = "namespace" | "associate" | "cluster" | "import" | null;

export const FORMATS = ["properties", "yaml", "yml", "json", "xml", "txt"] as const;

/** Where a namespace's page is. */
export function namespacePath(app: string, env: string, cluster: string, namespace: string): string {
  return path("apps", app, "envs", env, "clusters", cluster, "namespaces", namespace);
}

export function Overview({ app, isMaster }: { app: string; isMaster: boolean }) {
  const t = useT();
  // Why someone who is not a master may not change the app's structure, and who may.
  const refused = isMaster ? undefined : t("apps.overview.onlyMasters", { app });
  const { navigate } = useRouter();
  const params = useSearchParams();
  const toast = useToast();
  const overview = useAsync(() => api.get<EnvClusters[]>(path("api", "v1", "apps", app, "envclusters")), [app]);
  const [open, setOpen] = useState<Open>(null);
  const [exporting, setExporting] = useState(false);

  const envs = overview.data ?? [];
  const current = envs.find((e) => e.env === params.get("env")) ?? envs[0];
  const clusters = current?.clusters ?? [];
  const cluster =
    clusters.find((c) => c.cluster.name === params.get("cluster")) ?? clusters.find((c) => c.cluster.name === "default") ?? clusters[0];

  const go = (env: string, clusterName?: string) =>
    navigate(`${path("apps", app)}${query({ env, cluster: clusterName })}`, { replace: true });

  if (!overview.data) {
    return overview.error ? <ErrorNote error={overview.error} /> : <Loading label={t("apps.common.loadingEnvs")} />;
  }
  if (!current) {
    return <EmptyState title={t("apps.overview.noEnvsTitle")}>{t("apps.overview.noEnvsText")}</EmptyState>;
  }

  const exportEnv = async () => {
    setExporting(true);
    try {
      const name = await download(`/api/v1/envs/${encodeURIComponent(current.env)}/apps/${encodeURIComponent(app)}/export`, `${app}-${current.env}.zip`);
      toast.success(t("apps.overview.exported", { env: current.env, file: name }));
    } catch (e) {
      toast.error(t("apps.overview.exportFailed", { error: messageOf(e) }));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className="overview">
      <div className="env-tabs" role="tablist" aria-label={t("apps.common.environment")}>
        {envs.map((e) => {
          const changed = e.clusters.some((c) => c.namespaces.some((n) => n.hasUnpublishedChanges));
          const selected = e.env === current.env;
          return (
            <button
              key={e.env}
              type="button"
              role="tab"
              aria-selected={selected}
              className={`env-tab${selected ? " env-tab-current" : ""}${e.error ? " env-tab-down" : ""}`}
              onClick={() => go(e.env)}
            >
              <span className="env-tab-name">{e.env}</span>
              {e.error ? (
                <span className="env-tab-note">{t("apps.overview.unreachable")}</span>
              ) : (
                <span className="env-tab-note">
                  {t("apps.overview.clusterCount", { count: e.clusters.length })}
                  {changed && (
                    <span className="dot-warn" title={t("apps.overview.unpublished")}>
                      <span className="visually-hidden-apps">{t("apps.overview.unpublishedSuffix")}</span>
                    </span>
                  )}
                </span>
              )}
            </button>
          );
        })}
      </div>

      <div className="env-panel" role="tabpanel" aria-label={current.env}>
        {current.error ? (
          <div className="env-down" role="alert">
            <p className="empty-title">{t("apps.overview.envDown", { env: current.env })}</p>
            <p className="muted">{current.error}</p>
            <button type="button" className="button" onClick={() => void overview.reload()} disabled={overview.loading}>
              <BusyLabel busy={overview.loading}>{t("apps.overview.retry")}</BusyLabel>
            </button>
          </div>
        ) : (
          <>
            <div className="env-toolbar">
              <div className="cluster-pick">
                <span className="cluster-pick-label" id="cluster-label">
                  {t("apps.common.cluster")}
                </span>
                <Chips
                  label={t("apps.common.cluster")}
                  testId="clusters"
                  value={cluster?.cluster.name ?? ""}
                  onChange={(name) => go(current.env, name)}
                  options={clusters.map((c) => ({
                    id: c.cluster.name,
                    title: c.cluster.comment || undefined,
                    label: (
                      <>
                        {c.cluster.name}
                        {c.namespaces.some((n) => n.hasUnpublishedChanges) && <span className="dot-warn" aria-label={t("apps.overview.unpublishedLower")} />}
                      </>
                    ),
                  }))}
                />
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setOpen("cluster")}
                  disabled={!isMaster}
                  title={refused}
                >
                  {t("apps.overview.newCluster")}
                </button>
              </div>
              <div className="toolbar">
                <button type="button" className="button button-small" onClick={() => void exportEnv()} disabled={exporting}>
                  {exporting && <span className="spinner" aria-hidden="true" />}
                  {t("apps.overview.export", { env: current.env })}
                </button>
                <button type="button" className="button button-small" onClick={() => setOpen("import")}>
                  {t("apps.overview.import", { env: current.env })}
                </button>
              </div>
            </div>

            {cluster ? (
              <ClusterPanel
                app={app}
                env={current.env}
                cluster={cluster}
                onNewNamespace={() => setOpen("namespace")}
                onAssociate={() => setOpen("associate")}
                isMaster={isMaster}
                refused={refused}
              />
            ) : (
              <EmptyState
                title={t("apps.overview.noClusterTitle", { env: current.env })}
                action={
                  <button type="button" className="button" onClick={() => setOpen("cluster")} disabled={!isMaster} title={refused}>
                    {t("apps.overview.newCluster")}
                  </button>
                }
              >
                {t("apps.overview.noClusterText")}
              </EmptyState>
            )}
          </>
        )}
      </div>

      {open === "namespace" && (
        <CreateNamespaceDialog
          app={app}
          isMaster={isMaster}
          onClose={() => setOpen(null)}
          onCreated={() => {
            setOpen(null);
            void overview.reload();
          }}
        />
      )}
      {open === "associate" && cluster && (
        <AssociateDialog
          app={app}
          env={current.env}
          cluster={cluster}
          onClose={() => setOpen(null)}
          onDone={() => {
            setOpen(null);
            void overview.reload();
          }}
        />
      )}
      {open === "cluster" && (
        <CreateClusterDialog
          app={app}
          envs={envs.filter((e) => !e.error).map((e) => e.env)}
          env={current.env}
          onClose={() => setOpen(null)}
          onCreated={async (created) => {
            setOpen(null);
            await overview.reload();
            go(created.env, created.name);
          }}
        />
      )}
      {open === "import" && (
        <ImportDialog
          app={app}
          env={current.env}
          clusters={clusters.map((c) => c.cluster.name)}
          onClose={() => setOpen(null)}
          onImported={() => void overview.reload()}
        />
      )}
    </div>
  );
}

function ClusterPanel({
  app,
  env,
  cluster,
  onNewNamespace,
  onAssociate,
  isMaster,
  refused,
}: {
  app: string;
  env: string;
  cluster: ClusterOverview;
  onNewNamespace: () => void;
  onAssociate: () => void;
  isMaster: boolean;
  /** Why the structure may not be changed here, for someone who is not a master. */
  refused?: string;
}) {
  const t = useT();
  const namespaces = cluster.namespaces;
  return (
    <section className="cluster-panel" aria-labelledby="namespaces-title">
      <div className="section-header">
        <div className="section-intro">
          <h2 id="namespaces-title">
            {t.rich("apps.overview.namespacesTitle", {
              env,
              cluster: cluster.cluster.name,
              note: (chunks) => <span className="muted heading-note">{chunks}</span>,
            })}
          </h2>
          {cluster.cluster.comment && <p className="muted small">{cluster.cluster.comment}</p>}
        </div>
        <div className="toolbar">
          <button type="button" className="button button-small" onClick={onAssociate} disabled={!isMaster} title={refused}>
            {t("apps.overview.associate")}
          </button>
          <button type="button" className="button button-small button-primary" onClick={onNewNamespace} disabled={!isMaster} title={refused}>
            {t("apps.overview.newNamespace")}
          </button>
        </div>
      </div>
      {namespaces.length === 0 ? (
        <EmptyState title={t("apps.overview.noNamespacesTitle")}>{t("apps.overview.noNamespacesText")}</EmptyState>
      ) : (
        <ul className="ns-list" aria-label={t("apps.overview.namespacesIn", { env, cluster: cluster.cluster.name })}>
          {namespaces.map((ns) => (
            <NamespaceRow key={ns.namespaceName} app={app} ns={ns} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NamespaceRow({ app, ns }: { app: string; ns: Namespace }) {
  const t = useT();
  const to = namespacePath(app, ns.env, ns.clusterName, ns.namespaceName);
  const release = ns.latestRelease;
  return (
    <li className="ns-row card" data-testid={`ns-${ns.namespaceName}`}>
      <div className="ns-main">
        <Link to={to} className="ns-link">
          {ns.namespaceName}
        </Link>
        <div className="ns-tags">
          <span className="pill pill-muted">{ns.format}</span>
          {ns.isAssociated ? (
            <span className="pill pill-info" title={t("apps.overview.associatedTitle", { app: ns.ownerAppId })}>
              {t("apps.overview.from", { app: ns.ownerAppId })}
            </span>
          ) : (
            <span className={`pill ${ns.isPublic ? "pill-info" : "pill-muted"}`}>{ns.isPublic ? t("apps.overview.public") : t("apps.overview.private")}</span>
          )}
          {ns.lockedBy && <span className="pill pill-warn">{t("apps.overview.lockedBy", { user: ns.lockedBy })}</span>}
        </div>
        {ns.comment && <p className="muted small ns-comment">{ns.comment}</p>}
      </div>
      <div className="ns-count">
        {t.rich("apps.overview.items", {
          count: ns.itemCount,
          strong: (chunks) => <strong>{chunks}</strong>,
          unit: (chunks) => <span className="muted small">{chunks}</span>,
        })}
      </div>
      <div className="ns-state">
        {ns.hasUnpublishedChanges ? (
          <span className="pill pill-warn">{t("apps.overview.unpublished")}</span>
        ) : release ? (
          <span className="pill pill-ok">{t("apps.overview.published")}</span>
        ) : (
          <span className="pill pill-muted">{t("apps.overview.notPublished")}</span>
        )}
        {release && (
          <span className="muted small ns-release" title={release.releaseKey}>
            {release.title || t("apps.overview.release")} · <When at={release.createdAt} /> · {release.createdBy}
          </span>
        )}
      </div>
    </li>
  );
}

type NsField = "name" | "comment";

function CreateNamespaceDialog({
  app,
  isMaster,
  onClose,
  onCreated,
}: {
  app: string;
  isMaster: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const t = useT();
  const toast = useToast();
  const [name, setName] = useState("");
  const [format, setFormat] = useState<string>("properties");
  const [visibility, setVisibility] = useState<"private" | "public">("private");
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<NsField | "form", string>>>({});
  const ids = { name: useFieldId("ns-name"), format: useFieldId("ns-format"), comment: useFieldId("ns-comment") };
  const suffix = format === "properties" ? "" : `.${format}`;
  const finalName = name.trim() && suffix && !name.trim().endsWith(suffix) ? `${name.trim()}${suffix}` : name.trim();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setErrors({ name: t("apps.newNamespace.nameRequired") });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const created = await api.post<AppNamespace>(path("api", "v1", "apps", app, "appnamespaces"), {
        name: name.trim(),
        format,
        isPublic: visibility === "public",
        comment: comment.trim() || undefined,
      });
      toast.success(t("apps.newNamespace.created", { namespace: created.name, app }));
      onCreated();
    } catch (e) {
      const { field, message } = fieldError<NsField>(e, [["name", /name|taken|already/i]]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("apps.overview.newNamespace")}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("apps.common.cancel")}
          </button>
          <button type="submit" form="create-ns-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{t("apps.newNamespace.submit")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="create-ns-form" className="form-grid" onSubmit={submit} noValidate>
        <p className="muted small">{t("apps.newNamespace.intro", { app })}</p>
        {!isMaster && <p className="notice small">{t("apps.newNamespace.notMaster")}</p>}
        <div className="form-row">
          <Field
            id={ids.name}
            label={t("apps.common.name")}
            error={errors.name}
            hint={finalName && finalName !== name.trim() ? t("apps.newNamespace.finalName", { name: finalName }) : t("apps.common.nameHint")}
          >
            <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} autoComplete="off" spellCheck={false} />
          </Field>
          <Field id={ids.format} label={t("apps.newNamespace.format")}>
            <select id={ids.format} value={format} onChange={(e) => setFormat(e.target.value)}>
              {FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Choices<"private" | "public">
          legend={t("apps.newNamespace.visibility")}
          name="ns-visibility"
          value={visibility}
          onChange={setVisibility}
          options={[
            { id: "private", label: t("apps.newNamespace.private"), hint: t("apps.newNamespace.privateHint") },
            { id: "public", label: t("apps.newNamespace.public"), hint: t("apps.newNamespace.publicHint") },
          ]}
        />
        <Field id={ids.comment} label={t("apps.common.comment")} hint={t("apps.common.commentHint")} error={errors.comment}>
          <textarea id={ids.comment} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <ErrorNote error={errors.form} />
      </form>
    </Dialog>
  );
}

function AssociateDialog({
  app,
  env,
  cluster,
  onClose,
  onDone,
}: {
  app: string;
  env: string;
  cluster: ClusterOverview;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useT();
  const toast = useToast();
  const publics = useAsync(() => api.get<AppNamespace[]>("/api/v1/appnamespaces/public"), []);
  const [filter, setFilter] = useState("");
  const [chosen, setChosen] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const filterId = useFieldId("public-filter");
  const present = useMemo(() => new Set(cluster.namespaces.map((n) => n.namespaceName)), [cluster]);
  const candidates = (publics.data ?? []).filter(
    (n) => n.appId !== app && !present.has(n.name) && `${n.name} ${n.appId} ${n.comment}`.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  const none = publics.data && publics.data.filter((n) => n.appId !== app && !present.has(n.name)).length === 0;
  // What is chosen among those shown; with only one shown, that one.
  const picked = candidates.some((n) => n.name === chosen) ? chosen : candidates.length === 1 ? (candidates[0]?.name ?? "") : "";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!picked) {
      setError(t("apps.associate.required"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.post(path("api", "v1", "envs", env, "apps", app, "clusters", cluster.cluster.name, "namespaces"), { namespaceName: picked });
      toast.success(t("apps.associate.done", { namespace: picked, env, cluster: cluster.cluster.name }));
      onDone();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("apps.associate.title")}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("apps.common.cancel")}
          </button>
          <button type="submit" form="associate-form" className="button button-primary" disabled={busy || !!none}>
            <BusyLabel busy={busy}>{t("apps.associate.submit")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="associate-form" className="form-grid" onSubmit={submit} noValidate>
        <p className="muted small">
          {t.rich("apps.associate.intro", { env, cluster: cluster.cluster.name, strong: (chunks) => <strong>{chunks}</strong> })}
        </p>
        {publics.error && <ErrorNote error={publics.error} />}
        {!publics.data && !publics.error && <Loading label={t("apps.associate.loading")} />}
        {none && (
          <EmptyState title={t("apps.associate.emptyTitle")}>{t("apps.associate.emptyText")}</EmptyState>
        )}
        {publics.data && !none && (
          <>
            <div className="field">
              <label htmlFor={filterId}>{t("apps.associate.filter")}</label>
              <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={t("apps.associate.filterPlaceholder")} />
            </div>
            <div className="pick-list">
              {candidates.length === 0 ? (
                <p className="muted small">{t("apps.associate.noMatch", { filter })}</p>
              ) : (
                <Choices<string>
                  legend={t("apps.associate.legend")}
                  name="public-namespace"
                  value={picked}
                  onChange={setChosen}
                  options={candidates.map((n) => ({
                    id: n.name,
                    label: n.name,
                    hint: t("apps.associate.hint", { app: n.appId, format: n.format }) + (n.comment ? ` · ${n.comment}` : ""),
                  }))}
                />
              )}
            </div>
          </>
        )}
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

type ClusterField = "name";

function CreateClusterDialog({
  app,
  envs,
  env,
  onClose,
  onCreated,
}: {
  app: string;
  envs: string[];
  env: string;
  onClose: () => void;
  onCreated: (cluster: Cluster) => void;
}) {
  const t = useT();
  const toast = useToast();
  const [target, setTarget] = useState(env);
  const [name, setName] = useState("");
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<ClusterField | "form", string>>>({});
  const ids = { env: useFieldId("cluster-env"), name: useFieldId("cluster-name"), comment: useFieldId("cluster-comment") };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setErrors({ name: t("apps.newCluster.nameRequired") });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const created = await api.post<Cluster>(path("api", "v1", "envs", target, "apps", app, "clusters"), {
        name: name.trim(),
        comment: comment.trim() || undefined,
      });
      toast.success(t("apps.newCluster.created", { cluster: created.name, env: created.env, app }));
      onCreated(created);
    } catch (e) {
      const { field, message } = fieldError<ClusterField>(e, [["name", /cluster|name|already/i]]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("apps.overview.newCluster")}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("apps.common.cancel")}
          </button>
          <button type="submit" form="create-cluster-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{t("apps.newCluster.submit")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="create-cluster-form" className="form-grid" onSubmit={submit} noValidate>
        <p className="muted small">{t("apps.newCluster.intro", { app })}</p>
        <div className="form-row">
          <Field id={ids.env} label={t("apps.common.environment")}>
            <select id={ids.env} value={target} onChange={(e) => setTarget(e.target.value)}>
              {envs.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </Field>
          <Field id={ids.name} label={t("apps.common.name")} hint={t("apps.common.nameHint")} error={errors.name}>
            <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} autoComplete="off" spellCheck={false} />
          </Field>
        </div>
        <Field id={ids.comment} label={t("apps.common.comment")} hint={t("apps.common.commentHint")}>
          <input id={ids.comment} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <ErrorNote error={errors.form} />
      </form>
    </Dialog>
  );
}

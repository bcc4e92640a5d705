// The app's configuration across environments: pick an environment and a cluster, see its
// namespaces, create namespaces and clusters, associate public namespaces, export and import.
import { useMemo, useState, type FormEvent } from "react";
import { api, messageOf, query, type AppNamespace, type Cluster, type EnvClusters, type Namespace } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { ImportDialog } from "./ImportDialog";
import { BusyLabel, Chips, Choices, download, fieldError, useFieldId } from "./kit";

type ClusterOverview = EnvClusters["clusters"][number];
type Open = "namespace" | "associate" | "cluster" | "import" | null;

export const FORMATS = ["properties", "yaml", "yml", "json", "xml", "txt"] as const;

/** Where a namespace's page is. */
export function namespacePath(app: string, env: string, cluster: string, namespace: string): string {
  return path("apps", app, "envs", env, "clusters", cluster, "namespaces", namespace);
}

/** Why someone who is not a master may not change the app's structure, and who may. */
const onlyMasters = (app: string) => `Only a master of ${app} (or the super admin) does this: ask one of them`;

export function Overview({ app, isMaster }: { app: string; isMaster: boolean }) {
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
    return overview.error ? <ErrorNote error={overview.error} /> : <Loading label="Loading environments…" />;
  }
  if (!current) {
    return <EmptyState title="No environments">The portal serves no environment.</EmptyState>;
  }

  const exportEnv = async () => {
    setExporting(true);
    try {
      const name = await download(`/api/v1/envs/${encodeURIComponent(current.env)}/apps/${encodeURIComponent(app)}/export`, `${app}-${current.env}.zip`);
      toast.success(`Exported ${current.env} as ${name}.`);
    } catch (e) {
      toast.error(`Export failed: ${messageOf(e)}`);
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className="overview">
      <div className="env-tabs" role="tablist" aria-label="Environment">
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
                <span className="env-tab-note">unreachable</span>
              ) : (
                <span className="env-tab-note">
                  {e.clusters.length} {e.clusters.length === 1 ? "cluster" : "clusters"}
                  {changed && (
                    <span className="dot-warn" title="Unpublished changes">
                      <span className="visually-hidden-apps">, unpublished changes</span>
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
            <p className="empty-title">{current.env} cannot be reached</p>
            <p className="muted">{current.error}</p>
            <button type="button" className="button" onClick={() => void overview.reload()} disabled={overview.loading}>
              <BusyLabel busy={overview.loading}>Try again</BusyLabel>
            </button>
          </div>
        ) : (
          <>
            <div className="env-toolbar">
              <div className="cluster-pick">
                <span className="cluster-pick-label" id="cluster-label">
                  Cluster
                </span>
                <Chips
                  label="Cluster"
                  testId="clusters"
                  value={cluster?.cluster.name ?? ""}
                  onChange={(name) => go(current.env, name)}
                  options={clusters.map((c) => ({
                    id: c.cluster.name,
                    title: c.cluster.comment || undefined,
                    label: (
                      <>
                        {c.cluster.name}
                        {c.namespaces.some((n) => n.hasUnpublishedChanges) && <span className="dot-warn" aria-label="unpublished changes" />}
                      </>
                    ),
                  }))}
                />
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setOpen("cluster")}
                  disabled={!isMaster}
                  title={isMaster ? undefined : onlyMasters(app)}
                >
                  New cluster
                </button>
              </div>
              <div className="toolbar">
                <button type="button" className="button button-small" onClick={() => void exportEnv()} disabled={exporting}>
                  {exporting && <span className="spinner" aria-hidden="true" />}
                  Export {current.env}
                </button>
                <button type="button" className="button button-small" onClick={() => setOpen("import")}>
                  Import into {current.env}…
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
              />
            ) : (
              <EmptyState title={`No cluster in ${current.env}`} action={
                  <button type="button" className="button" onClick={() => setOpen("cluster")} disabled={!isMaster} title={isMaster ? undefined : onlyMasters(app)}>
                    New cluster
                  </button>
                }
              >
                A cluster groups the instances of the app that share configuration, e.g. a data centre.
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
}: {
  app: string;
  env: string;
  cluster: ClusterOverview;
  onNewNamespace: () => void;
  onAssociate: () => void;
  isMaster: boolean;
}) {
  const namespaces = cluster.namespaces;
  const refused = isMaster ? undefined : onlyMasters(app);
  return (
    <section className="cluster-panel" aria-labelledby="namespaces-title">
      <div className="section-header">
        <div className="section-intro">
          <h2 id="namespaces-title">
            Namespaces <span className="muted heading-note">in {env} / {cluster.cluster.name}</span>
          </h2>
          {cluster.cluster.comment && <p className="muted small">{cluster.cluster.comment}</p>}
        </div>
        <div className="toolbar">
          <button type="button" className="button button-small" onClick={onAssociate} disabled={!isMaster} title={refused}>
            Associate public namespace
          </button>
          <button type="button" className="button button-small button-primary" onClick={onNewNamespace} disabled={!isMaster} title={refused}>
            New namespace
          </button>
        </div>
      </div>
      {namespaces.length === 0 ? (
        <EmptyState title="No namespaces in this cluster">Create one, or associate another app's public namespace.</EmptyState>
      ) : (
        <ul className="ns-list" aria-label={`Namespaces in ${env} / ${cluster.cluster.name}`}>
          {namespaces.map((ns) => (
            <NamespaceRow key={ns.namespaceName} app={app} ns={ns} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NamespaceRow({ app, ns }: { app: string; ns: Namespace }) {
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
            <span className="pill pill-info" title={`A public namespace of ${ns.ownerAppId}; this app's items override its values.`}>
              from {ns.ownerAppId}
            </span>
          ) : (
            <span className={`pill ${ns.isPublic ? "pill-info" : "pill-muted"}`}>{ns.isPublic ? "public" : "private"}</span>
          )}
          {ns.lockedBy && <span className="pill pill-warn">locked by {ns.lockedBy}</span>}
        </div>
        {ns.comment && <p className="muted small ns-comment">{ns.comment}</p>}
      </div>
      <div className="ns-count">
        <strong>{ns.itemCount}</strong> <span className="muted small">{ns.itemCount === 1 ? "item" : "items"}</span>
      </div>
      <div className="ns-state">
        {ns.hasUnpublishedChanges ? (
          <span className="pill pill-warn">Unpublished changes</span>
        ) : release ? (
          <span className="pill pill-ok">Published</span>
        ) : (
          <span className="pill pill-muted">Not published</span>
        )}
        {release && (
          <span className="muted small ns-release" title={release.releaseKey}>
            {release.title || "Release"} · <When at={release.createdAt} /> · {release.createdBy}
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
      setErrors({ name: "Give the namespace a name." });
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
      toast.success(`Namespace ${created.name} created in every cluster of ${app}.`);
      onCreated();
    } catch (e) {
      const { field, message } = fieldError<NsField>(e, [["name", /name|taken|already/i]]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New namespace"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="create-ns-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>Create namespace</BusyLabel>
          </button>
        </>
      }
    >
      <form id="create-ns-form" className="form-grid" onSubmit={submit} noValidate>
        <p className="muted small">The namespace is created in every cluster of every environment of {app}.</p>
        {!isMaster && <p className="notice small">Only the app's masters define namespaces; the portal will refuse this otherwise.</p>}
        <div className="form-row">
          <Field
            id={ids.name}
            label="Name"
            error={errors.name}
            hint={finalName && finalName !== name.trim() ? `It will be called ${finalName}.` : "Letters, digits, _, - and ."}
          >
            <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} autoComplete="off" spellCheck={false} />
          </Field>
          <Field id={ids.format} label="Format">
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
          legend="Visibility"
          name="ns-visibility"
          value={visibility}
          onChange={setVisibility}
          options={[
            { id: "private", label: "Private", hint: "Only this app reads it." },
            { id: "public", label: "Public", hint: "Other apps may associate it and override its keys. Public names are unique across apps." },
          ]}
        />
        <Field id={ids.comment} label="Comment" hint="What it is for (optional)." error={errors.comment}>
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
      setError("Choose a public namespace.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.post(path("api", "v1", "envs", env, "apps", app, "clusters", cluster.cluster.name, "namespaces"), { namespaceName: picked });
      toast.success(`${picked} associated into ${env} / ${cluster.cluster.name}. Override its keys on its page.`);
      onDone();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Associate a public namespace"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="associate-form" className="button button-primary" disabled={busy || !!none}>
            <BusyLabel busy={busy}>Associate</BusyLabel>
          </button>
        </>
      }
    >
      <form id="associate-form" className="form-grid" onSubmit={submit} noValidate>
        <p className="muted small">
          Into <strong>{env}</strong> / <strong>{cluster.cluster.name}</strong>. The app then reads the public namespace's values, and
          keys you set in it override them for this app only.
        </p>
        {publics.error && <ErrorNote error={publics.error} />}
        {!publics.data && !publics.error && <Loading label="Loading public namespaces…" />}
        {none && (
          <EmptyState title="No public namespace to associate">
            Public namespaces of other apps appear here; those already in this cluster are left out.
          </EmptyState>
        )}
        {publics.data && !none && (
          <>
            <div className="field">
              <label htmlFor={filterId}>Filter</label>
              <input id={filterId} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Name or app" />
            </div>
            <div className="pick-list">
              {candidates.length === 0 ? (
                <p className="muted small">Nothing matches “{filter}”.</p>
              ) : (
                <Choices<string>
                  legend="Public namespace"
                  name="public-namespace"
                  value={picked}
                  onChange={setChosen}
                  options={candidates.map((n) => ({
                    id: n.name,
                    label: n.name,
                    hint: `from ${n.appId} · ${n.format}${n.comment ? ` · ${n.comment}` : ""}`,
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
      setErrors({ name: "Give the cluster a name." });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const created = await api.post<Cluster>(path("api", "v1", "envs", target, "apps", app, "clusters"), {
        name: name.trim(),
        comment: comment.trim() || undefined,
      });
      toast.success(`Cluster ${created.name} created in ${created.env}, with every namespace of ${app}.`);
      onCreated(created);
    } catch (e) {
      const { field, message } = fieldError<ClusterField>(e, [["name", /cluster|name|already/i]]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New cluster"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="create-cluster-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>Create cluster</BusyLabel>
          </button>
        </>
      }
    >
      <form id="create-cluster-form" className="form-grid" onSubmit={submit} noValidate>
        <p className="muted small">A cluster gets every namespace of {app}; its instances share its configuration (e.g. one data centre).</p>
        <div className="form-row">
          <Field id={ids.env} label="Environment">
            <select id={ids.env} value={target} onChange={(e) => setTarget(e.target.value)}>
              {envs.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </Field>
          <Field id={ids.name} label="Name" hint="Letters, digits, _, - and ." error={errors.name}>
            <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} autoComplete="off" spellCheck={false} />
          </Field>
        </div>
        <Field id={ids.comment} label="Comment" hint="What it is for (optional).">
          <input id={ids.comment} value={comment} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <ErrorNote error={errors.form} />
      </form>
    </Dialog>
  );
}

// One namespace of one cluster: its items (or file), text, releases, gray branch and the
// instances that read it. What developers open every day.
import { lazy, Suspense, useCallback, useMemo, useState, type ReactNode } from "react";
import {
  ApiError,
  api,
  query,
  type Branch,
  type EnvRulesView,
  type Item,
  type Namespace,
  type Page,
  type ReleaseRequest,
  type SchemaInEnv,
  type UnpublishedChanges,
} from "../../api/client";
import { ErrorNote, Loading, Tabs, When, isSealed } from "../../components/Common";
import { Link, path, useLeaveGuard, useRouter, useSearchParams } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { GrayTab } from "./GrayTab";
import { HistoryTab } from "./HistoryTab";
import { ImportDialog } from "./ImportDialog";
import { InstancesTab } from "./InstancesTab";
import { SchemaTab } from "./SchemaTab";
import { ItemsTab } from "./ItemsTab";
import { at, downloadExport, envPath, permissions, schemaInEnvAt, type Where } from "./model";
import { PublishDialog } from "./PublishDialog";
import { RolloutPanel, useRollouts } from "./Rollout";
import { TextTab, type Draft } from "./TextTab";
import { ConfirmDialog } from "../apps/kit";
import "./namespace.css";

// The form (and the yaml library it edits with) loads when first opened.
const FormTab = lazy(() => import("./FormTab").then((m) => ({ default: m.FormTab })));

type TabId = "items" | "text" | "form" | "history" | "gray" | "instances" | "schema";

/** The formats a schema describes, which get a form when the namespace has one. */
const FORM_FORMATS = ["properties", "json", "yaml", "yml"];

type Loaded = { ns: Namespace; items: Item[]; changes: UnpublishedChanges };

export function NamespacePage({ app, env, cluster, namespace }: Where) {
  const where = useMemo(() => ({ app, env, cluster, namespace }), [app, env, cluster, namespace]);
  const { me } = useSession();
  const toast = useToast();
  const { location, navigate } = useRouter();
  const search = useSearchParams();
  const perms = useMemo(() => permissions(me, where), [me, where]);

  const main = useAsync<Loaded>(async () => {
    const [ns, items, changes] = await Promise.all([
      api.get<Namespace>(at(where)),
      api.get<Item[]>(at(where, "/items")),
      api.get<UnpublishedChanges>(at(where, "/changes")),
    ]);
    return { ns, items, changes };
  }, [where]);
  const settings = useAsync(() => api.get<EnvRulesView>(envPath(env, "/settings")).catch(() => null), [env]);
  const branch = useAsync(async () => {
    try {
      return await api.get<Branch>(at(where, "/branches"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && e.code !== "namespace_not_found") {
        return null;
      }
      throw e;
    }
  }, [where]);
  const request = useAsync(async () => {
    const open = await api.get<Page<ReleaseRequest>>(`/api/v1/release-requests${query({ view: "open", size: 100 })}`).catch(() => null);
    return (
      open?.items.find(
        (r) =>
          r.env === env &&
          r.appId === app &&
          r.clusterName === cluster &&
          r.namespaceName === namespace &&
          ["open", "approved", "publishing"].includes(r.status),
      ) ?? null
    );
  }, [where]);

  // Bumped after every change, so the tabs that load their own lists load them again.
  const [stamp, setStamp] = useState(0);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [dialog, setDialog] = useState<"publish" | "unsaved" | "import" | null>(null);
  const [exporting, setExporting] = useState(false);
  const schema = useAsync(
    () =>
      api.get<SchemaInEnv>(schemaInEnvAt(where)).catch(() => null),
    [where, stamp],
  );

  // Unsaved text is not lost to a link, Back, a reload or a closed tab without a question.
  useLeaveGuard(draft ? `Your text in ${namespace} is not saved. Leave this page and lose it?` : null);

  const refresh = useCallback(async () => {
    setStamp((s) => s + 1);
    await Promise.all([main.reload(), branch.reload(), request.reload()]);
  }, [main, branch, request]);
  const rollouts = useRollouts(where, stamp, refresh);

  const data = main.data;
  const isProperties = data ? data.ns.format === "properties" : true;
  const tabParam = search.get("tab") as TabId | null;
  const dot = (text: string, tone = "") => (
    <span className={`ns-tab-dot${tone}`} title={text}>
      <span className="visually-hidden"> ({text})</span>
    </span>
  );
  const textLabel = isProperties ? "Text" : "Content";
  const tabs: { id: TabId; label: ReactNode }[] = [
    ...(isProperties ? [{ id: "items" as const, label: "Items" }] : []),
    { id: "text", label: draft ? <>{textLabel}{dot("not saved")}</> : textLabel },
    ...(data && FORM_FORMATS.includes(data.ns.format) && schema.data?.current
      ? [{ id: "form" as const, label: draft ? <>Form{dot("not saved")}</> : "Form" }]
      : []),
    { id: "history", label: "History" },
    { id: "gray", label: branch.data ? <>Gray{dot("has a branch", " ns-tab-dot-info")}</> : "Gray" },
    { id: "instances", label: "Instances" },
    ...(data && ["properties", "json", "yaml", "yml"].includes(data.ns.format) ? [{ id: "schema" as const, label: "Schema" }] : []),
  ];
  const tab: TabId =
    tabParam && tabs.some((t) => t.id === tabParam) ? tabParam : isProperties ? "items" : "text";
  const setTab = (id: TabId) => {
    const next = new URLSearchParams(location.search);
    next.set("tab", id);
    navigate(`${location.path}?${next.toString()}`, { replace: true });
  };

  const appLink = path("apps", app);
  const crumbs = (
    <nav className="crumbs" aria-label="Breadcrumbs">
      <Link to="/">Apps</Link>
      <span aria-hidden="true">/</span>
      <Link to={appLink}>{app}</Link>
      <span aria-hidden="true">/</span>
      <Link to={`${appLink}${query({ env })}`}>{env}</Link>
      <span aria-hidden="true">/</span>
      <Link to={`${appLink}${query({ env, cluster })}`}>{cluster}</Link>
    </nav>
  );

  if (!data) {
    return (
      <section className="ns-page">
        <div className="page-header">
          <div className="page-title">
            {crumbs}
            <h1>{namespace}</h1>
          </div>
        </div>
        {main.error ? <ErrorNote error={main.error} /> : <Loading label="Loading the namespace…" />}
      </section>
    );
  }

  const { ns, items, changes } = data;
  const reviewRequired = Boolean(settings.data?.reviewRequired);
  const readOnly = !perms.modify && !perms.release;
  const exportFile = async () => {
    setExporting(true);
    try {
      const name = await downloadExport(where);
      toast.success(`Downloaded ${name}.`);
    } catch (e) {
      toast.error(e instanceof Error ? e.message : String(e));
    } finally {
      setExporting(false);
    }
  };

  return (
    <section className="ns-page">
      <div className="page-header ns-header">
        <div className="page-title">
          {crumbs}
          <div className="ns-title-row">
            <h1 className="ns-name">{ns.namespaceName}</h1>
            <div className="ns-pills" data-testid="namespace-badges">
              <span className="pill pill-info">{ns.env}</span>
              <span className="pill pill-muted">{ns.format}</span>
              <span className="pill pill-muted">{ns.isPublic ? "Public" : "Private"}</span>
              {ns.isAssociated && <span className="pill pill-info">Associated from {ns.ownerAppId}</span>}
              {ns.hasUnpublishedChanges && <span className="pill pill-warn">Unpublished changes</span>}
              {ns.lockedBy && (
                <span className="pill pill-bad" title="The environment locks a namespace to its first editor until it is published">
                  Locked by {ns.lockedBy === me.username ? "you" : ns.lockedBy}
                </span>
              )}
              {branch.data && <span className="pill pill-info">Gray branch</span>}
            </div>
          </div>
          <p className="muted ns-release-line" data-testid="latest-release">
            {ns.latestRelease ? (
              <>
                Latest release <strong className="ns-strong">{ns.latestRelease.title}</strong> by {ns.latestRelease.createdBy},{" "}
                <When at={ns.latestRelease.createdAt} />
              </>
            ) : (
              "Never released: clients get nothing from it yet."
            )}
            {ns.comment && <span className="ns-comment"> · {ns.comment}</span>}
          </p>
        </div>
        <div className="page-actions ns-actions">
          <button type="button" className="button" onClick={() => void exportFile()} disabled={exporting}>
            {exporting && <span className="spinner" aria-hidden="true" />}
            Export
          </button>
          <button
            type="button"
            className="button"
            onClick={() => setDialog("import")}
            disabled={!perms.modify}
            title={perms.modify ? undefined : "You hold no modify role on this namespace"}
          >
            Import
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setDialog(draft ? "unsaved" : "publish")}
            disabled={readOnly}
            title={
              readOnly
                ? "You hold no modify or release role on this namespace"
                : perms.release
                  ? undefined
                  : "You hold no release role here: a release request lets someone who does publish your changes"
            }
          >
            {reviewRequired || (perms.modify && !perms.release) ? "Request release" : "Publish"}
          </button>
        </div>
      </div>

      {request.data && (
        <p className="notice ns-notice" data-testid="request-under-way">
          Release request <strong>#{request.data.id}</strong> “{request.data.title}” is{" "}
          {request.data.status === "open" ? "waiting for review" : request.data.status}
          {request.data.branchName ? " (gray branch)" : ""}.{" "}
          <Link to={path("release-requests", request.data.id)}>View request #{request.data.id}</Link>
        </p>
      )}
      {readOnly && (
        <p className="notice ns-notice">
          You can read this namespace. To change it, ask a master of <strong>{app}</strong> for the modify or release role.
        </p>
      )}
      {main.error && <ErrorNote error={main.error} />}
      {rollouts.shown && (
        <RolloutPanel
          where={where}
          rollout={rollouts.shown}
          perms={perms}
          error={rollouts.error}
          onUpdated={rollouts.update}
          onStale={rollouts.reload}
          onDismiss={rollouts.dismiss}
        />
      )}

      <Tabs tabs={tabs} current={tab} onChange={setTab} label="Namespace views" />
      <div role="tabpanel" aria-label={tab === "text" ? textLabel : tab.charAt(0).toUpperCase() + tab.slice(1)}>
        {tab === "items" && (
          <ItemsTab where={where} items={items} changes={changes} perms={perms} onChanged={refresh} />
        )}
        {tab === "text" && (
          <TextTab
            where={where}
            ns={ns}
            perms={perms}
            stamp={stamp}
            hasSecrets={items.some((i) => i.secret || isSealed(i.value))}
            draft={draft}
            setDraft={setDraft}
            onSaved={refresh}
          />
        )}
        {tab === "form" && schema.data?.current && (
          <Suspense fallback={<Loading label="Loading the form…" />}>
            <FormTab
              where={where}
              ns={ns}
              perms={perms}
              stamp={stamp}
              schema={schema.data.current.document}
              version={schema.data.current.version}
              mode={schema.data.mode}
              draft={draft}
              setDraft={setDraft}
              onSaved={refresh}
            />
          </Suspense>
        )}
        {tab === "history" && (
          <HistoryTab where={where} ns={ns} perms={perms} stamp={stamp} onChanged={refresh} />
        )}
        {tab === "gray" && (
          <GrayTab
            where={where}
            ns={ns}
            items={items}
            branch={branch.data ?? null}
            branchError={branch.error}
            loading={branch.loading && branch.data === undefined}
            perms={perms}
            settings={settings.data ?? null}
            stamp={stamp}
            rollout={rollouts.open}
            onChanged={refresh}
          />
        )}
        {tab === "instances" && <InstancesTab where={where} ns={ns} stamp={stamp} />}
        {tab === "schema" && <SchemaTab where={where} stamp={stamp} onChanged={refresh} />}
      </div>

      {dialog === "publish" && (
        <PublishDialog
          where={where}
          settings={settings.data ?? null}
          lockedBy={ns.lockedBy}
          mayRelease={perms.release}
          onClose={() => setDialog(null)}
          onDone={refresh}
        />
      )}
      {dialog === "unsaved" && draft && (
        <ConfirmDialog
          title="Save your text first"
          confirmLabel="Save, then review the release"
          onClose={() => {
            setDialog(null);
            setTab("text");
          }}
          onConfirm={async () => {
            await api.put(at(where, "/text"), { text: draft.text, revision: draft.revision, comment: "" });
            setDraft(null);
            toast.success(`Saved ${namespace}.`);
            await refresh();
            setDialog("publish");
          }}
        >
          <p>
            A release holds what is saved, and your edits in {textLabel} are not saved yet. Save them, then review exactly
            what the release will hold before it goes out.
          </p>
        </ConfirmDialog>
      )}
      {dialog === "import" && (
        <ImportDialog where={where} format={ns.format} onClose={() => setDialog(null)} onImported={refresh} />
      )}
    </section>
  );
}

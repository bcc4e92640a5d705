// One namespace of one cluster: its items (or file), text, releases, gray branch and the
// instances that read it. What developers open every day.
import { lazy, Suspense, useCallback, useMemo, useState, type ReactNode } from "react";
import {
  ApiError,
  api,
  messageOf,
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
import { msg, useT, type MessageId } from "../../i18n";
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

/** Each tab's name (the text tab's depends on the format: "Text" for properties, else "Content"). */
const TAB_LABEL: Record<Exclude<TabId, "text">, MessageId> = {
  items: msg("namespace.tabs.items"),
  form: msg("namespace.tabs.form"),
  history: msg("namespace.tabs.history"),
  gray: msg("namespace.tabs.gray"),
  instances: msg("namespace.tabs.instances"),
  schema: msg("namespace.tabs.schema"),
};

/** The formats a schema describes, which get a form when the namespace has one. */
const FORM_FORMATS = ["properties", "json", "yaml", "yml"];

type Loaded = { ns: Namespace; items: Item[]; changes: UnpublishedChanges };

export function NamespacePage({ app, env, cluster, namespace }: Where) {
  const where = useMemo(() => ({ app, env, cluster, namespace }), [app, env, cluster, namespace]);
  const t = useT();
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
  useLeaveGuard(draft ? t("namespace.page.leaveGuard", { namespace }) : null);

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
  const textLabel = isProperties ? t("namespace.tabs.text") : t("namespace.tabs.content");
  const labelOf = (id: TabId) => (id === "text" ? textLabel : t(TAB_LABEL[id]));
  const notSaved = t("namespace.tabs.notSaved");
  const tabs: { id: TabId; label: ReactNode }[] = [
    ...(isProperties ? [{ id: "items" as const, label: labelOf("items") }] : []),
    { id: "text", label: draft ? <>{textLabel}{dot(notSaved)}</> : textLabel },
    ...(data && FORM_FORMATS.includes(data.ns.format) && schema.data?.current
      ? [{ id: "form" as const, label: draft ? <>{labelOf("form")}{dot(notSaved)}</> : labelOf("form") }]
      : []),
    { id: "history", label: labelOf("history") },
    {
      id: "gray",
      label: branch.data ? <>{labelOf("gray")}{dot(t("namespace.tabs.hasBranch"), " ns-tab-dot-info")}</> : labelOf("gray"),
    },
    { id: "instances", label: labelOf("instances") },
    ...(data && ["properties", "json", "yaml", "yml"].includes(data.ns.format) ? [{ id: "schema" as const, label: labelOf("schema") }] : []),
  ];
  const tab: TabId =
    tabParam && tabs.some((x) => x.id === tabParam) ? tabParam : isProperties ? "items" : "text";
  const setTab = (id: TabId) => {
    const next = new URLSearchParams(location.search);
    next.set("tab", id);
    navigate(`${location.path}?${next.toString()}`, { replace: true });
  };

  const appLink = path("apps", app);
  const crumbs = (
    <nav className="crumbs" aria-label={t("namespace.page.breadcrumbs")}>
      <Link to="/">{t("namespace.page.apps")}</Link>
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
        {main.error ? <ErrorNote error={main.error} /> : <Loading label={t("namespace.page.loading")} />}
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
      toast.success(t("namespace.page.downloaded", { name }));
    } catch (e) {
      toast.error(messageOf(e));
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
              <span className="pill pill-muted">{ns.isPublic ? t("namespace.page.public") : t("namespace.page.private")}</span>
              {ns.isAssociated && (
                <span className="pill pill-info">{t("namespace.page.associatedFrom", { app: ns.ownerAppId })}</span>
              )}
              {ns.hasUnpublishedChanges && <span className="pill pill-warn">{t("namespace.page.unpublished")}</span>}
              {ns.lockedBy && (
                <span className="pill pill-bad" title={t("namespace.page.lockedTitle")}>
                  {ns.lockedBy === me.username ? t("namespace.page.lockedByYou") : t("namespace.page.lockedBy", { user: ns.lockedBy })}
                </span>
              )}
              {branch.data && <span className="pill pill-info">{t("namespace.page.grayBranch")}</span>}
            </div>
          </div>
          <p className="muted ns-release-line" data-testid="latest-release">
            {ns.latestRelease
              ? t.rich("namespace.page.latestRelease", {
                  strong: (chunks) => <strong className="ns-strong">{chunks}</strong>,
                  title: ns.latestRelease.title,
                  by: ns.latestRelease.createdBy,
                  when: <When at={ns.latestRelease.createdAt} />,
                })
              : t("namespace.page.neverReleased")}
            {ns.comment && <span className="ns-comment"> · {ns.comment}</span>}
          </p>
        </div>
        <div className="page-actions ns-actions">
          <button type="button" className="button" onClick={() => void exportFile()} disabled={exporting}>
            {exporting && <span className="spinner" aria-hidden="true" />}
            {t("namespace.page.export")}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => setDialog("import")}
            disabled={!perms.modify}
            title={perms.modify ? undefined : t("namespace.page.noModifyRole")}
          >
            {t("namespace.page.import")}
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={() => setDialog(draft ? "unsaved" : "publish")}
            disabled={readOnly}
            title={
              readOnly
                ? t("namespace.page.noRoles")
                : perms.release
                  ? undefined
                  : t("namespace.page.noReleaseRole")
            }
          >
            {reviewRequired || (perms.modify && !perms.release) ? t("namespace.page.requestRelease") : t("namespace.page.publish")}
          </button>
        </div>
      </div>

      {request.data && (
        <p className="notice ns-notice" data-testid="request-under-way">
          {t.rich("namespace.page.requestUnderWay", {
            strong: (chunks) => <strong>{chunks}</strong>,
            link: (chunks) => <Link to={path("release-requests", request.data?.id ?? 0)}>{chunks}</Link>,
            id: request.data.id,
            title: request.data.title,
            status: request.data.status,
            gray: request.data.branchName ? "yes" : "no",
          })}
        </p>
      )}
      {readOnly && (
        <p className="notice ns-notice">
          {t.rich("namespace.page.readOnly", { strong: (chunks) => <strong>{chunks}</strong>, app })}
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

      <Tabs tabs={tabs} current={tab} onChange={setTab} label={t("namespace.tabs.label")} />
      <div role="tabpanel" aria-label={labelOf(tab)}>
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
          <Suspense fallback={<Loading label={t("namespace.form.loading")} />}>
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
          title={t("namespace.page.saveFirstTitle")}
          confirmLabel={t("namespace.page.saveFirstConfirm")}
          onClose={() => {
            setDialog(null);
            setTab("text");
          }}
          onConfirm={async () => {
            await api.put(at(where, "/text"), { text: draft.text, revision: draft.revision, comment: "" });
            setDraft(null);
            toast.success(t("namespace.text.saved", { name: namespace }));
            await refresh();
            setDialog("publish");
          }}
        >
          <p>{t("namespace.page.saveFirstText", { tab: textLabel })}</p>
        </ConfirmDialog>
      )}
      {dialog === "import" && (
        <ImportDialog where={where} format={ns.format} onClose={() => setDialog(null)} onImported={refresh} />
      )}
    </section>
  );
}

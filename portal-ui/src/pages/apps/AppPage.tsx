import { ApiError, api, query, type App, type RoleGrant } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader, Tabs } from "../../components/Common";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useAsync } from "../../lib/useAsync";
import { useT } from "../../i18n";
import { Star, useFavorites } from "./AppsPage";
import { Overview } from "./Overview";
import { Permissions } from "./Permissions";
import { Webhooks } from "../ops/Webhooks";
import "./apps.css";

type Tab = "config" | "permissions" | "webhooks";

/** One app: its configuration across environments, who may do what in it, and (for its masters) its webhooks. */
export function AppPage({ app }: { app: string }) {
  const t = useT();
  const { me, refresh } = useSession();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const asked = params.get("tab");
  // `null`: there is no such app (told apart by its status, whatever the language of the message).
  const info = useAsync(
    () =>
      api.get<App>(path("api", "v1", "apps", app)).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) {
          return null;
        }
        throw e;
      }),
    [app],
  );
  const roles = useAsync(() => api.get<RoleGrant[]>(path("api", "v1", "apps", app, "roles")), [app]);
  const favorites = useFavorites({ withApps: false });

  const isMaster =
    me.superAdmin ||
    (roles.data
      ? roles.data.some((g) => g.subjectType === "user" && g.subject === me.username && g.role === "master")
      : me.roles.includes(`Master+${app}`));
  // Webhooks are the masters' only; anyone else asking for the tab sees the configuration.
  const tab: Tab = asked === "permissions" ? "permissions" : asked === "webhooks" && isMaster ? "webhooks" : "config";

  const crumbs = (
    <>
      <Link to="/">{t("apps.list.title")}</Link>
      <span aria-hidden="true">/</span>
      <span>{app}</span>
    </>
  );

  if (info.error || info.data === null) {
    const missing = info.data === null;
    return (
      <section>
        <PageHeader title={app} crumbs={crumbs} />
        {missing ? (
          <EmptyState
            title={t("apps.page.missingTitle", { app })}
            action={
              <Link to="/" className="button">
                {t("apps.page.backToApps")}
              </Link>
            }
          >
            {t("apps.page.missingText")}
          </EmptyState>
        ) : (
          <ErrorNote error={info.error} />
        )}
      </section>
    );
  }
  if (!info.data) {
    return <Loading label={t("apps.page.loading")} />;
  }
  const a = info.data;
  return (
    <section className="app-page">
      <PageHeader
        crumbs={crumbs}
        title={
          <span className="app-title">
            {a.appId}
            {favorites.loaded && <Star app={a.appId} on={favorites.ids.includes(a.appId)} onToggle={favorites.toggle} />}
          </span>
        }
        actions={
          <Link to={`${path("apps", app, "compare")}`} className="button">
            {t("apps.compare.title")}
          </Link>
        }
      >
        <span className="app-facts">
          {a.name && a.name !== a.appId && <span>{a.name}</span>}
          <span>
            {t.rich("apps.page.owner", { owner: a.ownerName, strong: (chunks) => <strong>{chunks}</strong> })}
            {a.ownerEmail && <> · {a.ownerEmail}</>}
          </span>
          {(a.orgName || a.orgId) && <span>{t("apps.page.organisation", { org: a.orgName || a.orgId })}</span>}
        </span>
      </PageHeader>
      <ErrorNote error={favorites.error} />
      <Tabs<Tab>
        label={t("apps.page.sections")}
        current={tab}
        onChange={(next) => navigate(`${path("apps", app)}${query({ tab: next === "config" ? undefined : next })}`, { replace: true })}
        tabs={[
          { id: "config", label: t("apps.page.tabConfig") },
          { id: "permissions", label: t("apps.page.tabPermissions") },
          ...(isMaster ? [{ id: "webhooks" as const, label: t("apps.page.tabWebhooks") }] : []),
        ]}
      />
      {tab === "config" ? (
        <Overview app={app} isMaster={isMaster} />
      ) : tab === "webhooks" ? (
        <Webhooks base={path("api", "v1", "apps", app, "webhooks")} scope={{ kind: "app", app }} />
      ) : (
        <Permissions
          app={app}
          isMaster={isMaster}
          roles={roles}
          onChanged={async () => {
            await roles.reload();
            await refresh();
          }}
        />
      )}
    </section>
  );
}

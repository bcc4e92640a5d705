import { api, query, type App, type RoleGrant } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader, Tabs } from "../../components/Common";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useAsync } from "../../lib/useAsync";
import { Star, useFavorites } from "./AppsPage";
import { Overview } from "./Overview";
import { Permissions } from "./Permissions";
import { Webhooks } from "../ops/Webhooks";
import "./apps.css";

type Tab = "config" | "permissions" | "webhooks";

/** One app: its configuration across environments, who may do what in it, and (for its masters) its webhooks. */
export function AppPage({ app }: { app: string }) {
  const { me, refresh } = useSession();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const asked = params.get("tab");
  const info = useAsync(() => api.get<App>(path("api", "v1", "apps", app)), [app]);
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
      <Link to="/">Apps</Link>
      <span aria-hidden="true">/</span>
      <span>{app}</span>
    </>
  );

  if (info.error) {
    const missing = info.error && /does not exist|not found/i.test(info.error);
    return (
      <section>
        <PageHeader title={app} crumbs={crumbs} />
        {missing ? (
          <EmptyState title={`There is no app ${app}`} action={<Link to="/" className="button">Back to apps</Link>}>
            It may have been deleted, or the address is mistyped.
          </EmptyState>
        ) : (
          <ErrorNote error={info.error} />
        )}
      </section>
    );
  }
  if (!info.data) {
    return <Loading label="Loading the app…" />;
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
            Compare environments
          </Link>
        }
      >
        <span className="app-facts">
          {a.name && a.name !== a.appId && <span>{a.name}</span>}
          <span>
            Owner <strong>{a.ownerName}</strong>
            {a.ownerEmail && <> · {a.ownerEmail}</>}
          </span>
          {(a.orgName || a.orgId) && <span>Organisation {a.orgName || a.orgId}</span>}
        </span>
      </PageHeader>
      <ErrorNote error={favorites.error} />
      <Tabs<Tab>
        label="App sections"
        current={tab}
        onChange={(next) => navigate(`${path("apps", app)}${query({ tab: next === "config" ? undefined : next })}`, { replace: true })}
        tabs={[
          { id: "config", label: "Configuration" },
          { id: "permissions", label: "Permissions" },
          ...(isMaster ? [{ id: "webhooks" as const, label: "Webhooks" }] : []),
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

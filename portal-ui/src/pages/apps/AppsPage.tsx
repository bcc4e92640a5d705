import { useEffect, useState, type FormEvent, type MouseEvent } from "react";
import { api, query, type App, type Favorite, type Page } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, PageHeader, Pager, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { useT } from "../../i18n";
import { BusyLabel, fieldError, useDebounced, useFieldId } from "./kit";
import { UserPicker } from "./UserPicker";
import "./apps.css";

const PAGE_SIZE = 20;

/** The apps: favorites first, then every app, a page at a time; search and create. */
export function AppsPage() {
  const t = useT();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const q = params.get("q") ?? "";
  const page = Math.max(0, Number(params.get("page") ?? 0) || 0);
  const [text, setText] = useState(q);
  const settled = useDebounced(text.trim(), 250);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (settled !== q) {
      navigate(`/${query({ q: settled })}`, { replace: true });
    }
    // Only the typed text drives the address.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settled]);
  useEffect(() => {
    if (q !== settled) {
      setText(q);
    }
    // The address changed by other means (a link, back): show its search.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  const apps = useAsync(() => api.get<Page<App>>(`/api/v1/apps${query({ search: q, page, size: PAGE_SIZE })}`), [q, page]);
  const favorites = useFavorites();

  const fresh = apps.data && apps.data.total === 0 && !q;
  return (
    <section className="apps-page">
      <PageHeader
        title={t("apps.list.title")}
        actions={
          !fresh && (
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              {t("apps.list.create")}
            </button>
          )
        }
      >
        {t("apps.list.intro")}
      </PageHeader>

      {fresh ? (
        <EmptyState
          title={t("apps.list.emptyTitle")}
          action={
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              {t("apps.list.createFirst")}
            </button>
          }
        >
          {t.rich("apps.list.emptyText", { code: (chunks) => <code>{chunks}</code> })}
        </EmptyState>
      ) : (
        <>
          <div className="apps-search">
            <label htmlFor="app-search" className="visually-hidden-apps">
              {t("apps.list.searchLabel")}
            </label>
            <input
              id="app-search"
              className="input apps-search-input"
              type="search"
              placeholder={t("apps.list.searchPlaceholder")}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            {apps.loading && apps.data && <span className="spinner" aria-label={t("apps.list.searching")} />}
          </div>

          {!q && favorites.apps.length > 0 && (
            <div className="section" aria-labelledby="favorites-title">
              <div className="section-header">
                <h2 id="favorites-title">{t("apps.list.favorites")}</h2>
              </div>
              <ul className="favorite-grid" aria-label={t("apps.list.favoriteApps")}>
                {favorites.apps.map((app) => (
                  <li key={app.appId} className="card favorite-card" data-testid={`favorite-${app.appId}`}>
                    <div className="favorite-card-top">
                      <Link to={path("apps", app.appId)} className="app-link">
                        {app.appId}
                      </Link>
                      <Star app={app.appId} on onToggle={favorites.toggle} />
                    </div>
                    <span className="muted small">{app.name || "\u00a0"}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <ErrorNote error={favorites.error} />

          <div className="section" aria-labelledby="all-apps-title">
            <div className="section-header">
              <h2 id="all-apps-title">{q ? t("apps.list.matching", { q }) : t("apps.list.all")}</h2>
              {apps.data && (
                <span className="muted small">{t("apps.list.count", { count: apps.data.total })}</span>
              )}
            </div>
            <ErrorNote error={apps.error} />
            {!apps.data && apps.loading && <Loading label={t("apps.list.loading")} />}
            {apps.data && apps.data.items.length === 0 && (
              <EmptyState title={t("apps.list.noMatchTitle", { q })}>{t("apps.list.noMatchText")}</EmptyState>
            )}
            {apps.data && apps.data.items.length > 0 && (
              <div className="card card-flush">
                <table className="table apps-table">
                  <thead>
                    <tr>
                      <th scope="col" className="star-col">
                        <span className="visually-hidden-apps">{t("apps.list.colFavorite")}</span>
                      </th>
                      <th scope="col">{t("apps.list.colApp")}</th>
                      <th scope="col" className="hide-narrow">
                        {t("apps.list.colOwner")}
                      </th>
                      <th scope="col" className="hide-narrow">
                        {t("apps.list.colOrg")}
                      </th>
                      <th scope="col" className="hide-narrow">
                        {t("apps.list.colCreated")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {sortFavoritesFirst(apps.data.items, favorites.ids).map((app) => (
                      <tr key={app.appId} className="row-link" data-testid={`app-row-${app.appId}`} onClick={(e) => openRow(e, () => navigate(path("apps", app.appId)))}>
                        <td className="star-col">
                          <Star app={app.appId} on={favorites.ids.includes(app.appId)} onToggle={favorites.toggle} />
                        </td>
                        <td>
                          <Link to={path("apps", app.appId)} className="app-link">
                            {app.appId}
                          </Link>
                          {app.name && app.name !== app.appId && <div className="muted small">{app.name}</div>}
                        </td>
                        <td className="hide-narrow">{app.ownerName}</td>
                        <td className="hide-narrow">{app.orgName || app.orgId || <span className="muted">—</span>}</td>
                        <td className="hide-narrow muted">
                          <When at={app.createdAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {apps.data && (
              <Pager
                page={page}
                size={PAGE_SIZE}
                total={apps.data.total}
                onPage={(next) => navigate(`/${query({ q, page: next || undefined })}`)}
              />
            )}
          </div>
        </>
      )}
      {creating && <CreateAppDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

/** A click on a row opens it, unless it was on a link or button of its own. */
export function openRow(event: MouseEvent, open: () => void) {
  const target = event.target as HTMLElement;
  if (target.closest("a, button, input, select, label")) {
    return;
  }
  open();
}

function sortFavoritesFirst(apps: App[], ids: string[]): App[] {
  return [...apps].sort((a, b) => Number(ids.includes(b.appId)) - Number(ids.includes(a.appId)));
}

const NO_APP: App = { appId: "", name: "", orgId: "", orgName: "", ownerName: "", ownerEmail: "", createdAt: "", createdBy: "", updatedAt: "", updatedBy: "" };

/** The signed-in user's favorites (with their apps, unless not needed), and a way to toggle one. */
export function useFavorites({ withApps = true }: { withApps?: boolean } = {}) {
  const t = useT();
  const toast = useToast();
  const [error, setError] = useState<string>();
  const list = useAsync(async () => {
    const favorites = await api.get<Favorite[]>("/api/v1/favorites");
    if (!withApps) {
      return favorites.map((f): App => ({ ...NO_APP, appId: f.appId }));
    }
    const apps = await Promise.all(
      favorites.map((f) =>
        api.get<App>(path("api", "v1", "apps", f.appId)).catch((): App => ({ ...NO_APP, appId: f.appId })),
      ),
    );
    return apps;
  }, [withApps]);
  const [ids, setIds] = useState<string[] | null>(null);
  const current = ids ?? list.data?.map((a) => a.appId) ?? [];
  const toggle = async (appId: string) => {
    const on = current.includes(appId);
    setError(undefined);
    setIds(on ? current.filter((id) => id !== appId) : [...current, appId]);
    try {
      if (on) {
        await api.del(path("api", "v1", "favorites", appId));
      } else {
        await api.post("/api/v1/favorites", { appId });
      }
      toast.success(on ? t("apps.favorites.removed", { app: appId }) : t("apps.favorites.added", { app: appId }));
      await list.reload();
      setIds(null);
    } catch (e) {
      setIds(null);
      setError(t("apps.favorites.failed", { error: e instanceof Error ? e.message : String(e) }));
    }
  };
  const apps = (list.data ?? []).filter((a) => current.includes(a.appId));
  return { ids: current, apps, toggle, error: error ?? list.error, loaded: list.data !== undefined };
}

/** The favorite star of an app. */
export function Star({ app, on, onToggle }: { app: string; on: boolean; onToggle: (app: string) => void }) {
  const t = useT();
  return (
    <button
      type="button"
      className={`star${on ? " star-on" : ""}`}
      aria-pressed={on}
      aria-label={on ? t("apps.star.removeLabel", { app }) : t("apps.star.addLabel", { app })}
      title={on ? t("apps.star.removeTitle") : t("apps.star.addTitle")}
      onClick={() => onToggle(app)}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          d="M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z"
          fill={on ? "currentColor" : "none"}
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinejoin="round"
        />
      </svg>
    </button>
  );
}

type AppField = "appId" | "name" | "owner" | "org";

function CreateAppDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const { me, refresh } = useSession();
  const { navigate } = useRouter();
  const toast = useToast();
  const [appId, setAppId] = useState("");
  const [name, setName] = useState("");
  const [owner, setOwner] = useState(me.username);
  const [ownerEmail, setOwnerEmail] = useState(me.email);
  const [orgId, setOrgId] = useState("");
  const [orgName, setOrgName] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<AppField | "form", string>>>({});
  const ids = {
    appId: useFieldId("app-id"),
    name: useFieldId("app-name"),
    owner: useFieldId("app-owner"),
    email: useFieldId("app-email"),
    orgId: useFieldId("app-org"),
    orgName: useFieldId("app-org-name"),
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: typeof errors = {};
    if (!appId.trim()) {
      local.appId = t("apps.create.appIdRequired");
    }
    if (!owner.trim()) {
      local.owner = t("apps.create.ownerRequired");
    }
    setErrors(local);
    if (Object.keys(local).length > 0) {
      return;
    }
    setBusy(true);
    try {
      const created = await api.post<App>("/api/v1/apps", {
        appId: appId.trim(),
        name: name.trim() || appId.trim(),
        ownerName: owner.trim(),
        ownerEmail: ownerEmail.trim() || undefined,
        orgId: orgId.trim() || undefined,
        orgName: orgName.trim() || orgId.trim() || undefined,
      });
      toast.success(t("apps.create.created", { app: created.appId }));
      await refresh();
      navigate(path("apps", created.appId));
    } catch (e) {
      const { field, message } = fieldError<AppField>(e, [
        ["appId", /app id|app `|already exists/i],
        ["owner", /owner/i],
        ["name", /`name`/],
        ["org", /org/i],
      ]);
      setErrors({ [field ?? "form"]: message });
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("apps.create.title")}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("apps.common.cancel")}
          </button>
          <button type="submit" form="create-app-form" className="button button-primary" disabled={busy}>
            <BusyLabel busy={busy}>{t("apps.list.create")}</BusyLabel>
          </button>
        </>
      }
    >
      <form id="create-app-form" className="form-grid" onSubmit={submit} noValidate>
        <Field id={ids.appId} label={t("apps.create.appId")} hint={t("apps.create.appIdHint")} error={errors.appId}>
          <input
            id={ids.appId}
            value={appId}
            onChange={(e) => setAppId(e.target.value)}
            aria-invalid={!!errors.appId || undefined}
            autoComplete="off"
            spellCheck={false}
          />
        </Field>
        <Field id={ids.name} label={t("apps.create.name")} hint={t("apps.create.nameHint")} error={errors.name}>
          <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errors.name || undefined} />
        </Field>
        <div className="form-row">
          <Field id={ids.owner} label={t("apps.create.owner")} hint={t("apps.create.ownerHint")} error={errors.owner}>
            <UserPicker id={ids.owner} value={owner} onChange={setOwner} invalid={!!errors.owner} />
          </Field>
          <Field id={ids.email} label={t("apps.create.ownerEmail")}>
            <input id={ids.email} type="email" value={ownerEmail} onChange={(e) => setOwnerEmail(e.target.value)} />
          </Field>
        </div>
        <div className="form-row">
          <Field id={ids.orgId} label={t("apps.create.org")} hint={t("apps.create.orgHint")} error={errors.org}>
            <input id={ids.orgId} value={orgId} onChange={(e) => setOrgId(e.target.value)} />
          </Field>
          <Field id={ids.orgName} label={t("apps.create.orgName")}>
            <input id={ids.orgName} value={orgName} onChange={(e) => setOrgName(e.target.value)} />
          </Field>
        </div>
        <ErrorNote error={errors.form} />
      </form>
    </Dialog>
  );
}

import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError, api, messageOf, setUnauthenticatedHandler, type Me } from "./api/client";
import { saveLanguage } from "./components/LanguageSwitch";
import { Shell } from "./components/Shell";
import { currentLocale, isLocale, msg, useLocale, useT, type MessageId } from "./i18n";
import { Router, match, useRouter } from "./lib/router";
import { SessionContext } from "./lib/session";
import { Toasts } from "./lib/toast";
import { AccountPage } from "./pages/account/AccountPage";
import { UsersPage } from "./pages/account/UsersPage";
import { AppPage } from "./pages/apps/AppPage";
import { AppsPage } from "./pages/apps/AppsPage";
import { ComparePage } from "./pages/apps/ComparePage";
import { NamespacePage } from "./pages/namespace/NamespacePage";
import { AuditPage } from "./pages/ops/AuditPage";
import { ConsumersPage } from "./pages/ops/ConsumersPage";
import { SearchPage } from "./pages/ops/SearchPage";
import { WebhooksPage } from "./pages/ops/WebhooksPage";
import { RequestPage } from "./pages/reviews/RequestPage";
import { RequestsPage } from "./pages/reviews/RequestsPage";
import { Home } from "./pages/Home";
import { NotFound } from "./pages/NotFound";
import { SignIn } from "./pages/SignIn";

/** Route parameters; every name in a route's pattern is present. */
type Params = Record<string, string> & { app: string; env: string; cluster: string; namespace: string; id: string };

/** Signed out, with what to say about it: a message id, or the API's words. */
type Notice = { id: MessageId } | { text: string };

type Session = { state: "checking" } | { state: "signed-out"; notice?: Notice } | { state: "signed-in"; me: Me };

/** Every signed-in page, by path pattern. */
const ROUTES: { pattern: string; render: (params: Params) => ReactNode }[] = [
  { pattern: "/", render: () => <AppsPage /> },
  { pattern: "/apps/:app", render: (p) => <AppPage app={p.app} /> },
  { pattern: "/apps/:app/compare", render: (p) => <ComparePage app={p.app} /> },
  {
    pattern: "/apps/:app/envs/:env/clusters/:cluster/namespaces/:namespace",
    render: (p) => <NamespacePage app={p.app} env={p.env} cluster={p.cluster} namespace={p.namespace} />,
  },
  { pattern: "/release-requests", render: () => <RequestsPage /> },
  { pattern: "/release-requests/:id", render: (p) => <RequestPage id={Number(p.id)} /> },
  { pattern: "/search", render: () => <SearchPage /> },
  { pattern: "/audit", render: () => <AuditPage /> },
  { pattern: "/consumers", render: () => <ConsumersPage /> },
  { pattern: "/webhooks", render: () => <WebhooksPage /> },
  { pattern: "/users", render: () => <UsersPage /> },
  { pattern: "/account", render: () => <AccountPage /> },
  { pattern: "/system", render: () => <Home /> },
];

function Page() {
  const { location } = useRouter();
  for (const route of ROUTES) {
    const params = match(route.pattern, location.path) as Params | null;
    if (params) {
      // A new path renders a fresh page.
      return <div key={location.path}>{route.render(params)}</div>;
    }
  }
  return <NotFound />;
}

export function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });
  const { setLocale } = useLocale();
  const t = useT();

  const loadMe = useCallback(async () => {
    try {
      const me = await api.me();
      if (isLocale(me.language)) {
        // The user's language, wherever they chose it.
        if (me.language !== currentLocale()) {
          await setLocale(me.language);
        }
      } else {
        // The first sign-in: the language this browser speaks now becomes the user's.
        void saveLanguage(currentLocale()).catch(() => {});
      }
      setSession({ state: "signed-in", me });
    } catch (error) {
      const expired = error instanceof ApiError && error.status === 401;
      setSession({
        state: "signed-out",
        notice: expired ? undefined : { text: messageOf(error) },
      });
    }
  }, [setLocale]);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  useEffect(() => {
    setUnauthenticatedHandler(() =>
      setSession((s) => (s.state === "signed-in" ? { state: "signed-out", notice: { id: msg("common.session.ended") } } : s)),
    );
  }, []);

  const signOut = useCallback(async () => {
    try {
      const out = await api.logout();
      if (out?.endSessionUrl) {
        // Signed out of Lyre; the identity provider signs out too and sends the browser back.
        window.location.assign(out.endSessionUrl);
        return;
      }
    } catch {
      // Signed out either way: the session is gone or unusable.
    }
    setSession({ state: "signed-out", notice: { id: msg("common.session.signedOut") } });
  }, []);

  const sessionValue = useMemo(
    () => (session.state === "signed-in" ? { me: session.me, refresh: loadMe, signOut } : null),
    [session, loadMe, signOut],
  );

  switch (session.state) {
    case "checking":
      return (
        <div className="splash" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> {t("common.loadingLyre")}
        </div>
      );
    case "signed-out":
      return (
        <SignIn
          notice={session.notice && ("id" in session.notice ? t(session.notice.id) : session.notice.text)}
          onSignedIn={loadMe}
        />
      );
    case "signed-in":
      return (
        <SessionContext.Provider value={sessionValue}>
          <Router>
            <Toasts>
              <Shell>
                <Page />
              </Shell>
            </Toasts>
          </Router>
        </SessionContext.Provider>
      );
  }
}

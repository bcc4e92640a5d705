import { useEffect, useState, type ReactNode } from "react";
import { api, type Page, type ReleaseRequest } from "../api/client";
import { msg, useT, type MessageId } from "../i18n";
import { Link, useRouter } from "../lib/router";
import { useSession } from "../lib/session";
import { LanguageSwitch, useRememberLanguage } from "./LanguageSwitch";
import { Logo } from "./Logo";

type NavItem = { to: string; label: MessageId; admin?: boolean; match: (path: string) => boolean };

const NAV: NavItem[] = [
  { to: "/", label: msg("common.nav.apps"), match: (p) => p === "/" || p.startsWith("/apps") },
  { to: "/release-requests", label: msg("common.nav.releaseRequests"), match: (p) => p.startsWith("/release-requests") },
  { to: "/search", label: msg("common.nav.search"), match: (p) => p.startsWith("/search") },
  { to: "/audit", label: msg("common.nav.audit"), match: (p) => p.startsWith("/audit") },
  { to: "/consumers", label: msg("common.nav.consumers"), match: (p) => p.startsWith("/consumers") },
  { to: "/webhooks", label: msg("common.nav.webhooks"), admin: true, match: (p) => p.startsWith("/webhooks") },
  { to: "/users", label: msg("common.nav.users"), admin: true, match: (p) => p.startsWith("/users") },
  { to: "/system", label: msg("common.nav.system"), match: (p) => p.startsWith("/system") },
];

/** Sent (on `window`) after a review step, so the navigation's count follows at once. */
export const REVIEWS_CHANGED = "lyre:reviews-changed";

/**
 * How many release requests wait for the signed-in user's review: asked again on every page
 * change, after a review step, when the window comes back into view, and each minute.
 */
function useWaitingReviews(path: string): number {
  const [waiting, setWaiting] = useState(0);
  useEffect(() => {
    let live = true;
    const ask = () => {
      api
        .get<Page<ReleaseRequest>>("/api/v1/release-requests?view=review&size=1")
        .then((page) => live && setWaiting(page.total))
        .catch(() => {});
    };
    ask();
    const timer = window.setInterval(ask, 60_000);
    const onVisible = () => document.visibilityState === "visible" && ask();
    window.addEventListener(REVIEWS_CHANGED, ask);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      live = false;
      window.clearInterval(timer);
      window.removeEventListener(REVIEWS_CHANGED, ask);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [path]);
  return waiting;
}

/** The frame of every signed-in page: the top bar with the user, and the navigation. */
export function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { location } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  const waiting = useWaitingReviews(location.path);
  const t = useT();
  const remember = useRememberLanguage();
  const name = me.displayName || me.username;
  return (
    <div className="shell">
      <header className="topbar">
        <div className="topbar-left">
          <button
            type="button"
            className="button button-quiet menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            {t("common.shell.menu")}
          </button>
          <Link className="brand" to="/" aria-label={t("common.shell.home")}>
            <Logo />
            <span>Lyre</span>
          </Link>
        </div>
        <div className="topbar-user">
          <Link className="user-link" to="/account" title={t("common.shell.account")}>
            <span className="avatar" aria-hidden="true">
              {name.slice(0, 1).toUpperCase()}
            </span>
            <span className="user-name" data-testid="current-user">
              {name}
              {me.superAdmin && <span className="badge badge-muted">{t("common.shell.superAdmin")}</span>}
            </span>
          </Link>
          <LanguageSwitch onChosen={remember} />
          <button type="button" className="button button-quiet" onClick={() => void signOut()}>
            {t("common.shell.signOut")}
          </button>
        </div>
      </header>
      <div className="frame">
        <nav id="main-nav" className={`sidenav${menuOpen ? " sidenav-open" : ""}`} aria-label={t("common.shell.nav")}>
          {NAV.filter((item) => !item.admin || me.superAdmin).map((item) => (
            <Link
              key={item.to}
              to={item.to}
              className={`nav-link${item.match(location.path) ? " nav-current" : ""}`}
              aria-current={item.match(location.path) ? "page" : undefined}
              onClick={() => setMenuOpen(false)}
            >
              {t(item.label)}
              {item.to === "/release-requests" && waiting > 0 && (
                <span className="nav-count" data-testid="waiting-reviews" title={t("common.shell.waiting", { count: waiting })}>
                  {waiting}
                  <span className="visually-hidden"> {t("common.shell.waitingHidden")}</span>
                </span>
              )}
            </Link>
          ))}
        </nav>
        <main className="content">{children}</main>
      </div>
    </div>
  );
}

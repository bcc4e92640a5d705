// A small client-side router over the History API: the portal serves index.html for every
// path it does not know, so deep links and reloads land on the right page.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type AnchorHTMLAttributes, type ReactNode } from "react";

type Location = { path: string; search: URLSearchParams };

type RouterValue = {
  location: Location;
  navigate: (to: string, options?: { replace?: boolean }) => void;
};

const RouterContext = createContext<RouterValue | null>(null);

function current(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

/** Questions to ask before leaving the current page, from the pages that hold unsaved work. */
const leaveGuards = new Set<{ message: string }>();

/** Whether the person agrees to leave, when a page holds unsaved work. */
function mayLeave(): boolean {
  const guard = [...leaveGuards].at(-1);
  return !guard || window.confirm(guard.message);
}

export function Router({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(current);
  // Where the page is, so that a refused Back can return to it.
  const here = useRef(window.location.href);
  useEffect(() => {
    const onPop = () => {
      if (window.location.pathname !== new URL(here.current).pathname && !mayLeave()) {
        window.history.pushState(null, "", here.current);
        return;
      }
      here.current = window.location.href;
      setLocation(current());
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const navigate = useCallback((to: string, options?: { replace?: boolean }) => {
    // Another page, not the same page's query (a tab, a filter), may lose unsaved work.
    if (new URL(to, window.location.href).pathname !== window.location.pathname && !mayLeave()) {
      return;
    }
    if (options?.replace) {
      window.history.replaceState(null, "", to);
    } else {
      window.history.pushState(null, "", to);
    }
    here.current = window.location.href;
    setLocation(current());
    window.scrollTo(0, 0);
  }, []);
  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

/**
 * While `message` is set, leaving the page asks first: in-app links and Back ask `message`,
 * and a reload or a closed tab gets the browser's own question.
 */
export function useLeaveGuard(message: string | null) {
  useEffect(() => {
    if (!message) return;
    const guard = { message };
    leaveGuards.add(guard);
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => {
      leaveGuards.delete(guard);
      window.removeEventListener("beforeunload", warn);
    };
  }, [message]);
}

export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) {
    throw new Error("useRouter outside <Router>");
  }
  return value;
}

/** The query string of the current location. */
export function useSearchParams(): URLSearchParams {
  return useRouter().location.search;
}

/** Matches `path` against a pattern like `/apps/:app/envs/:env`; the parameters, decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = got[i] ?? "";
    if (segment.startsWith(":")) {
      try {
        params[segment.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (segment !== actual) {
      return null;
    }
  }
  return params;
}

/** A link that navigates without reloading the page (and still works with a middle click). */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate } = useRouter();
  return (
    <a
      href={to}
      {...rest}
      onClick={(event) => {
        rest.onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
          return;
        }
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Encodes each segment of a path built from names. */
export function path(...segments: (string | number)[]): string {
  return "/" + segments.map((s) => encodeURIComponent(String(s))).join("/");
}

import { useCallback, useEffect, useState } from "react";
import { ApiError, api, type Me } from "./api/client";
import { Shell } from "./components/Shell";
import { Home } from "./pages/Home";
import { SignIn } from "./pages/SignIn";

type Session = { state: "checking" } | { state: "signed-out"; notice?: string } | { state: "signed-in"; me: Me };

export function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });

  const loadMe = useCallback(async () => {
    try {
      setSession({ state: "signed-in", me: await api.me() });
    } catch (error) {
      const expired = error instanceof ApiError && error.status === 401;
      setSession({
        state: "signed-out",
        notice: expired ? undefined : error instanceof Error ? error.message : String(error),
      });
    }
  }, []);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setSession({ state: "signed-out", notice: "You are signed out." });
    }
  }, []);

  switch (session.state) {
    case "checking":
      return (
        <div className="splash" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> Loading Lyre…
        </div>
      );
    case "signed-out":
      return <SignIn notice={session.notice} onSignedIn={loadMe} />;
    case "signed-in":
      return (
        <Shell me={session.me} onSignOut={signOut}>
          <Home onSessionEnded={() => setSession({ state: "signed-out", notice: "Your session has ended. Please sign in again." })} />
        </Shell>
      );
  }
}

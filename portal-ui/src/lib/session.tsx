// The signed-in user, shared by every page.
import { createContext, useContext } from "react";
import type { Me } from "../api/client";

export type SessionValue = {
  me: Me;
  /** Reloads `me` (after a role change, say). */
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
};

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) {
    throw new Error("useSession outside a signed-in page");
  }
  return value;
}

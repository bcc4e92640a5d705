import type { ReactNode } from "react";
import type { Me } from "../api/client";
import { Logo } from "./Logo";

/** The frame of every signed-in page: the top bar with the user and sign-out. */
export function Shell({ me, onSignOut, children }: { me: Me; onSignOut: () => void; children: ReactNode }) {
  const name = me.displayName || me.username;
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/" aria-label="Lyre home">
          <Logo />
          <span>Lyre</span>
        </a>
        <div className="topbar-user">
          <span className="avatar" aria-hidden="true">
            {name.slice(0, 1).toUpperCase()}
          </span>
          <span className="user-name" data-testid="current-user">
            {name}
            {me.superAdmin && <span className="badge badge-muted">super admin</span>}
          </span>
          <button type="button" className="button button-quiet" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

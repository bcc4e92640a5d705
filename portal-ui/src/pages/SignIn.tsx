import { type FormEvent, useEffect, useState } from "react";
import { type SignInMethods, api, messageOf } from "../api/client";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { Logo } from "../components/Logo";
import { useT } from "../i18n";

/**
 * Whether the address says a sign-in through the identity provider failed (`/login?error=`);
 * why comes with the sign-in methods, never from the address, which anyone can write.
 */
function providerFailed(): boolean {
  const failed = new URLSearchParams(window.location.search).has("error");
  if (window.location.pathname === "/login") {
    // The provider's way back (a failure, or after signing out there): the portal's home.
    window.history.replaceState(null, "", "/");
  }
  return failed;
}

/** The sign-in page: the identity provider's button when there is one, and the password form. */
export function SignIn({ notice, onSignedIn }: { notice?: string; onSignedIn: () => Promise<void> }) {
  const t = useT();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [failed] = useState(providerFailed);
  const [error, setError] = useState<string | null>(null);
  // `undefined` while asking; `null` when the portal did not say (the password form then shows).
  const [methods, setMethods] = useState<SignInMethods | null | undefined>(undefined);

  useEffect(() => {
    api.signInMethods().then(
      (found) => {
        setMethods(found);
        if (found.failure) {
          setError(found.failure.message);
        } else if (failed) {
          setError(t("common.signIn.providerFailed"));
        }
      },
      () => setMethods(null),
    );
  }, [failed, t]);
  const showForm = methods !== undefined && (methods?.password ?? true);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError(t("common.signIn.missing"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.login(username.trim(), password);
      await onSignedIn();
    } catch (e) {
      setError(messageOf(e));
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="signin-page">
      <form className="signin-card" onSubmit={submit} noValidate aria-labelledby="signin-title">
        <div className="signin-brand">
          <Logo size={40} />
          <div>
            <h1 id="signin-title">{t("common.signIn.title")}</h1>
            <p className="muted">{t("common.signIn.tagline")}</p>
          </div>
        </div>
        {notice && !error && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="alert" role="alert">
            {error}
          </p>
        )}
        {methods?.oidc && (
          <>
            <a className="button button-primary button-block" href={methods.oidc.startUrl} data-testid="sign-in-oidc">
              {t("common.signIn.withProvider", { provider: methods.oidc.name })}
            </a>
            {showForm && (
              <p className="signin-or muted">
                {methods.local === "super-admins" && !methods.ldap ? t("common.signIn.orSuperAdmins") : t("common.signIn.or")}
              </p>
            )}
          </>
        )}
        {showForm && (
          <>
        <label className="field">
          <span>{t("common.signIn.username")}</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            disabled={busy}
          />
        </label>
        <label className="field">
          <span>{t("common.signIn.password")}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
          />
        </label>
        <button
          className={`button ${methods?.oidc ? "" : "button-primary"} button-block`}
          type="submit"
          disabled={busy}
        >
          {busy ? (
            <>
              <span className="spinner spinner-light" aria-hidden="true" /> {t("common.signIn.busy")}
            </>
          ) : (
            t("common.signIn.submit")
          )}
        </button>
          </>
        )}
      </form>
      <div className="signin-language">
        <LanguageSwitch />
      </div>
    </div>
  );
}

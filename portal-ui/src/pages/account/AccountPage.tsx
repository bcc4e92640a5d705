import { useId, useState, type FormEvent } from "react";
import { ApiError, api, messageOf } from "../../api/client";
import { Field, PageHeader } from "../../components/Common";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import "./account.css";

/** The signed-in user: who they are, what they hold, and changing their password. */
export function AccountPage() {
  const { me } = useSession();
  return (
    <section>
      <PageHeader title="Your account">Signed in as {me.username}.</PageHeader>
      <div className="account-grid">
        <article className="card">
          <h2>Profile</h2>
          <dl className="facts">
            <dt>User name</dt>
            <dd>{me.username}</dd>
            <dt>Name</dt>
            <dd>{me.displayName || "—"}</dd>
            <dt>Email</dt>
            <dd>{me.email || "—"}</dd>
            <dt>Signs in</dt>
            <dd data-testid="account-source">{sourceWords(me.source)}</dd>
            <dt>Roles</dt>
            <dd>
              {me.roleGrants.length === 0 ? (
                <span className="muted">None yet: ask an app's master for access.</span>
              ) : (
                <ul className="role-list" data-testid="account-roles">
                  {me.roleGrants.map((grant) => (
                    <li key={`${grant.role} ${grant.group ?? ""}`}>
                      <code>{grant.role}</code>{" "}
                      <span className="muted">
                        {grant.group ? `from group ${grant.group}, at each sign-in` : "granted in Lyre"}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        </article>
        {me.source === "local" ? (
          <ChangePassword />
        ) : (
          <article className="card">
            <h2>Password</h2>
            <p className="muted">
              Your password is kept by {sourceWords(me.source).replace(/^with /, "")}; change it there. Roles that come
              from your groups follow them at each sign-in.
            </p>
          </article>
        )}
      </div>
    </section>
  );
}

/** How a user signs in, in words. */
export function sourceWords(source: string): string {
  switch (source) {
    case "local":
      return "with a password kept by Lyre";
    case "oidc":
      return "with the company's identity provider (OpenID Connect)";
    case "ldap":
      return "with the company directory (LDAP)";
    default:
      return `with ${source}`;
  }
}

function ChangePassword() {
  const toast = useToast();
  const ids = { current: useId(), next: useId(), again: useId() };
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<{ current?: string; next?: string; again?: string; form?: string }>({});
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: typeof errors = {};
    if (!current) found.current = "Enter your current password.";
    if (next.length < 8) found.next = "Use at least 8 characters.";
    if (next !== again) found.again = "The two new passwords differ.";
    setErrors(found);
    if (Object.keys(found).length > 0) {
      return;
    }
    setSaving(true);
    try {
      await api.put("/api/v1/auth/password", { currentPassword: current, newPassword: next });
      setCurrent("");
      setNext("");
      setAgain("");
      toast.success("Your password is changed. Your other sessions are signed out.");
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) {
        setErrors({ current: e.message });
      } else if (e instanceof ApiError && e.status === 400) {
        setErrors({ next: e.message });
      } else {
        setErrors({ form: messageOf(e) });
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={submit} noValidate>
      <h2>Change password</h2>
      <Field id={ids.current} label="Current password" error={errors.current}>
        <input id={ids.current} type="password" autoComplete="current-password" value={current} aria-invalid={Boolean(errors.current)} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field id={ids.next} label="New password" hint="At least 8 characters." error={errors.next}>
        <input id={ids.next} type="password" autoComplete="new-password" value={next} aria-invalid={Boolean(errors.next)} onChange={(e) => setNext(e.target.value)} />
      </Field>
      <Field id={ids.again} label="New password again" error={errors.again}>
        <input id={ids.again} type="password" autoComplete="new-password" value={again} aria-invalid={Boolean(errors.again)} onChange={(e) => setAgain(e.target.value)} />
      </Field>
      {errors.form && (
        <p className="alert" role="alert">
          {errors.form}
        </p>
      )}
      <div>
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? "Changing…" : "Change password"}
        </button>
      </div>
    </form>
  );
}

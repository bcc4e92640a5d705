import { useId, useState, type FormEvent } from "react";
import { ApiError, api, messageOf, wordsOf } from "../../api/client";
import { Field, PageHeader } from "../../components/Common";
import { LanguageSwitch, useRememberLanguage } from "../../components/LanguageSwitch";
import { useT, type Translate } from "../../i18n";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import "./account.css";

/** The signed-in user: who they are, what they hold, and changing their password. */
export function AccountPage() {
  const { me } = useSession();
  const t = useT();
  const remember = useRememberLanguage();
  return (
    <section>
      <PageHeader title={t("account.profile.title")}>{t("account.profile.signedInAs", { username: me.username })}</PageHeader>
      <div className="account-grid">
        <article className="card">
          <h2>{t("account.profile.heading")}</h2>
          <dl className="facts">
            <dt>{t("account.common.userName")}</dt>
            <dd>{me.username}</dd>
            <dt>{t("account.common.name")}</dt>
            <dd>{me.displayName || "—"}</dd>
            <dt>{t("account.common.email")}</dt>
            <dd>{me.email || "—"}</dd>
            <dt>{t("account.profile.signsIn")}</dt>
            <dd data-testid="account-source">{sourceWords(me.source, t)}</dd>
            <dt>{t("account.profile.roles")}</dt>
            <dd>
              {me.roleGrants.length === 0 ? (
                <span className="muted">{t("account.profile.noRoles")}</span>
              ) : (
                <ul className="role-list" data-testid="account-roles">
                  {me.roleGrants.map((grant) => (
                    <li key={`${grant.role} ${grant.group ?? ""}`}>
                      <code>{grant.role}</code>{" "}
                      <span className="muted">
                        {grant.group ? t("account.profile.fromGroup", { group: grant.group }) : t("account.profile.grantedInLyre")}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        </article>
        <article className="card" data-testid="account-language">
          <h2>{t("common.language.title")}</h2>
          <p className="muted">{t("common.language.explain")}</p>
          <LanguageSwitch showLabel onChosen={remember} />
        </article>
        {me.source === "local" ? (
          <ChangePassword />
        ) : (
          <article className="card">
            <h2>{t("account.password.heading")}</h2>
            <p className="muted">{t("account.password.keptElsewhere", { source: me.source })}</p>
          </article>
        )}
      </div>
    </section>
  );
}

/** How a user signs in, in words. */
export function sourceWords(source: string, t: Translate): string {
  switch (source) {
    case "local":
      return t("account.source.local");
    case "oidc":
      return t("account.source.oidc");
    case "ldap":
      return t("account.source.ldap");
    default:
      return t("account.source.other", { source });
  }
}

function ChangePassword() {
  const t = useT();
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
    if (!current) found.current = t("account.password.enterCurrent");
    if (next.length < 8) found.next = t("account.password.tooShort");
    if (next !== again) found.again = t("account.password.differ");
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
      toast.success(t("account.password.changed"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) {
        setErrors({ current: wordsOf(e) });
      } else if (e instanceof ApiError && e.status === 400) {
        setErrors({ next: wordsOf(e) });
      } else {
        setErrors({ form: messageOf(e) });
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={submit} noValidate>
      <h2>{t("account.password.change")}</h2>
      <Field id={ids.current} label={t("account.password.current")} error={errors.current}>
        <input id={ids.current} type="password" autoComplete="current-password" value={current} aria-invalid={Boolean(errors.current)} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field id={ids.next} label={t("account.common.newPassword")} hint={t("account.common.passwordHint")} error={errors.next}>
        <input id={ids.next} type="password" autoComplete="new-password" value={next} aria-invalid={Boolean(errors.next)} onChange={(e) => setNext(e.target.value)} />
      </Field>
      <Field id={ids.again} label={t("account.password.again")} error={errors.again}>
        <input id={ids.again} type="password" autoComplete="new-password" value={again} aria-invalid={Boolean(errors.again)} onChange={(e) => setAgain(e.target.value)} />
      </Field>
      {errors.form && (
        <p className="alert" role="alert">
          {errors.form}
        </p>
      )}
      <div>
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? t("account.password.changing") : t("account.password.change")}
        </button>
      </div>
    </form>
  );
}

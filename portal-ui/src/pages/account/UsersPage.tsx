import { useId, useState, type FormEvent } from "react";
import { api, messageOf, query, type Page, type UserView } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, PageHeader, Pager, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useT } from "../../i18n";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import "./account.css";

const PAGE_SIZE = 20;

/** People: the super admin creates them, changes them, disables them and resets passwords. */
export function UsersPage() {
  const { me } = useSession();
  const t = useT();
  const toast = useToast();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(0);
  const [dialog, setDialog] = useState<{ kind: "create" } | { kind: "edit" | "reset"; user: UserView } | null>(null);
  const users = useAsync(
    () => api.get<Page<UserView>>(`/api/v1/users${query({ search, page, size: PAGE_SIZE })}`),
    [search, page],
  );

  if (!me.superAdmin) {
    return (
      <section>
        <PageHeader title={t("account.users.title")} />
        <EmptyState title={t("account.users.onlySuperAdmin")}>{t("account.users.askSuperAdmin")}</EmptyState>
      </section>
    );
  }

  const setEnabled = async (user: UserView, enabled: boolean) => {
    try {
      await api.put(`/api/v1/users/${encodeURIComponent(user.username)}`, { enabled });
      toast.success(enabled ? t("account.users.enabled", { user: user.username }) : t("account.users.disabledToast", { user: user.username }));
      await users.reload();
    } catch (e) {
      toast.error(messageOf(e));
    }
  };

  return (
    <section>
      <PageHeader
        title={t("account.users.title")}
        actions={
          <button type="button" className="button button-primary" onClick={() => setDialog({ kind: "create" })}>
            {t("account.users.newUser")}
          </button>
        }
      >
        {t("account.users.intro")}
      </PageHeader>
      <div className="toolbar section-header">
        <input
          className="input"
          type="search"
          aria-label={t("account.users.search")}
          placeholder={t("account.users.searchPlaceholder")}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(0);
          }}
        />
      </div>
      <ErrorNote error={users.error} />
      {!users.data && users.loading && <Loading label={t("account.users.loading")} />}
      {users.data && users.data.items.length === 0 && <EmptyState title={search ? t("account.users.noMatch") : t("account.users.none")} />}
      {users.data && users.data.items.length > 0 && (
        <div className="card table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("account.users.columnUser")}</th>
                <th scope="col">{t("account.common.email")}</th>
                <th scope="col">{t("account.users.columnStatus")}</th>
                <th scope="col">{t("account.users.columnCreated")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("account.users.columnActions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <tr key={user.username} className={user.enabled ? undefined : "user-disabled"} data-testid={`user-${user.username}`}>
                  <td>
                    <strong>{user.displayName || user.username}</strong>
                    <div className="muted small mono">{user.username}</div>
                    {user.source !== "local" && (
                      <span className="pill pill-muted" title={t("account.users.externalSource")}>
                        {user.source === "oidc" ? "OpenID Connect" : user.source.toUpperCase()}
                      </span>
                    )}
                  </td>
                  <td>{user.email || <span className="muted">—</span>}</td>
                  <td>{user.enabled ? <span className="pill pill-ok">{t("account.users.active")}</span> : <span className="pill pill-muted">{t("account.users.disabled")}</span>}</td>
                  <td>
                    <When at={user.createdAt} />
                  </td>
                  <td>
                    <div className="toolbar row-actions">
                      <button type="button" className="button button-small" onClick={() => setDialog({ kind: "edit", user })}>
                        {t("account.users.edit")}
                      </button>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setDialog({ kind: "reset", user })}
                        disabled={user.source !== "local"}
                        title={user.source !== "local" ? t("account.users.passwordElsewhere") : undefined}
                      >
                        {t("account.users.resetPassword")}
                      </button>
                      {user.username !== me.username &&
                        (user.enabled ? (
                          <button type="button" className="button button-small button-danger" onClick={() => void setEnabled(user, false)}>
                            {t("account.users.disable")}
                          </button>
                        ) : (
                          <button type="button" className="button button-small" onClick={() => void setEnabled(user, true)}>
                            {t("account.users.enable")}
                          </button>
                        ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={users.data.page} size={users.data.size} total={users.data.total} onPage={setPage} />
        </div>
      )}
      {dialog?.kind === "create" && (
        <CreateUser
          onClose={() => setDialog(null)}
          onCreated={async (name) => {
            setDialog(null);
            toast.success(t("account.users.created", { user: name }));
            await users.reload();
          }}
        />
      )}
      {dialog?.kind === "edit" && (
        <EditUser
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={async () => {
            setDialog(null);
            toast.success(t("account.users.saved", { user: dialog.user.username }));
            await users.reload();
          }}
        />
      )}
      {dialog?.kind === "reset" && (
        <ResetPassword
          user={dialog.user}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            toast.success(t("account.users.passwordReset", { user: dialog.user.username }));
          }}
        />
      )}
    </section>
  );
}

function CreateUser({ onClose, onCreated }: { onClose: () => void; onCreated: (name: string) => Promise<void> }) {
  const t = useT();
  const ids = { name: useId(), display: useId(), email: useId(), password: useId() };
  const [form, setForm] = useState({ username: "", displayName: "", email: "", password: "" });
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    try {
      await api.post("/api/v1/users", form);
      await onCreated(form.username);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Dialog
      title={t("account.users.newUser")}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("account.users.cancel")}
          </button>
          <button type="submit" form="create-user" className="button button-primary" disabled={saving}>
            {saving ? t("account.users.creating") : t("account.users.createUser")}
          </button>
        </>
      }
    >
      <form id="create-user" className="form-grid" onSubmit={submit}>
        <Field id={ids.name} label={t("account.common.userName")} hint={t("account.users.userNameHint")}>
          <input id={ids.name} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
        </Field>
        <Field id={ids.display} label={t("account.common.name")}>
          <input id={ids.display} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
        </Field>
        <Field id={ids.email} label={t("account.common.email")}>
          <input id={ids.email} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </Field>
        <Field id={ids.password} label={t("account.users.firstPassword")} hint={t("account.users.firstPasswordHint")}>
          <input id={ids.password} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
        </Field>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

function EditUser({ user, onClose, onSaved }: { user: UserView; onClose: () => void; onSaved: () => Promise<void> }) {
  const t = useT();
  const ids = { display: useId(), email: useId() };
  const [form, setForm] = useState({ displayName: user.displayName, email: user.email });
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    try {
      await api.put(`/api/v1/users/${encodeURIComponent(user.username)}`, form);
      await onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Dialog
      title={t("account.users.editTitle", { user: user.username })}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("account.users.cancel")}
          </button>
          <button type="submit" form="edit-user" className="button button-primary" disabled={saving}>
            {saving ? t("account.users.saving") : t("account.users.save")}
          </button>
        </>
      }
    >
      <form id="edit-user" className="form-grid" onSubmit={submit}>
        <Field id={ids.display} label={t("account.common.name")}>
          <input id={ids.display} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
        </Field>
        <Field id={ids.email} label={t("account.common.email")}>
          <input id={ids.email} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </Field>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

function ResetPassword({ user, onClose, onDone }: { user: UserView; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const id = useId();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    try {
      await api.post(`/api/v1/users/${encodeURIComponent(user.username)}/password`, { password });
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Dialog
      title={t("account.users.resetTitle", { user: user.username })}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("account.users.cancel")}
          </button>
          <button type="submit" form="reset-password" className="button button-primary" disabled={saving}>
            {saving ? t("account.users.resetting") : t("account.users.setPassword")}
          </button>
        </>
      }
    >
      <form id="reset-password" className="form-grid" onSubmit={submit}>
        <p className="muted">{t("account.users.resetExplain")}</p>
        <Field id={id} label={t("account.common.newPassword")} hint={t("account.common.passwordHint")} error={error}>
          <input id={id} type="password" autoComplete="new-password" value={password} aria-invalid={Boolean(error)} onChange={(e) => setPassword(e.target.value)} />
        </Field>
      </form>
    </Dialog>
  );
}

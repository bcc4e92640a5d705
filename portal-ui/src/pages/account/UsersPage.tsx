import { useId, useState, type FormEvent } from "react";
import { api, messageOf, query, type Page, type UserView } from "../../api/client";
import { EmptyState, ErrorNote, Field, Loading, PageHeader, Pager, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import "./account.css";

const PAGE_SIZE = 20;

/** People: the super admin creates them, changes them, disables them and resets passwords. */
export function UsersPage() {
  const { me } = useSession();
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
        <PageHeader title="Users" />
        <EmptyState title="Only the super admin manages users.">Ask them to create or change an account.</EmptyState>
      </section>
    );
  }

  const setEnabled = async (user: UserView, enabled: boolean) => {
    try {
      await api.put(`/api/v1/users/${encodeURIComponent(user.username)}`, { enabled });
      toast.success(enabled ? `${user.username} may sign in again.` : `${user.username} is disabled and signed out.`);
      await users.reload();
    } catch (e) {
      toast.error(messageOf(e));
    }
  };

  return (
    <section>
      <PageHeader
        title="Users"
        actions={
          <button type="button" className="button button-primary" onClick={() => setDialog({ kind: "create" })}>
            New user
          </button>
        }
      >
        Everyone who signs in to Lyre. Disabling a user ends their sessions at once.
      </PageHeader>
      <div className="toolbar section-header">
        <input
          className="input"
          type="search"
          aria-label="Search users"
          placeholder="Search by name or email"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(0);
          }}
        />
      </div>
      <ErrorNote error={users.error} />
      {!users.data && users.loading && <Loading label="Loading users…" />}
      {users.data && users.data.items.length === 0 && <EmptyState title={search ? "No user matches." : "No users yet."} />}
      {users.data && users.data.items.length > 0 && (
        <div className="card table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
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
                      <span className="pill pill-muted" title="Signs in through the identity provider, which keeps the password">
                        {user.source === "oidc" ? "OpenID Connect" : user.source.toUpperCase()}
                      </span>
                    )}
                  </td>
                  <td>{user.email || <span className="muted">—</span>}</td>
                  <td>{user.enabled ? <span className="pill pill-ok">Active</span> : <span className="pill pill-muted">Disabled</span>}</td>
                  <td>
                    <When at={user.createdAt} />
                  </td>
                  <td>
                    <div className="toolbar row-actions">
                      <button type="button" className="button button-small" onClick={() => setDialog({ kind: "edit", user })}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setDialog({ kind: "reset", user })}
                        disabled={user.source !== "local"}
                        title={user.source !== "local" ? "The identity provider keeps this user's password" : undefined}
                      >
                        Reset password
                      </button>
                      {user.username !== me.username &&
                        (user.enabled ? (
                          <button type="button" className="button button-small button-danger" onClick={() => void setEnabled(user, false)}>
                            Disable
                          </button>
                        ) : (
                          <button type="button" className="button button-small" onClick={() => void setEnabled(user, true)}>
                            Enable
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
            toast.success(`${name} can sign in now.`);
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
            toast.success(`${dialog.user.username} is saved.`);
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
            toast.success(`${dialog.user.username} has a new password and is signed out everywhere.`);
          }}
        />
      )}
    </section>
  );
}

function CreateUser({ onClose, onCreated }: { onClose: () => void; onCreated: (name: string) => Promise<void> }) {
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
      title="New user"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="create-user" className="button button-primary" disabled={saving}>
            {saving ? "Creating…" : "Create user"}
          </button>
        </>
      }
    >
      <form id="create-user" className="form-grid" onSubmit={submit}>
        <Field id={ids.name} label="User name" hint="Letters, digits, _ - . @; used to sign in.">
          <input id={ids.name} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required />
        </Field>
        <Field id={ids.display} label="Name">
          <input id={ids.display} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
        </Field>
        <Field id={ids.email} label="Email">
          <input id={ids.email} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </Field>
        <Field id={ids.password} label="First password" hint="At least 8 characters; they can change it.">
          <input id={ids.password} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
        </Field>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

function EditUser({ user, onClose, onSaved }: { user: UserView; onClose: () => void; onSaved: () => Promise<void> }) {
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
      title={`Edit ${user.username}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="edit-user" className="button button-primary" disabled={saving}>
            {saving ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form id="edit-user" className="form-grid" onSubmit={submit}>
        <Field id={ids.display} label="Name">
          <input id={ids.display} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
        </Field>
        <Field id={ids.email} label="Email">
          <input id={ids.email} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </Field>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

function ResetPassword({ user, onClose, onDone }: { user: UserView; onClose: () => void; onDone: () => void }) {
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
      title={`Reset the password of ${user.username}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="reset-password" className="button button-primary" disabled={saving}>
            {saving ? "Resetting…" : "Set password"}
          </button>
        </>
      }
    >
      <form id="reset-password" className="form-grid" onSubmit={submit}>
        <p className="muted">They are signed out everywhere and sign in with the new password.</p>
        <Field id={id} label="New password" hint="At least 8 characters." error={error}>
          <input id={id} type="password" autoComplete="new-password" value={password} aria-invalid={Boolean(error)} onChange={(e) => setPassword(e.target.value)} />
        </Field>
      </form>
    </Dialog>
  );
}

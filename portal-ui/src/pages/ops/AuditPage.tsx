import { useEffect, useState, type FormEvent } from "react";
import { msg, useFormat, useLocale, useT, type MessageId, type Translate } from "../../i18n";
import { api, query, type App, type AuditEntry, type Page } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader, Pager, isSealed, maskSealed } from "../../components/Common";
import { Link, path, useRouter, useSearchParams } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useAsync } from "../../lib/useAsync";
import { useDebounced, useEnvNames, useFieldId } from "../apps/kit";
import { UserPicker } from "../apps/UserPicker";
import "../apps/apps.css";
import "./ops.css";

const PAGE_SIZE = 50;

const ENTITY_TYPES: [string, MessageId][] = [
  ["app", msg("ops.audit.entities.app")],
  ["cluster", msg("ops.audit.entities.cluster")],
  ["app_namespace", msg("ops.audit.entities.appNamespace")],
  ["namespace", msg("ops.audit.entities.namespace")],
  ["item", msg("ops.audit.entities.item")],
  ["release", msg("ops.audit.entities.release")],
  ["release_request", msg("ops.audit.entities.releaseRequest")],
  ["branch", msg("ops.audit.entities.branch")],
  ["access_key", msg("ops.audit.entities.accessKey")],
  ["role", msg("ops.audit.entities.role")],
  ["consumer", msg("ops.audit.entities.consumer")],
  ["webhook", msg("ops.audit.entities.webhook")],
  ["user", msg("ops.audit.entities.user")],
  ["env_settings", msg("ops.audit.entities.envSettings")],
];

type Filters = { app: string; operator: string; env: string; entityType: string; from: string; to: string };
const FIELDS: (keyof Filters)[] = ["app", "operator", "env", "entityType", "from", "to"];

function read(params: URLSearchParams): Filters {
  return {
    app: params.get("app") ?? "",
    operator: params.get("operator") ?? "",
    env: params.get("env") ?? "",
    entityType: params.get("entityType") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
}

/** A `datetime-local` value as an RFC 3339 time, or undefined. */
function rfc3339(local: string): string | undefined {
  if (!local) {
    return undefined;
  }
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The audit log: who changed what, when, filtered. */
export function AuditPage() {
  const t = useT();
  const { me } = useSession();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const applied = read(params);
  const page = Math.max(0, Number(params.get("page") ?? 0) || 0);
  const [draft, setDraft] = useState<Filters>(applied);
  const { envs } = useEnvNames();
  const needsApp = !me.superAdmin && !applied.app;
  const key = FIELDS.map((f) => applied[f]).join("|");

  useEffect(() => setDraft(read(params)), [key]); // eslint-disable-line react-hooks/exhaustive-deps

  const entries = useAsync(
    () =>
      needsApp
        ? Promise.resolve(undefined)
        : api.get<Page<AuditEntry>>(
            `/api/v1/audits${query({
              appId: applied.app,
              operator: applied.operator,
              env: applied.env,
              entityType: applied.entityType,
              from: rfc3339(applied.from),
              to: rfc3339(applied.to),
              page,
              size: PAGE_SIZE,
            })}`,
          ),
    [key, page, needsApp],
  );

  const apply = (filters: Filters, nextPage = 0) =>
    navigate(`/audit${query({ ...Object.fromEntries(FIELDS.map((f) => [f, filters[f].trim()])), page: nextPage || undefined })}`);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };

  const ids = {
    app: useFieldId("audit-app"),
    appList: useFieldId("audit-apps"),
    operator: useFieldId("audit-operator"),
    env: useFieldId("audit-env"),
    type: useFieldId("audit-type"),
    from: useFieldId("audit-from"),
    to: useFieldId("audit-to"),
  };
  const appSearch = useDebounced(draft.app.trim(), 200);
  const apps = useAsync(() => api.get<Page<App>>(`/api/v1/apps${query({ search: appSearch, size: 10 })}`), [appSearch]);
  const filtered = FIELDS.some((f) => applied[f]);

  return (
    <section className="ops-page">
      <PageHeader title={t("ops.audit.title")}>
        {me.superAdmin ? t("ops.audit.introSuperAdmin") : t("ops.audit.introMember")}
      </PageHeader>

      <form className="card filter-card" onSubmit={submit} aria-label={t("ops.audit.filters")}>
        <div className="filter-grid">
          <div className="field">
            <label htmlFor={ids.app}>
              {t("ops.audit.app")}
              {!me.superAdmin && <span className="required-mark">{t("ops.audit.required")}</span>}
            </label>
            <input
              id={ids.app}
              list={ids.appList}
              value={draft.app}
              onChange={(e) => setDraft({ ...draft, app: e.target.value })}
              placeholder={me.superAdmin ? t("ops.audit.anyApp") : t("ops.audit.memberApp")}
              autoComplete="off"
            />
            <datalist id={ids.appList}>
              {(apps.data?.items ?? []).map((a) => (
                <option key={a.appId} value={a.appId}>
                  {a.name}
                </option>
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor={ids.operator}>{t("ops.audit.person")}</label>
            <UserPicker id={ids.operator} value={draft.operator} onChange={(operator) => setDraft({ ...draft, operator })} placeholder={t("ops.audit.anyone")} />
          </div>
          <div className="field">
            <label htmlFor={ids.env}>{t("ops.audit.environment")}</label>
            <select id={ids.env} value={draft.env} onChange={(e) => setDraft({ ...draft, env: e.target.value })}>
              <option value="">{t("ops.audit.anyEnv")}</option>
              {envs.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.type}>{t("ops.audit.what")}</label>
            <select id={ids.type} value={draft.entityType} onChange={(e) => setDraft({ ...draft, entityType: e.target.value })}>
              <option value="">{t("ops.audit.anything")}</option>
              {ENTITY_TYPES.map(([id, label]) => (
                <option key={id} value={id}>
                  {t(label)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.from}>{t("ops.audit.from")}</label>
            <input id={ids.from} type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={ids.to}>{t("ops.audit.until")}</label>
            <input id={ids.to} type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
          </div>
        </div>
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            {t("ops.audit.showEntries")}
          </button>
          {filtered && (
            <button type="button" className="button" onClick={() => navigate("/audit")}>
              {t("ops.audit.clearFilters")}
            </button>
          )}
        </div>
      </form>

      <div className="section">
        {needsApp ? (
          <EmptyState title={t("ops.audit.chooseApp")}>{t("ops.audit.chooseAppHint")}</EmptyState>
        ) : (
          <>
            <ErrorNote error={entries.error} />
            {!entries.data && entries.loading && <Loading label={t("ops.audit.loading")} />}
            {entries.data && entries.data.items.length === 0 && (
              <EmptyState title={filtered ? t("ops.audit.noMatch") : t("ops.audit.noneYet")}>
                {filtered ? t("ops.audit.noMatchHint") : t("ops.audit.noneYetHint")}
              </EmptyState>
            )}
            {entries.data && entries.data.items.length > 0 && (
              <>
                <div className="section-header">
                  <span className="muted small" role="status">
                    {t("ops.audit.count", { count: entries.data.total })}
                    {entries.loading && t("ops.audit.updating")}
                  </span>
                </div>
                <div className="card card-flush table-scroll">
                  <table className="table audit-table stack-narrow">
                    <thead>
                      <tr>
                        <th scope="col">{t("ops.audit.when")}</th>
                        <th scope="col">{t("ops.audit.who")}</th>
                        <th scope="col">{t("ops.audit.did")}</th>
                        <th scope="col">{t("ops.audit.what")}</th>
                        <th scope="col">{t("ops.audit.details")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {entries.data.items.map((e) => (
                        <AuditRow key={e.id} entry={e} />
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pager page={page} size={PAGE_SIZE} total={entries.data.total} onPage={(next) => apply(applied, next)} />
              </>
            )}
          </>
        )}
      </div>
    </section>
  );
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const t = useT();
  const f = useFormat();
  const { locale } = useLocale();
  return (
    <tr data-testid={`audit-${entry.id}`}>
      <td className="nowrap">
        <time dateTime={entry.createdAt} title={f.dateTimeLong(entry.createdAt)}>
          {f.dateTimeLong(entry.createdAt)}
        </time>
      </td>
      <td className="mono">{entry.operator}</td>
      <td>
        <span className={`pill ${operationPill(entry.operation)}`}>{entry.operation.replace(/_/g, " ")}</span>
      </td>
      <td className="audit-what stack-full">
        <span className="audit-subject">{describe(t, locale === "en", entry, parse(entry.detail))}</span>
        <div className="audit-where small">
          {entry.appId && (
            <Link to={path("apps", entry.appId)} className="app-link">
              {entry.appId}
            </Link>
          )}
          {entry.env && <span className="pill pill-muted">{entry.env}</span>}
        </div>
      </td>
      <td className="stack-full">
        <Detail text={entry.detail} />
      </td>
    </tr>
  );
}

function operationPill(operation: string): string {
  if (/revealed/.test(operation)) {
    return "pill-warn";
  }
  if (/delete|revoke|abandon|reject/.test(operation)) {
    return "pill-bad";
  }
  if (/create|grant|associate|approve/.test(operation)) {
    return "pill-ok";
  }
  if (/publish|release|merge|rollback/.test(operation)) {
    return "pill-info";
  }
  return "pill-muted";
}

/** An entry's detail as an object (empty when it is not one). */
function parse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A role as stored (`ReleaseNamespace+shop+payments+PRO`) in words. */
function roleWords(t: Translate, role: string): string {
  const [type = "", ...rest] = role.split("+");
  const action = /^Modify/.test(type) ? "modify" : /^Reveal/.test(type) ? "reveal" : "release";
  if (type === "Master") return rest[0] ? t("ops.audit.role.master", { app: rest[0] }) : t("ops.audit.role.masterAnyApp");
  if (type === "SuperAdmin") return t("ops.audit.role.superAdmin");
  if (/Namespace$/.test(type) || type === "RevealSecret") {
    const [app = "", ns = "", env = ""] = rest;
    return t("ops.audit.role.namespace", { action, app, ns, env, every: ns === "*" ? "yes" : "no", anyEnv: env ? "no" : "yes" });
  }
  if (/Cluster$/.test(type)) {
    const [app = "", env = "", cluster = ""] = rest;
    return t("ops.audit.role.cluster", { action, app, env, cluster });
  }
  return role;
}

/** What an entry is about, in words: the release by its title, the request, the role. */
function describe(t: Translate, capitalize: boolean, entry: AuditEntry, detail: Record<string, unknown>): string {
  const words = subject(t, entry, detail);
  // English sentences may open with a role's words ("release role on …"); other languages keep names as they are.
  return capitalize ? words.charAt(0).toUpperCase() + words.slice(1) : words;
}

function subject(t: Translate, entry: AuditEntry, detail: Record<string, unknown>): string {
  const text = (key: string) => (typeof detail[key] === "string" && detail[key] !== "" ? (detail[key] as string) : undefined);
  // Configuration entities are named `ENV/app/cluster/namespace`; the environment has its own pill.
  const name = entry.env && entry.entityId.startsWith(`${entry.env}/`) ? entry.entityId.slice(entry.env.length + 1) : entry.entityId;
  switch (entry.entityType) {
    case "release": {
      if (entry.operation === "rollback") {
        const title = text("title") ?? t("ops.audit.subject.earlierRelease");
        const fromTitle = text("fromTitle");
        return fromTitle
          ? t("ops.audit.subject.rollbackFrom", { name, title, fromTitle })
          : t("ops.audit.subject.rollback", { name, title });
      }
      const untitled = t("ops.audit.subject.untitled");
      return t("ops.audit.subject.release", { name, title: text("title") ?? untitled });
    }
    case "release_request": {
      const values = { id: entry.entityId, title: text("title") ?? "", target: text("namespace") ?? name };
      const branch = text("branch");
      return branch ? t("ops.audit.subject.requestOnBranch", { ...values, branch }) : t("ops.audit.subject.request", values);
    }
    case "role": {
      const role = roleWords(t, text("role") ?? entry.entityId);
      const user = text("user");
      return user ? t("ops.audit.subject.roleFor", { role, user }) : role;
    }
    case "env_settings":
      return t("ops.audit.subject.envRules", { env: entry.entityId });
    case "item":
      if (entry.operation === "item.revealed") {
        const where = text("namespace") ?? name;
        const shown = entry.env && where.startsWith(`${entry.env}/`) ? where.slice(entry.env.length + 1) : where;
        const key = text("key");
        return key ? t("ops.audit.subject.revealedKey", { key, where: shown }) : t("ops.audit.subject.revealed", { where: shown });
      }
      return t("ops.audit.subject.item", { name });
    case "user":
      if (text("group")) {
        // Applied at sign-in from the identity provider's groups.
        return t("ops.audit.subject.roleFromGroup", { role: roleWords(t, text("role") ?? ""), user: entry.entityId, group: text("group") });
      }
      return t("ops.audit.subject.user", { name: entry.entityId });
    default:
      return t("ops.audit.subject.other", {
        type: entry.entityType,
        typeWords: `${entry.entityType.charAt(0).toUpperCase()}${entry.entityType.slice(1).replace(/_/g, " ")}`,
        name,
      });
  }
}

type Change = { key?: string; value?: string; oldValue?: string; newValue?: string };
/** What the subject already says, or only ids and keys: left to the detail in full. */
const NOISE = new Set(["createdBy", "createdAt", "updatedBy", "updatedAt", "title", "fromTitle", "namespace", "branch", "role", "user", "group"]);
const ID = /(^id$|Id$|^releaseKey$|^revision$|^from$|^to$|^abandoned$)/;

/** The change in a few readable lines: items added, changed and deleted, or its fields. */
function summarize(t: Translate, parsed: unknown): string[] {
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return [];
  }
  const o = parsed as Record<string, unknown>;
  if (Array.isArray(o.created) && Array.isArray(o.updated) && Array.isArray(o.deleted)) {
    return [
      ...(o.created as Change[]).map((c) => `+ ${c.key} = ${c.value ?? ""}`),
      ...(o.updated as Change[]).map((c) => {
        const next = c.newValue ?? c.value ?? "";
        // Sealed values tell only whether a secret changed.
        return isSealed(c.oldValue) && isSealed(next)
          ? t("ops.audit.detail.secret", { key: c.key ?? "", changed: c.oldValue === next ? "no" : "yes" })
          : `~ ${c.key}: ${c.oldValue ?? ""} → ${next}`;
      }),
      ...(o.deleted as Change[]).map((c) => `− ${c.key}`),
    ];
  }
  const request = typeof o.releaseRequest === "number" ? [t("ops.audit.detail.fromRequest", { id: o.releaseRequest })] : [];
  return Object.entries(o)
    .filter(([k]) => k !== "releaseRequest")
    .filter(([k, v]) => !NOISE.has(k) && !ID.test(k) && v !== "" && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${words(k)}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .concat(request);
}

/** A detail's field name (`onBehalfOf`) in words ("on behalf of"). */
function words(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/** `value` (parsed JSON) with every sealed value in its strings masked. */
function masked(value: unknown): unknown {
  if (typeof value === "string") return maskSealed(value);
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  }
  return value;
}

/** The change: a few readable lines, opening into the whole of it. */
function Detail({ text: recorded }: { text: string }) {
  const t = useT();
  let parsed: unknown;
  try {
    parsed = JSON.parse(recorded);
  } catch {
    parsed = undefined;
  }
  // A secret's sealed value is never shown, even in the record of a change.
  const text = maskSealed(recorded);
  const lines = (parsed === undefined ? [recorded] : summarize(t, parsed)).map(maskSealed);
  parsed = masked(parsed);
  const hidden = parsed !== undefined && JSON.stringify(parsed) !== "{}";
  if (lines.length === 0) {
    return hidden ? (
      <details className="audit-detail">
        <summary className="small">{t("ops.audit.detail.inFull")}</summary>
        <pre className="mono">{JSON.stringify(parsed, null, 2)}</pre>
      </details>
    ) : (
      <span className="muted">—</span>
    );
  }
  const shown = lines.slice(0, 3);
  return (
    <div className="audit-detail">
      <ul className="audit-lines mono">
        {shown.map((line, i) => (
          <li key={i} title={line}>
            {line}
          </li>
        ))}
      </ul>
      {(hidden || lines.length > shown.length || lines.some((l) => l.length > 48)) && (
        <details>
          <summary className="small">{lines.length > shown.length ? t("ops.audit.detail.all", { count: lines.length }) : t("ops.audit.detail.inFull")}</summary>
          <pre className="mono">{parsed === undefined ? text : JSON.stringify(parsed, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}

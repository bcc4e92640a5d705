import { useEffect, useState, type FormEvent } from "react";
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

const ENTITY_TYPES: [string, string][] = [
  ["app", "Apps"],
  ["cluster", "Clusters"],
  ["app_namespace", "Namespace definitions"],
  ["namespace", "Namespaces (items)"],
  ["item", "Items"],
  ["release", "Releases"],
  ["release_request", "Release requests"],
  ["branch", "Gray branches"],
  ["access_key", "Access keys"],
  ["role", "Roles"],
  ["consumer", "CI tokens"],
  ["webhook", "Webhooks"],
  ["user", "Users"],
  ["env_settings", "Environment rules"],
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
      <PageHeader title="Audit log">
        Every write, newest first: configuration changes, roles, CI tokens, users and environment rules.{" "}
        {me.superAdmin ? "As the super admin you read all of it." : "You read the entries of apps you hold a role in."}
      </PageHeader>

      <form className="card filter-card" onSubmit={submit} aria-label="Filters">
        <div className="filter-grid">
          <div className="field">
            <label htmlFor={ids.app}>
              App{!me.superAdmin && <span className="required-mark"> (required)</span>}
            </label>
            <input
              id={ids.app}
              list={ids.appList}
              value={draft.app}
              onChange={(e) => setDraft({ ...draft, app: e.target.value })}
              placeholder={me.superAdmin ? "Any app" : "An app you hold a role in"}
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
            <label htmlFor={ids.operator}>Person</label>
            <UserPicker id={ids.operator} value={draft.operator} onChange={(operator) => setDraft({ ...draft, operator })} placeholder="Anyone" />
          </div>
          <div className="field">
            <label htmlFor={ids.env}>Environment</label>
            <select id={ids.env} value={draft.env} onChange={(e) => setDraft({ ...draft, env: e.target.value })}>
              <option value="">Any</option>
              {envs.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.type}>What</label>
            <select id={ids.type} value={draft.entityType} onChange={(e) => setDraft({ ...draft, entityType: e.target.value })}>
              <option value="">Anything</option>
              {ENTITY_TYPES.map(([id, label]) => (
                <option key={id} value={id}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.from}>From</label>
            <input id={ids.from} type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={ids.to}>Until</label>
            <input id={ids.to} type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
          </div>
        </div>
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            Show entries
          </button>
          {filtered && (
            <button type="button" className="button" onClick={() => navigate("/audit")}>
              Clear filters
            </button>
          )}
        </div>
      </form>

      <div className="section">
        {needsApp ? (
          <EmptyState title="Choose an app to read its audit log">
            Only the super admin reads the whole log; everyone else reads it one app at a time, for the apps they hold a role in
            (master, modify or release).
          </EmptyState>
        ) : (
          <>
            <ErrorNote error={entries.error} />
            {!entries.data && entries.loading && <Loading label="Loading the audit log…" />}
            {entries.data && entries.data.items.length === 0 && (
              <EmptyState title={filtered ? "No entries match these filters" : "Nothing has been recorded yet"}>
                {filtered ? "Widen the time range or clear a filter." : "Every write will appear here."}
              </EmptyState>
            )}
            {entries.data && entries.data.items.length > 0 && (
              <>
                <div className="section-header">
                  <span className="muted small" role="status">
                    {entries.data.total} {entries.data.total === 1 ? "entry" : "entries"}
                    {entries.loading && " · updating…"}
                  </span>
                </div>
                <div className="card card-flush table-scroll">
                  <table className="table audit-table stack-narrow">
                    <thead>
                      <tr>
                        <th scope="col">When</th>
                        <th scope="col">Who</th>
                        <th scope="col">Did</th>
                        <th scope="col">What</th>
                        <th scope="col">Details</th>
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
  const at = new Date(entry.createdAt);
  return (
    <tr data-testid={`audit-${entry.id}`}>
      <td className="nowrap">
        <time dateTime={entry.createdAt} title={at.toLocaleString()}>
          {Number.isNaN(at.getTime()) ? entry.createdAt : at.toLocaleString([], { dateStyle: "medium", timeStyle: "medium" })}
        </time>
      </td>
      <td className="mono">{entry.operator}</td>
      <td>
        <span className={`pill ${operationPill(entry.operation)}`}>{entry.operation.replace(/_/g, " ")}</span>
      </td>
      <td className="audit-what stack-full">
        <span className="audit-subject">{describe(entry, parse(entry.detail))}</span>
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
function roleWords(role: string): string {
  const [type = "", ...rest] = role.split("+");
  const action = type.startsWith("Modify") ? "modify" : type.startsWith("Reveal") ? "reveal" : "release";
  if (type === "Master") return `master of ${rest[0] ?? "an app"}`;
  if (type === "SuperAdmin") return "super admin";
  if (type.endsWith("Namespace") || type === "RevealSecret") {
    const [app, ns, env] = rest;
    return `${action} role on ${ns === "*" ? `every namespace of ${app}` : `${app}/${ns}`} ${env ? `in ${env}` : "in every environment"}`;
  }
  if (type.endsWith("Cluster")) {
    const [app, env, cluster] = rest;
    return `${action} role on cluster ${cluster} of ${app} in ${env}`;
  }
  return role;
}

/** What an entry is about, in words: the release by its title, the request, the role. */
function describe(entry: AuditEntry, detail: Record<string, unknown>): string {
  const words = subject(entry, detail);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function subject(entry: AuditEntry, detail: Record<string, unknown>): string {
  const text = (key: string) => (typeof detail[key] === "string" && detail[key] !== "" ? (detail[key] as string) : undefined);
  // Configuration entities are named `ENV/app/cluster/namespace`; the environment has its own pill.
  const name = entry.env && entry.entityId.startsWith(`${entry.env}/`) ? entry.entityId.slice(entry.env.length + 1) : entry.entityId;
  switch (entry.entityType) {
    case "release":
      if (entry.operation === "rollback") {
        return `${name}, back to “${text("title") ?? "an earlier release"}”${text("fromTitle") ? ` from “${text("fromTitle")}”` : ""}`;
      }
      return `Release “${text("title") ?? "untitled"}” of ${name}`;
    case "release_request":
      return `Release request ${entry.entityId} “${text("title") ?? ""}” for ${text("namespace") ?? name}${
        text("branch") ? ` (gray branch ${text("branch")})` : ""
      }`;
    case "role":
      return `${roleWords(text("role") ?? entry.entityId)}${text("user") ? ` for ${text("user")}` : ""}`;
    case "env_settings":
      return `Rules of ${entry.entityId}`;
    case "item":
      if (entry.operation === "item.revealed") {
        const where = text("namespace") ?? name;
        const shown = entry.env && where.startsWith(`${entry.env}/`) ? where.slice(entry.env.length + 1) : where;
        return `Secret ${text("key") ?? "value"} of ${shown}, revealed`;
      }
      return `Item ${name}`;
    case "user":
      if (text("group")) {
        // Applied at sign-in from the identity provider's groups.
        return `${roleWords(text("role") ?? "")} for ${entry.entityId}, from group ${text("group")}`;
      }
      return `User ${entry.entityId}`;
    default:
      return `${entry.entityType.charAt(0).toUpperCase()}${entry.entityType.slice(1).replace(/_/g, " ")} ${name}`;
  }
}

type Change = { key?: string; value?: string; oldValue?: string; newValue?: string };
/** What the subject already says, or only ids and keys: left to the detail in full. */
const NOISE = new Set(["createdBy", "createdAt", "updatedBy", "updatedAt", "title", "fromTitle", "namespace", "branch", "role", "user", "group"]);
const ID = /(^id$|Id$|^releaseKey$|^revision$|^from$|^to$|^abandoned$)/;

/** The change in a few readable lines: items added, changed and deleted, or its fields. */
function summarize(parsed: unknown): string[] {
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
          ? `~ ${c.key}: secret ${c.oldValue === next ? "unchanged" : "changed"}`
          : `~ ${c.key}: ${c.oldValue ?? ""} → ${next}`;
      }),
      ...(o.deleted as Change[]).map((c) => `− ${c.key}`),
    ];
  }
  const request = typeof o.releaseRequest === "number" ? [`from release request #${o.releaseRequest}`] : [];
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(recorded);
  } catch {
    parsed = undefined;
  }
  // A secret's sealed value is never shown, even in the record of a change.
  const text = maskSealed(recorded);
  const lines = (parsed === undefined ? [recorded] : summarize(parsed)).map(maskSealed);
  parsed = masked(parsed);
  const hidden = parsed !== undefined && JSON.stringify(parsed) !== "{}";
  if (lines.length === 0) {
    return hidden ? (
      <details className="audit-detail">
        <summary className="small">In full</summary>
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
          <summary className="small">{lines.length > shown.length ? `All ${lines.length}` : "In full"}</summary>
          <pre className="mono">{parsed === undefined ? text : JSON.stringify(parsed, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}

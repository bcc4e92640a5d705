// What every part of the namespace page shares: where the namespace is, what the user may do
// there, and small helpers over the API's answers.
import { useCallback, useRef } from "react";
import { ApiError, api, nsPath, type Me } from "../../api/client";
import { msg, translate, type MessageId } from "../../i18n";

/** Where a namespace lives. */
export type Where = { app: string; env: string; cluster: string; namespace: string };

/** The namespace's API path plus `suffix`. */
export function at(where: Where, suffix = ""): string {
  return nsPath(where.env, where.app, where.cluster, where.namespace, suffix);
}

/** `/api/v1/envs/{env}` plus `suffix`. */
/** The portal path of an app's namespace's schema (the same in every environment). */
export function schemaAt(where: Where, suffix = ""): string {
  return `/api/v1/apps/${encodeURIComponent(where.app)}/namespaces/${encodeURIComponent(where.namespace)}/schema${suffix}`;
}

/** The portal path of an app's namespace's schema as `where`'s environment checks it. */
export function schemaInEnvAt(where: Where, suffix = ""): string {
  return `/api/v1/envs/${encodeURIComponent(where.env)}/apps/${encodeURIComponent(where.app)}/namespaces/${encodeURIComponent(
    where.namespace,
  )}/schema${suffix}`;
}

export function envPath(env: string, suffix = ""): string {
  return `/api/v1/envs/${encodeURIComponent(env)}${suffix}`;
}

export type Permissions = { modify: boolean; release: boolean };

/**
 * What `me` may do on the namespace, read from the role names the portal answers
 * (`ModifyNamespace+app+ns[+env]`, `ReleaseCluster+app+env+cluster`, …). The API decides;
 * this only spares people buttons that would be refused.
 */
export function permissions(me: Me, where: Where): Permissions {
  if (me.superAdmin || me.roles.includes("SuperAdmin")) {
    return { modify: true, release: true };
  }
  const can = (action: "Modify" | "Release") =>
    me.roles.some((role) => {
      const [type, ...target] = role.split("+");
      // i18n-ignore: role names as the API spells them
      if (type === `${action}Namespace` && (target.length === 2 || target.length === 3)) {
        const [app, ns, env] = target;
        return app === where.app && (ns === "*" || ns === where.namespace) && (env === undefined || env === where.env);
      }
      // i18n-ignore: role names as the API spells them
      if (type === `${action}Cluster` && target.length === 3) {
        const [app, env, cluster] = target;
        return app === where.app && env === where.env && cluster === where.cluster;
      }
      return false;
    });
  // i18n-ignore: role names as the API spells them
  return { modify: can("Modify"), release: can("Release") };
}

/** The line (and column) a parse error names: "line 3" or "line 3, column 9". */
export function errorPosition(message: string): { line: number; column?: number } | undefined {
  const found = /line (\d+)(?:,? column (\d+))?/i.exec(message);
  if (!found) {
    return undefined;
  }
  return { line: Number(found[1]), column: found[2] ? Number(found[2]) : undefined };
}

/** Splits a list typed by people: commas, spaces or new lines between entries. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An error that may carry the release request already under way. */
export class RequestError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly requestId?: number,
  ) {
    super(status, code, message);
  }
}

/**
 * Opens a release request. A `409 request_under_way` answer names the request under way in
 * `requestId`, which the shared client does not keep, so this call reads the answer itself.
 */
export async function openReleaseRequest(where: Where, body: { title: string; comment: string; branchName?: string }) {
  let response: Response;
  try {
    response = await fetch(at(where, "/release-requests"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Requested-With": "lyre-portal" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new RequestError(0, "network", translate("namespace.errors.network"));
  }
  const text = await response.text();
  let json: { id?: number; code?: string; message?: string; requestId?: number } = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON: the status speaks for itself.
  }
  if (!response.ok) {
    if (response.status === 401) {
      // Let the shared client notice the ended session and show the sign-in page.
      await api.me().catch(() => undefined);
    }
    const underWay = json.requestId ?? Number(/#(\d+)/.exec(json.message ?? "")?.[1] ?? NaN);
    throw new RequestError(
      response.status,
      json.code ?? "http_error",
      json.message ?? translate("namespace.errors.status", { status: response.status, statusText: response.statusText }),
      Number.isFinite(underWay) ? underWay : undefined,
    );
  }
  return json as { id: number };
}

/** Downloads the namespace's file, named as the portal names it. */
export async function downloadExport(where: Where): Promise<string> {
  let response: Response;
  try {
    response = await fetch(at(where, "/export"), { credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", translate("namespace.errors.network"));
  }
  if (!response.ok) {
    let body: { code?: string; message?: string } | undefined;
    try {
      body = (await response.json()) as { code?: string; message?: string };
    } catch {
      // Keep the status.
    }
    // The API's code is kept, so that its message is told in the user's language like any other.
    throw new ApiError(
      response.status,
      body?.code ?? "http_error",
      body?.message ?? translate("namespace.errors.status", { status: response.status, statusText: response.statusText }),
      body,
    );
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `${where.namespace}.properties`;
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** Release history operations, for people: `t(OPERATION[op].label)`. */
export const OPERATION: Record<string, { label: MessageId; tone: string }> = {
  normal_release: { label: msg("namespace.operation.normalRelease"), tone: "pill-ok" },
  rollback: { label: msg("namespace.operation.rollback"), tone: "pill-warn" },
  gray_release: { label: msg("namespace.operation.grayRelease"), tone: "pill-info" },
  gray_rules_update: { label: msg("namespace.operation.grayRulesUpdate"), tone: "pill-muted" },
  merge: { label: msg("namespace.operation.merge"), tone: "pill-ok" },
  main_to_gray: { label: msg("namespace.operation.mainToGray"), tone: "pill-muted" },
  rollback_to_gray: { label: msg("namespace.operation.rollbackToGray"), tone: "pill-warn" },
  abandon_gray: { label: msg("namespace.operation.abandonGray"), tone: "pill-bad" },
  gray_deleted_after_merge: { label: msg("namespace.operation.grayDeletedAfterMerge"), tone: "pill-muted" },
};

/**
 * "1 key", "3 keys": English only. Kept while other files still call it; a count shown to
 * people is a plural message (`{count, plural, one {# key} other {# keys}}`).
 */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A function that keeps its identity across renders and calls the latest `fn`: dialogs take
 * their `onClose` as an effect dependency, and a new function each render would move focus.
 */
export function useStable<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const latest = useRef(fn);
  latest.current = fn;
  return useCallback((...args: A) => latest.current(...args), []);
}

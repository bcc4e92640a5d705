import { useCallback, useEffect, useState } from "react";
import { ApiError, api, messageOf, type EnvRulesView, type EnvStatus, type SystemStatus } from "../api/client";
import { StatusBadge } from "../components/StatusBadge";
import { useSession } from "../lib/session";
import { useToast } from "../lib/toast";
import { useAsync } from "../lib/useAsync";
import { ConfirmDialog } from "./apps/kit";

const REFRESH_MS = 15_000;

/** Every environment: the health of the services that serve it, and the rules it sets. */
export function Home() {
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [checkedAt, setCheckedAt] = useState<Date | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setStatus(await api.systemStatus());
      setError(null);
      setCheckedAt(new Date());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        return;
      }
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  return (
    <section aria-labelledby="home-title">
      <div className="page-header">
        <div>
          <h1 id="home-title">System</h1>
          <p className="muted">Each environment: the rules it sets for changes, and the health of the services that serve it.</p>
        </div>
        <div className="page-actions">
          {checkedAt && (
            <span className="muted small" aria-live="polite">
              Checked {checkedAt.toLocaleTimeString()}
            </span>
          )}
          <button type="button" className="button" onClick={() => void load()} disabled={loading}>
            {loading ? "Checking…" : "Refresh"}
          </button>
        </div>
      </div>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {!status && !error && (
        <div className="empty" role="status">
          <span className="spinner" aria-hidden="true" /> Checking the services…
        </div>
      )}
      {status && (
        <div className="env-grid">
          {status.envs.map((env) => (
            <EnvCard key={env.name} env={env} />
          ))}
        </div>
      )}
    </section>
  );
}

function EnvCard({ env }: { env: EnvStatus }) {
  const healthy = env.metaStatus === "UP" && env.services.length > 0 && env.services.every((s) => s.status === "UP");
  const hasConfig = env.services.some((s) => s.service === "lyre-config-service");
  const hasAdmin = env.services.some((s) => s.service === "lyre-admin-service");
  return (
    <article className="card env-card" aria-labelledby={`env-${env.name}`} data-testid={`env-${env.name}`}>
      <header className="card-header">
        <h2 id={`env-${env.name}`} className="env-name">
          {env.name}
        </h2>
        <span className={`pill ${healthy ? "pill-ok" : "pill-warn"}`}>{healthy ? "All services up" : "Needs attention"}</span>
      </header>
      <dl className="meta-line">
        <dt>Meta server</dt>
        <dd>
          <code>{env.metaUrl}</code> <StatusBadge status={env.metaStatus} />
        </dd>
      </dl>
      {env.metaReason && <p className="alert alert-inline">{env.metaReason}</p>}
      <EnvRules env={env.name} />
      {env.metaStatus === "UP" && (
        <>
          {env.services.length > 0 && (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Instance</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {env.services.map((s) => (
                  <tr key={`${s.service}-${s.instanceId}`}>
                    <td>{serviceLabel(s.service)}</td>
                    <td>
                      <code title={s.url}>{s.url}</code>
                    </td>
                    <td>
                      <StatusBadge status={s.status} />
                      {s.reason && <div className="muted small">{s.reason}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!hasConfig && <p className="empty-inline">No config service is registered for {env.name}: apps cannot read configuration.</p>}
          {!hasAdmin && <p className="empty-inline">No admin service is registered for {env.name}: configuration cannot be edited.</p>}
        </>
      )}
    </article>
  );
}

function serviceLabel(service: string): string {
  switch (service) {
    case "lyre-config-service":
      return "Config service";
    case "lyre-admin-service":
      return "Admin service";
    default:
      return service;
  }
}

type RuleKey = keyof Omit<EnvRulesView, "env">;

/**
 * The rules, and for each, which way of switching it takes protection away (`weakerWhen`: the
 * value it is switched to) and what that means, asked before it is done.
 */
const RULES: { key: RuleKey; label: string; help: string; weakerWhen: boolean; risk: (env: string) => string }[] = [
  {
    key: "reviewRequired",
    label: "Review required",
    help: "Changes go out only through approved release requests.",
    weakerWhen: false,
    risk: (env) => `Anyone with the release role will publish to ${env} at once, with no one reviewing the changes first.`,
  },
  {
    key: "memberOnlyView",
    label: "Members-only view",
    help: "Private namespaces are shown to the app's members only.",
    weakerWhen: false,
    risk: (env) => `Every signed-in user will be able to read the private namespaces of every app in ${env}.`,
  },
  {
    key: "emergencyPublishAllowed",
    label: "Emergency publish",
    help: "The super admin may publish without review.",
    weakerWhen: true,
    risk: (env) => `The super admin will be able to publish to ${env} without a review (each such publish is recorded as an emergency).`,
  },
  {
    key: "namespaceLock",
    label: "Namespace lock",
    help: "The first editor holds a namespace until it is published.",
    weakerWhen: false,
    risk: (env) => `Several people will be able to change a namespace in ${env} at once, and publish each other's changes.`,
  },
];

/** An environment's rules; the super admin switches them. */
function EnvRules({ env }: { env: string }) {
  const { me } = useSession();
  const toast = useToast();
  const rules = useAsync(() => api.get<EnvRulesView>(`/api/v1/envs/${encodeURIComponent(env)}/settings`), [env]);
  const [saving, setSaving] = useState<string>();
  const [asking, setAsking] = useState<(typeof RULES)[number]>();
  if (!rules.data) {
    return rules.error ? <p className="empty-inline">{rules.error}</p> : null;
  }
  const data = rules.data;
  const apply = async (key: RuleKey) => {
    setSaving(key);
    try {
      await api.put(`/api/v1/envs/${encodeURIComponent(env)}/settings`, { [key]: !data[key] });
      await rules.reload();
      toast.success(`${env}: ${RULES.find((r) => r.key === key)?.label} is ${data[key] ? "off" : "on"}.`);
    } finally {
      setSaving(undefined);
    }
  };
  const toggle = async (rule: (typeof RULES)[number]) => {
    if (!data[rule.key] === rule.weakerWhen) {
      setAsking(rule);
      return;
    }
    try {
      await apply(rule.key);
    } catch (e) {
      toast.error(messageOf(e));
    }
  };
  return (
    <>
      {asking && (
        <ConfirmDialog
          title={`Turn ${asking.weakerWhen ? "on" : "off"} ${asking.label.toLowerCase()} in ${env}?`}
          confirmLabel={`Turn it ${asking.weakerWhen ? "on" : "off"} in ${env}`}
          danger
          onClose={() => setAsking(undefined)}
          onConfirm={async () => {
            await apply(asking.key);
            setAsking(undefined);
          }}
        >
          <p>{asking.risk(env)}</p>
        </ConfirmDialog>
      )}
      <ul className="env-rules" aria-label={`Rules of ${env}`}>
      {RULES.map((rule) => (
        <li key={rule.key}>
          <label className="check" title={rule.help}>
            <input
              type="checkbox"
              checked={data[rule.key]}
              disabled={!me.superAdmin || saving !== undefined}
              onChange={() => void toggle(rule)}
            />
            {rule.label}
          </label>
          <span className="muted small">{rule.help}</span>
        </li>
      ))}
      </ul>
    </>
  );
}

import { useCallback, useEffect, useState } from "react";
import { ApiError, api, messageOf, wordsOf, type EnvRulesView, type EnvStatus, type SystemStatus } from "../api/client";
import { StatusBadge } from "../components/StatusBadge";
import { msg, useFormat, useT, type MessageId, type Translate } from "../i18n";
import { useSession } from "../lib/session";
import { useToast } from "../lib/toast";
import { useAsync } from "../lib/useAsync";
import { ConfirmDialog } from "./apps/kit";

const REFRESH_MS = 15_000;

/** Every environment: the health of the services that serve it, and the rules it sets. */
export function Home() {
  const t = useT();
  const f = useFormat();
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
      setError(e instanceof ApiError ? wordsOf(e) : e instanceof Error ? e.message : String(e));
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
          <h1 id="home-title">{t("system.home.title")}</h1>
          <p className="muted">{t("system.home.intro")}</p>
        </div>
        <div className="page-actions">
          {checkedAt && (
            <span className="muted small" aria-live="polite">
              {t("system.home.checkedAt", { time: f.time(checkedAt) })}
            </span>
          )}
          <button type="button" className="button" onClick={() => void load()} disabled={loading}>
            {loading ? t("system.home.checking") : t("system.home.refresh")}
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
          <span className="spinner" aria-hidden="true" /> {t("system.home.checkingServices")}
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
  const t = useT();
  const healthy = env.metaStatus === "UP" && env.services.length > 0 && env.services.every((s) => s.status === "UP");
  const hasConfig = env.services.some((s) => s.service === "lyre-config-service");
  const hasAdmin = env.services.some((s) => s.service === "lyre-admin-service");
  return (
    <article className="card env-card" aria-labelledby={`env-${env.name}`} data-testid={`env-${env.name}`}>
      <header className="card-header">
        <h2 id={`env-${env.name}`} className="env-name">
          {env.name}
        </h2>
        <span className={`pill ${healthy ? "pill-ok" : "pill-warn"}`}>{healthy ? t("system.env.healthy") : t("system.env.needsAttention")}</span>
      </header>
      <dl className="meta-line">
        <dt>{t("system.env.metaServer")}</dt>
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
                  <th scope="col">{t("system.env.columnService")}</th>
                  <th scope="col">{t("system.env.columnInstance")}</th>
                  <th scope="col">{t("system.env.columnStatus")}</th>
                </tr>
              </thead>
              <tbody>
                {env.services.map((s) => (
                  <tr key={`${s.service}-${s.instanceId}`}>
                    <td>{serviceLabel(s.service, t)}</td>
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
          {!hasConfig && <p className="empty-inline">{t("system.env.noConfigService", { env: env.name })}</p>}
          {!hasAdmin && <p className="empty-inline">{t("system.env.noAdminService", { env: env.name })}</p>}
        </>
      )}
    </article>
  );
}

function serviceLabel(service: string, t: Translate): string {
  switch (service) {
    case "lyre-config-service":
      return t("system.env.configService");
    case "lyre-admin-service":
      return t("system.env.adminService");
    default:
      return service;
  }
}

type RuleKey = keyof Omit<EnvRulesView, "env">;

/**
 * The rules, and for each, which way of switching it takes protection away (`weakerWhen`: the
 * value it is switched to) and what that means, asked before it is done. `name` is the rule's
 * name inside a sentence; `risk` takes `{env}`.
 */
const RULES: { key: RuleKey; label: MessageId; name: MessageId; help: MessageId; weakerWhen: boolean; risk: MessageId }[] = [
  {
    key: "reviewRequired",
    label: msg("system.rules.reviewRequired.label"),
    name: msg("system.rules.reviewRequired.name"),
    help: msg("system.rules.reviewRequired.help"),
    weakerWhen: false,
    risk: msg("system.rules.reviewRequired.risk"),
  },
  {
    key: "memberOnlyView",
    label: msg("system.rules.memberOnlyView.label"),
    name: msg("system.rules.memberOnlyView.name"),
    help: msg("system.rules.memberOnlyView.help"),
    weakerWhen: false,
    risk: msg("system.rules.memberOnlyView.risk"),
  },
  {
    key: "emergencyPublishAllowed",
    label: msg("system.rules.emergencyPublish.label"),
    name: msg("system.rules.emergencyPublish.name"),
    help: msg("system.rules.emergencyPublish.help"),
    weakerWhen: true,
    risk: msg("system.rules.emergencyPublish.risk"),
  },
  {
    key: "namespaceLock",
    label: msg("system.rules.namespaceLock.label"),
    name: msg("system.rules.namespaceLock.name"),
    help: msg("system.rules.namespaceLock.help"),
    weakerWhen: false,
    risk: msg("system.rules.namespaceLock.risk"),
  },
];

/** An environment's rules; the super admin switches them. */
function EnvRules({ env }: { env: string }) {
  const { me } = useSession();
  const t = useT();
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
      const rule = RULES.find((r) => r.key === key);
      const values = { env, rule: rule ? t(rule.label) : key };
      toast.success(data[key] ? t("system.rules.switchedOff", values) : t("system.rules.switchedOn", values));
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
          title={
            asking.weakerWhen
              ? t("system.rules.askTurnOn", { rule: t(asking.name), env })
              : t("system.rules.askTurnOff", { rule: t(asking.name), env })
          }
          confirmLabel={asking.weakerWhen ? t("system.rules.confirmTurnOn", { env }) : t("system.rules.confirmTurnOff", { env })}
          danger
          onClose={() => setAsking(undefined)}
          onConfirm={async () => {
            await apply(asking.key);
            setAsking(undefined);
          }}
        >
          <p>{t(asking.risk, { env })}</p>
        </ConfirmDialog>
      )}
      <ul className="env-rules" aria-label={t("system.rules.listLabel", { env })}>
      {RULES.map((rule) => (
        <li key={rule.key}>
          <label className="check" title={t(rule.help)}>
            <input
              type="checkbox"
              checked={data[rule.key]}
              disabled={!me.superAdmin || saving !== undefined}
              onChange={() => void toggle(rule)}
            />
            {t(rule.label)}
          </label>
          <span className="muted small">{t(rule.help)}</span>
        </li>
      ))}
      </ul>
    </>
  );
}

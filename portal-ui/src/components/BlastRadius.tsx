// Who a publish would reach, before it is made: the live instances it would send a new release,
// by cluster, gray branch, label and IP, and those whose schema would refuse it. The publish
// dialogs, the rollout dialog and the release request page show it; it is advice, so loading
// and errors never stand in the way of publishing.
import { useEffect, useId, useState } from "react";
import { api, nsPath, type BlastRadius, type BlastRadiusRequest, type RadiusCount, type RadiusSchema } from "../api/client";
import { useT, type Translate } from "../i18n";
import { useAsync } from "../lib/useAsync";
import "./blastRadius.css";

/** How many names of a breakdown are shown before "and K more". */
const TOP = 4;
/** How long typing (a rollout's steps) settles before the radius is asked again. */
const SETTLE_MS = 300;

type Where = { env: string; app: string; cluster: string; namespace: string };

/** `value`, once it has stayed the same for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Who a publish of `where` would reach: main's (no `branchName`), a gray branch's (its rules),
 * or a staged rollout's first step (`branchName` with `percentage`). `title` names what is
 * published, e.g. "The first step (25 %)"; "Who this reaches" without it.
 */
export function BlastRadiusSection({
  where,
  branchName,
  percentage,
  title,
}: {
  where: Where;
  branchName?: string | null;
  percentage?: number;
  title?: string;
}) {
  const t = useT();
  const headingId = useId();
  const share = useSettled(percentage, SETTLE_MS);
  const { env, app, cluster, namespace } = where;
  const radius = useAsync(() => {
    const body: BlastRadiusRequest = {
      ...(branchName ? { branchName } : {}),
      ...(branchName && share !== undefined ? { percentage: share } : {}),
    };
    return api.post<BlastRadius>(nsPath(env, app, cluster, namespace, "/blast-radius"), body);
  }, [env, app, cluster, namespace, branchName, share]);
  const r = radius.data;
  // Asking, or about to ask again for a share still being typed.
  const busy = radius.loading || share !== percentage;

  let body;
  if (radius.error) {
    body = (
      <p className="muted small radius-note" data-testid="radius-error">
        {t("releases.blastRadius.error", { error: radius.error })}
      </p>
    );
  } else if (!r) {
    body = (
      <p className="muted small radius-note">
        <span className="spinner" aria-hidden="true" /> {t("releases.blastRadius.counting")}
      </p>
    );
  } else if (r.live === 0) {
    body = (
      <p className="radius-reach" data-testid="radius-reach">
        {t.rich("releases.blastRadius.noLive", {
          namespace,
          env,
          within: within(t, r.liveWithinSeconds),
          strong: (chunks) => <strong>{chunks}</strong>,
          muted: (chunks) => <span className="muted small">{chunks}</span>,
        })}
      </p>
    );
  } else {
    body = (
      <>
        <p className="radius-reach" data-testid="radius-reach">
          {t.rich("releases.blastRadius.reaches", {
            receiving: r.receiving,
            live: r.live,
            within: within(t, r.liveWithinSeconds),
            strong: (chunks) => <strong>{chunks}</strong>,
            muted: (chunks) => <span className="muted small">{chunks}</span>,
          })}
        </p>
        {r.receiving > 0 && (
          <dl className="radius-counts">
            <Breakdown label={t("releases.blastRadius.clusters")} testId="radius-clusters" counts={r.clusters} />
            {r.branches.length > 0 && (
              <Breakdown label={t("releases.blastRadius.grayBranch")} testId="radius-branches" counts={r.branches} />
            )}
            <Breakdown label={t("releases.blastRadius.labels")} testId="radius-labels" counts={r.labels} />
          </dl>
        )}
        {r.ips.length > 0 && (
          <details className="radius-ips" data-testid="radius-ips">
            <summary>
              {r.ips.length < r.receiving
                ? t("releases.blastRadius.firstIps", { shown: r.ips.length, total: r.receiving })
                : t("releases.blastRadius.ips", { count: r.ips.length })}
            </summary>
            <ul className="mono">
              {r.ips.map((ip) => (
                <li key={ip}>{ip}</li>
              ))}
            </ul>
          </details>
        )}
        {r.rejecting > 0 &&
          r.schemas
            .filter((s) => s.problems.length > 0)
            .map((s) => <Refusal key={s.hash} schema={s} />)}
      </>
    );
  }

  return (
    <section className="radius" aria-labelledby={headingId} aria-busy={busy} data-testid="blast-radius">
      <h3 id={headingId} className="radius-title">
        {title ?? t("releases.blastRadius.title")}
        {busy && r && <span className="spinner" aria-hidden="true" />}
      </h3>
      {body}
    </section>
  );
}

/** How long "live" reaches back: "5 min", or "90 s" when not whole minutes. */
function within(t: Translate, seconds: number): string {
  return seconds % 60 === 0
    ? t("releases.blastRadius.minutes", { count: seconds / 60 })
    : t("releases.blastRadius.seconds", { count: seconds });
}

/** One breakdown: the largest few, then how many more. */
function Breakdown({ label, testId, counts }: { label: string; testId: string; counts: RadiusCount[] }) {
  const t = useT();
  const shown = counts.slice(0, TOP);
  const more = counts.slice(TOP);
  return (
    <div className="radius-row" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        {shown.map((c, i) => (
          <span key={c.name} className="radius-count">
            {i > 0 && <span aria-hidden="true"> · </span>}
            {c.name ? <span className="mono">{c.name}</span> : <span className="muted">{t("releases.blastRadius.none")}</span>} {c.instances}
          </span>
        ))}
        {more.length > 0 && (
          <span
            className="muted"
            title={more.map((c) => `${c.name || t("releases.blastRadius.none")} ${c.instances}`).join(", ")}
          >
            {" "}
            {t("releases.blastRadius.more", { count: more.length })}
          </span>
        )}
      </dd>
    </div>
  );
}

/** Instances whose schema would refuse the release, and the first thing it refuses. */
function Refusal({ schema: s }: { schema: RadiusSchema }) {
  const t = useT();
  const [first] = s.problems;
  if (!first) return null;
  return (
    <p className="notice notice-warn radius-refusal" role="status" data-testid="radius-rejecting">
      {t("releases.blastRadius.refusal", {
        count: s.instances,
        known: s.version != null,
        version: s.version,
        hash: s.hash,
      })}{" "}
      {first.at && <code>{first.at}</code>} {first.message}
      {s.problems.length > 1 && (
        <span className="muted"> {t("releases.blastRadius.moreProblems", { count: s.problems.length - 1 })}</span>
      )}
    </p>
  );
}

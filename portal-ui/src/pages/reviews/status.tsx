import type { ReleaseRequest } from "../../api/client";
import { msg, useT, type MessageId } from "../../i18n";

const LABEL: Record<string, [MessageId, string]> = {
  open: [msg("reviews.status.open"), "pill-info"],
  approved: [msg("reviews.status.approved"), "pill-ok"],
  publishing: [msg("reviews.status.publishing"), "pill-info"],
  published: [msg("reviews.status.published"), "pill-muted"],
  rejected: [msg("reviews.status.rejected"), "pill-bad"],
  withdrawn: [msg("reviews.status.withdrawn"), "pill-muted"],
};

/** A request's status, and whether it went stale. */
export function RequestStatus({ request }: { request: ReleaseRequest }) {
  const t = useT();
  const known = LABEL[request.status];
  const [label, tone] = known ? [t(known[0]), known[1]] : [request.status, "pill-muted"];
  return (
    <span className="request-status">
      <span className={`pill ${tone}`}>{label}</span>
      {request.stale && <span className="pill pill-warn">{t("reviews.status.stale")}</span>}
    </span>
  );
}

/** Where a request publishes: `app / cluster / namespace in ENV`, with its gray branch. */
export function Target({ request }: { request: ReleaseRequest }) {
  const t = useT();
  return (
    <span>
      <span className="env-chip">{request.env}</span> {request.appId} / {request.clusterName} / <strong>{request.namespaceName}</strong>
      {request.branchName && <span className="muted small">{t("reviews.status.grayBranch")}</span>}
    </span>
  );
}

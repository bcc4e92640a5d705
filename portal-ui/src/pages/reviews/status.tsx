import type { ReleaseRequest } from "../../api/client";

const LABEL: Record<string, [string, string]> = {
  open: ["Waiting for review", "pill-info"],
  approved: ["Approved", "pill-ok"],
  publishing: ["Publishing", "pill-info"],
  published: ["Published", "pill-muted"],
  rejected: ["Rejected", "pill-bad"],
  withdrawn: ["Withdrawn", "pill-muted"],
};

/** A request's status, and whether it went stale. */
export function RequestStatus({ request }: { request: ReleaseRequest }) {
  const [label, tone] = LABEL[request.status] ?? [request.status, "pill-muted"];
  return (
    <span className="request-status">
      <span className={`pill ${tone}`}>{label}</span>
      {request.stale && <span className="pill pill-warn">Stale</span>}
    </span>
  );
}

/** Where a request publishes: `app / cluster / namespace in ENV`, with its gray branch. */
export function Target({ request }: { request: ReleaseRequest }) {
  return (
    <span>
      <span className="env-chip">{request.env}</span> {request.appId} / {request.clusterName} / <strong>{request.namespaceName}</strong>
      {request.branchName && <span className="muted small"> (gray branch)</span>}
    </span>
  );
}

import { useId, useState } from "react";
import { api, messageOf, type Release, type ReleaseRequest } from "../../api/client";
import { BlastRadiusSection } from "../../components/BlastRadius";
import { ErrorNote, Loading, PageHeader, When } from "../../components/Common";
import { DiffTable } from "../../components/Diff";
import { REVIEWS_CHANGED } from "../../components/Shell";
import { Link, path } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { ConfirmDialog } from "../apps/kit";
import { permissions } from "../namespace/model";
import { RequestStatus, Target } from "./status";
import "./reviews.css";

const VERDICT: Record<string, string> = {
  approve: "approved",
  reject: "rejected",
  refresh: "refreshed the changes",
  publish: "published",
  withdraw: "withdrew the request",
};

/** One release request: its frozen changes, its reviews, and what the reader may do with it. */
export function RequestPage({ id }: { id: number }) {
  const { me } = useSession();
  const toast = useToast();
  const request = useAsync(() => api.get<ReleaseRequest>(`/api/v1/release-requests/${id}`), [id]);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const commentId = useId();

  if (!request.data) {
    return request.error ? (
      <section>
        <PageHeader title={`Release request #${id}`} crumbs={<Link to="/release-requests">Release requests</Link>} />
        <ErrorNote error={request.error} />
      </section>
    ) : (
      <Loading label="Loading the request…" />
    );
  }
  const r = request.data;
  const mine = r.createdBy === me.username;
  // Reviewing and publishing need the release role on the request's namespace.
  const mayRelease = permissions(me, { app: r.appId, env: r.env, cluster: r.clusterName, namespace: r.namespaceName }).release;
  // Until it is published (or closed), who the publish would reach now.
  const underWay = r.status === "open" || r.status === "approved";
  const namespaceLink = path("apps", r.appId, "envs", r.env, "clusters", r.clusterName, "namespaces", r.namespaceName);

  const act = async (action: string, body: unknown, done: string) => {
    setBusy(action);
    setError(undefined);
    try {
      if (action === "publish") {
        const release = await api.post<Release>(`/api/v1/release-requests/${id}/publish`);
        toast.success(`Published as release “${release.title}”. Clients get it now.`);
      } else {
        await api.post(`/api/v1/release-requests/${id}/${action}`, body);
        toast.success(done);
      }
      setComment("");
      window.dispatchEvent(new Event(REVIEWS_CHANGED));
      await request.reload();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section>
      <PageHeader
        title={
          <>
            #{r.id} {r.title}
          </>
        }
        crumbs={
          <>
            <Link to="/release-requests">Release requests</Link>
            <span aria-hidden="true">/</span>
            <span>#{r.id}</span>
          </>
        }
        actions={<RequestStatus request={r} />}
      >
        <Target request={r} /> · opened by <strong>{r.createdBy}</strong> <When at={r.createdAt} />
      </PageHeader>

      {r.stale && (r.status === "open" || r.status === "approved") && (
        <div className="banner banner-warn" role="status">
          <div>
            <strong>This request is stale.</strong> The namespace changed after its changes were frozen, so it cannot be approved or
            published as it is. Its author (or someone who may edit the namespace) refreshes it: that freezes the current changes and
            asks for approval again.
          </div>
          <button type="button" className="button" disabled={busy !== undefined} onClick={() => void act("refresh", undefined, "The request shows the current changes and waits for approval again.")}>
            {busy === "refresh" ? "Refreshing…" : "Refresh changes"}
          </button>
        </div>
      )}

      <div className="request-grid">
        <div className="request-main">
          <article className="card">
            <div className="section-header">
              <h2>Changes</h2>
              <Link to={namespaceLink} className="small">
                Open the namespace
              </Link>
            </div>
            {r.comment && <p className="request-comment">{r.comment}</p>}
            <DiffTable changes={r.changes} oldLabel="Released" newLabel="Requested" empty="No changes." />
          </article>
          {underWay && (
            <article className="card radius-card">
              <BlastRadiusSection
                where={{ env: r.env, app: r.appId, cluster: r.clusterName, namespace: r.namespaceName }}
                branchName={r.branchName}
                title={r.branchName ? "Who its gray publish reaches" : "Who its publish reaches"}
              />
            </article>
          )}
        </div>
        <aside className="request-side">
          <article className="card">
            <h2>Review</h2>
            <ReviewActions
              request={r}
              mine={mine}
              mayRelease={mayRelease}
              busy={busy}
              comment={comment}
              commentId={commentId}
              onComment={setComment}
              onAct={act}
            />
            <ErrorNote error={error} />
          </article>
          <article className="card">
            <h2>History</h2>
            <ol className="timeline">
              <li>
                <strong>{r.createdBy}</strong> opened the request <When at={r.createdAt} />
              </li>
              {(r.reviews ?? []).map((v, i) => (
                <li key={i} className={`timeline-${v.verdict}`}>
                  <strong>{v.createdBy}</strong> {VERDICT[v.verdict] ?? v.verdict} <When at={v.createdAt} />
                  {v.comment && <blockquote>{v.comment}</blockquote>}
                </li>
              ))}
            </ol>
          </article>
        </aside>
      </div>
    </section>
  );
}

function ReviewActions({
  request: r,
  mine,
  mayRelease,
  busy,
  comment,
  commentId,
  onComment,
  onAct,
}: {
  request: ReleaseRequest;
  mine: boolean;
  mayRelease: boolean;
  busy?: string;
  comment: string;
  commentId: string;
  onComment: (text: string) => void;
  onAct: (action: string, body: unknown, done: string) => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const withdraw = mine && (r.status === "open" || r.status === "approved") && (
    <button type="button" className="button button-danger" disabled={busy !== undefined} onClick={() => void onAct("withdraw", undefined, "The request is withdrawn.")}>
      {busy === "withdraw" ? "Withdrawing…" : "Withdraw"}
    </button>
  );
  switch (r.status) {
    case "open":
      if (mine) {
        return (
          <div className="form-grid">
            <p className="muted">Waiting for someone else with release permission to approve it. Nobody approves their own request.</p>
            <div className="toolbar">{withdraw}</div>
          </div>
        );
      }
      if (!mayRelease) {
        return (
          <p className="muted" data-testid="no-review-role">
            Waiting for review by someone with the release role on {r.appId} / {r.namespaceName} in {r.env}; you hold none
            there, so you may read it but not approve or reject it.
          </p>
        );
      }
      return (
        <div className="form-grid">
          <div className="field">
            <label htmlFor={commentId}>Comment</label>
            <textarea id={commentId} value={comment} placeholder="What you checked, or what needs to change" onChange={(e) => onComment(e.target.value)} />
          </div>
          <div className="toolbar">
            <button
              type="button"
              className="button button-primary"
              disabled={busy !== undefined || r.stale === true}
              onClick={() => void onAct("approve", { comment }, "Approved. Its author or a reviewer can publish it now.")}
            >
              {busy === "approve" ? "Approving…" : "Approve"}
            </button>
            <button type="button" className="button button-danger" disabled={busy !== undefined} onClick={() => void onAct("reject", { comment }, "Rejected.")}>
              {busy === "reject" ? "Rejecting…" : "Reject"}
            </button>
          </div>
        </div>
      );
    case "approved":
      if (!mine && !mayRelease) {
        return (
          <p className="muted">
            Approved by <strong>{r.approvedBy}</strong>. Its author or someone with the release role on {r.appId} /{" "}
            {r.namespaceName} in {r.env} publishes it.
          </p>
        );
      }
      return (
        <div className="form-grid">
          <p className="muted">
            Approved by <strong>{r.approvedBy}</strong>. {mine ? "You" : "Its author or a reviewer"} can publish exactly these changes.
          </p>
          <div className="toolbar">
            <button type="button" className="button button-primary" disabled={busy !== undefined || r.stale === true} onClick={() => setConfirming(true)}>
              {busy === "publish" ? "Publishing…" : "Publish"}
            </button>
            {withdraw}
          </div>
          {confirming && (
            <ConfirmDialog
              title={`Publish to ${r.env}?`}
              confirmLabel={`Publish to ${r.env}`}
              onClose={() => setConfirming(false)}
              onConfirm={async () => {
                setConfirming(false);
                await onAct("publish", undefined, "");
              }}
            >
              <p>
                “{r.title}” goes out at once to {r.branchName ? "the clients its gray rules select" : "every client"} of {r.appId} /{" "}
                {r.clusterName} / {r.namespaceName} in <strong>{r.env}</strong>.
              </p>
            </ConfirmDialog>
          )}
        </div>
      );
    case "published":
      return <p className="muted">Published as release #{r.publishedReleaseId}.</p>;
    case "rejected":
      return <p className="muted">Rejected. Change the namespace and open a new request.</p>;
    case "withdrawn":
      return <p className="muted">Withdrawn by its author.</p>;
    default:
      return <p className="muted">Being published…</p>;
  }
}

import { useId, useState, type ReactNode } from "react";
import { api, messageOf, type Release, type ReleaseRequest } from "../../api/client";
import { BlastRadiusSection } from "../../components/BlastRadius";
import { ErrorNote, Loading, PageHeader, When } from "../../components/Common";
import { DiffTable } from "../../components/Diff";
import { msg, useT, type MessageId } from "../../i18n";
import { REVIEWS_CHANGED } from "../../components/Shell";
import { Link, path } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useAsync } from "../../lib/useAsync";
import { ConfirmDialog } from "../apps/kit";
import { permissions } from "../namespace/model";
import { RequestStatus, Target } from "./status";
import "./reviews.css";

/** A review step in the history, as a sentence with its reviewer (`<b>`) and time. */
const VERDICT: Record<string, MessageId> = {
  approve: msg("reviews.request.history.approve"),
  reject: msg("reviews.request.history.reject"),
  refresh: msg("reviews.request.history.refresh"),
  publish: msg("reviews.request.history.publish"),
  withdraw: msg("reviews.request.history.withdraw"),
};

const bold = (chunks: ReactNode[]) => <strong>{chunks}</strong>;

/** One release request: its frozen changes, its reviews, and what the reader may do with it. */
export function RequestPage({ id }: { id: number }) {
  const t = useT();
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
        <PageHeader title={t("reviews.request.title", { id })} crumbs={<Link to="/release-requests">{t("reviews.request.crumb")}</Link>} />
        <ErrorNote error={request.error} />
      </section>
    ) : (
      <Loading label={t("reviews.request.loading")} />
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
        toast.success(t("reviews.request.publishedToast", { title: release.title }));
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
            <Link to="/release-requests">{t("reviews.request.crumb")}</Link>
            <span aria-hidden="true">/</span>
            <span>#{r.id}</span>
          </>
        }
        actions={<RequestStatus request={r} />}
      >
        {t.rich("reviews.request.openedBy", { target: <Target request={r} />, user: r.createdBy, when: <When at={r.createdAt} />, b: bold })}
      </PageHeader>

      {r.stale && (r.status === "open" || r.status === "approved") && (
        <div className="banner banner-warn" role="status">
          <div>{t.rich("reviews.request.stale", { b: bold })}</div>
          <button
            type="button"
            className="button"
            disabled={busy !== undefined}
            onClick={() => void act("refresh", undefined, t("reviews.request.refreshed"))}
          >
            {busy === "refresh" ? t("reviews.request.refreshing") : t("reviews.request.refresh")}
          </button>
        </div>
      )}

      <div className="request-grid">
        <div className="request-main">
          <article className="card">
            <div className="section-header">
              <h2>{t("reviews.request.changes")}</h2>
              <Link to={namespaceLink} className="small">
                {t("reviews.request.openNamespace")}
              </Link>
            </div>
            {r.comment && <p className="request-comment">{r.comment}</p>}
            <DiffTable
              changes={r.changes}
              oldLabel={t("reviews.request.released")}
              newLabel={t("reviews.request.requested")}
              empty={t("reviews.request.noChanges")}
            />
          </article>
          {underWay && (
            <article className="card radius-card">
              <BlastRadiusSection
                where={{ env: r.env, app: r.appId, cluster: r.clusterName, namespace: r.namespaceName }}
                branchName={r.branchName}
                title={r.branchName ? t("reviews.request.grayReach") : t("reviews.request.reach")}
              />
            </article>
          )}
        </div>
        <aside className="request-side">
          <article className="card">
            <h2>{t("reviews.request.review")}</h2>
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
            <h2>{t("reviews.request.history.title")}</h2>
            <ol className="timeline">
              <li>
                {t.rich("reviews.request.history.open", { user: r.createdBy, when: <When at={r.createdAt} />, b: bold })}
              </li>
              {(r.reviews ?? []).map((v, i) => (
                <li key={i} className={`timeline-${v.verdict}`}>
                  {t.rich(VERDICT[v.verdict] ?? msg("reviews.request.history.other"), {
                    user: v.createdBy,
                    verdict: v.verdict,
                    when: <When at={v.createdAt} />,
                    b: bold,
                  })}
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
  const t = useT();
  const [confirming, setConfirming] = useState(false);
  const withdraw = mine && (r.status === "open" || r.status === "approved") && (
    <button type="button" className="button button-danger" disabled={busy !== undefined} onClick={() => void onAct("withdraw", undefined, t("reviews.request.withdrawn"))}>
      {busy === "withdraw" ? t("reviews.request.withdrawing") : t("reviews.request.withdraw")}
    </button>
  );
  switch (r.status) {
    case "open":
      if (mine) {
        return (
          <div className="form-grid">
            <p className="muted">{t("reviews.request.waitingOthers")}</p>
            <div className="toolbar">{withdraw}</div>
          </div>
        );
      }
      if (!mayRelease) {
        return (
          <p className="muted" data-testid="no-review-role">
            {t("reviews.request.noRole", { app: r.appId, namespace: r.namespaceName, env: r.env })}
          </p>
        );
      }
      return (
        <div className="form-grid">
          <div className="field">
            <label htmlFor={commentId}>{t("reviews.request.comment")}</label>
            <textarea
              id={commentId}
              value={comment}
              placeholder={t("reviews.request.commentPlaceholder")}
              onChange={(e) => onComment(e.target.value)}
            />
          </div>
          <div className="toolbar">
            <button
              type="button"
              className="button button-primary"
              disabled={busy !== undefined || r.stale === true}
              onClick={() => void onAct("approve", { comment }, t("reviews.request.approvedToast"))}
            >
              {busy === "approve" ? t("reviews.request.approving") : t("reviews.request.approve")}
            </button>
            <button type="button" className="button button-danger" disabled={busy !== undefined} onClick={() => void onAct("reject", { comment }, t("reviews.request.rejectedToast"))}>
              {busy === "reject" ? t("reviews.request.rejecting") : t("reviews.request.reject")}
            </button>
          </div>
        </div>
      );
    case "approved":
      if (!mine && !mayRelease) {
        return (
          <p className="muted">
            {t.rich("reviews.request.approvedOthers", { user: r.approvedBy, app: r.appId, namespace: r.namespaceName, env: r.env, b: bold })}
          </p>
        );
      }
      return (
        <div className="form-grid">
          <p className="muted">
            {mine
              ? t.rich("reviews.request.approvedMine", { user: r.approvedBy, b: bold })
              : t.rich("reviews.request.approvedReviewer", { user: r.approvedBy, b: bold })}
          </p>
          <div className="toolbar">
            <button type="button" className="button button-primary" disabled={busy !== undefined || r.stale === true} onClick={() => setConfirming(true)}>
              {busy === "publish" ? t("reviews.request.publishing") : t("reviews.request.publish")}
            </button>
            {withdraw}
          </div>
          {confirming && (
            <ConfirmDialog
              title={t("reviews.request.confirmTitle", { env: r.env })}
              confirmLabel={t("reviews.request.confirmLabel", { env: r.env })}
              onClose={() => setConfirming(false)}
              onConfirm={async () => {
                setConfirming(false);
                await onAct("publish", undefined, "");
              }}
            >
              <p>
                {t.rich("reviews.request.confirmBody", {
                  title: r.title,
                  gray: r.branchName ? "yes" : "no",
                  app: r.appId,
                  cluster: r.clusterName,
                  namespace: r.namespaceName,
                  env: r.env,
                  b: bold,
                })}
              </p>
            </ConfirmDialog>
          )}
        </div>
      );
    case "published":
      return <p className="muted">{t("reviews.request.publishedAs", { id: r.publishedReleaseId })}</p>;
    case "rejected":
      return <p className="muted">{t("reviews.request.rejectedNote")}</p>;
    case "withdrawn":
      return <p className="muted">{t("reviews.request.withdrawnNote")}</p>;
    default:
      return <p className="muted">{t("reviews.request.beingPublished")}</p>;
  }
}

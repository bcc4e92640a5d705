// Publishing a namespace: what goes out (against the latest release), a title and a comment.
// Where the environment requires review, the same dialog opens a release request instead.
import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, api, messageOf, wordsOf, type EnvRulesView, type KeyChange, type Release, type ReleaseSummary, type UnpublishedChanges } from "../../api/client";
import { BlastRadiusSection } from "../../components/BlastRadius";
import { ErrorNote, Field, Loading, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { SchemaVerdict } from "./SchemaTab";
import { DiffTable } from "../../components/Diff";
import { Link, path } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { useT } from "../../i18n";
import { RequestError, at, openReleaseRequest, useStable, type Where } from "./model";

/** The changes a publish would send, and the revision they were computed at. */
export type Pending = { changes: KeyChange[]; revision: number; base?: ReleaseSummary | null };

/**
 * The dialog both for main and for a gray branch: `load` answers what would go out,
 * `publish` publishes directly, `branchName` marks a request for a gray branch.
 */
export function ReleaseDialog({
  where,
  settings,
  title,
  intro,
  pending,
  pendingError,
  reloadPending,
  publish,
  branchName,
  mayRelease = true,
  onClose,
  onDone,
}: {
  where: Where;
  settings: EnvRulesView | null;
  title: string;
  intro?: ReactNode;
  pending: Pending | undefined;
  pendingError?: string;
  reloadPending: () => Promise<void>;
  publish: (body: { title: string; comment: string; revision: number; isEmergencyPublish?: boolean }) => Promise<Release>;
  branchName?: string;
  /** Whether the user holds the release role here; without it, the dialog opens a request. */
  mayRelease?: boolean;
  onClose: () => void;
  onDone: () => Promise<void>;
}) {
  const id = useId();
  const t = useT();
  const toast = useToast();
  const { me } = useSession();
  const close = useStable(onClose);
  const [releaseTitle, setReleaseTitle] = useState("");
  const [comment, setComment] = useState("");
  const [emergency, setEmergency] = useState(false);
  const [busy, setBusy] = useState(false);
  const [titleError, setTitleError] = useState<string>();
  const [error, setError] = useState<string>();
  const [stale, setStale] = useState<string>();
  const [underWay, setUnderWay] = useState<number>();
  const [opened, setOpened] = useState<number>();

  const reviewRequired = Boolean(settings?.reviewRequired);
  const review = (reviewRequired && !emergency) || !mayRelease;
  // Why this opens a request rather than publishing.
  const why = reviewRequired
    ? t("namespace.publish.whyReview", { env: where.env })
    : t("namespace.publish.whyNoRole", { namespace: where.namespace, env: where.env });
  const mayEmergency = Boolean(settings?.reviewRequired && settings.emergencyPublishAllowed && me.superAdmin);
  const nothing = pending !== undefined && pending.changes.length === 0;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setError(undefined);
    setStale(undefined);
    setUnderWay(undefined);
    if (!releaseTitle.trim()) {
      setTitleError(t("namespace.publish.titleMissing"));
      return;
    }
    setTitleError(undefined);
    if (!pending) return;
    setBusy(true);
    try {
      if (review) {
        const request = await openReleaseRequest(where, {
          title: releaseTitle.trim(),
          comment,
          ...(branchName ? { branchName } : {}),
        });
        setOpened(request.id);
        toast.success(t("namespace.publish.requestOpened", { id: request.id }));
        await onDone();
      } else {
        const release = await publish({
          title: releaseTitle.trim(),
          comment,
          revision: pending.revision,
          ...(emergency ? { isEmergencyPublish: true } : {}),
        });
        toast.success(t("namespace.publish.published", { title: release.title }));
        onClose();
        await onDone();
      }
    } catch (e) {
      if (e instanceof RequestError && e.code === "request_under_way") {
        setUnderWay(e.requestId);
        setError(wordsOf(e));
      } else if (e instanceof ApiError && e.status === 409 && e.code !== "namespace_locked") {
        setStale(wordsOf(e));
      } else {
        setError(messageOf(e));
      }
    } finally {
      setBusy(false);
    }
  };

  if (opened !== undefined) {
    return (
      <Dialog
        title={t("namespace.publish.openedTitle")}
        onClose={close}
        footer={
          <button type="button" className="button" onClick={onClose}>
            {t("namespace.dialog.close")}
          </button>
        }
      >
        <div className="form-grid" role="status">
          <p className="ns-dialog-text">
            {t.rich("namespace.publish.openedText", { why, id: opened, strong: (chunks) => <strong>{chunks}</strong> })}
          </p>
          <p className="ns-dialog-text">
            <Link to={path("release-requests", opened)} className="button button-primary">
              {t("namespace.publish.viewRequest", { id: opened })}
            </Link>
          </p>
        </div>
      </Dialog>
    );
  }

  const formId = `${id}-form`;
  return (
    <Dialog
      wide
      title={review ? t("namespace.publish.requestTitle", { title }) : title}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("namespace.dialog.cancel")}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy || !pending || (review && nothing)}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {review
              ? t("namespace.publish.openRequest")
              : emergency
                ? t("namespace.publish.emergencySubmit", { env: where.env })
                : t("namespace.publish.publish")}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        {intro}
        {review && (
          <p className="notice ns-dialog-text">{t("namespace.publish.reviewNotice", { why })}</p>
        )}
        <div>
          <h3 className="ns-subheading">
            {t("namespace.publish.whatChanges")}
            {pending && pending.changes.length > 0 && (
              <span className="muted small"> · {t("namespace.publish.keyCount", { count: pending.changes.length })}</span>
            )}
          </h3>
          {pending?.base !== undefined && (
            <p className="muted small ns-base">
              {pending.base ? (
                t.rich("namespace.publish.against", {
                  title: pending.base.title,
                  by: pending.base.createdBy,
                  when: <When at={pending.base.createdAt} />,
                })
              ) : (
                t("namespace.publish.neverReleased")
              )}
            </p>
          )}
          {pendingError ? (
            <ErrorNote error={pendingError} />
          ) : !pending ? (
            <Loading label={t("namespace.publish.comparing")} />
          ) : (
            <DiffTable
              changes={pending.changes}
              oldLabel={t("namespace.publish.oldLabel")}
              newLabel={t("namespace.publish.newLabel")}
              empty={review ? t("namespace.publish.nothingToRequest") : t("namespace.publish.nothingToPublish")}
            />
          )}
        </div>
        {stale && (
          <div className="alert ns-conflict" role="alert">
            <p className="ns-alert-title">{t("namespace.publish.stale")}</p>
            <p>{stale}</p>
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setStale(undefined);
                void reloadPending();
              }}
            >
              {t("namespace.publish.showCurrent")}
            </button>
          </div>
        )}
        <div className="form-row">
          <Field label={t("namespace.publish.releaseTitle")} id={`${id}-title`} error={titleError}>
            <input
              id={`${id}-title`}
              value={releaseTitle}
              required
              aria-invalid={titleError ? true : undefined}
              autoComplete="off"
              onChange={(e) => {
                setReleaseTitle(e.target.value);
                setTitleError(undefined);
              }}
            />
          </Field>
        </div>
        <Field label={review ? t("namespace.publish.commentForReviewers") : t("namespace.publish.comment")} id={`${id}-comment`}>
          <textarea id={`${id}-comment`} value={comment} rows={2} onChange={(e) => setComment(e.target.value)} />
        </Field>
        {mayEmergency && (
          <label className="check">
            <input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} />
            {t("namespace.publish.emergency")}
          </label>
        )}
        {error && (
          <div className="alert" role="alert">
            {error}
            {underWay !== undefined && (
              <>
                {" "}
                <Link to={path("release-requests", underWay)}>{t("namespace.publish.openUnderWay", { id: underWay })}</Link>
              </>
            )}
          </div>
        )}
      </form>
    </Dialog>
  );
}

/** Publishing main: the namespace's unpublished changes. */
export function PublishDialog({
  where,
  settings,
  lockedBy,
  mayRelease,
  onClose,
  onDone,
}: {
  where: Where;
  settings: EnvRulesView | null;
  lockedBy?: string | null;
  mayRelease: boolean;
  onClose: () => void;
  onDone: () => Promise<void>;
}) {
  const t = useT();
  const { me } = useSession();
  const [pending, setPending] = useState<Pending>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    setPending(undefined);
    setError(undefined);
    try {
      const changes = await api.get<UnpublishedChanges>(at(where, "/changes"));
      setPending({ changes: changes.changes, revision: changes.revision, base: changes.baseRelease ?? null });
    } catch (e) {
      setError(messageOf(e));
    }
  }, [where]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <ReleaseDialog
      where={where}
      settings={settings}
      title={t("namespace.publish.title", { namespace: where.namespace })}
      intro={
        <>
          {settings?.namespaceLock && lockedBy === me.username && !settings.reviewRequired && (
            <p className="notice ns-dialog-text">{t("namespace.publish.lockedNotice", { env: where.env })}</p>
          )}
          <SchemaVerdict where={where} />
          <BlastRadiusSection where={where} />
        </>
      }
      pending={pending}
      pendingError={error}
      reloadPending={load}
      publish={(body) => api.post<Release>(at(where, "/releases"), body)}
      mayRelease={mayRelease}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

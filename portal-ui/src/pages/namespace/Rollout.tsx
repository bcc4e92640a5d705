// Staged rollouts of the gray branch: the dialog that starts one, the panel that follows it
// (polled while it runs), and the hook the namespace page keeps the latest one in. The server
// owns the plan's rules and drives the rollout; this page shows it and passes on people's
// pause, resume, advance and abort.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, api, messageOf, type Branch, type EnvRulesView, type Rollout, type StartRollout } from "../../api/client";
import { BlastRadiusSection } from "../../components/BlastRadius";
import { ErrorNote, Field, When } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { msg, useT, type MessageId, type Translate } from "../../i18n";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { at, useStable, type Permissions, type Where } from "./model";
import { SchemaVerdict } from "./SchemaTab";
import "./rollout.css";

/** How often an open rollout is read again: running (its step and counts move), paused. */
const POLL_RUNNING_MS = 2_000;
const POLL_PAUSED_MS = 10_000;

/** Whether `r` is under way: running or paused, which locks its branch. */
export function isOpen(r: Rollout | null | undefined): boolean {
  return r?.state === "running" || r?.state === "paused";
}

/** Why the branch's controls are locked while `r` is under way, for hints and titles. */
export function lockedBy(t: Translate, r: Rollout): string {
  return t("gray.rollout.lockedBy", { id: r.id, state: r.state });
}

export type Rollouts = {
  /** What the panel shows: the rollout under way, else the latest ended one until dismissed. */
  shown: Rollout | null;
  /** The rollout under way, if any. */
  open: Rollout | null;
  /** Why the rollout shown could not be read again. */
  error?: string;
  /** Takes the rollout an action answered, and reloads what it changed. */
  update: (r: Rollout) => void;
  /** Reads the namespace's rollouts again (after an action was refused as stale). */
  reload: () => void;
  dismiss: (id: number) => void;
};

function dismissedKey(where: Where): string {
  return `lyre.rollout.dismissed:${at(where)}`;
}

function readDismissed(key: string): number | null {
  try {
    const value = window.localStorage.getItem(key);
    return value === null ? null : Number(value);
  } catch {
    return null;
  }
}

/**
 * The namespace's latest rollout, read again whenever `stamp` moves and polled while it is
 * under way. When polling finds it moved on (a step, a halt, the end), `onChanged` reloads
 * the page: the driver changed the branch's rules, or merged and deleted the branch.
 */
export function useRollouts(where: Where, stamp: number, onChanged: () => Promise<void>): Rollouts {
  const key = dismissedKey(where);
  const [latest, setLatest] = useState<{ key: string; rollout: Rollout | null }>({ key, rollout: null });
  const [error, setError] = useState<string>();
  const [reloads, setReloads] = useState(0);
  // Dismissals live in localStorage; this only renders the page again after one.
  const [, setDismissTick] = useState(0);
  const changed = useStable(onChanged);
  // A newer read (or an action's answer) wins over an older one still under way.
  const run = useRef(0);
  const current = latest.key === key ? latest.rollout : null;
  const last = useRef<Rollout | null>(null);
  useEffect(() => {
    last.current = current;
  });

  useEffect(() => {
    const mine = ++run.current;
    api.get<Rollout[]>(at(where, "/rollouts")).then(
      (list) => {
        if (mine !== run.current) return;
        setLatest({ key, rollout: list[0] ?? null });
        setError(undefined);
      },
      (e) => {
        // Without the list the page works as before; the panel only says so over a rollout shown.
        if (mine === run.current) setError(messageOf(e));
      },
    );
  }, [where, key, stamp, reloads]);

  const openId = current && isOpen(current) ? current.id : null;
  const running = current?.state === "running";
  useEffect(() => {
    if (openId === null) return;
    let busy = false;
    const timer = window.setInterval(
      () => {
        if (busy || document.hidden) return;
        busy = true;
        const mine = ++run.current;
        api
          .get<Rollout>(at(where, `/rollouts/${openId}`))
          .then(
            (r) => {
              if (mine !== run.current) return;
              const before = last.current;
              setLatest({ key, rollout: r });
              setError(undefined);
              if (before && (before.state !== r.state || before.step !== r.step)) void changed();
            },
            (e) => {
              if (mine === run.current) setError(messageOf(e));
            },
          )
          .finally(() => {
            busy = false;
          });
      },
      running ? POLL_RUNNING_MS : POLL_PAUSED_MS,
    );
    return () => window.clearInterval(timer);
  }, [where, key, openId, running, changed]);

  const update = useCallback(
    (r: Rollout) => {
      ++run.current;
      setLatest({ key, rollout: r });
      setError(undefined);
      void changed();
    },
    [key, changed],
  );
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const dismiss = useCallback(
    (id: number) => {
      try {
        window.localStorage.setItem(key, String(id));
      } catch {
        // Private windows may refuse; it stays dismissed until the page is reloaded.
      }
      setDismissTick((n) => n + 1);
    },
    [key],
  );

  const dismissed = readDismissed(key);
  const shown = current && (isOpen(current) || current.id !== dismissed) ? current : null;
  return { shown, open: current && isOpen(current) ? current : null, error, update, reload, dismiss };
}

/** "45 s", "5 min", "1 h 30 min". */
export function duration(t: Translate, seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [
    h && t("gray.duration.hours", { n: h }),
    m && t("gray.duration.minutes", { n: m }),
    s && t("gray.duration.seconds", { n: s }),
  ].filter(Boolean);
  return parts.length ? parts.join(" ") : t("gray.duration.seconds", { n: 0 });
}

/** A countdown: "0:42", "1:05:00". */
function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** The time now, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [live]);
  return now;
}

const STATE: Record<string, { label: MessageId; tone: string }> = {
  running: { label: msg("gray.rollout.state.running"), tone: "pill-info" },
  paused: { label: msg("gray.rollout.state.paused"), tone: "pill-warn" },
  halted: { label: msg("gray.rollout.state.halted"), tone: "pill-bad" },
  aborted: { label: msg("gray.rollout.state.aborted"), tone: "pill-muted" },
  completed: { label: msg("gray.rollout.state.completed"), tone: "pill-ok" },
};

type Verb = "pause" | "resume" | "advance" | "abort";

const DONE: Record<Verb, (t: Translate, r: Rollout) => string> = {
  pause: (t) => t("gray.rollout.done.paused"),
  resume: (t) => t("gray.rollout.done.resumed"),
  advance: (t, r) =>
    r.state === "completed" ? t("gray.rollout.done.finished") : t("gray.rollout.done.advanced", { pct: r.percentage }),
  abort: (t) => t("gray.rollout.done.aborted"),
};

/** The namespace's rollout under way, or its latest ended one: where it is, how it fares. */
export function RolloutPanel({
  where,
  rollout: r,
  perms,
  error,
  onUpdated,
  onStale,
  onDismiss,
}: {
  where: Where;
  rollout: Rollout;
  perms: Permissions;
  error?: string;
  onUpdated: (r: Rollout) => void;
  onStale: () => void;
  onDismiss: (id: number) => void;
}) {
  const t = useT();
  const id = useId();
  const toast = useToast();
  const [busy, setBusy] = useState<Verb>();
  const [actError, setActError] = useState<string>();
  const [confirmAbort, setConfirmAbort] = useState(false);
  const open = isOpen(r);
  const now = useNow(r.state === "running");
  const known = STATE[r.state];
  const state = { label: known ? t(known.label) : r.state, tone: known?.tone ?? "pill-muted" };
  const last = r.step + 1 >= r.steps.length;
  const noRelease = perms.release ? undefined : t("gray.perm.noRelease");

  // A new rollout (or a new state) clears what an old action said.
  useEffect(() => setActError(undefined), [r.id, r.state]);

  const act = async (verb: Verb) => {
    setBusy(verb);
    setActError(undefined);
    try {
      const next = await api.post<Rollout>(at(where, `/rollouts/${r.id}/${verb}`));
      setConfirmAbort(false);
      toast.success(DONE[verb](t, next));
      onUpdated(next);
    } catch (e) {
      setActError(messageOf(e));
      // It ended meanwhile (halted, finished, or someone else acted): show how.
      if (e instanceof ApiError && e.status === 409) onStale();
    } finally {
      setBusy(undefined);
    }
  };
  const run = (verb: Verb) => void act(verb);

  let timing;
  if (r.state === "running" && r.nextStepAt) {
    const left = Date.parse(r.nextStepAt) - now;
    const pct = r.steps[r.step + 1];
    const clockTag = (chunks: ReactNode[]) => <strong className="rollout-clock">{chunks}</strong>;
    timing =
      left > 0
        ? last
          ? t.rich("gray.rollout.timing.mergeIn", { clock: clockTag, left: clock(left) })
          : t.rich("gray.rollout.timing.nextIn", { clock: clockTag, left: clock(left), pct })
        : last
          ? t("gray.rollout.timing.mergeDue")
          : t("gray.rollout.timing.nextDue", { pct });
  } else if (r.state === "paused") {
    const left = Date.parse(r.stepStartedAt) + r.bakeSeconds * 1000 - Date.parse(r.updatedAt);
    timing = t.rich("gray.rollout.timing.paused", {
      clock: (chunks) => <strong className="rollout-clock">{chunks}</strong>,
      user: r.updatedBy,
      left: clock(Math.min(Math.max(left, 0), r.bakeSeconds * 1000)),
    });
  } else if (r.state === "completed") {
    timing = t.rich("gray.rollout.timing.completed", { when: r.endedAt ? <When at={r.endedAt} /> : "" });
  } else {
    timing = t.rich("gray.rollout.timing.ended", { state: state.label, when: r.endedAt ? <When at={r.endedAt} /> : "" });
  }

  const halting = r.maxRejected === 0 ? t("gray.rollout.haltsFirst") : t("gray.rollout.haltsBeyond", { count: r.maxRejected });
  const bakeText = duration(t, r.bakeSeconds);
  return (
    <section className="card ns-card rollout" aria-labelledby={`${id}-title`} data-testid="rollout-panel">
      <div className="section-header ns-section-header">
        <div className="ns-min0">
          <h2 id={`${id}-title`} className="rollout-title">
            {t("gray.rollout.title", { id: r.id })}
            <span className={`pill ${state.tone}`} data-testid="rollout-state">
              {state.label}
            </span>
          </h2>
          <p className="muted small">
            {t.rich("gray.rollout.summary", {
              halting,
              mono: (chunks) => <span className="mono">{chunks}</span>,
              branch: r.branchName,
              release: r.releaseKey,
              user: r.createdBy,
              when: <When at={r.createdAt} />,
              bake: bakeText,
            })}
          </p>
        </div>
        <div className="toolbar">
          {open ? (
            <>
              {r.state === "running" ? (
                <button type="button" className="button" disabled={Boolean(busy) || !perms.release} title={noRelease} onClick={() => run("pause")}>
                  {busy === "pause" && <span className="spinner" aria-hidden="true" />}
                  {t("gray.rollout.pause")}
                </button>
              ) : (
                <button type="button" className="button" disabled={Boolean(busy) || !perms.release} title={noRelease} onClick={() => run("resume")}>
                  {busy === "resume" && <span className="spinner" aria-hidden="true" />}
                  {t("gray.rollout.resume")}
                </button>
              )}
              <button
                type="button"
                className="button"
                disabled={Boolean(busy) || !perms.release}
                title={noRelease ?? (last ? t("gray.rollout.advanceMergeHint") : t("gray.rollout.advanceHint", { pct: r.steps[r.step + 1] }))}
                onClick={() => run("advance")}
              >
                {busy === "advance" && <span className="spinner" aria-hidden="true" />}
                {t("gray.rollout.advance")}
              </button>
              <button
                type="button"
                className="button button-danger"
                disabled={Boolean(busy) || !perms.release}
                title={noRelease}
                onClick={() => setConfirmAbort(true)}
              >
                {t("gray.rollout.abort")}
              </button>
            </>
          ) : (
            <button type="button" className="button" aria-label={t("gray.rollout.dismissLabel", { id: r.id })} onClick={() => onDismiss(r.id)}>
              {t("gray.rollout.dismiss")}
            </button>
          )}
        </div>
      </div>

      <ol className="rollout-steps" aria-label={t("gray.rollout.steps")} data-testid="rollout-steps">
        {r.steps.map((p, i) => {
          const stopped = r.state === "halted" || r.state === "aborted";
          const done = r.state === "completed" || i < r.step;
          const here = i === r.step && r.state !== "completed";
          const note = done
            ? t("gray.rollout.step.baked")
            : here
              ? stopped
                ? t("gray.rollout.step.stoppedHere", { state: r.state })
                : r.state === "paused"
                  ? t("gray.rollout.step.nowPaused")
                  : t("gray.rollout.step.now")
              : "";
          return (
            <li
              key={i}
              className={`rollout-step${done ? " rollout-step-done" : ""}${here ? " rollout-step-here" : ""}${here && stopped ? " rollout-step-stopped" : ""}`}
              aria-current={here ? "step" : undefined}
            >
              <span className="rollout-step-pct">{p} %</span>
              <span className="rollout-step-note">{note || "\u00a0"}</span>
            </li>
          );
        })}
      </ol>

      <p className="ns-dialog-text" data-testid="rollout-timing">
        {timing}
      </p>
      {r.reason && (
        <p className={r.state === "halted" ? "alert" : "notice"} data-testid="rollout-reason">
          {r.state === "halted"
            ? t.rich("gray.rollout.reasonHalted", { b: (chunks) => <strong>{chunks}</strong>, reason: r.reason })
            : t.rich("gray.rollout.reasonWhy", { b: (chunks) => <strong>{chunks}</strong>, reason: r.reason })}
        </p>
      )}

      <dl className="rollout-counts" data-testid="rollout-counts">
        <div>
          <dt>{t("gray.rollout.counts.read")}</dt>
          <dd data-testid="rollout-read">{r.read}</dd>
        </div>
        <div>
          <dt>{t("gray.rollout.counts.applied")}</dt>
          <dd data-testid="rollout-applied">{r.applied}</dd>
        </div>
        <div className={r.rejected > 0 ? "rollout-count-bad" : undefined}>
          <dt>{t("gray.rollout.counts.rejected")}</dt>
          <dd data-testid="rollout-rejected">
            {t.rich("gray.rollout.counts.rejectedOf", {
              muted: (chunks) => <span className="muted small">{chunks}</span>,
              rejected: r.rejected,
              max: r.maxRejected,
            })}
          </dd>
        </div>
      </dl>
      <p className="muted small ns-dialog-text">{t("gray.rollout.counts.intro")}</p>

      {r.rejections.length > 0 && (
        <div className="table-scroll">
          <table className="table" data-testid="rollout-rejections" aria-label={t("gray.rollout.rejections.title")}>
            <thead>
              <tr>
                <th scope="col">{t("gray.rollout.rejections.instance")}</th>
                <th scope="col">{t("gray.rollout.rejections.label")}</th>
                <th scope="col">{t("gray.rollout.rejections.reason")}</th>
                <th scope="col">{t("gray.rollout.rejections.when")}</th>
              </tr>
            </thead>
            <tbody>
              {r.rejections.map((x) => (
                <tr key={`${x.ip} ${x.label ?? ""} ${x.at}`} data-testid={`rejection-${x.ip}`}>
                  <td className="mono">{x.ip}</td>
                  <td className="mono">{x.label || <span className="muted">—</span>}</td>
                  <td className="value-cell">{x.reason || <span className="muted">{t("gray.rollout.rejections.noneGiven")}</span>}</td>
                  <td>
                    <When at={x.at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.rejected > r.rejections.length && (
            <p className="muted small">{t("gray.rollout.rejections.firstListed", { shown: r.rejections.length, total: r.rejected })}</p>
          )}
        </div>
      )}
      <ErrorNote error={actError ?? (error ? t("gray.rollout.readAgainFailed", { error }) : undefined)} />

      {confirmAbort && (
        <Dialog
          title={t("gray.rollout.abortTitle", { id: r.id })}
          onClose={() => setConfirmAbort(false)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirmAbort(false)}>
                {t("gray.action.cancel")}
              </button>
              <button type="button" className="button button-danger" disabled={Boolean(busy)} onClick={() => run("abort")}>
                {busy === "abort" && <span className="spinner" aria-hidden="true" />}
                {t("gray.rollout.abortSubmit")}
              </button>
            </>
          }
        >
          <div className="form-grid">
            <p className="ns-dialog-text">{t("gray.rollout.abortText", { pct: r.percentage })}</p>
            <ErrorNote error={actError} />
          </div>
        </Dialog>
      )}
    </section>
  );
}

/** Parses steps as people type them ("5, 25, 50, 100", "5% 25%"): the percentages, or why not. */
export function parseSteps(
  t: Translate,
  text: string,
): { steps: number[]; problem?: undefined } | { steps?: undefined; problem: string } {
  const entries = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    return { problem: t("gray.rolloutDialog.stepsMissing") };
  }
  const steps: number[] = [];
  for (const entry of entries) {
    const n = /^\d+%?$/.test(entry) ? Number(entry.replace("%", "")) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 100) {
      return { problem: t("gray.rolloutDialog.stepNotPercentage", { entry }) };
    }
    steps.push(n);
  }
  return { steps };
}

function wholeProblem(t: Translate, text: string, min: number, what: "minutes" | "seconds" | "rejections"): string | undefined {
  const trimmed = text.trim();
  const n = Number(trimmed);
  return trimmed !== "" && /^\d+$/.test(trimmed) && n >= min ? undefined : t("gray.rolloutDialog.wholeNumber", { what, min });
}

/**
 * Starts a staged rollout of the gray branch. The text fields are checked as they are typed;
 * the plan's own rules (steps that grow and end at 100, the bake time's bounds) are the
 * server's, whose message shows here when it refuses.
 */
export function RolloutDialog({
  where,
  branch,
  settings,
  onClose,
  onStarted,
}: {
  where: Where;
  branch: Branch;
  settings: EnvRulesView | null;
  onClose: () => void;
  onStarted: (r: Rollout) => Promise<void>;
}) {
  const t = useT();
  const id = useId();
  const { me } = useSession();
  const close = useStable(onClose);
  const [stepsText, setStepsText] = useState("5, 25, 50, 100");
  const [bake, setBake] = useState("5");
  const [unit, setUnit] = useState<"minutes" | "seconds">("minutes");
  const [tolerated, setTolerated] = useState("0");
  const [title, setTitle] = useState("");
  const [comment, setComment] = useState("");
  const [emergency, setEmergency] = useState(false);
  const [titleError, setTitleError] = useState<string>();
  const [stepsError, setStepsError] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const parsed = parseSteps(t, stepsText);
  const bakeProblem = wholeProblem(t, bake, 1, unit);
  const toleratedProblem = wholeProblem(t, tolerated, 0, "rejections");
  const bakeSeconds = bakeProblem ? undefined : Number(bake) * (unit === "minutes" ? 60 : 1);
  const reviewRequired = Boolean(settings?.reviewRequired);
  const mayEmergency = Boolean(reviewRequired && settings?.emergencyPublishAllowed && me.superAdmin);
  const blockedByReview = reviewRequired && !emergency;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setStepsError(undefined);
    const trimmed = title.trim();
    setTitleError(trimmed ? undefined : t("gray.field.titleRequired"));
    if (!trimmed || parsed.problem || bakeProblem || toleratedProblem || bakeSeconds === undefined || blockedByReview) return;
    const body: StartRollout = {
      branchName: branch.branchName,
      steps: parsed.steps,
      bakeSeconds,
      maxRejected: Number(tolerated),
      releaseTitle: trimmed,
      releaseComment: comment,
      ...(emergency ? { isEmergencyPublish: true } : {}),
    };
    setBusy(true);
    try {
      const rollout = await api.post<Rollout>(at(where, "/rollouts"), body);
      await onStarted(rollout);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && /\bsteps?\b/i.test(e.message)) {
        setStepsError(messageOf(e));
      } else {
        setError(messageOf(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const formId = `${id}-form`;
  const plan = parsed.steps;
  return (
    <Dialog
      wide
      title={t("gray.branch.rollOut")}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("gray.action.cancel")}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy || blockedByReview}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {t("gray.rolloutDialog.start")}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        <p className="ns-dialog-text">{t("gray.rolloutDialog.intro", { app: where.app })}</p>
        {reviewRequired && (
          <p className="notice notice-warn ns-dialog-text">
            {mayEmergency
              ? t("gray.rolloutDialog.reviewEmergency", { env: where.env })
              : t("gray.rolloutDialog.reviewSuperAdmin", { env: where.env })}
          </p>
        )}
        <SchemaVerdict where={where} branch={branch.branchName} />
        <Field
          label={t("gray.rollout.steps")}
          id={`${id}-steps`}
          hint={t("gray.rolloutDialog.stepsHint")}
          error={parsed.problem ?? stepsError}
        >
          <input
            id={`${id}-steps`}
            className="mono"
            value={stepsText}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={parsed.problem || stepsError ? true : undefined}
            onChange={(e) => {
              setStepsText(e.target.value);
              setStepsError(undefined);
            }}
          />
        </Field>
        <div className="form-row">
          <Field label={t("gray.rolloutDialog.bake")} id={`${id}-bake`} error={bakeProblem}>
            <div className="rollout-bake">
              <input
                id={`${id}-bake`}
                type="number"
                min={1}
                step={1}
                inputMode="numeric"
                value={bake}
                aria-invalid={bakeProblem ? true : undefined}
                onChange={(e) => setBake(e.target.value)}
              />
              <select
                aria-label={t("gray.rolloutDialog.bakeUnit")}
                value={unit}
                onChange={(e) => setUnit(e.target.value as "minutes" | "seconds")}
              >
                <option value="minutes">{t("gray.rolloutDialog.minutes")}</option>
                <option value="seconds">{t("gray.rolloutDialog.seconds")}</option>
              </select>
            </div>
          </Field>
          <Field
            label={t("gray.rolloutDialog.tolerated")}
            id={`${id}-tolerated`}
            hint={t("gray.rolloutDialog.toleratedHint")}
            error={toleratedProblem}
          >
            <input
              id={`${id}-tolerated`}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={tolerated}
              aria-invalid={toleratedProblem ? true : undefined}
              onChange={(e) => setTolerated(e.target.value)}
            />
          </Field>
        </div>
        {plan && bakeSeconds !== undefined && (
          <p className="muted small ns-dialog-text" data-testid="rollout-plan">
            {t("gray.rolloutDialog.plan", {
              steps: plan.map((p) => `${p} %`).join(" → "),
              bake: duration(t, bakeSeconds),
              total: duration(t, plan.length * bakeSeconds),
            })}
          </p>
        )}
        {plan && (
          <BlastRadiusSection
            where={where}
            branchName={branch.branchName}
            percentage={plan[0]}
            title={t("gray.rolloutDialog.firstStepReach", { pct: plan[0] })}
          />
        )}
        <Field label={t("gray.field.releaseTitle")} id={`${id}-title`} error={titleError}>
          <input
            id={`${id}-title`}
            value={title}
            autoComplete="off"
            aria-invalid={titleError ? true : undefined}
            onChange={(e) => {
              setTitle(e.target.value);
              setTitleError(undefined);
            }}
          />
        </Field>
        <Field label={t("gray.field.comment")} id={`${id}-comment`}>
          <textarea id={`${id}-comment`} value={comment} rows={2} onChange={(e) => setComment(e.target.value)} />
        </Field>
        {mayEmergency && (
          <label className="check">
            <input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} />
            {t("gray.rolloutDialog.emergency")}
          </label>
        )}
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

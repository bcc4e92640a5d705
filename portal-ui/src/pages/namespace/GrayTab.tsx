// Gray release: a branch of the namespace whose overrides reach the instances its rules select,
// published on its own, then merged into main or abandoned.
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import {
  ApiError,
  api,
  messageOf,
  wordsOf,
  query,
  type Branch,
  type EnvRulesView,
  type GrayRuleItem,
  type GrayRules,
  type Item,
  type KeyChange,
  type Namespace,
  type Release,
  type Rollout,
} from "../../api/client";
import { BlastRadiusSection } from "../../components/BlastRadius";
import { EmptyState, ErrorNote, Field, Loading, SecretValue, When, isSealed } from "../../components/Common";
import { Dialog } from "../../components/Dialog";
import { DiffTable } from "../../components/Diff";
import { useT, type Translate } from "../../i18n";
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { InstanceList } from "./InstancesTab";
import { at, splitList, useStable, type Permissions, type Where } from "./model";
import { ReleaseDialog } from "./PublishDialog";
import { RolloutDialog, lockedBy } from "./Rollout";
import { SchemaVerdict } from "./SchemaTab";

type Props = {
  where: Where;
  ns: Namespace;
  items: Item[];
  branch: Branch | null;
  branchError?: string;
  loading: boolean;
  perms: Permissions;
  settings: EnvRulesView | null;
  stamp: number;
  /** The staged rollout under way, which locks the branch. */
  rollout: Rollout | null;
  onChanged: () => Promise<void>;
};

export function GrayTab(props: Props) {
  const { where, branch, branchError, loading, perms, onChanged } = props;
  const t = useT();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string>();

  if (loading) {
    return <Loading label={t("gray.tab.loading")} />;
  }
  if (branchError) {
    return <ErrorNote error={branchError} />;
  }
  if (!branch) {
    const create = async () => {
      setCreating(true);
      setCreateError(undefined);
      try {
        await api.post<Branch>(at(where, "/branches"), {});
        toast.success(t("gray.tab.created"));
        await onChanged();
      } catch (e) {
        setCreateError(messageOf(e));
      } finally {
        setCreating(false);
      }
    };
    return (
      <div className="card ns-card">
        <EmptyState
          title={t("gray.tab.noBranch")}
          action={
            <div className="form-grid ns-center">
              <div>
                <button
                  type="button"
                  className="button button-primary"
                  onClick={() => void create()}
                  disabled={creating || !perms.modify}
                  title={perms.modify ? undefined : t("gray.perm.noModify")}
                >
                  {creating && <span className="spinner spinner-light" aria-hidden="true" />}
                  {t("gray.tab.create")}
                </button>
              </div>
              <ErrorNote error={createError} />
            </div>
          }
        >
          {t("gray.tab.intro")}
        </EmptyState>
      </div>
    );
  }
  return <BranchView {...props} branch={branch} />;
}

function BranchView({ where, ns, items, branch, perms, settings, stamp, rollout, onChanged }: Props & { branch: Branch }) {
  const t = useT();
  const toast = useToast();
  const { me } = useSession();
  const reviewRequired = Boolean(settings?.reviewRequired);
  // While a staged rollout runs, the server refuses changes to the branch: say so up front.
  const locked = rollout ? lockedBy(t, rollout) : undefined;
  const noRelease = t("gray.perm.noRelease");
  const mayRollOut = perms.release && (!reviewRequired || Boolean(settings?.emergencyPublishAllowed && me.superAdmin));
  const [dialog, setDialog] = useState<
    | { kind: "override"; key?: string }
    | { kind: "remove"; key: string }
    | { kind: "publish" }
    | { kind: "rollout" }
    | { kind: "merge" }
    | { kind: "abandon" }
    | null
  >(null);
  const base = at(where, `/branches/${encodeURIComponent(branch.branchName)}`);
  const mainValues = useMemo(() => new Map(items.map((i) => [i.key, i.value])), [items]);
  // Without the release role, a gray publish is a request for someone who has it.
  const canRequest = perms.modify || perms.release;

  return (
    <div className="ns-stack" data-testid="gray-branch">
      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div className="ns-min0">
            <h2>{t("gray.branch.title")}</h2>
            <p className="muted small">
              {t.rich("gray.branch.createdBy", {
                mono: (chunks) => <span className="mono ns-branch-name">{chunks}</span>,
                branch: branch.branchName,
                user: branch.createdBy,
                when: <When at={branch.createdAt} />,
              })}
            </p>
          </div>
          <div className="toolbar">
            <button
              type="button"
              className="button button-primary"
              onClick={() => setDialog({ kind: "publish" })}
              disabled={!canRequest || Boolean(locked)}
              title={locked ?? (canRequest ? undefined : t("gray.perm.noModifyOrRelease"))}
            >
              {reviewRequired || (perms.modify && !perms.release) ? t("gray.branch.requestGrayRelease") : t("gray.branch.grayPublish")}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setDialog({ kind: "rollout" })}
              disabled={!mayRollOut || Boolean(locked)}
              title={
                locked ??
                (!perms.release
                  ? noRelease
                  : mayRollOut
                    ? t("gray.branch.rollOutHint")
                    : t("gray.branch.rollOutNeedsReview", { env: where.env }))
              }
            >
              {t("gray.branch.rollOut")}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setDialog({ kind: "merge" })}
              disabled={!perms.release}
              title={perms.release ? undefined : noRelease}
            >
              {t("gray.branch.merge")}
            </button>
            <button
              type="button"
              className="button button-danger"
              onClick={() => setDialog({ kind: "abandon" })}
              disabled={!perms.release}
              title={perms.release ? undefined : noRelease}
            >
              {t("gray.branch.abandon")}
            </button>
          </div>
        </div>
        <p className="ns-dialog-text" data-testid="gray-release">
          {branch.latestRelease ? (
            t.rich("gray.branch.released", {
              b: (chunks) => <strong>{chunks}</strong>,
              title: branch.latestRelease.title,
              user: branch.latestRelease.createdBy,
              when: <When at={branch.latestRelease.createdAt} />,
            })
          ) : (
            <span className="muted">{t("gray.branch.notPublished")}</span>
          )}
        </p>
        {locked && (
          <p className="notice rollout-lock" data-testid="rollout-lock">
            {locked}
          </p>
        )}
      </div>

      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div>
            <h2>{t("gray.overrides.title")}</h2>
            <p className="muted small">{t("gray.overrides.intro")}</p>
          </div>
          <button
            type="button"
            className="button"
            onClick={() => setDialog({ kind: "override" })}
            disabled={!perms.modify || Boolean(locked)}
            title={locked ?? (perms.modify ? undefined : t("gray.perm.noModify"))}
          >
            {t("gray.overrides.add")}
          </button>
        </div>
        {branch.overrides.length === 0 ? (
          <EmptyState title={t("gray.overrides.empty")}>{t("gray.overrides.emptyHint")}</EmptyState>
        ) : (
          <table className="table ns-items ns-overrides">
            <thead>
              <tr>
                <th scope="col">{t("gray.field.key")}</th>
                <th scope="col">{t("gray.field.grayValue")}</th>
                <th scope="col">{t("gray.overrides.mainValue")}</th>
                <th scope="col">{t("gray.field.comment")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("gray.overrides.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {branch.overrides.map((o) => {
                const main = mainValues.get(o.key);
                return (
                  <tr key={o.key} data-testid={`override-${o.key}`}>
                    <td data-label={t("gray.field.key")}>
                      <span className="mono ns-key">{o.key}</span>
                      {o.deleted ? (
                        <span className="change change-deleted ns-mark">{t("gray.overrides.removed")}</span>
                      ) : main === undefined ? (
                        <span className="change change-added ns-mark">{t("gray.overrides.newKey")}</span>
                      ) : (
                        <span className="change change-modified ns-mark">{t("gray.overrides.changed")}</span>
                      )}
                    </td>
                    <td data-label={t("gray.field.grayValue")} className="mono value-cell">
                      {o.deleted ? (
                        <span className="muted">{t("gray.overrides.noKeyOnGray")}</span>
                      ) : isSealed(o.value) ? (
                        <SecretValue />
                      ) : (
                        o.value || <span className="muted">{t("gray.value.empty")}</span>
                      )}
                    </td>
                    <td data-label={t("gray.overrides.mainValue")} className="mono value-cell">
                      {main === undefined ? (
                        <span className="muted">—</span>
                      ) : isSealed(main) ? (
                        <SecretValue />
                      ) : (
                        main || <span className="muted">{t("gray.value.empty")}</span>
                      )}
                    </td>
                    <td data-label={t("gray.field.comment")}>{o.comment || <span className="muted">—</span>}</td>
                    <td className="ns-row-actions">
                      <div className="toolbar row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={t("gray.overrides.changeLabel", { key: o.key })}
                          onClick={() => setDialog({ kind: "override", key: o.key })}
                          disabled={!perms.modify || Boolean(locked)}
                          title={locked}
                        >
                          {t("gray.overrides.change")}
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger"
                          aria-label={t("gray.overrides.removeLabel", { key: o.key })}
                          onClick={() => setDialog({ kind: "remove", key: o.key })}
                          disabled={!perms.modify || Boolean(locked)}
                          title={locked}
                        >
                          {t("gray.overrides.remove")}
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>

      <RulesEditor where={where} branch={branch} perms={perms} locked={locked} onSaved={onChanged} />

      <div className="card ns-card">
        <div className="section-header ns-section-header">
          <div>
            <h2>{t("gray.pending.title")}</h2>
            <p className="muted small">
              {branch.latestRelease ? t("gray.pending.introAgainstGray") : t("gray.pending.introAgainstMain")}
            </p>
          </div>
        </div>
        <DiffTable
          changes={branch.pendingChanges}
          oldLabel={t("gray.pending.oldLabel")}
          newLabel={t("gray.pending.newLabel")}
          empty={t("gray.pending.empty")}
        />
      </div>

      <InstanceList
        url={(page, size) => `${base}/instances${query({ page, size })}`}
        stamp={stamp}
        latestKey={branch.latestRelease?.releaseKey}
        mainCluster={where.cluster}
        title={t("gray.instances.title")}
        description={t("gray.instances.description")}
        empty={
          <EmptyState title={t("gray.instances.empty")}>
            {branch.latestRelease ? t("gray.instances.emptyPublished") : t("gray.instances.emptyUnpublished")}
          </EmptyState>
        }
      />

      {dialog?.kind === "override" && (
        <OverrideDialog
          where={where}
          ns={ns}
          branch={branch}
          items={items}
          editKey={dialog.key}
          onClose={() => setDialog(null)}
          onSaved={async (key) => {
            setDialog(null);
            toast.success(t("gray.override.saved", { key }));
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "remove" && (
        <ConfirmDialog
          title={t("gray.remove.title", { key: dialog.key })}
          action={t("gray.remove.action")}
          onClose={() => setDialog(null)}
          run={async () => {
            await api.del(`${base}/overrides/${encodeURIComponent(dialog.key)}`);
            setDialog(null);
            toast.success(t("gray.remove.done", { key: dialog.key }));
            await onChanged();
          }}
        >
          {t.rich("gray.remove.text", { code: (chunks) => <code>{chunks}</code>, key: dialog.key })}
        </ConfirmDialog>
      )}
      {dialog?.kind === "publish" && (
        <ReleaseDialog
          where={where}
          settings={settings}
          title={t("gray.branch.grayPublish")}
          intro={
            <>
              <p className="muted ns-dialog-text">{t("gray.publish.intro")}</p>
              <SchemaVerdict where={where} branch={branch.branchName} />
              <BlastRadiusSection where={where} branchName={branch.branchName} />
            </>
          }
          pending={{ changes: branch.pendingChanges, revision: branch.revision }}
          reloadPending={onChanged}
          publish={(body) => api.post<Release>(`${base}/releases`, body)}
          branchName={branch.branchName}
          mayRelease={perms.release}
          onClose={() => setDialog(null)}
          onDone={onChanged}
        />
      )}
      {dialog?.kind === "rollout" && (
        <RolloutDialog
          where={where}
          branch={branch}
          settings={settings}
          onClose={() => setDialog(null)}
          onStarted={async (r) => {
            setDialog(null);
            toast.success(t("gray.rollout.started", { pct: r.percentage, app: where.app }));
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "merge" && (
        <MergeDialog
          where={where}
          branch={branch}
          items={items}
          reviewRequired={reviewRequired}
          rollout={rollout}
          onClose={() => setDialog(null)}
          onMerged={async (release, kept) => {
            setDialog(null);
            toast.success(
              kept
                ? t("gray.merge.doneKept", { title: release.title })
                : t("gray.merge.doneDeleted", { title: release.title }),
            );
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "abandon" && (
        <ConfirmDialog
          title={t("gray.abandon.title")}
          action={t("gray.abandon.action")}
          danger
          onClose={() => setDialog(null)}
          run={async () => {
            await api.del(base);
            setDialog(null);
            toast.success(t("gray.abandon.done"));
            await onChanged();
          }}
        >
          {t("gray.abandon.text", { count: branch.overrides.length, rollout: rollout ? String(rollout.id) : "none" })}
        </ConfirmDialog>
      )}
    </div>
  );
}

/** A rule as people edit it: lists as typed, the percentage as typed. */
type RuleDraft = { clientAppId: string; ips: string; labels: string; percentage: string };

function toDraft(rule: GrayRuleItem): RuleDraft {
  return {
    clientAppId: rule.clientAppId,
    ips: (rule.clientIpList ?? []).join(", "),
    labels: (rule.clientLabelList ?? []).join(", "),
    percentage: rule.percentage === null || rule.percentage === undefined ? "" : String(rule.percentage),
  };
}

function toRule(draft: RuleDraft): GrayRuleItem {
  const percentage = draft.percentage.trim();
  return {
    clientAppId: draft.clientAppId.trim(),
    clientIpList: splitList(draft.ips),
    clientLabelList: splitList(draft.labels),
    ...(percentage === "" ? {} : { percentage: Number(percentage) }),
  };
}

function percentageProblem(t: Translate, text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const n = Number(trimmed);
  return Number.isInteger(n) && n >= 0 && n <= 100 ? undefined : t("gray.rules.percentageProblem");
}

function orList(t: Translate, values: string[]): string {
  if (values.length <= 1) return values.join("");
  const separator = t("gray.rule.separator");
  return t("gray.rule.orList", { rest: values.slice(0, -1).join(separator), last: values[values.length - 1] });
}

/** What a rule means, in words. */
export function describeRule(t: Translate, rule: GrayRuleItem): string {
  const app = rule.clientAppId || t("gray.rule.noApp");
  const ips = rule.clientIpList ?? [];
  const labels = rule.clientLabelList ?? [];
  const pct = rule.percentage;
  if (ips.includes("*") || labels.includes("*") || pct === 100) {
    return t("gray.rule.everyInstance", { app });
  }
  const parts: string[] = [];
  if (ips.length) parts.push(t("gray.rule.at", { ips: orList(t, ips) }));
  if (labels.length) parts.push(t("gray.rule.labelled", { labels: orList(t, labels) }));
  if (pct !== undefined && pct !== null && pct > 0) {
    parts.push(t("gray.rule.share", { pct }));
  }
  if (parts.length === 0) {
    return t("gray.rule.selectsNone", { app });
  }
  const separator = t("gray.rule.separator");
  const conditions =
    parts.length === 1 ? parts[0] : t("gray.rule.conditionsOr", { rest: parts.slice(0, -1).join(separator), last: parts[parts.length - 1] });
  return t("gray.rule.instances", { app, conditions });
}

function RulesEditor({
  where,
  branch,
  perms,
  locked,
  onSaved,
}: {
  where: Where;
  branch: Branch;
  perms: Permissions;
  /** Why the rules cannot be changed now (a staged rollout sets them). */
  locked?: string;
  onSaved: () => Promise<void>;
}) {
  const editable = perms.release && !locked;
  const t = useT();
  const id = useId();
  const toast = useToast();
  const saved = useMemo(() => branch.ruleItems.map(toDraft), [branch.ruleItems]);
  const [rules, setRules] = useState<RuleDraft[]>(saved);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const dirty = JSON.stringify(rules) !== JSON.stringify(saved);
  // Rules saved anew (here or by someone else) replace what is shown.
  const savedKey = JSON.stringify(saved);
  useEffect(() => {
    setRules(JSON.parse(savedKey) as RuleDraft[]);
  }, [savedKey]);

  const change = (index: number, patch: Partial<RuleDraft>) =>
    setRules((all) => all.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  const problems = rules.map((r) => percentageProblem(t, r.percentage));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (problems.some(Boolean)) {
      setError(t("gray.rules.fixFirst"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.put<GrayRules>(at(where, `/branches/${encodeURIComponent(branch.branchName)}/rules`), {
        ruleItems: rules.map(toRule),
      });
      toast.success(rules.length ? t("gray.rules.saved") : t("gray.rules.cleared"));
      await onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card ns-card" onSubmit={(e) => void save(e)} noValidate aria-labelledby={`${id}-title`}>
      <div className="section-header ns-section-header">
        <div>
          <h2 id={`${id}-title`}>{t("gray.rules.title")}</h2>
          <p className="muted small">{t("gray.rules.intro")}</p>
        </div>
        <button
          type="button"
          className="button"
          disabled={!editable}
          title={locked ?? (perms.release ? undefined : t("gray.perm.noRelease"))}
          onClick={() => setRules((all) => [...all, { clientAppId: where.app, ips: "", labels: "", percentage: "" }])}
        >
          {t("gray.rules.add")}
        </button>
      </div>
      {rules.length === 0 ? (
        <EmptyState title={t("gray.rules.empty")}>{t("gray.rules.emptyHint")}</EmptyState>
      ) : (
        <ol className="ns-rules">
          {rules.map((rule, index) => {
            const rid = `${id}-rule-${index}`;
            return (
              <li key={index} className="ns-rule" data-testid={`rule-${index + 1}`}>
                <fieldset disabled={!editable}>
                  <legend>{t("gray.rules.legend", { n: index + 1 })}</legend>
                  <div className="ns-rule-grid">
                    <Field label={t("gray.rules.clientApp")} id={`${rid}-app`}>
                      <input
                        id={`${rid}-app`}
                        className="mono"
                        value={rule.clientAppId}
                        onChange={(e) => change(index, { clientAppId: e.target.value })}
                      />
                    </Field>
                    <Field label={t("gray.rules.ips")} id={`${rid}-ips`} hint={t("gray.rules.listHint")}>
                      <input
                        id={`${rid}-ips`}
                        className="mono"
                        value={rule.ips}
                        placeholder="10.0.0.1, 10.0.0.2"
                        onChange={(e) => change(index, { ips: e.target.value })}
                      />
                    </Field>
                    <Field label={t("gray.rules.labels")} id={`${rid}-labels`} hint={t("gray.rules.listHint")}>
                      <input
                        id={`${rid}-labels`}
                        className="mono"
                        value={rule.labels}
                        placeholder="canary" // i18n-ignore: an example label, a value
                        onChange={(e) => change(index, { labels: e.target.value })}
                      />
                    </Field>
                    <Field label={t("gray.rules.percentage")} id={`${rid}-pct`} hint={t("gray.rules.percentageHint")} error={problems[index]}>
                      <input
                        id={`${rid}-pct`}
                        type="number"
                        min={0}
                        max={100}
                        step={1}
                        inputMode="numeric"
                        value={rule.percentage}
                        aria-invalid={problems[index] ? true : undefined}
                        onChange={(e) => change(index, { percentage: e.target.value })}
                      />
                    </Field>
                  </div>
                  <div className="ns-rule-footer">
                    <p className="ns-rule-words" data-testid={`rule-${index + 1}-words`}>
                      {problems[index] ? t("gray.rules.fixToSee") : describeRule(t, toRule(rule))}
                    </p>
                    <button
                      type="button"
                      className="button button-small button-danger"
                      disabled={!editable}
                      onClick={() => setRules((all) => all.filter((_, i) => i !== index))}
                    >
                      {t("gray.rules.remove", { n: index + 1 })}
                    </button>
                  </div>
                </fieldset>
              </li>
            );
          })}
        </ol>
      )}
      <ErrorNote error={error} />
      {editable && (dirty || rules.length > 0) && (
        <div className="toolbar ns-form-actions">
          <button type="button" className="button" disabled={!dirty || busy} onClick={() => setRules(saved)}>
            {t("gray.rules.discard")}
          </button>
          <button type="submit" className="button button-primary" disabled={!dirty || busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {t("gray.rules.save")}
          </button>
        </div>
      )}
    </form>
  );
}

function OverrideDialog({
  where,
  ns,
  branch,
  items,
  editKey,
  onClose,
  onSaved,
}: {
  where: Where;
  ns: Namespace;
  branch: Branch;
  items: Item[];
  editKey?: string;
  onClose: () => void;
  onSaved: (key: string) => Promise<void>;
}) {
  const t = useT();
  const id = useId();
  const close = useStable(onClose);
  const existing = branch.overrides.find((o) => o.key === editKey);
  const fixedKey = ns.format === "properties" ? editKey : "content";
  const [key, setKey] = useState(fixedKey ?? "");
  const [deleted, setDeleted] = useState(existing?.deleted ?? false);
  const main = items.find((i) => i.key === (fixedKey ?? key.trim()));
  // What the override holds now, or main's value to start from: a secret one is never in the
  // page, so its field starts empty, and left empty keeps it.
  const [initial] = useState(existing ? existing.value : (main?.value ?? ""));
  const keptSecret = isSealed(initial) ? initial : undefined;
  const [value, setValue] = useState(keptSecret ? "" : initial);
  const secret = Boolean(keptSecret) || Boolean(main && (main.secret || isSealed(main.value)));
  const [comment, setComment] = useState(existing?.comment ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [keyError, setKeyError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const k = (fixedKey ?? key).trim();
    setError(undefined);
    setKeyError(undefined);
    if (!k) {
      setKeyError(t("gray.override.keyRequired"));
      return;
    }
    setBusy(true);
    try {
      await api.put<Branch>(at(where, `/branches/${encodeURIComponent(branch.branchName)}/overrides/${encodeURIComponent(k)}`), {
        value: deleted ? "" : keptSecret && value === "" ? keptSecret : value,
        comment,
        deleted,
      });
      await onSaved(k);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && /key/i.test(e.message) && !fixedKey) {
        setKeyError(wordsOf(e));
      } else {
        setError(messageOf(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const formId = `${id}-form`;
  const mainValue = main ? (
    isSealed(main.value) ? (
      <SecretValue />
    ) : (
      <code>{main.value || t("gray.value.empty")}</code>
    )
  ) : (
    t("gray.override.noMainValue")
  );
  return (
    <Dialog
      title={fixedKey && existing ? t("gray.override.titleOf", { key: fixedKey }) : t("gray.override.titleAdd")}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("gray.action.cancel")}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {t("gray.override.save")}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        {fixedKey ? (
          <div className="field">
            <span>{t("gray.field.key")}</span>
            <code className="ns-fixed-key">{fixedKey}</code>
          </div>
        ) : (
          <Field label={t("gray.field.key")} id={`${id}-key`} error={keyError} hint={t("gray.override.keyHint")}>
            <input
              id={`${id}-key`}
              className="mono"
              list={`${id}-keys`}
              value={key}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={keyError ? true : undefined}
              onChange={(e) => {
                setKey(e.target.value);
                const m = items.find((i) => i.key === e.target.value.trim());
                if (m && !value && !isSealed(m.value)) setValue(m.value);
              }}
            />
            <datalist id={`${id}-keys`}>
              {items.map((i) => (
                <option key={i.key} value={i.key} />
              ))}
            </datalist>
          </Field>
        )}
        <p className="muted small ns-dialog-text">
          {t.rich("gray.override.mainValue", { value: mainValue })}
        </p>
        <fieldset className="ns-choice">
          <legend className="visually-hidden">{t("gray.override.modeLegend")}</legend>
          <label className="check">
            <input type="radio" name={`${id}-mode`} checked={!deleted} onChange={() => setDeleted(false)} />
            {t("gray.override.anotherValue")}
          </label>
          <label className="check">
            <input type="radio" name={`${id}-mode`} checked={deleted} onChange={() => setDeleted(true)} />
            {t("gray.override.noSuchKey")}
          </label>
        </fieldset>
        {!deleted && (
          <Field
            label={t("gray.field.grayValue")}
            id={`${id}-value`}
            hint={secret ? (keptSecret ? t("gray.override.secretKeep") : t("gray.override.secretSealed")) : undefined}
          >
            <textarea
              id={`${id}-value`}
              className="mono ns-value-input"
              value={value}
              placeholder={keptSecret ? t("gray.override.unchangedSecret") : undefined}
              autoComplete="off"
              spellCheck={false}
              rows={Math.min(12, Math.max(3, value.split("\n").length + 1))}
              onChange={(e) => setValue(e.target.value)}
            />
          </Field>
        )}
        <Field label={t("gray.field.comment")} id={`${id}-comment`}>
          <input id={`${id}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} autoComplete="off" />
        </Field>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

function MergeDialog({
  where,
  branch,
  items,
  reviewRequired,
  rollout,
  onClose,
  onMerged,
}: {
  where: Where;
  branch: Branch;
  items: Item[];
  reviewRequired: boolean;
  /** The staged rollout under way: a merge ends it, and the branch cannot stay. */
  rollout: Rollout | null;
  onClose: () => void;
  onMerged: (release: Release, kept: boolean) => Promise<void>;
}) {
  const t = useT();
  const id = useId();
  const close = useStable(onClose);
  const [title, setTitle] = useState("");
  const [comment, setComment] = useState("");
  const [keep, setKeep] = useState(false);
  const [busy, setBusy] = useState(false);
  const [titleError, setTitleError] = useState<string>();
  const [error, setError] = useState<string>();
  const [preview, setPreview] = useState<{ parts?: MergeParts; error?: string }>({});

  useEffect(() => {
    let live = true;
    api
      .get<Release>(at(where, "/releases/latest"))
      .catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      })
      .then((latest) => {
        if (live) setPreview({ parts: mergePreview(latest?.configurations ?? {}, items, branch) });
      })
      .catch((e) => live && setPreview({ error: messageOf(e) }));
    return () => {
      live = false;
    };
  }, [where, items, branch]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!title.trim()) {
      setTitleError(t("gray.field.titleRequired"));
      return;
    }
    setTitleError(undefined);
    setError(undefined);
    setBusy(true);
    try {
      const release = await api.post<Release>(
        at(where, `/branches/${encodeURIComponent(branch.branchName)}/merge${query({ deleteBranch: !keep })}`),
        { title: title.trim(), comment },
      );
      await onMerged(release, keep);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const formId = `${id}-form`;
  return (
    <Dialog
      wide
      title={t("gray.merge.title")}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("gray.action.cancel")}
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            {t("gray.merge.submit")}
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        <p className="ns-dialog-text">{t("gray.merge.intro")}</p>
        {reviewRequired && <p className="notice ns-dialog-text">{t("gray.merge.reviewRequired", { env: where.env })}</p>}
        <ErrorNote error={preview.error} />
        {!preview.parts && !preview.error && <Loading label={t("gray.merge.comparing")} />}
        {preview.parts && (
          <>
            <div data-testid="merge-branch">
              <h3 className="ns-subheading">{t("gray.merge.branchHeading")}</h3>
              <DiffTable
                changes={preview.parts.branch}
                oldLabel={t("gray.merge.mainRelease")}
                newLabel={t("gray.merge.after")}
                empty={t("gray.merge.branchEmpty")}
              />
            </div>
            <div data-testid="merge-main">
              <h3 className="ns-subheading">{t("gray.merge.mainHeading")}</h3>
              {preview.parts.main.length > 0 ? (
                <>
                  <p className="notice notice-warn ns-dialog-text">
                    {t("gray.merge.mainEdits", { count: preview.parts.main.length })}
                  </p>
                  <DiffTable changes={preview.parts.main} oldLabel={t("gray.merge.mainRelease")} newLabel={t("gray.merge.after")} />
                </>
              ) : (
                <p className="muted ns-dialog-text">{t("gray.merge.mainNone")}</p>
              )}
            </div>
          </>
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
        <fieldset className="ns-choice">
          <legend>{t("gray.merge.after")}</legend>
          <label className="check">
            <input type="radio" name={`${id}-after`} checked={!keep} onChange={() => setKeep(false)} />
            {t("gray.merge.deleteBranch")}
          </label>
          <label className="check">
            <input type="radio" name={`${id}-after`} checked={keep} disabled={Boolean(rollout)} onChange={() => setKeep(true)} />
            {t("gray.merge.keepBranch")}
          </label>
          {rollout && (
            <p className="muted small ns-dialog-text">
              {t("gray.merge.rolloutEnds", { id: rollout.id, state: rollout.state })}
            </p>
          )}
        </fieldset>
        <ErrorNote error={error} />
      </form>
    </Dialog>
  );
}

/** What a merge releases, apart: the branch's overrides, and main's own unpublished edits. */
type MergeParts = { branch: KeyChange[]; main: KeyChange[] };

/** Main's release against main's items with the branch's overrides applied, split by origin. */
function mergePreview(released: Record<string, string>, items: Item[], branch: Branch): MergeParts {
  const next = new Map(items.map((i) => [i.key, i.value]));
  const overridden = new Set(branch.overrides.map((o) => o.key));
  for (const o of branch.overrides) {
    if (o.deleted) next.delete(o.key);
    else next.set(o.key, o.value);
  }
  const changes: KeyChange[] = [];
  for (const [key, value] of next) {
    const old = released[key];
    if (old === undefined) changes.push({ key, kind: "added", oldValue: null, newValue: value });
    else if (old !== value) changes.push({ key, kind: "modified", oldValue: old, newValue: value });
  }
  for (const [key, old] of Object.entries(released)) {
    if (!next.has(key)) changes.push({ key, kind: "deleted", oldValue: old, newValue: null });
  }
  return {
    branch: changes.filter((c) => overridden.has(c.key)),
    main: changes.filter((c) => !overridden.has(c.key)),
  };
}

function ConfirmDialog({
  title,
  action,
  danger,
  children,
  onClose,
  run,
}: {
  title: string;
  action: string;
  danger?: boolean;
  children: ReactNode;
  onClose: () => void;
  run: () => Promise<void>;
}) {
  const t = useT();
  const close = useStable(onClose);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const go = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={title}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t("gray.action.cancel")}
          </button>
          <button type="button" className={`button ${danger ? "button-danger" : "button-primary"}`} onClick={() => void go()} disabled={busy}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {action}
          </button>
        </>
      }
    >
      <div className="form-grid">
        <p className="ns-dialog-text">{children}</p>
        <ErrorNote error={error} />
      </div>
    </Dialog>
  );
}

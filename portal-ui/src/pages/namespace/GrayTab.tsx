// Gray release: a branch of the namespace whose overrides reach the instances its rules select,
// published on its own, then merged into main or abandoned.
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import {
  ApiError,
  api,
  messageOf,
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
import { useSession } from "../../lib/session";
import { useToast } from "../../lib/toast";
import { InstanceList } from "./InstancesTab";
import { at, count, splitList, useStable, type Permissions, type Where } from "./model";
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

const NO_RELEASE = "You hold no release role on this namespace";
const NO_MODIFY = "You hold no modify role on this namespace";

export function GrayTab(props: Props) {
  const { where, branch, branchError, loading, perms, onChanged } = props;
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string>();

  if (loading) {
    return <Loading label="Looking for a gray branch…" />;
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
        toast.success("Gray branch created. Add overrides and rules, then gray-publish it.");
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
          title="No gray branch"
          action={
            <div className="form-grid ns-center">
              <div>
                <button
                  type="button"
                  className="button button-primary"
                  onClick={() => void create()}
                  disabled={creating || !perms.modify}
                  title={perms.modify ? undefined : NO_MODIFY}
                >
                  {creating && <span className="spinner spinner-light" aria-hidden="true" />}
                  Create gray branch
                </button>
              </div>
              <ErrorNote error={createError} />
            </div>
          }
        >
          A gray branch tries changes on some instances first: override keys on the branch, choose who gets it by IP, label or
          percentage, publish it, watch, then merge it into main or abandon it.
        </EmptyState>
      </div>
    );
  }
  return <BranchView {...props} branch={branch} />;
}

function BranchView({ where, ns, items, branch, perms, settings, stamp, rollout, onChanged }: Props & { branch: Branch }) {
  const toast = useToast();
  const { me } = useSession();
  const reviewRequired = Boolean(settings?.reviewRequired);
  // While a staged rollout runs, the server refuses changes to the branch: say so up front.
  const locked = rollout ? lockedBy(rollout) : undefined;
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
            <h2>Gray branch</h2>
            <p className="muted small">
              <span className="mono ns-branch-name">{branch.branchName}</span> · created by {branch.createdBy},{" "}
              <When at={branch.createdAt} />
            </p>
          </div>
          <div className="toolbar">
            <button
              type="button"
              className="button button-primary"
              onClick={() => setDialog({ kind: "publish" })}
              disabled={!canRequest || Boolean(locked)}
              title={locked ?? (canRequest ? undefined : "You hold no modify or release role on this namespace")}
            >
              {reviewRequired || (perms.modify && !perms.release) ? "Request gray release" : "Gray publish"}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setDialog({ kind: "rollout" })}
              disabled={!mayRollOut || Boolean(locked)}
              title={
                locked ??
                (!perms.release
                  ? NO_RELEASE
                  : mayRollOut
                    ? "Gray-publish to a growing share of the instances, halting on rejections"
                    : `${where.env} requires review: only the super admin starts a staged rollout, as an emergency publish`)
              }
            >
              Roll out in steps
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setDialog({ kind: "merge" })}
              disabled={!perms.release}
              title={perms.release ? undefined : NO_RELEASE}
            >
              Merge into main
            </button>
            <button
              type="button"
              className="button button-danger"
              onClick={() => setDialog({ kind: "abandon" })}
              disabled={!perms.release}
              title={perms.release ? undefined : NO_RELEASE}
            >
              Abandon
            </button>
          </div>
        </div>
        <p className="ns-dialog-text" data-testid="gray-release">
          {branch.latestRelease ? (
            <>
              Gray release <strong>“{branch.latestRelease.title}”</strong> by {branch.latestRelease.createdBy},{" "}
              <When at={branch.latestRelease.createdAt} />. The instances the rules select get it; the others get main.
            </>
          ) : (
            <span className="muted">Not gray-published yet: every instance still gets main's release.</span>
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
            <h2>Overrides</h2>
            <p className="muted small">Keys the branch changes, adds or removes; every other key follows main.</p>
          </div>
          <button
            type="button"
            className="button"
            onClick={() => setDialog({ kind: "override" })}
            disabled={!perms.modify || Boolean(locked)}
            title={locked ?? (perms.modify ? undefined : NO_MODIFY)}
          >
            Add override
          </button>
        </div>
        {branch.overrides.length === 0 ? (
          <EmptyState title="No overrides yet">Override a key to give gray instances another value, or none.</EmptyState>
        ) : (
          <table className="table ns-items ns-overrides">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Gray value</th>
                <th scope="col">Main value</th>
                <th scope="col">Comment</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {branch.overrides.map((o) => {
                const main = mainValues.get(o.key);
                return (
                  <tr key={o.key} data-testid={`override-${o.key}`}>
                    <td data-label="Key">
                      <span className="mono ns-key">{o.key}</span>
                      {o.deleted ? (
                        <span className="change change-deleted ns-mark">Removed</span>
                      ) : main === undefined ? (
                        <span className="change change-added ns-mark">New key</span>
                      ) : (
                        <span className="change change-modified ns-mark">Changed</span>
                      )}
                    </td>
                    <td data-label="Gray value" className="mono value-cell">
                      {o.deleted ? (
                        <span className="muted">(no such key on gray)</span>
                      ) : isSealed(o.value) ? (
                        <SecretValue />
                      ) : (
                        o.value || <span className="muted">(empty)</span>
                      )}
                    </td>
                    <td data-label="Main value" className="mono value-cell">
                      {main === undefined ? (
                        <span className="muted">—</span>
                      ) : isSealed(main) ? (
                        <SecretValue />
                      ) : (
                        main || <span className="muted">(empty)</span>
                      )}
                    </td>
                    <td data-label="Comment">{o.comment || <span className="muted">—</span>}</td>
                    <td className="ns-row-actions">
                      <div className="toolbar row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Change override of ${o.key}`}
                          onClick={() => setDialog({ kind: "override", key: o.key })}
                          disabled={!perms.modify || Boolean(locked)}
                          title={locked}
                        >
                          Change
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger"
                          aria-label={`Remove override of ${o.key}`}
                          onClick={() => setDialog({ kind: "remove", key: o.key })}
                          disabled={!perms.modify || Boolean(locked)}
                          title={locked}
                        >
                          Remove
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
            <h2>Pending gray changes</h2>
            <p className="muted small">
              What the next gray publish changes for gray instances
              {branch.latestRelease ? ", against the gray release they have." : ", against main's release they have now."}
            </p>
          </div>
        </div>
        <DiffTable
          changes={branch.pendingChanges}
          oldLabel="Gray instances have"
          newLabel="After gray publish"
          empty="Nothing pending: gray instances have the branch as it is."
        />
      </div>

      <InstanceList
        url={(page, size) => `${base}/instances${query({ page, size })}`}
        stamp={stamp}
        latestKey={branch.latestRelease?.releaseKey}
        mainCluster={where.cluster}
        title="Instances on gray"
        description="Instances whose last read got the branch's release."
        empty={
          <EmptyState title="No instance is on gray">
            {branch.latestRelease
              ? "Instances the rules select appear here after they next read the namespace."
              : "Gray-publish the branch; instances the rules select then get it on their next read."}
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
            toast.success(`Override of ${key} saved. Gray-publish the branch to send it out.`);
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "remove" && (
        <ConfirmDialog
          title={`Remove the override of ${dialog.key}?`}
          action="Remove override"
          onClose={() => setDialog(null)}
          run={async () => {
            await api.del(`${base}/overrides/${encodeURIComponent(dialog.key)}`);
            setDialog(null);
            toast.success(`Gray instances follow main for ${dialog.key} after the next gray publish.`);
            await onChanged();
          }}
        >
          Gray instances get main's value of <code>{dialog.key}</code> again after the next gray publish.
        </ConfirmDialog>
      )}
      {dialog?.kind === "publish" && (
        <ReleaseDialog
          where={where}
          settings={settings}
          title="Gray publish"
          intro={
            <>
              <p className="muted ns-dialog-text">
                Publishes main's latest release with the branch's overrides to the instances the rules select.
              </p>
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
            toast.success(`Rollout started: the gray release goes to ${r.percentage} % of ${where.app}'s instances.`);
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
                ? `Merged and published “${release.title}”; the branch stays for its instances.`
                : `Merged and published “${release.title}”; the branch is gone.`,
            );
            await onChanged();
          }}
        />
      )}
      {dialog?.kind === "abandon" && (
        <ConfirmDialog
          title="Abandon the gray branch?"
          action="Abandon branch"
          danger
          onClose={() => setDialog(null)}
          run={async () => {
            await api.del(base);
            setDialog(null);
            toast.success("Gray branch abandoned: its instances are back on main.");
            await onChanged();
          }}
        >
          Gray instances go back to main's release at once. The branch's {count(branch.overrides.length, "override")} and its rules
          are dropped; main is not changed.{rollout && ` Staged rollout #${rollout.id} ends as aborted.`}
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

function percentageProblem(text: string): string | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 && n <= 100 ? undefined : "A whole number from 0 to 100.";
}

function orList(values: string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}

/** What a rule means, in words. */
export function describeRule(rule: GrayRuleItem): string {
  const app = rule.clientAppId || "(no app)";
  const ips = rule.clientIpList ?? [];
  const labels = rule.clientLabelList ?? [];
  const pct = rule.percentage;
  if (ips.includes("*") || labels.includes("*") || pct === 100) {
    return `Every instance of ${app} gets the gray release.`;
  }
  const parts: string[] = [];
  if (ips.length) parts.push(`at ${orList(ips)}`);
  if (labels.length) parts.push(`labelled ${orList(labels)}`);
  if (pct !== undefined && pct !== null && pct > 0) {
    parts.push(`among a stable ${pct} % of them (picked by label, else by IP; raising it only adds instances)`);
  }
  if (parts.length === 0) {
    return `Selects no instance of ${app} yet: give IPs, labels or a percentage.`;
  }
  return `Instances of ${app} ${parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")}, or ${parts[parts.length - 1]}`} get the gray release.`;
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
  const problems = rules.map((r) => percentageProblem(r.percentage));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (problems.some(Boolean)) {
      setError("Fix the marked percentage first.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.put<GrayRules>(at(where, `/branches/${encodeURIComponent(branch.branchName)}/rules`), {
        ruleItems: rules.map(toRule),
      });
      toast.success(rules.length ? "Gray rules saved: they apply at once." : "Gray rules cleared: the branch reaches nobody.");
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
          <h2 id={`${id}-title`}>Rules</h2>
          <p className="muted small">
            Who gets the gray release: an instance is on gray when any rule selects it. Rule changes apply at once, with no
            publish.
          </p>
        </div>
        <button
          type="button"
          className="button"
          disabled={!editable}
          title={locked ?? (perms.release ? undefined : NO_RELEASE)}
          onClick={() => setRules((all) => [...all, { clientAppId: where.app, ips: "", labels: "", percentage: "" }])}
        >
          Add rule
        </button>
      </div>
      {rules.length === 0 ? (
        <EmptyState title="No rules: the branch reaches no instance">
          Add a rule that names instances by IP or label, or a percentage of them.
        </EmptyState>
      ) : (
        <ol className="ns-rules">
          {rules.map((rule, index) => {
            const rid = `${id}-rule-${index}`;
            return (
              <li key={index} className="ns-rule" data-testid={`rule-${index + 1}`}>
                <fieldset disabled={!editable}>
                  <legend>Rule {index + 1}</legend>
                  <div className="ns-rule-grid">
                    <Field label="Client app" id={`${rid}-app`}>
                      <input
                        id={`${rid}-app`}
                        className="mono"
                        value={rule.clientAppId}
                        onChange={(e) => change(index, { clientAppId: e.target.value })}
                      />
                    </Field>
                    <Field label="IP addresses" id={`${rid}-ips`} hint="Comma separated; * for any.">
                      <input
                        id={`${rid}-ips`}
                        className="mono"
                        value={rule.ips}
                        placeholder="10.0.0.1, 10.0.0.2"
                        onChange={(e) => change(index, { ips: e.target.value })}
                      />
                    </Field>
                    <Field label="Labels" id={`${rid}-labels`} hint="Comma separated; * for any.">
                      <input
                        id={`${rid}-labels`}
                        className="mono"
                        value={rule.labels}
                        placeholder="canary"
                        onChange={(e) => change(index, { labels: e.target.value })}
                      />
                    </Field>
                    <Field label="Percentage" id={`${rid}-pct`} hint="0 to 100; optional." error={problems[index]}>
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
                      {problems[index] ? "Fix the percentage to see what this rule selects." : describeRule(toRule(rule))}
                    </p>
                    <button
                      type="button"
                      className="button button-small button-danger"
                      disabled={!editable}
                      onClick={() => setRules((all) => all.filter((_, i) => i !== index))}
                    >
                      Remove rule {index + 1}
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
            Discard
          </button>
          <button type="submit" className="button button-primary" disabled={!dirty || busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            Save rules
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
      setKeyError("Name the key to override.");
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
        setKeyError(e.message);
      } else {
        setError(messageOf(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const formId = `${id}-form`;
  return (
    <Dialog
      title={fixedKey && existing ? `Override of ${fixedKey}` : "Add an override"}
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            Save override
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        {fixedKey ? (
          <div className="field">
            <span>Key</span>
            <code className="ns-fixed-key">{fixedKey}</code>
          </div>
        ) : (
          <Field label="Key" id={`${id}-key`} error={keyError} hint="A key of main, or a new one for gray instances only.">
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
          Main's value:{" "}
          {main ? (
            isSealed(main.value) ? (
              <SecretValue />
            ) : (
              <code>{main.value || "(empty)"}</code>
            )
          ) : (
            "none (a key only gray instances get)"
          )}
        </p>
        <fieldset className="ns-choice">
          <legend className="visually-hidden">What gray instances get</legend>
          <label className="check">
            <input type="radio" name={`${id}-mode`} checked={!deleted} onChange={() => setDeleted(false)} />
            Another value
          </label>
          <label className="check">
            <input type="radio" name={`${id}-mode`} checked={deleted} onChange={() => setDeleted(true)} />
            No such key (remove it for gray instances)
          </label>
        </fieldset>
        {!deleted && (
          <Field
            label="Gray value"
            id={`${id}-value`}
            hint={
              secret
                ? keptSecret
                  ? "The key is secret: leave it empty to keep the value, or type a new one, sealed when saved."
                  : "The key is secret: the value is sealed when saved."
                : undefined
            }
          >
            <textarea
              id={`${id}-value`}
              className="mono ns-value-input"
              value={value}
              placeholder={keptSecret ? "Unchanged (secret)" : undefined}
              autoComplete="off"
              spellCheck={false}
              rows={Math.min(12, Math.max(3, value.split("\n").length + 1))}
              onChange={(e) => setValue(e.target.value)}
            />
          </Field>
        )}
        <Field label="Comment" id={`${id}-comment`}>
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
      setTitleError("Give the release a title.");
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
      title="Merge the gray branch into main"
      onClose={close}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy && <span className="spinner spinner-light" aria-hidden="true" />}
            Merge and publish
          </button>
        </>
      }
    >
      <form id={formId} className="form-grid" onSubmit={(e) => void submit(e)} noValidate>
        <p className="ns-dialog-text">
          The branch's overrides are written into main's items and main is published: every instance gets them.
        </p>
        {reviewRequired && (
          <p className="notice ns-dialog-text">
            {where.env} requires review: a merge goes out directly only when everything it publishes was reviewed already (main
            has no unpublished changes and the branch none beyond its gray release).
          </p>
        )}
        <ErrorNote error={preview.error} />
        {!preview.parts && !preview.error && <Loading label="Comparing…" />}
        {preview.parts && (
          <>
            <div data-testid="merge-branch">
              <h3 className="ns-subheading">The branch's overrides</h3>
              <DiffTable
                changes={preview.parts.branch}
                oldLabel="Main's release"
                newLabel="After the merge"
                empty="The branch overrides nothing that main's release does not already hold."
              />
            </div>
            <div data-testid="merge-main">
              <h3 className="ns-subheading">Main's own unpublished edits</h3>
              {preview.parts.main.length > 0 ? (
                <>
                  <p className="notice notice-warn ns-dialog-text">
                    Main has{" "}
                    {preview.parts.main.length === 1
                      ? "an edit of its own that is not published yet. The merge publishes main, so it goes"
                      : `${preview.parts.main.length} edits of its own that are not published yet. The merge publishes main, so they go`}{" "}
                    out with the branch's overrides.
                  </p>
                  <DiffTable changes={preview.parts.main} oldLabel="Main's release" newLabel="After the merge" />
                </>
              ) : (
                <p className="muted ns-dialog-text">None: the merge releases only the branch's overrides.</p>
              )}
            </div>
          </>
        )}
        <Field label="Release title" id={`${id}-title`} error={titleError}>
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
        <Field label="Comment" id={`${id}-comment`}>
          <textarea id={`${id}-comment`} value={comment} rows={2} onChange={(e) => setComment(e.target.value)} />
        </Field>
        <fieldset className="ns-choice">
          <legend>After the merge</legend>
          <label className="check">
            <input type="radio" name={`${id}-after`} checked={!keep} onChange={() => setKeep(false)} />
            Delete the branch: its instances go back to main
          </label>
          <label className="check">
            <input type="radio" name={`${id}-after`} checked={keep} disabled={Boolean(rollout)} onChange={() => setKeep(true)} />
            Keep the branch: it is republished on the merged main and keeps its instances
          </label>
          {rollout && (
            <p className="muted small ns-dialog-text">
              Staged rollout #{rollout.id} is {rollout.state}: merging ends it as completed, and the branch cannot stay.
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
            Cancel
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

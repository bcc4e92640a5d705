// Key-by-key differences, as a table: added, changed and deleted keys.
import type { KeyChange } from "../api/client";
import { msg, useT, type MessageId } from "../i18n";
import { EmptyState, SecretValue, isSealed } from "./Common";
import { LineDiff } from "./LineDiff";

/**
 * A value of several lines (a file namespace's content) is compared line by line; a secret
 * (sealed) value never is.
 */
export const multiline = (c: KeyChange) =>
  !isSealed(c.oldValue) && !isSealed(c.newValue) && Boolean(c.oldValue?.includes("\n") || c.newValue?.includes("\n"));

/**
 * One side of a change: the value, "—" for none, or a secret masked. When both sides are
 * secret and differ, the side `marked` says "changed" (their sealed forms tell only that).
 */
export function ChangeValue({ change, side, marked }: { change: KeyChange; side: "old" | "new"; marked?: boolean }) {
  const value = side === "old" ? change.oldValue : change.newValue;
  if (value === null || value === undefined) {
    return <span className="muted">—</span>;
  }
  if (isSealed(value)) {
    const changed = Boolean(marked && isSealed(change.oldValue) && isSealed(change.newValue) && change.oldValue !== change.newValue);
    return <SecretValue changed={changed} />;
  }
  return <>{value}</>;
}

const KIND_LABEL: Record<string, MessageId> = {
  added: msg("common.diff.added"),
  modified: msg("common.diff.modified"),
  deleted: msg("common.diff.deleted"),
};

export function DiffTable({
  changes,
  empty,
  oldLabel,
  newLabel,
}: {
  changes: KeyChange[];
  empty?: string;
  oldLabel?: string;
  newLabel?: string;
}) {
  const t = useT();
  if (changes.length === 0) {
    return <EmptyState title={empty ?? t("common.diff.none")} />;
  }
  return (
    <div className="table-scroll">
      <table className="table diff-table">
        <thead>
          <tr>
            <th scope="col">{t("common.diff.change")}</th>
            <th scope="col">{t("common.diff.key")}</th>
            <th scope="col">{oldLabel ?? t("common.diff.before")}</th>
            <th scope="col">{newLabel ?? t("common.diff.after")}</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.key} className={`diff-${c.kind}`} data-testid={`diff-${c.key}`}>
              <td>
                <span className={`change change-${c.kind}`}>{KIND_LABEL[c.kind] ? t(KIND_LABEL[c.kind]!) : c.kind}</span>
              </td>
              <td className="mono">{c.key}</td>
              {multiline(c) ? (
                <td colSpan={2} className="diff-lines-cell">
                  <LineDiff before={c.oldValue ?? ""} after={c.newValue ?? ""} />
                </td>
              ) : (
                <>
                  <td className="mono value-cell">
                    <ChangeValue change={c} side="old" />
                  </td>
                  <td className="mono value-cell">
                    <ChangeValue change={c} side="new" marked />
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

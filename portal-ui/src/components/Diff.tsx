// Key-by-key differences, as a table: added, changed and deleted keys.
import type { KeyChange } from "../api/client";
import { EmptyState } from "./Common";
import { LineDiff } from "./LineDiff";

/** A value of several lines (a file namespace's content) is compared line by line. */
const multiline = (c: KeyChange) => Boolean(c.oldValue?.includes("\n") || c.newValue?.includes("\n"));

const KIND_LABEL: Record<string, string> = { added: "Added", modified: "Changed", deleted: "Deleted" };

export function DiffTable({
  changes,
  empty = "No differences.",
  oldLabel = "Before",
  newLabel = "After",
}: {
  changes: KeyChange[];
  empty?: string;
  oldLabel?: string;
  newLabel?: string;
}) {
  if (changes.length === 0) {
    return <EmptyState title={empty} />;
  }
  return (
    <div className="table-scroll">
      <table className="table diff-table">
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Key</th>
            <th scope="col">{oldLabel}</th>
            <th scope="col">{newLabel}</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.key} className={`diff-${c.kind}`} data-testid={`diff-${c.key}`}>
              <td>
                <span className={`change change-${c.kind}`}>{KIND_LABEL[c.kind] ?? c.kind}</span>
              </td>
              <td className="mono">{c.key}</td>
              {multiline(c) ? (
                <td colSpan={2} className="diff-lines-cell">
                  <LineDiff before={c.oldValue ?? ""} after={c.newValue ?? ""} />
                </td>
              ) : (
                <>
                  <td className="mono value-cell">{c.oldValue ?? <span className="muted">—</span>}</td>
                  <td className="mono value-cell">{c.newValue ?? <span className="muted">—</span>}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

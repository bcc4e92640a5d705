// Line-level differences between two texts (a yaml, json, xml or txt namespace's file): added
// and removed lines marked, unchanged stretches folded to a few lines of context. Side by side
// on a wide window, one column (unified) on a narrow one.
import { diffLines } from "diff";
import { msg, useT } from "../i18n";

/** Unchanged lines kept around each change. */
const CONTEXT = 3;

type Line = { kind: "same" | "del" | "add"; text: string; oldNo?: number; newNo?: number };
/** A run of lines to show, or a fold of `count` unchanged lines. */
type Piece = { lines: Line[] } | { folded: number };

/** The two texts as lines, each marked, with unchanged runs folded beyond `CONTEXT`. */
export function lineDiff(before: string, after: string): Piece[] {
  const lines: Line[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const part of diffLines(before, after)) {
    const texts = part.value.replace(/\n$/, "").split("\n");
    for (const text of texts) {
      if (part.added) {
        lines.push({ kind: "add", text, newNo: newNo++ });
      } else if (part.removed) {
        lines.push({ kind: "del", text, oldNo: oldNo++ });
      } else {
        lines.push({ kind: "same", text, oldNo: oldNo++, newNo: newNo++ });
      }
    }
  }
  // Keep unchanged lines within CONTEXT of a change; fold the rest.
  const near = lines.map(() => false);
  lines.forEach((line, i) => {
    if (line.kind !== "same") {
      for (let j = Math.max(0, i - CONTEXT); j <= Math.min(lines.length - 1, i + CONTEXT); j++) near[j] = true;
    }
  });
  const pieces: Piece[] = [];
  let run: Line[] = [];
  let folded = 0;
  lines.forEach((line, i) => {
    if (near[i]) {
      if (folded) {
        pieces.push({ folded });
        folded = 0;
      }
      run.push(line);
    } else {
      if (run.length) {
        pieces.push({ lines: run });
        run = [];
      }
      folded++;
    }
  });
  if (run.length) pieces.push({ lines: run });
  if (folded) pieces.push({ folded });
  return pieces;
}

/** Pairs a run's removed and added lines side by side; unchanged lines sit on both sides. */
function sideBySide(run: Line[]): [Line | undefined, Line | undefined][] {
  const rows: [Line | undefined, Line | undefined][] = [];
  let dels: Line[] = [];
  let adds: Line[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push([dels[i], adds[i]]);
    dels = [];
    adds = [];
  };
  for (const line of run) {
    if (line.kind === "del") dels.push(line);
    else if (line.kind === "add") adds.push(line);
    else {
      flush();
      rows.push([line, line]);
    }
  }
  flush();
  return rows;
}

const MARK = { same: " ", del: "−", add: "+" } as const;
const SAID = { same: null, del: msg("common.lines.removed"), add: msg("common.lines.added") } as const;

function Fold({ count, span }: { count: number; span: number }) {
  const t = useT();
  return (
    <tr className="line-fold">
      <td colSpan={span}>⋯ {t("common.lines.unchanged", { count })}</td>
    </tr>
  );
}

/** Two texts' differences, line by line. */
export function LineDiff({ before, after }: { before: string; after: string }) {
  const t = useT();
  const said = (kind: Line["kind"]) => {
    const id = SAID[kind];
    return id ? `${t(id)} ` : "";
  };
  const pieces = lineDiff(before, after);
  const changed = pieces.some((p) => "lines" in p && p.lines.some((l) => l.kind !== "same"));
  if (!changed) {
    return <p className="muted small">{t("common.lines.none")}</p>;
  }
  return (
    <div className="line-diff" data-testid="line-diff">
      <table className="line-diff-unified" aria-label={t("common.lines.unified")}>
        <tbody>
          {pieces.map((piece, i) =>
            "folded" in piece ? (
              <Fold key={i} count={piece.folded} span={4} />
            ) : (
              piece.lines.map((line, j) => (
                <tr key={`${i}-${j}`} className={`line-${line.kind}`}>
                  <td className="line-no">{line.oldNo ?? ""}</td>
                  <td className="line-no">{line.newNo ?? ""}</td>
                  <td className="line-mark" aria-hidden="true">
                    {MARK[line.kind]}
                  </td>
                  <td className="line-text">
                    <span className="visually-hidden">{said(line.kind)}</span>
                    {line.text}
                  </td>
                </tr>
              ))
            ),
          )}
        </tbody>
      </table>
      <table className="line-diff-split" aria-label={t("common.lines.split")}>
        <tbody>
          {pieces.map((piece, i) =>
            "folded" in piece ? (
              <Fold key={i} count={piece.folded} span={4} />
            ) : (
              sideBySide(piece.lines).map(([left, right], j) => (
                <tr key={`${i}-${j}`}>
                  <td className="line-no">{left?.oldNo ?? ""}</td>
                  <td className={`line-text line-${left ? (left.kind === "same" ? "same" : "del") : "none"}`}>{left?.text ?? ""}</td>
                  <td className="line-no">{right?.newNo ?? ""}</td>
                  <td className={`line-text line-${right ? (right.kind === "same" ? "same" : "add") : "none"}`}>{right?.text ?? ""}</td>
                </tr>
              ))
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

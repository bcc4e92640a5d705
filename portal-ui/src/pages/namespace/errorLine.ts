// Marks the line a parse error names in a CodeEditor, as a CodeMirror line decoration: it
// survives the editor redrawing its lines and follows the line while the text is edited.
import { StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";

const setErrorLine = StateEffect.define<number | null>();

const errorLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setErrorLine)) {
        const line = effect.value;
        next =
          line === null || line < 1 || line > tr.state.doc.lines
            ? Decoration.none
            : Decoration.set([
                Decoration.line({ class: "cm-line-error", attributes: { "aria-invalid": "true" } }).range(tr.state.doc.line(line).from),
              ]);
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** Marks `line` (from 1; none when undefined) in the editor inside `container`, and shows it. */
export function markErrorLine(container: HTMLElement | null, line: number | undefined) {
  const dom = container?.querySelector<HTMLElement>(".cm-editor");
  const view = dom ? EditorView.findFromDOM(dom) : null;
  if (!view) {
    return;
  }
  if (!view.state.field(errorLineField, false)) {
    if (line === undefined) {
      return;
    }
    view.dispatch({ effects: StateEffect.appendConfig.of(errorLineField) });
  }
  const valid = line !== undefined && line >= 1 && line <= view.state.doc.lines;
  view.dispatch({
    effects: [
      setErrorLine.of(valid ? line : null),
      ...(valid ? [EditorView.scrollIntoView(view.state.doc.line(line).from, { y: "nearest" })] : []),
    ],
  });
}

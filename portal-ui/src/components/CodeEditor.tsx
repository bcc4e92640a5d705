// A code editor with syntax highlighting for a namespace's format (CodeMirror).
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { xml } from "@codemirror/lang-xml";
import { yaml } from "@codemirror/lang-yaml";
import { StreamLanguage, defaultHighlightStyle, syntaxHighlighting, type LanguageSupport } from "@codemirror/language";
import { properties } from "@codemirror/legacy-modes/mode/properties";
import { EditorState, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, highlightActiveLine, keymap, lineNumbers, type DecorationSet } from "@codemirror/view";
import { useEffect, useRef } from "react";

function language(format: string): Extension[] {
  const support: LanguageSupport | Extension | undefined =
    format === "json"
      ? json()
      : format === "yaml" || format === "yml"
        ? yaml()
        : format === "xml"
          ? xml()
          : format === "properties"
            ? StreamLanguage.define(properties)
            : undefined;
  return support ? [support] : [];
}

const setErrorLine = StateEffect.define<number | null>();

/** The line a parse error names, as a line decoration that follows the text as it is edited. */
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

/** An editable (or read-only) text in `format`; `errorLine` (from 1) is marked and shown. */
export function CodeEditor({
  value,
  onChange,
  format,
  readOnly,
  label,
  errorLine,
}: {
  value: string;
  onChange?: (value: string) => void;
  format: string;
  readOnly?: boolean;
  label: string;
  errorLine?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(onChange);
  latest.current = onChange;

  useEffect(() => {
    if (!host.current) {
      return;
    }
    const state = EditorState.create({
      doc: value,
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorState.readOnly.of(Boolean(readOnly)),
        EditorView.editable.of(!readOnly),
        EditorView.contentAttributes.of({ "aria-label": label, "data-testid": "code-editor" }),
        EditorView.lineWrapping,
        errorLineField,
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            latest.current?.(update.state.doc.toString());
          }
        }),
        ...language(format),
      ],
    });
    view.current = new EditorView({ state, parent: host.current });
    return () => {
      view.current?.destroy();
      view.current = null;
    };
    // The editor is created once per format and mode; `value` flows in below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [format, readOnly, label]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (!v) {
      return;
    }
    const valid = errorLine !== undefined && errorLine >= 1 && errorLine <= v.state.doc.lines;
    v.dispatch({
      effects: [
        setErrorLine.of(valid ? errorLine : null),
        ...(valid ? [EditorView.scrollIntoView(v.state.doc.line(errorLine).from, { y: "nearest" })] : []),
      ],
    });
  }, [errorLine, value, format, readOnly]);

  return <div ref={host} className={`code-editor${readOnly ? " code-editor-readonly" : ""}`} />;
}

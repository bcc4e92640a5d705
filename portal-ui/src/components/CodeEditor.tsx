// A code editor with syntax highlighting for a namespace's format (CodeMirror).
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import { xml } from "@codemirror/lang-xml";
import { yaml } from "@codemirror/lang-yaml";
import { StreamLanguage, defaultHighlightStyle, syntaxHighlighting, type LanguageSupport } from "@codemirror/language";
import { properties } from "@codemirror/legacy-modes/mode/properties";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
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

/** An editable (or read-only) text in `format`; `errorLine` is marked when set. */
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
    v.dom.querySelectorAll(".cm-line-error").forEach((el) => el.classList.remove("cm-line-error"));
    if (errorLine && errorLine >= 1 && errorLine <= v.state.doc.lines) {
      const line = v.state.doc.line(errorLine);
      const dom = v.domAtPos(line.from).node;
      const element = dom instanceof HTMLElement ? dom : dom.parentElement;
      element?.closest(".cm-line")?.classList.add("cm-line-error");
    }
  }, [errorLine, value]);

  return <div ref={host} className={`code-editor${readOnly ? " code-editor-readonly" : ""}`} />;
}

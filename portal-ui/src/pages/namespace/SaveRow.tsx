// Saving a namespace's whole text, as the Text and Form tabs both do: a comment, Discard and
// Save, and Ctrl+S (Cmd+S) where the browser would save the page.
import { useEffect, useRef, type MutableRefObject } from "react";
import { useT } from "../../i18n";

/**
 * Ctrl+S (Cmd+S) calls what the returned ref holds (nothing when it holds nothing): set it on
 * each render to the save that may run now.
 */
export function useSaveShortcut(): MutableRefObject<(() => void) | undefined> {
  const saveNow = useRef<(() => void) | undefined>(undefined);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        saveNow.current?.();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return saveNow;
}

/** The comment and the Discard and Save buttons under an editor; read-only users get a line instead. */
export function SaveRow({
  id,
  editable,
  comment,
  setComment,
  canSave,
  canDiscard,
  busy,
  onDiscard,
  onSave,
  saveLabel,
  saveTitle,
}: {
  id: string;
  editable: boolean;
  comment: string;
  setComment: (comment: string) => void;
  /** Whether Save (and Enter in the comment) may save now. */
  canSave: boolean;
  canDiscard: boolean;
  busy: boolean;
  onDiscard: () => Promise<void>;
  onSave: () => Promise<void>;
  saveLabel: string;
  /** The Save button's tooltip; by default, that Ctrl+S saves too. */
  saveTitle?: string;
}) {
  const t = useT();
  if (!editable) {
    return <p className="muted small ns-legend">{t("namespace.save.readOnly")}</p>;
  }
  return (
    <div className="ns-save-row">
      <div className="field ns-save-comment">
        <label htmlFor={`${id}-comment`}>{t("namespace.save.comment")}</label>
        <input
          id={`${id}-comment`}
          value={comment}
          placeholder={t("namespace.save.optional")}
          onChange={(e) => setComment(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && canSave) {
              e.preventDefault();
              void onSave();
            }
          }}
        />
      </div>
      <div className="toolbar">
        <button type="button" className="button" onClick={() => void onDiscard()} disabled={!canDiscard || busy}>
          {t("namespace.save.discard")}
        </button>
        <button
          type="button"
          className="button button-primary"
          onClick={() => void onSave()}
          disabled={!canSave}
          title={saveTitle ?? t("namespace.save.shortcut")}
          aria-keyshortcuts="Control+S Meta+S"
        >
          {busy && <span className="spinner spinner-light" aria-hidden="true" />}
          {saveLabel}
        </button>
      </div>
    </div>
  );
}

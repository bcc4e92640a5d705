// Feedback after an action: a short message at the bottom of the screen, read out by screen
// readers, that goes away by itself (errors stay until dismissed).
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { useT } from "../i18n";

type Toast = { id: number; kind: "success" | "error"; text: string };
type ToastValue = { success: (text: string) => void; error: (text: string) => void };

const ToastContext = createContext<ToastValue | null>(null);

export function Toasts({ children }: { children: ReactNode }) {
  const t = useT();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (kind: Toast["kind"], text: string) => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-3), { id, kind, text }]);
      if (kind === "success") {
        window.setTimeout(() => dismiss(id), 4000);
      }
    },
    [dismiss],
  );
  const value = useMemo(
    () => ({ success: (text: string) => push("success", text), error: (text: string) => push("error", text) }),
    [push],
  );
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.kind}`} role={toast.kind === "error" ? "alert" : "status"}>
            <span>{toast.text}</span>
            <button type="button" className="toast-close" aria-label={t("common.dismiss")} onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastValue {
  const value = useContext(ToastContext);
  if (!value) {
    throw new Error("useToast outside <Toasts>");
  }
  return value;
}

import type { components } from "../api/schema";
import { useT } from "../i18n";

type Status = components["schemas"]["Status"];

/** `UP` or `DOWN`, as a coloured badge that also reads well without colour. */
export function StatusBadge({ status }: { status: Status }) {
  const t = useT();
  const up = status === "UP";
  return (
    <span className={`status ${up ? "status-up" : "status-down"}`}>
      <span className="status-dot" aria-hidden="true" />
      {up ? t("system.status.up") : t("system.status.down")}
    </span>
  );
}

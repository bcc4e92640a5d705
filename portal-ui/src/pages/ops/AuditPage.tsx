// In progress.
export function AuditPage() {
  return <p>AuditPage</p>;
}

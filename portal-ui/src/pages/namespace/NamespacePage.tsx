// In progress.
export function NamespacePage(_: { app: string; env: string; cluster: string; namespace: string }) {
  return <p>NamespacePage</p>;
}

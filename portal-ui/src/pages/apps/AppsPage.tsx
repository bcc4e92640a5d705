// In progress.
export function AppsPage() {
  return <p>AppsPage</p>;
}

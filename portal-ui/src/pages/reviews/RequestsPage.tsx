// In progress.
export function RequestsPage() {
  return <p>RequestsPage</p>;
}

// In progress.
export function ConsumersPage() {
  return <p>ConsumersPage</p>;
}

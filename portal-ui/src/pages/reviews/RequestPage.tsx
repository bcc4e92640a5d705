// In progress.
export function RequestPage(_: { id: number }) {
  return <p>RequestPage</p>;
}

// In progress.
export function ComparePage(_: { app: string }) {
  return <p>ComparePage</p>;
}

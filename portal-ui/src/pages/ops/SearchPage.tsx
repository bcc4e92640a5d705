// In progress.
export function SearchPage() {
  return <p>SearchPage</p>;
}

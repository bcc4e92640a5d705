// In progress.
export function AppPage(_: { app: string }) {
  return <p>AppPage</p>;
}

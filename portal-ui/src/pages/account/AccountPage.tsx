// In progress.
export function AccountPage() {
  return <p>AccountPage</p>;
}

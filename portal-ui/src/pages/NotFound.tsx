import { EmptyState } from "../components/Common";
import { Link } from "../lib/router";

export function NotFound() {
  return (
    <EmptyState title="There is no such page." action={<Link className="button" to="/">Go to your apps</Link>}>
      The address may be mistyped, or the page may have moved.
    </EmptyState>
  );
}

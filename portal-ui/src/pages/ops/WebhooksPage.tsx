import { EmptyState, PageHeader } from "../../components/Common";
import { useSession } from "../../lib/session";
import { Webhooks } from "./Webhooks";
import "../apps/apps.css";
import "./ops.css";

/** The installation's webhooks, the super admin's: they hear the events of every app. */
export function WebhooksPage() {
  const { me } = useSession();
  if (!me.superAdmin) {
    return (
      <section className="ops-page">
        <PageHeader title="Webhooks" />
        <EmptyState title="Only the super admin manages installation webhooks.">
          A master of an app adds webhooks for that app on the app's Webhooks tab.
        </EmptyState>
      </section>
    );
  }
  return (
    <section className="ops-page">
      <PageHeader title="Webhooks">
        Installation webhooks hear the events of every app: each release, rollback, gray release, staged rollout and release request,
        in any environment. For one app's events, its masters add a webhook on the app's Webhooks tab.
      </PageHeader>
      <Webhooks base="/api/v1/system/webhooks" scope={{ kind: "installation" }} />
    </section>
  );
}

import { EmptyState, PageHeader } from "../../components/Common";
import { useT } from "../../i18n";
import { useSession } from "../../lib/session";
import { Webhooks } from "./Webhooks";
import "../apps/apps.css";
import "./ops.css";

/** The installation's webhooks, the super admin's: they hear the events of every app. */
export function WebhooksPage() {
  const t = useT();
  const { me } = useSession();
  if (!me.superAdmin) {
    return (
      <section className="ops-page">
        <PageHeader title={t("ops.webhooksPage.title")} />
        <EmptyState title={t("ops.webhooksPage.superAdminOnly")}>{t("ops.webhooksPage.superAdminOnlyHint")}</EmptyState>
      </section>
    );
  }
  return (
    <section className="ops-page">
      <PageHeader title={t("ops.webhooksPage.title")}>{t("ops.webhooksPage.intro")}</PageHeader>
      <Webhooks base="/api/v1/system/webhooks" scope={{ kind: "installation" }} />
    </section>
  );
}

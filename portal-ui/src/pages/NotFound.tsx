import { EmptyState } from "../components/Common";
import { useT } from "../i18n";
import { Link } from "../lib/router";

export function NotFound() {
  const t = useT();
  return (
    <EmptyState title={t("common.notFound.title")} action={<Link className="button" to="/">{t("common.notFound.home")}</Link>}>
      {t("common.notFound.explain")}
    </EmptyState>
  );
}

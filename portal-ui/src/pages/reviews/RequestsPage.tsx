import { useState } from "react";
import { api, query, type Page, type ReleaseRequest } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader, Pager, Tabs, When } from "../../components/Common";
import { msg, useT, type MessageId } from "../../i18n";
import { useRouter, useSearchParams } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { RequestStatus, Target } from "./status";
import "./reviews.css";

type View = "review" | "open" | "mine";

const EMPTY: Record<View, [MessageId, MessageId]> = {
  review: [msg("reviews.requests.empty.review"), msg("reviews.requests.empty.reviewHint")],
  open: [msg("reviews.requests.empty.open"), msg("reviews.requests.empty.openHint")],
  mine: [msg("reviews.requests.empty.mine"), msg("reviews.requests.empty.mineHint")],
};

/** Release requests: waiting for my review, under way, mine. */
export function RequestsPage() {
  const t = useT();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const view = (["review", "open", "mine"].includes(params.get("view") ?? "") ? params.get("view") : "review") as View;
  const [page, setPage] = useState(0);
  const requests = useAsync(
    () => api.get<Page<ReleaseRequest>>(`/api/v1/release-requests${query({ view, page, size: 20 })}`),
    [view, page],
  );
  return (
    <section>
      <PageHeader title={t("reviews.requests.title")}>{t("reviews.requests.intro")}</PageHeader>
      <Tabs<View>
        label={t("reviews.requests.tabs")}
        current={view}
        onChange={(next) => {
          setPage(0);
          navigate(`/release-requests${query({ view: next })}`, { replace: true });
        }}
        tabs={[
          { id: "review", label: t("reviews.requests.tab.review") },
          { id: "open", label: t("reviews.requests.tab.open") },
          { id: "mine", label: t("reviews.requests.tab.mine") },
        ]}
      />
      <ErrorNote error={requests.error} />
      {!requests.data && requests.loading && <Loading label={t("reviews.requests.loading")} />}
      {requests.data && requests.data.items.length === 0 && <EmptyState title={t(EMPTY[view][0])}>{t(EMPTY[view][1])}</EmptyState>}
      {requests.data && requests.data.items.length > 0 && (
        <div className="card table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("reviews.requests.col.request")}</th>
                <th scope="col">{t("reviews.requests.col.namespace")}</th>
                <th scope="col">{t("reviews.requests.col.changes")}</th>
                <th scope="col">{t("reviews.requests.col.status")}</th>
                <th scope="col">{t("reviews.requests.col.opened")}</th>
              </tr>
            </thead>
            <tbody>
              {requests.data.items.map((r) => (
                <tr key={r.id} className="row-link" onClick={() => navigate(`/release-requests/${r.id}`)} data-testid={`request-${r.id}`}>
                  <td>
                    <a
                      href={`/release-requests/${r.id}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/release-requests/${r.id}`);
                      }}
                    >
                      #{r.id} {r.title}
                    </a>
                    <div className="muted small">{t("reviews.requests.by", { user: r.createdBy })}</div>
                  </td>
                  <td>
                    <Target request={r} />
                  </td>
                  <td>{t("reviews.requests.keys", { count: r.changes.length })}</td>
                  <td>
                    <RequestStatus request={r} />
                  </td>
                  <td>
                    <When at={r.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={requests.data.page} size={requests.data.size} total={requests.data.total} onPage={setPage} />
        </div>
      )}
    </section>
  );
}

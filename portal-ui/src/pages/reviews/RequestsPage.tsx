import { useState } from "react";
import { api, query, type Page, type ReleaseRequest } from "../../api/client";
import { EmptyState, ErrorNote, Loading, PageHeader, Pager, Tabs, When } from "../../components/Common";
import { useRouter, useSearchParams } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { RequestStatus, Target } from "./status";
import "./reviews.css";

type View = "review" | "open" | "mine";

const EMPTY: Record<View, [string, string]> = {
  review: ["Nothing waits for your review.", "Requests others open on namespaces you may release show up here."],
  open: ["No release request is under way.", "Where an environment requires review, publishing a namespace opens one."],
  mine: ["You have not opened a release request yet.", "Open one from a namespace's Publish button where review is required."],
};

/** Release requests: waiting for my review, under way, mine. */
export function RequestsPage() {
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
      <PageHeader title="Release requests">
        Where an environment requires review, changes go out once someone else with release permission approves them.
      </PageHeader>
      <Tabs<View>
        label="Which requests"
        current={view}
        onChange={(next) => {
          setPage(0);
          navigate(`/release-requests${query({ view: next })}`, { replace: true });
        }}
        tabs={[
          { id: "review", label: "Waiting for my review" },
          { id: "open", label: "Under way" },
          { id: "mine", label: "Mine" },
        ]}
      />
      <ErrorNote error={requests.error} />
      {!requests.data && requests.loading && <Loading label="Loading requests…" />}
      {requests.data && requests.data.items.length === 0 && <EmptyState title={EMPTY[view][0]}>{EMPTY[view][1]}</EmptyState>}
      {requests.data && requests.data.items.length > 0 && (
        <div className="card table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Namespace</th>
                <th scope="col">Changes</th>
                <th scope="col">Status</th>
                <th scope="col">Opened</th>
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
                    <div className="muted small">by {r.createdBy}</div>
                  </td>
                  <td>
                    <Target request={r} />
                  </td>
                  <td>{r.changes.length === 1 ? "1 key" : `${r.changes.length} keys`}</td>
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

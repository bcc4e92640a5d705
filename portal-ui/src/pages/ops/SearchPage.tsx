import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { api, query, type SearchHit } from "../../api/client";
import { useT } from "../../i18n";
import { EmptyState, ErrorNote, Loading, PageHeader, SecretValue, isSealed } from "../../components/Common";
import { Link, useRouter, useSearchParams } from "../../lib/router";
import { useAsync } from "../../lib/useAsync";
import { namespacePath } from "../apps/Overview";
import "../apps/apps.css";
import "./ops.css";

const LIMIT = 200;

/** Keys and values across every app and environment the caller may see. */
export function SearchPage() {
  const t = useT();
  const { navigate } = useRouter();
  const params = useSearchParams();
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const [tooShort, setTooShort] = useState(false);
  useEffect(() => setText(q), [q]);

  const hits = useAsync(
    () => (q.trim().length >= 2 ? api.get<SearchHit[]>(`/api/v1/search${query({ q: q.trim(), limit: LIMIT })}`) : Promise.resolve(undefined)),
    [q],
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim().length < 2) {
      setTooShort(true);
      return;
    }
    setTooShort(false);
    navigate(`/search${query({ q: text.trim() })}`);
  };

  const list = hits.data ?? [];
  return (
    <section className="ops-page">
      <PageHeader title={t("ops.search.title")}>{t("ops.search.intro")}</PageHeader>
      <form className="search-form" onSubmit={submit} role="search">
        <label htmlFor="config-search" className="visually-hidden-apps">
          {t("ops.search.label")}
        </label>
        <input
          id="config-search"
          className="input search-input"
          type="search"
          value={text}
          placeholder={t("ops.search.placeholder")}
          aria-describedby="search-hint"
          aria-invalid={tooShort || undefined}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value.trim().length >= 2) {
              setTooShort(false);
            }
          }}
        />
        <button type="submit" className="button button-primary">
          {t("ops.search.submit")}
        </button>
      </form>
      <p id="search-hint" className={tooShort ? "field-error search-hint" : "muted small search-hint"} role={tooShort ? "alert" : undefined}>
        {tooShort ? t("ops.search.tooShort") : t("ops.search.hint")}
      </p>

      <div className="section">
        <ErrorNote error={hits.error} />
        {!q && <EmptyState title={t("ops.search.emptyTitle")}>{t("ops.search.emptyHint")}</EmptyState>}
        {q && hits.loading && !hits.data && <Loading label={t("ops.search.searching")} />}
        {hits.data && list.length === 0 && (
          <EmptyState title={t("ops.search.nothingFound", { q })}>{t("ops.search.nothingFoundHint")}</EmptyState>
        )}
        {list.length > 0 && (
          <>
            <div className="section-header">
              <span className="muted small" role="status">
                {list.length >= LIMIT ? t("ops.search.limited", { limit: LIMIT }) : t("ops.search.count", { count: list.length })}
              </span>
            </div>
            <div className="card card-flush table-scroll">
              <table className="table search-table stack-narrow">
                <thead>
                  <tr>
                    <th scope="col">{t("ops.search.key")}</th>
                    <th scope="col">{t("ops.search.value")}</th>
                    <th scope="col">{t("ops.search.where")}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((h) => (
                    <tr key={`${h.env}/${h.appId}/${h.clusterName}/${h.namespaceName}/${h.key}`} data-testid={`hit-${h.env}-${h.appId}-${h.key}`}>
                      <td className="mono search-key stack-full">
                        <Mark text={h.key} q={q} />
                      </td>
                      <td className="mono value-cell stack-full">
                        {isSealed(h.value) ? <SecretValue /> : <Mark text={h.value} q={q} />}
                      </td>
                      <td className="search-where stack-full">
                        <Link
                          to={namespacePath(h.appId, h.env, h.clusterName, h.namespaceName)}
                          aria-label={t("ops.search.hitLabel", { key: h.key, env: h.env, app: h.appId, cluster: h.clusterName, namespace: h.namespaceName })}
                          className="where-link"
                        >
                          <span className="pill pill-muted">{h.env}</span>
                          <span className="where-path">
                            {h.appId} / {h.clusterName} / <strong>{h.namespaceName}</strong>
                          </span>
                        </Link>
                        {h.isPublic && <span className="pill pill-info where-public">{t("ops.search.public")}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
      <p className="muted small">
        {t.rich("ops.search.appsHint", { link: (chunks) => <Link to="/">{chunks}</Link> })}
      </p>
    </section>
  );
}

/** `text` with each occurrence of `q` (ignoring case) marked. */
function Mark({ text, q }: { text: string; q: string }) {
  const needle = q.trim().toLowerCase();
  if (!needle) {
    return <>{text}</>;
  }
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  let at = 0;
  let found = lower.indexOf(needle);
  while (found >= 0 && parts.length < 40) {
    parts.push(text.slice(at, found));
    parts.push(<mark key={found}>{text.slice(found, found + needle.length)}</mark>);
    at = found + needle.length;
    found = lower.indexOf(needle, at);
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

// API errors in the user's language. The portal answers each error with a stable `code`, for
// some a `reason` (which case of the code) and `params` (the values the sentence names), and an
// English `message` for scripts. English readers get that message as it is, the most specific
// words there are; other languages get the sentence of the reason, else of the code, with the
// English message after it when only the code's general sentence was found.
import { currentLocale, hasMessage, msg, translate, type MessageId, type Values } from "../i18n";

/** The sentence of each code, and of each `code.reason`. */
const SENTENCES: Record<string, MessageId> = {
  network: msg("errors.network"),
  http_error: msg("errors.httpError"),
  unauthenticated: msg("errors.unauthenticated"),
  unauthorized: msg("errors.unauthorized"),
  invalid_credentials: msg("errors.invalidCredentials"),
  account_disabled: msg("errors.accountDisabled"),
  too_many_attempts: msg("errors.tooManyAttempts"),
  invalid_request: msg("errors.invalidRequest"),
  invalid_json: msg("errors.invalidRequest"),
  invalid_body: msg("errors.invalidRequest"),
  invalid_content: msg("errors.invalidContent"),
  forbidden: msg("errors.forbidden"),
  review_required: msg("errors.reviewRequired"),
  not_found: msg("errors.notFound"),
  app_not_found: msg("errors.appNotFound"),
  env_not_found: msg("errors.envNotFound"),
  cluster_not_found: msg("errors.clusterNotFound"),
  namespace_not_found: msg("errors.namespaceNotFound"),
  item_not_found: msg("errors.itemNotFound"),
  release_not_found: msg("errors.releaseNotFound"),
  branch_not_found: msg("errors.branchNotFound"),
  override_not_found: msg("errors.overrideNotFound"),
  rollout_not_found: msg("errors.rolloutNotFound"),
  conflict: msg("errors.conflict"),
  already_exists: msg("errors.alreadyExists"),
  changed: msg("errors.changed"),
  namespace_locked: msg("errors.namespaceLocked"),
  request_under_way: msg("errors.requestUnderWay"),
  schema_violation: msg("errors.schemaViolation"),
  rate_limited: msg("errors.rateLimited"),
  unavailable: msg("errors.unavailable"),
  internal: msg("errors.internal"),
};

/** The API's words as a sentence: its messages read as clauses ("you hold no ..."). */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** What an error body says, in the user's language. */
export function localizeError(
  error: { status: number; code: string; message: string; reason?: string; params?: Values },
  english: "sentence" | "clause" = "sentence",
): string {
  if (currentLocale() === "en") {
    return english === "sentence" ? sentence(error.message) : error.message;
  }
  const values: Values = { status: error.status, ...error.params };
  const specific = error.reason ? SENTENCES[`${error.code}.${error.reason}`] : undefined;
  if (specific && hasMessage(specific)) {
    return translate(specific, values);
  }
  const general = SENTENCES[error.code] ?? SENTENCES.http_error!;
  return translate(general, values) + translate("errors.detail", { detail: error.message.trim() });
}

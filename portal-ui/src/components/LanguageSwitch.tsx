// The language the portal speaks: in the top bar, on the account page and on the sign-in page.
import { useCallback, useId } from "react";
import { api } from "../api/client";
import { LOCALES, isLocale, useLocale, useT, type Locale } from "../i18n";
import { useToast } from "../lib/toast";

/**
 * A choice of language. Switching renders every page anew in the language chosen, keeping the
 * page and anything typed but not saved; `onChosen` hears of the choice (to store it).
 */
export function LanguageSwitch({ showLabel, onChosen }: { showLabel?: boolean; onChosen?: (locale: Locale) => void }) {
  const { locale, setLocale } = useLocale();
  const t = useT();
  const id = useId();
  return (
    <span className="language-switch">
      <label htmlFor={id} className={showLabel ? undefined : "visually-hidden"}>
        {t("common.language.label")}
      </label>
      <select
        id={id}
        data-testid="language-switch"
        value={locale}
        onChange={(event) => {
          const chosen = event.target.value;
          if (isLocale(chosen)) {
            void setLocale(chosen);
            onChosen?.(chosen);
          }
        }}
      >
        {LOCALES.map((l) => (
          <option key={l.tag} value={l.tag} lang={l.tag}>
            {l.name}
          </option>
        ))}
      </select>
    </span>
  );
}

/** Saves `language` as the signed-in user's, so every browser they sign in from speaks it. */
export function saveLanguage(language: Locale): Promise<void> {
  return api.put("/api/v1/auth/me/language", { language });
}

/** Stores a signed-in user's choice; says so when it could not be stored. */
export function useRememberLanguage(): (locale: Locale) => void {
  const toast = useToast();
  const t = useT();
  return useCallback(
    (locale: Locale) => {
      saveLanguage(locale).catch(() => toast.error(t("common.language.notSaved")));
    },
    [toast, t],
  );
}

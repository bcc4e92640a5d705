// The UI's language: messages from the catalogues (ICU message format: placeholders, plurals),
// dates, times and numbers in the user's locale. Components take `t` from `useT()` and
// formatters from `useFormat()`; code outside components uses `translate` and `formats()`,
// which follow the language chosen last.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { IntlProvider, createIntl, createIntlCache, useIntl, type IntlShape } from "react-intl";
import { browserLocale, isLocale, loadCatalogue, type Locale, type MessageId } from "./catalogue";

export { LOCALES, browserLocale, isLocale, type Locale, type MessageId } from "./catalogue";

/** Values for a message's placeholders. */
export type Values = Record<string, string | number | boolean | Date | null | undefined>;
/** Values for a message with markup: placeholders may be elements, tags wrap their text. */
export type RichValues = Record<string, ReactNode | Date | ((chunks: ReactNode[]) => ReactNode)>;

/** Where the language last chosen is kept in this browser, for the sign-in page. */
const STORED = "lyre.language";

const cache = createIntlCache();
let active: IntlShape = createIntl({ locale: "en", messages: {} }, cache);

function onError(error: Error) {
  // Every id is checked against both catalogues (`npm run check:messages`); anything left is a bug.
  console.error(`i18n: ${error.message}`);
}

type LocaleValue = {
  locale: Locale;
  /** Loads `locale`'s catalogue, then switches every page to it (state and edits stay). */
  setLocale: (locale: Locale) => Promise<void>;
};

const LocaleContext = createContext<LocaleValue | null>(null);

/** Renders `children` once the catalogue of the browser's (or the last chosen) language is in. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<{ locale: Locale; messages: Record<string, string> } | null>(null);
  const latest = useRef(0);

  const setLocale = useCallback(async (locale: Locale) => {
    const asked = ++latest.current;
    const messages = await loadCatalogue(locale);
    if (asked !== latest.current) {
      return; // a later choice won
    }
    active = createIntl({ locale, messages, onError }, cache);
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORED, locale);
    } catch {
      // Storage may be off; the language still applies to this page.
    }
    setState({ locale, messages });
  }, []);

  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(STORED);
    } catch {
      // No storage: the browser's language.
    }
    void setLocale(isLocale(stored) ? stored : browserLocale());
  }, [setLocale]);

  const value = useMemo(() => (state ? { locale: state.locale, setLocale } : null), [state, setLocale]);
  if (!state || !value) {
    return null;
  }
  return (
    <LocaleContext.Provider value={value}>
      <IntlProvider locale={state.locale} messages={state.messages} onError={onError}>
        {children}
      </IntlProvider>
    </LocaleContext.Provider>
  );
}

/** The language now and the way to change it. */
export function useLocale(): LocaleValue {
  const value = useContext(LocaleContext);
  if (!value) {
    throw new Error("useLocale outside I18nProvider");
  }
  return value;
}

/** Marks `id` as a message id held in data (a table of labels, say); `t` turns it into text. */
export function msg(id: MessageId): MessageId {
  return id;
}

export type Translate = {
  /** The message `id` in the current language, its placeholders filled from `values`. */
  (id: MessageId, values?: Values): string;
  /** The same with markup: `values` may hold elements, and tags in the message wrap text. */
  rich: (id: MessageId, values: RichValues) => ReactNode;
};

function translator(intl: IntlShape): Translate {
  const t = ((id: MessageId, values?: Values) => intl.formatMessage({ id }, values)) as Translate;
  t.rich = (id, values) => intl.formatMessage({ id }, values as never) as ReactNode;
  return t;
}

/** `t` for a component; it re-renders in the new language when the language changes. */
export function useT(): Translate {
  const intl = useIntl();
  return useMemo(() => translator(intl), [intl]);
}

/** The message `id` in the language chosen last, for code outside components. */
export function translate(id: MessageId, values?: Values): string {
  return active.formatMessage({ id }, values);
}

/** Whether the current catalogue holds `id` (for ids made from an API's codes). */
export function hasMessage(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(active.messages, id);
}

/** The current language's tag. */
export function currentLocale(): Locale {
  return active.locale as Locale;
}

export type Formats = {
  /** Date and time, e.g. "8 Dec 2026, 14:02" / "2026年12月8日 14:02". */
  dateTime: (at: string | Date) => string;
  /** Date and time with seconds, for logs. */
  dateTimeLong: (at: string | Date) => string;
  /** The date alone. */
  date: (at: string | Date) => string;
  /** The time of day alone, hours and minutes. */
  time: (at: string | Date) => string;
  /** How long ago (or how soon), e.g. "3 minutes ago" / "3分钟前". */
  relative: (at: string | Date, now?: number) => string;
  /** A number with the locale's grouping, e.g. 12,345. */
  number: (n: number, options?: Intl.NumberFormatOptions) => string;
  /** A list, e.g. "a, b and c" / "a、b和c". */
  list: (items: string[]) => string;
};

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

function formatter(intl: IntlShape): Formats {
  const valid = (at: string | Date) => {
    const date = at instanceof Date ? at : new Date(at);
    return Number.isNaN(date.getTime()) ? null : date;
  };
  return {
    dateTime: (at) => {
      const d = valid(at);
      return d ? intl.formatDate(d, { dateStyle: "medium", timeStyle: "short" }) : String(at);
    },
    dateTimeLong: (at) => {
      const d = valid(at);
      return d ? intl.formatDate(d, { dateStyle: "medium", timeStyle: "medium" }) : String(at);
    },
    date: (at) => {
      const d = valid(at);
      return d ? intl.formatDate(d, { dateStyle: "medium" }) : String(at);
    },
    time: (at) => {
      const d = valid(at);
      return d ? intl.formatTime(d, { hour: "2-digit", minute: "2-digit" }) : String(at);
    },
    relative: (at, now = Date.now()) => {
      const d = valid(at);
      if (!d) {
        return String(at);
      }
      const seconds = Math.round((d.getTime() - now) / 1000);
      const [unit, size] = UNITS.find(([, s]) => Math.abs(seconds) >= s) ?? ["second", 1];
      return intl.formatRelativeTime(Math.round(seconds / size), unit, { numeric: "auto" });
    },
    number: (n, options) => intl.formatNumber(n, options),
    list: (items) => intl.formatList(items, { type: "conjunction" }) as string,
  };
}

/** Date, time and number formats of the current language, for a component. */
export function useFormat(): Formats {
  const intl = useIntl();
  return useMemo(() => formatter(intl), [intl]);
}

/** The same for code outside components. */
export function formats(): Formats {
  return formatter(active);
}

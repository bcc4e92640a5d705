// The message ids the UI may use: the keys of the English catalogue, one file per area. A
// typo in an id is a type error; `npm run check:messages` checks both catalogues against what
// the sources use.
import type account from "./messages/en/account.json";
import type apps from "./messages/en/apps.json";
import type common from "./messages/en/common.json";
import type errors from "./messages/en/errors.json";
import type gray from "./messages/en/gray.json";
import type namespace from "./messages/en/namespace.json";
import type ops from "./messages/en/ops.json";
import type releases from "./messages/en/releases.json";
import type reviews from "./messages/en/reviews.json";
import type system from "./messages/en/system.json";

type Ids<T> = Extract<keyof T, string>;

export type MessageId =
  | Ids<typeof account>
  | Ids<typeof apps>
  | Ids<typeof common>
  | Ids<typeof errors>
  | Ids<typeof gray>
  | Ids<typeof namespace>
  | Ids<typeof ops>
  | Ids<typeof releases>
  | Ids<typeof reviews>
  | Ids<typeof system>;

/** The languages the UI speaks, by BCP 47 tag, each with its name in itself. */
export const LOCALES = [
  { tag: "en", name: "English" },
  { tag: "zh-CN", name: "简体中文" },
] as const;

export type Locale = (typeof LOCALES)[number]["tag"];

export function isLocale(tag: unknown): tag is Locale {
  return LOCALES.some((l) => l.tag === tag);
}

/** The browser's preferred language among ours: any Chinese is zh-CN, anything else English. */
export function browserLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower.startsWith("zh")) {
      return "zh-CN";
    }
    if (lower.startsWith("en")) {
      return "en";
    }
  }
  return "en";
}

// Each area's catalogue is its own chunk, fetched when its language is first chosen.
const files = import.meta.glob<{ default: Record<string, string> }>("./messages/*/*.json");

/** Every message of `locale`, from its area files. */
export async function loadCatalogue(locale: Locale): Promise<Record<string, string>> {
  const prefix = `./messages/${locale}/`;
  const parts = await Promise.all(
    Object.entries(files)
      .filter(([path]) => path.startsWith(prefix))
      .map(([, load]) => load()),
  );
  return Object.assign({}, ...parts.map((part) => part.default));
}

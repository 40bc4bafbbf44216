/**
 * The message templates' small syntax, shared by both catalogues:
 * - `{name}` is replaced by the parameter `name`;
 * - `{name:one|other}` chooses by the plural rule of the language for the number `name`, and
 *   `#` inside the chosen form is that number, formatted (`{n:# order|# orders}`).
 * A template never holds other braces.
 */
export type Lang = "en" | "it";

export const LANGS: readonly Lang[] = ["en", "it"];

export const isLang = (v: string): v is Lang => (LANGS as readonly string[]).includes(v);

/** The placeholder names of a template type, for typed parameters. */
export type PlaceholdersOf<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? (P extends `${infer Name}:${string}` ? Name : P) | PlaceholdersOf<Rest>
  : never;

const PLACEHOLDER = /\{([A-Za-z0-9_]+)(?::([^{}]*))?\}/g;

/** The placeholder names of a template, sorted (the catalogue test compares them across languages). */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))].sort();
}

export function fill(lang: Lang, template: string, params: Readonly<Record<string, string | number>>, formatNumber: (n: number) => string): string {
  const rules = new Intl.PluralRules(locale(lang));
  return template.replace(PLACEHOLDER, (whole, name: string, forms: string | undefined) => {
    const value = params[name];
    if (value === undefined) throw new Error(`message parameter ${name} missing in "${template}"`);
    if (forms === undefined) return typeof value === "number" ? formatNumber(value) : value;
    const n = Number(value);
    const [one, other] = forms.split("|") as [string, string | undefined];
    const form = rules.select(n) === "one" || other === undefined ? one : other;
    return form.replaceAll("#", formatNumber(n));
  });
}

/** The Intl locale of a language: Italian as in Italy; English with day-month dates (en-GB). */
export function locale(lang: Lang): string {
  return lang === "it" ? "it-IT" : "en-GB";
}

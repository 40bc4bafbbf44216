import { en, type MessageKey } from "./en.js";
import { it } from "./it.js";
import { fill, type Lang, locale, type PlaceholdersOf } from "./format.js";

export type { MessageKey } from "./en.js";
export type { Lang } from "./format.js";

type En = typeof en;
/** The parameters of message `K`: none, or one value per placeholder of its template. */
export type MessageParams<K extends MessageKey> = [PlaceholdersOf<En[K]>] extends [never] ? [] : [Record<PlaceholdersOf<En[K]>, string | number>];

const CATALOGUES: Record<Lang, Readonly<Record<MessageKey, string>>> = { en, it };

/**
 * Messages and formats of one language: `t(key, params)` fills the catalogue's template (a
 * number parameter is formatted for the language); `money`, `number`, `dateTime` and `date`
 * format through `Intl`, dates in this PC's time zone.
 */
export class Translator {
  private readonly numbers: Intl.NumberFormat;
  private readonly euros: Intl.NumberFormat;
  private readonly dates: Intl.DateTimeFormat;
  private readonly times: Intl.DateTimeFormat;
  private readonly lists: Intl.ListFormat;

  constructor(
    readonly lang: Lang,
    timeZone?: string,
  ) {
    const tz = timeZone === undefined ? {} : { timeZone };
    this.numbers = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 6, useGrouping: "always" } as Intl.NumberFormatOptions);
    this.euros = new Intl.NumberFormat(locale(lang), { style: "currency", currency: "EUR", useGrouping: "always" } as Intl.NumberFormatOptions);
    this.dates = new Intl.DateTimeFormat(locale(lang), { day: "2-digit", month: "2-digit", year: "numeric", ...tz });
    this.times = new Intl.DateTimeFormat(locale(lang), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...tz });
    this.lists = new Intl.ListFormat(locale(lang), { type: "conjunction" });
  }

  t<K extends MessageKey>(key: K, ...params: MessageParams<K>): string {
    return fill(this.lang, CATALOGUES[this.lang][key], (params[0] ?? {}) as Record<string, string | number>, (n) => this.number(n));
  }

  /** A message by a key known only at run time (an error's), or undefined when the catalogue has none. */
  lookup(key: string, params: Readonly<Record<string, string | number>>): string | undefined {
    if (!Object.hasOwn(en, key)) return undefined;
    return fill(this.lang, CATALOGUES[this.lang][key as MessageKey], params, (n) => this.number(n));
  }

  number(n: number | string): string {
    return this.numbers.format(Number(n));
  }

  /** A decimal amount in euros (`"1234.56"` → `1.234,56 €` in Italian; a plain space, easy to copy into other programs). */
  money(amount: number | string): string {
    return this.euros.format(Number(amount)).replace(/\u00a0/g, " ");
  }

  /** A moment (ISO text or epoch ms) as local date and time, `02/12/2026 00:30` in Italian. */
  dateTime(at: string | number | Date): string {
    const d = new Date(at);
    if (Number.isNaN(d.getTime())) return String(at);
    return this.t("format.dateTime", { date: this.dates.format(d), time: this.times.format(d) });
  }

  /** Only the local date of a moment (`02/12/2026`). */
  dateOf(at: string | number | Date): string {
    const d = new Date(at);
    return Number.isNaN(d.getTime()) ? String(at) : this.dates.format(d);
  }

  /** Only the local time of a moment (`00:30`). */
  time(at: string | number | Date): string {
    const d = new Date(at);
    return Number.isNaN(d.getTime()) ? String(at) : this.times.format(d);
  }

  /** A calendar date `YYYY-MM-DD` (no time zone: it names a day) as the language writes it. */
  date(ymd: string): string {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
    if (!m) return ymd;
    return new Intl.DateTimeFormat(locale(this.lang), { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" }).format(
      new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))),
    );
  }

  /** Items joined as the language joins a list (`3 ordini e 1 cliente`). */
  list(items: readonly string[]): string {
    return this.lists.format(items);
  }
}

/**
 * The language to speak: `--lang`, else the config key `lang`, else the locale (`LC_ALL`, then
 * `LC_MESSAGES`, then `LANG`; the first one set decides): Italian for `it` or `it_*`, English
 * otherwise.
 */
export function chooseLang(flag: string | undefined, configured: string | undefined, env: Readonly<Record<string, string | undefined>>): Lang {
  for (const choice of [flag, configured]) if (choice === "it" || choice === "en") return choice;
  const localeName = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== "");
  return localeName !== undefined && /^it([_.@-]|$)/i.test(localeName) ? "it" : "en";
}

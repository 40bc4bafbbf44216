import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { en } from "../../src/i18n/en.js";
import { placeholders } from "../../src/i18n/format.js";
import { it as italian } from "../../src/i18n/it.js";
import { chooseLang, Translator } from "../../src/i18n/translator.js";

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("the message catalogues", () => {
  it("have the same keys in English and Italian", () => {
    expect(Object.keys(italian).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(Object.keys(en))("%s has the same placeholders in both languages", (key) => {
    const k = key as keyof typeof en;
    expect(placeholders(italian[k])).toEqual(placeholders(en[k]));
  });

  it("every message key an error names in src/ is in the catalogue, with the parameters it passes", () => {
    const said = sourceFiles(SRC).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/say: \{ key: "([^"]+)", params: \{([^}]*)\}/g)].map((m) => ({
        file,
        key: m[1] as string,
        params: (m[2] as string)
          .split(",")
          .map((p) => p.trim().split(":")[0]?.trim() ?? "")
          .filter((p) => p !== "")
          .sort(),
      })),
    );
    expect(said.length).toBeGreaterThan(20);
    for (const s of said) {
      expect(Object.keys(en), `${s.file}: ${s.key}`).toContain(s.key);
      expect(placeholders(en[s.key as keyof typeof en]), `${s.file}: ${s.key}`).toEqual(s.params);
    }
  });
});

describe("formats", () => {
  const it_ = new Translator("it", "Europe/Rome");
  const en_ = new Translator("en", "Europe/Rome");

  it("money, numbers and dates in Italian: 1.234,56 €, 02/12/2026 00:30 local time", () => {
    expect(it_.money("1234.56")).toBe("1.234,56 €");
    expect(it_.number(1234.5)).toBe("1.234,5");
    expect(it_.dateTime("2026-12-01T23:30:00Z")).toBe("02/12/2026 00:30");
    expect(it_.date("2026-03-31")).toBe("31/03/2026");
    expect(it_.list(["3 ordini", "1 cliente"])).toBe("3 ordini e 1 cliente");
  });

  it("and in English", () => {
    expect(en_.money("1234.56")).toBe("€1,234.56");
    expect(en_.dateTime("2026-12-01T23:30:00Z")).toBe("02/12/2026 00:30");
  });

  it("plural forms follow the number", () => {
    expect(it_.t("sync.sentToSede", { n: 1, what: "1 ordine" })).toBe("inviato 1 ordine alla sede");
    expect(it_.t("sync.sentToSede", { n: 4, what: "3 ordini e 1 cliente" })).toBe("inviati 3 ordini e 1 cliente alla sede");
    expect(it_.t("noun.order", { n: 1 })).toBe("1 ordine");
    expect(it_.t("noun.order", { n: 1200 })).toBe("1.200 ordini");
    expect(en_.t("noun.customer", { n: 2 })).toBe("2 customers");
  });
});

describe("the language chosen", () => {
  it("--lang first, then the config key, then LC_ALL, LC_MESSAGES, LANG; Italian for it_*", () => {
    expect(chooseLang("en", "it", { LANG: "it_IT.UTF-8" })).toBe("en");
    expect(chooseLang(undefined, "it", { LANG: "en_GB.UTF-8" })).toBe("it");
    expect(chooseLang(undefined, undefined, { LC_ALL: "it_IT.UTF-8", LANG: "en_US.UTF-8" })).toBe("it");
    expect(chooseLang(undefined, undefined, { LC_ALL: "", LC_MESSAGES: "en_US.UTF-8", LANG: "it_IT.UTF-8" })).toBe("en");
    expect(chooseLang(undefined, undefined, { LANG: "it_CH.UTF-8" })).toBe("it");
    expect(chooseLang(undefined, undefined, { LANG: "C.UTF-8" })).toBe("en");
    expect(chooseLang(undefined, undefined, {})).toBe("en");
    expect(chooseLang(undefined, undefined, { LANG: "italian" })).toBe("en");
  });
});

import { expect } from "vitest";
import type { AuditReport } from "../../src/audit/auditRun.js";
import { Translator } from "../../src/i18n/translator.js";

const english = new Translator("en");
const italian = new Translator("it");

/**
 * Checks each finding of `report` carries the catalogue message the text and HTML reports show
 * in place of its detail: in English it says just what the detail says, and it has its own
 * Italian. A clock's lead is a number in the message (`3 days`, `3,1 giorni`), written with one
 * decimal in the detail (`3.0 days`): the only difference allowed.
 */
export function said(report: AuditReport): AuditReport {
  for (const f of report.findings) {
    expect(f.say, `${f.kind}: ${f.detail}`).toBeDefined();
    const { key, params } = f.say as NonNullable<typeof f.say>;
    const en = english.lookup(key, params);
    expect(en, key).toBe(f.kind === "clock-skew" ? f.detail.replace(/by up to (\d+)\.0 /, "by up to $1 ") : f.detail);
    const it = italian.lookup(key, params);
    expect(it, key).toBeDefined();
    expect(it, key).not.toBe(en);
  }
  return report;
}

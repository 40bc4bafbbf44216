import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { NODE_COLOURS } from "../../src/audit/htmlReport.js";
import { CHROMIUM, screenshot } from "../audit/chromium.js";
import { readLines, writeLines, lineOf } from "../audit/logs.js";
import { countColour, readPng } from "../audit/png.js";
import { knownHistory } from "../audit/timeline.js";
import { sincro } from "../support/cli.js";
import { tempDir } from "../support/tempDir.js";

describe("sincro audit / history / export log (the real binary)", () => {
  it("export log writes gzip NDJSON readable with zcat, and audit --log verifies it; a change makes it exit 1", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const db = h.net.sede.db.name;
    h.net.sede.close();
    const out = join(dir, "sede.log.gz");
    const ex = sincro(["export", "log", "--out", out, "--db", db]);
    expect(ex.stderr).toBe("");
    expect(ex.status).toBe(0);
    const text = gunzipSync(readFileSync(out)).toString("utf8").trimEnd().split("\n");
    expect(JSON.parse(text[0] as string)).toMatchObject({ format: "sincro-log/1", node: "SEDE", role: "sede", base: null });
    expect(JSON.parse(text[1] as string)).toMatchObject({ origin: "SEDE", seq: 1, type: "OrderTypeDefined" });
    const ok = sincro(["audit", "--log", out]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("audit: every check holds");
    const lines = readLines(out);
    const i = lineOf(lines, "SEDE", 2);
    lines[i] = (lines[i] as string).replace("Mario", "Maria");
    writeLines(out, lines);
    const bad = sincro(["audit", "--log", out]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/altered\s+SEDE#2\s+\[line 3\]/);
    const json = sincro(["audit", "--log", out, "--json"]);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; findings: Array<{ severity: string; kind: string; origin: string; seq: number }> };
    expect(report.ok).toBe(false);
    expect(report.findings.filter((f) => f.severity === "violation")).toMatchObject([{ kind: "altered", origin: "SEDE", seq: 2 }]);
  });

  it("the findings of a tampered log, asserted whole in Italian and in English; --json keeps the English detail", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const db = h.net.sede.db.name;
    h.net.sede.close();
    const out = join(dir, "sede.log.gz");
    expect(sincro(["export", "log", "--out", out, "--db", db]).status).toBe(0);
    // SEDE#2 changed (Mario → Maria) and SEDE#5 dropped: one altered, one missing, and the header's count no longer holds.
    const lines = readLines(out);
    const i = lineOf(lines, "SEDE", 2);
    lines[i] = (lines[i] as string).replace("Mario", "Maria");
    lines.splice(lineOf(lines, "SEDE", 5), 1);
    writeLines(out, lines);
    /** The report's lines from its first section of findings to the line before the replay. */
    const findings = (stdout: string, first: string) => {
      const all = stdout.split("\n");
      const from = all.indexOf(first);
      expect(from, stdout).toBeGreaterThan(0);
      return all.slice(from, from + 7);
    };
    const italian = sincro(["audit", "--log", out], { LANG: "it_IT.UTF-8" });
    expect(italian.stderr).toBe("");
    expect(italian.status).toBe(1);
    expect(findings(italian.stdout, "VIOLAZIONI (2):")).toEqual([
      "VIOLAZIONI (2):",
      "  alterato (altered)  SEDE#2  [line 3]  il suo hash non corrisponde al contenuto: l'evento è stato modificato dopo essere stato registrato",
      "  mancante (missing)  SEDE#5  [before line 6]  SEDE#5 manca dal registro proprio di SEDE",
      "",
      "informazioni (2):",
      "  non presente (not-held)  AG01  3 numeri seq di AG01 fino a 6 non sono presenti qui (2 intervalli: 1…2, 5): è normale per gli eventi instradati ad altri nodi, per quelli che restano solo su AG01 e per quelli coperti da un'istantanea",
      `  non verificabile (unverifiable)  ${out}  secondo l'intestazione sono stati esportati 15 eventi; ne sono stati letti 14`,
    ]);
    expect(italian.stdout).toContain("audit: NON SUPERATO (2 violazioni)\n");
    const en = sincro(["audit", "--log", out]);
    expect(en.status).toBe(1);
    expect(findings(en.stdout, "VIOLATIONS (2):")).toEqual([
      "VIOLATIONS (2):",
      "  altered  SEDE#2  [line 3]  its hash does not match its content: the event was changed after it was recorded",
      "  missing  SEDE#5  [before line 6]  SEDE#5 is missing from SEDE's own log",
      "",
      "information (2):",
      "  not-held  AG01  3 of AG01's seq numbers up to 6 are not held here (2 ranges: 1…2, 5): routed to other nodes, local to AG01, or covered by a snapshot",
      `  unverifiable  ${out}  the header says 15 events were exported; 14 were read`,
    ]);
    // Programs read the same findings in English in any language, as they were.
    const json = JSON.parse(sincro(["audit", "--log", out, "--json"], { LANG: "it_IT.UTF-8" }).stdout) as { findings: Array<Record<string, unknown>> };
    expect(json.findings.slice(0, 2)).toEqual([
      { severity: "violation", kind: "altered", origin: "SEDE", seq: 2, where: "line 3", detail: "its hash does not match its content: the event was changed after it was recorded" },
      { severity: "violation", kind: "missing", origin: "SEDE", seq: 5, where: "before line 6", detail: "SEDE#5 is missing from SEDE's own log" },
    ]);
  });

  it("audit --db replays and compares; --until with --special-prices shows the prices as of then", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const db = h.net.sede.db.name;
    h.net.sede.close();
    const full = sincro(["audit", "--db", db]);
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/special_prices\s+\d+\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s+yes/);
    const then = sincro(["audit", "--db", db, "--until", "2026-03-03", "--special-prices", h.customer]);
    expect(then.status).toBe(0);
    expect(then.stdout).toContain(`special prices of ${h.customer} as of 2026-03-03:`);
    expect(then.stdout).toMatch(new RegExp(`P001\\s+8\\.10\\s+SEDE#${h.first.seq}\\s+${h.first.hlc}`));
    expect(then.stdout).not.toContain("P002");
    const usage = sincro(["audit", "--db", db, "--until", "last week"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("--until last week: expected an ISO date");
  });

  it("audit --folder checks the parking area; history prints each change and who won", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const db = h.net.sede.db.name;
    h.net.sede.close();
    const park = sincro(["audit", "--folder", join(dir, "park"), "--db", db]);
    expect(park.stderr).toBe("");
    expect(park.status).toBe(0);
    expect(park.stdout).toContain("SEDE>AG01");
    // Without the sede's keys the signed, encrypted files cannot be opened: said, not a violation.
    const blind = sincro(["audit", "--folder", join(dir, "park")]);
    expect(blind.stdout).toContain("signed and encrypted; audit with the sede's database (--db) to open it");
    expect(blind.status).toBe(0);
    const plain = sincro(["history", "special-price", h.customer, "P001", "--db", db], { TZ: "Europe/Rome" });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain(`history of special price ${h.customer}/P001: 3 changes\n`);
    expect(plain.stdout).toMatch(new RegExp(`04/03/2026 16:00 +SEDE +special price of P001 for customer ${h.customer}: €7\\.80 +kept \\(the most recent\\)`));
    expect(plain.stdout).not.toContain(h.sedeEdit.hlc);
    const hist = sincro(["history", "special-price", h.customer, "P001", "--db", db, "--verbose"]);
    expect(hist.status).toBe(0);
    expect(hist.stdout).toContain(`history of special price ${h.customer}/P001 in SEDE's log: 3 events`);
    expect(hist.stdout).toMatch(new RegExp(`SEDE#${h.sedeEdit.seq}\\s+SEDE\\s+${h.sedeEdit.hlc}.*won`));
    const js = JSON.parse(sincro(["history", "order", "AG01/1", "--db", db, "--json"]).stdout) as { entries: Array<{ ref: string; type: string }> };
    expect(js.entries.map((e) => e.type)).toEqual(["OrderPlaced", "OrderAmended"]);
    const cust = sincro(["history", "customer", h.customer, "--db", db, "--verbose"]);
    expect(cust.stdout).toContain("CustomerUpdated");
    expect(sincro(["history", "order", "12", "--db", db]).status).toBe(1);
  });

  it("audit --html writes one self-contained page that Chromium renders with the timeline drawn in each node's colour", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const db = h.net.sede.db.name;
    h.net.sede.close();
    const html = join(dir, "audit.html");
    const r = sincro(["audit", "--db", db, "--html", html]);
    expect(r.status).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<svg");
    expect(page).not.toMatch(/<script|<link|@import|url\(|src=|https?:\/\//i);
    expect(page).toContain("VERIFIED");
    // Both sides of the concurrent special-price edit are listed.
    expect(page).toContain(`SEDE#${h.sedeEdit.seq}`);
    expect(page).toContain(`AG01#${h.agentEdit.seq}`);
    const png = join(dir, "audit.png");
    screenshot(html, png);
    expect(existsSync(png)).toBe(true);
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([1200, 900]);
    // Nodes sorted: AG01 first colour, SEDE second. Bars are far larger than the legend's 12×12 swatch.
    const ag01 = countColour(img, NODE_COLOURS[0]);
    const sede = countColour(img, NODE_COLOURS[1]);
    expect(ag01).toBeGreaterThan(600);
    expect(sede).toBeGreaterThan(600);
    // And the same page without the chart shows those colours only in the legend.
    const { writeFileSync } = await import("node:fs");
    const bare = join(dir, "bare.html");
    writeFileSync(bare, page.replace(/<rect [^>]*><title>[^<]*<\/title><\/rect>/g, ""));
    const barePng = join(dir, "bare.png");
    screenshot(bare, barePng);
    const bareImg = readPng(barePng);
    expect(countColour(bareImg, NODE_COLOURS[0])).toBeLessThan(200);
    expect(countColour(bareImg, NODE_COLOURS[1])).toBeLessThan(200);
  });

  it("audit --html in Italian: Chromium renders the page in Italian, with Italian numbers, money and the timeline in each node's colour", async () => {
    const dir = tempDir();
    const h = await knownHistory(dir);
    const db = h.net.sede.db.name;
    h.net.sede.close();
    const html = join(dir, "verifica.html");
    const r = sincro(["audit", "--db", db, "--html", html], { LANG: "it_IT.UTF-8", TZ: "Europe/Rome" });
    expect(r.status).toBe(0);
    // What Chromium parsed and laid out: the document it renders, dumped from the headless browser.
    const dom = dumpDom(html);
    expect(dom).toContain('<html lang="it">');
    expect(dom).toContain("VERIFICATO: tutti i controlli sono superati");
    expect(dom).toContain("Eventi per giorno per nodo");
    expect(dom).toContain("Decisioni \"vince la più recente\"");
    // The concurrent edit of 2026-03-04: the sede's 7,80 € won over the agent's 7,95 € (−5 %), times in Italy's time zone.
    expect(dom).toContain("prezzo 7,80 €");
    expect(dom).toContain("prezzo 7,95 € −5 %");
    expect(dom).toMatch(/il 04\/03\/2026 16:00/);
    // Each finding in Italian too, its kind's code beside the Italian name (AG01's numbers the sede does not hold: information).
    expect(dom).toContain("<b>non presente</b> <span class=\"muted\">(not-held)</span>");
    expect(dom).toContain("3 numeri seq di AG01 fino a 6 non sono presenti qui (2 intervalli: 1…2, 5): è normale per gli eventi instradati ad altri nodi");
    expect(dom).not.toMatch(/VERIFIED|events checked|Most-recent-wins|are not held here/);
    const png = join(dir, "verifica.png");
    screenshot(html, png);
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([1200, 900]);
    expect(countColour(img, NODE_COLOURS[0])).toBeGreaterThan(600);
    expect(countColour(img, NODE_COLOURS[1])).toBeGreaterThan(600);
  });
});

/** The DOM headless Chromium builds from `html` (the page as rendered, not the file's bytes). */
function dumpDom(html: string): string {
  const profile = mkdtempSync(join(tmpdir(), "sincro-chromium-"));
  try {
    const r = spawnSync(CHROMIUM, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profile}`, "--dump-dom", `file://${html}`], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout, r.stderr).toContain("</html>");
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

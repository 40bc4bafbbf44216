import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Words a person reads go through the catalogues (src/i18n): this test reads the sources and
 * fails where a message bypasses them. Three rules:
 * - the sync's warnings are added with `warn(report, english, say(...))`, never pushed as bare text;
 * - the command line prints no sentence written in the code (`io.out("…")`, `io.err(\`… ${x}\`)`);
 * - a refusal (`new RefusedError(…)`, `new SincroError(…)`, `new UsageError(…)`) of the domain,
 *   the import and export, the sync and its transports, the node, the command line and the audit
 *   carries a `say`; any still without one would be counted per file below, and the count may
 *   only go down;
 * - a finding of the audit (an object with a `kind` and a `detail`, in src/audit) carries a `say`
 *   beside its English detail, so the text and HTML reports say it in the reader's language.
 */
const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const rel = (path: string) => relative(SRC, path);

/** A literal's text without its `${…}` expressions (braces inside them balanced). */
function withoutExpressions(literal: string): string {
  let out = "";
  for (let i = 0; i < literal.length; i++) {
    if (literal[i] === "$" && literal[i + 1] === "{") {
      let depth = 1;
      i += 2;
      while (i < literal.length && depth > 0) {
        if (literal[i] === "{") depth++;
        else if (literal[i] === "}") depth--;
        i++;
      }
      i--;
    } else out += literal[i];
  }
  return out;
}

/** Each call `name(` in `text`, with its whole argument list (brackets balanced) and its line. */
function callsOf(text: string, name: RegExp): Array<{ line: number; args: string }> {
  const calls: Array<{ line: number; args: string }> = [];
  for (const m of text.matchAll(name)) {
    let i = (m.index as number) + m[0].length;
    const start = i;
    let depth = 1;
    while (depth > 0 && i < text.length) {
      const c = text[i] as string;
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth--;
      i++;
    }
    calls.push({ line: text.slice(0, m.index).split("\n").length, args: text.slice(start, i - 1) });
  }
  return calls;
}

/**
 * Each object literal in `text` that has a property `detail` (written `detail: …` or shorthand),
 * whole from its `{` to its `}`, with its line. Type members (`detail: string;` after a `;`) are
 * not properties of a literal and are not matched.
 */
function literalsWithDetail(text: string): Array<{ line: number; literal: string }> {
  const found: Array<{ line: number; literal: string }> = [];
  for (const m of text.matchAll(/(?<=[{,]\s*)\bdetail\s*(?=[:,}])/g)) {
    // The innermost bracket around it: a `{` opens a literal; a `(` a parameter list (skipped).
    let open = m.index as number;
    for (let depth = 0; open >= 0; open--) {
      const c = text[open] as string;
      if (c === "}" || c === ")" || c === "]") depth++;
      else if ((c === "{" || c === "(" || c === "[") && depth-- === 0) break;
    }
    if (text[open] !== "{") continue;
    let close = open + 1;
    for (let depth = 1; close < text.length && depth > 0; close++) {
      const c = text[close];
      if (c === "{") depth++;
      else if (c === "}") depth--;
    }
    found.push({ line: text.slice(0, open).split("\n").length, literal: text.slice(open, close) });
  }
  return found;
}

/** An audit finding's literal: it names a `kind` beside its `detail`. */
const isFinding = (literal: string) => /[{,]\s*kind\b/.test(literal);

/** Files whose warnings may still print in English only: none (each goes through `warn(…, say(…))`). */
const WARNINGS_NOT_YET_SAID = new Set<string>([]);

/** The constructors of a refusal a person reads. */
const REFUSAL = /\bnew (?:RefusedError|SincroError|UsageError)\(/g;

/**
 * Refusals still without a `say`, per file: none. A low-level library's own words (an OS error,
 * a key parser's reason) travel as the `{why}` detail of a translated sentence instead.
 */
const REFUSALS_NOT_YET_SAID: Readonly<Record<string, number>> = {};

describe("messages go through the catalogues", () => {
  const files = sourceFiles(SRC).map((path) => ({ path, name: rel(path), text: readFileSync(path, "utf8") }));

  it("the sync's warnings carry a catalogue message: no bare warnings.push in src/ship", () => {
    const bare = files
      .filter((f) => f.name.startsWith("ship/") && !WARNINGS_NOT_YET_SAID.has(f.name))
      .flatMap((f) =>
        callsOf(f.text, /\bwarnings\.(?:push|unshift)\(/g)
          // The one place that pushes: `warn(report, text, say)` in syncRun.ts.
          .filter((c) => !(f.name === "ship/syncRun.ts" && c.args === "text"))
          .map((c) => `src/${f.name}:${c.line}: ${c.args.slice(0, 80)}`));
    expect(bare).toEqual([]);
    // Errors too: a file that adds to report.errors also says each of them.
    const errorsUnsaid = files.filter((f) => f.name.startsWith("ship/") && /\berrors\.push\(/.test(f.text) && !/\bsaid\.push\(/.test(f.text)).map((f) => f.name);
    expect(errorsUnsaid).toEqual([]);
  });

  it("the command line prints no sentence written in the code", () => {
    // A literal argument whose text outside ${…} holds a word of two letters or more.
    const technical = new Set(["cli/commands/log.ts"]); // `sincro log` prints the log's own records
    const sentences = files
      .filter((f) => f.name.startsWith("cli/") && !technical.has(f.name))
      .flatMap((f) =>
        callsOf(f.text, /\bio\.(?:out|err)\(/g)
          .filter((c) => /^\s*[`"']/.test(c.args))
          .filter((c) => /[A-Za-z]{2,}/.test(withoutExpressions(c.args)))
          .map((c) => `src/${f.name}:${c.line}: ${c.args.slice(0, 80)}`),
      );
    expect(sentences).toEqual([]);
  });

  it("refusals carry a say; the known ones without one only get fewer", () => {
    const counts: Record<string, number> = {};
    for (const f of files.filter((x) => /^(events|exchange|ship|node|cli|audit)\//.test(x.name))) {
      const unsaid = callsOf(f.text, REFUSAL).filter((c) => !/\bsay\b/.test(c.args));
      if (unsaid.length > 0) counts[f.name] = unsaid.length;
    }
    for (const [file, n] of Object.entries(counts)) {
      expect(n, `src/${file}: ${n} refusal(s) without a say (allowed: ${REFUSALS_NOT_YET_SAID[file] ?? 0})`).toBeLessThanOrEqual(REFUSALS_NOT_YET_SAID[file] ?? 0);
    }
  });

  it("the audit's findings carry a say: each is read in the reader's language", () => {
    const audit = files.filter((f) => f.name.startsWith("audit/"));
    const literals = audit.flatMap((f) => literalsWithDetail(f.text).filter((l) => isFinding(l.literal)).map((l) => ({ ...l, name: f.name })));
    // The findings of the chain, the sources, the run and the clocks: the rule sees them all.
    expect(literals.length).toBeGreaterThan(25);
    const unsaid = literals.filter((l) => !/\bsay\b/.test(l.literal)).map((l) => `src/${l.name}:${l.line}: ${l.literal.replace(/\s+/g, " ").slice(0, 100)}`);
    expect(unsaid).toEqual([]);
  });

  it("would catch a bare warning and a printed sentence (the rules themselves)", () => {
    const refusals = callsOf('throw new UsageError(`audit: give one of ${flags}`);\nthrow new RefusedError("db", "x", { say: say("node.notANode", { file }) });', REFUSAL);
    expect(refusals.map((c) => /\bsay\b/.test(c.args))).toEqual([false, true]);
    expect(callsOf("run.report.warnings.push(`x ${a} y`);", /\bwarnings\.(?:push|unshift)\(/g)).toEqual([{ line: 1, args: "`x ${a} y`" }]);
    const [c] = callsOf('io.out(`audit ${name}: ${r.events} events`);', /\bio\.(?:out|err)\(/g);
    expect(/[A-Za-z]{2,}/.test(withoutExpressions(c?.args ?? ""))).toBe(true);
    expect(withoutExpressions('`  ${t.t("a", { n: f({ ...x }) })}`')).toBe("`  `");
    // Findings: one without a say, one with, one built with a nested literal; a type, a decision and a parameter list are none.
    const sample = [
      'run.note({ severity: "info", kind: "unverifiable", file, detail: `${n} events` });',
      'run.note({ severity: "info", kind: "unverifiable", file, detail: "x", say: say("audit.finding.noHeader") });',
      "this.findings.push({ severity: \"violation\", kind, ...(i !== undefined && { where: w(i) }), detail, say: said });",
      "interface Finding {\n  kind: FindingKind;\n  detail: string;\n}",
      "return { key: r.key, winner, loser, detail: r.detail };",
      "private info(kind: Finding[\"kind\"], origin: string, detail: string, said: Say): void {",
    ].join("\n");
    const findings = literalsWithDetail(sample).filter((l) => isFinding(l.literal));
    expect(findings.map((l) => [l.line, /\bsay\b/.test(l.literal)])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
  });
});

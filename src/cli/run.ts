import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { CommanderError } from "commander";
import { RefusedError, SegmentError, SincroError, TransportError } from "../errors.js";
import { ImportRefusedError } from "../exchange/csvImport.js";
import { chooseLang, Translator } from "../i18n/translator.js";
import { type BaseIo, type Io, processIo } from "./io.js";
import { buildProgram } from "./program.js";
import { commanderError } from "./commanderWords.js";

/**
 * Runs the command line and returns the exit code (0 done, 1 refused, 2 usage, 3 transport).
 * An error is printed on stderr as `sincro: message`; with `--json` anywhere before `--`, as
 * one JSON object instead ({@link errorJson}), and commander's own usage text is held back.
 */
export async function main(argv: string[], baseIo: BaseIo = processIo): Promise<number> {
  const io: Io = { ...baseIo, t: new Translator(chooseLang(globalFlag(argv, "--lang"), configuredLang(argv, baseIo), baseIo.env)) };
  const json = wantsJson(argv);
  const held: string[] = [];
  const program = buildProgram(json ? { ...io, err: (line) => held.push(line) } : io);
  const fail = (err: unknown, exitCode: number): number => {
    if (json) io.err(JSON.stringify(errorJson(err, io.t)));
    else if (err instanceof SincroError) io.err(io.t.t("error.line", { message: spoken(err, io.t) }));
    else if (!(err instanceof CommanderError)) {
      const e = err as Error;
      io.err(io.t.t("error.unexpected", { message: e.message }));
      if (io.env.SINCRO_DEBUG) io.err(e.stack ?? "");
    }
    return exitCode;
  };
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is usage (exit 2).
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return fail(err, 2);
    }
    return fail(err, err instanceof SincroError ? err.exitCode : 1);
  }
  for (const line of held) io.err(line);
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

/** The value of a global option given before `--` (`--lang it` or `--lang=it`). */
function globalFlag(argv: readonly string[], name: string): string | undefined {
  const end = argv.indexOf("--");
  const args = end < 0 ? argv : argv.slice(0, end);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === name) return args[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

/** The config key `lang` of the node the command names, read before the command runs (none when there is no node yet). */
function configuredLang(argv: readonly string[], io: BaseIo): string | undefined {
  const named = globalFlag(argv, "--db") ?? io.env.SINCRO_DB;
  const file = named === undefined || named === "" ? "sincro.db" : named;
  if (!existsSync(file)) return undefined;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare(`SELECT value FROM node_config WHERE key = 'lang'`).get() as { value: string } | undefined;
      return row?.value;
    } finally {
      db.close();
    }
  } catch {
    return undefined; // not a node, or busy: the command itself says so
  }
}

/** An error's message in the user's language, where the catalogue has it; else its own (English) message. */
function spoken(err: SincroError, t: Translator): string {
  if (err instanceof ImportRefusedError) return importRefusal(err, t);
  return (err.say && t.lookup(err.say.key, err.say.params)) ?? err.message;
}

/** A refused import: how many problems, then each with its line and column (the file's own header name too). */
function importRefusal(err: ImportRefusedError, t: Translator): string {
  const lines = [t.t("import.refused", { kind: err.kind, file: err.file, n: err.total })];
  for (const p of err.problems) {
    const message = (p.say && t.lookup(p.say.key, p.say.params)) ?? p.message;
    const where = { kind: err.kind, line: String(p.line), message };
    if (p.column === null) lines.push(t.t("import.problemLine", where));
    else if (p.header === undefined) lines.push(t.t("import.problemCell", { ...where, column: p.column }));
    else lines.push(t.t("import.problemCellHeader", { ...where, column: p.column, header: p.header }));
  }
  if (err.total > err.problems.length) lines.push(t.t("import.more", { n: err.total - err.problems.length }));
  return lines.join("\n");
}

function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/**
 * The JSON form of an error: `code` (stable, for programs), `message` (for people) and, where
 * there is one, `field` (what was refused); an import's refusal adds its `problems` (line,
 * column, header, message) and their `total`, a transport error the server's `reply`, a
 * damaged parking-area file its `file`.
 */
export function errorJson(err: unknown, t?: Translator): Record<string, unknown> {
  if (err instanceof CommanderError) return { code: "USAGE", message: (t === undefined ? err.message : commanderError(err.message, t)).replace(/^(error|errore): /, "") };
  if (err instanceof SincroError) {
    return {
      code: err.code,
      message: t === undefined ? err.message : spoken(err, t),
      ...(err instanceof RefusedError && { field: err.field }),
      ...(err instanceof ImportRefusedError && { problems: err.problems.map(({ say, ...p }) => ({ ...p, message: t === undefined ? p.message : ((say && t.lookup(say.key, say.params)) ?? p.message) })), total: err.total }),
      ...(err instanceof TransportError && err.reply !== undefined && { reply: err.reply }),
      ...(err instanceof SegmentError && { file: err.file }),
    };
  }
  return { code: "UNEXPECTED", message: (err as Error).message };
}

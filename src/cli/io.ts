import { Command, Option } from "commander";
import { RefusedError, type Say } from "../errors.js";
import { SincroNode } from "../node/sincroNode.js";
import type { Translator } from "../i18n/translator.js";

/** Where command output goes; tests and the demo swap these. */
export interface BaseIo {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** {@link BaseIo} and the user's language, chosen once per run (`--lang`, config `lang`, locale). */
export interface Io extends BaseIo {
  t: Translator;
}

/**
 * Writes lines to `stream` until its reader goes away (`sincro product list | head -1`): then
 * the rest is dropped quietly, with no EPIPE trace, and the command goes on to its normal end
 * and exit code (a listing's is 0), so nothing it was writing is left half-done.
 */
function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let closed = false;
  let watching = false;
  return (line) => {
    if (!watching) {
      watching = true;
      stream.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code !== "EPIPE") throw err;
        closed = true;
      });
    }
    if (!closed) stream.write(`${line}\n`);
  };
}

export const processIo: BaseIo = {
  out: lineWriter(process.stdout),
  err: lineWriter(process.stderr),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
};

/** The node named by `--db` (or `SINCRO_DB`, or `./sincro.db`). */
export function dbPath(cmd: Command, io: Io): string {
  const opts = cmd.optsWithGlobals() as { db?: string };
  return opts.db ?? io.env.SINCRO_DB ?? "sincro.db";
}

export function withNode<T>(cmd: Command, io: Io, fn: (node: SincroNode) => T): T {
  const node = SincroNode.open(dbPath(cmd, io));
  try {
    return fn(node);
  } finally {
    node.close();
  }
}

export const jsonOption = () => new Option("--json", "print JSON instead of a table");

/** Prints rows as an aligned text table (columns from the first row's keys, or `columns`). */
export function printTable(io: Io, rows: Array<Record<string, unknown>>, columns?: string[]): void {
  if (rows.length === 0) {
    io.out(io.t.t("common.none"));
    return;
  }
  const cols = columns ?? Object.keys(rows[0] as object);
  // A column named like a catalogue key `col.<name>` gets the language's header.
  const headers = cols.map((c) => io.t.lookup(`col.${c}`, {}) ?? c);
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c])));
  const widths = headers.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] as number)).join("  ").trimEnd();
  io.out(line(headers));
  io.out(line(widths.map((w) => "-".repeat(w))));
  for (const row of cells) io.out(line(row));
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.join("+");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A catalogue message in the user's language; `text` (English) where there is none. */
export function spokenOr(t: Translator, said: Say | undefined, text: string): string {
  return (said && t.lookup(said.key, said.params)) ?? text;
}

/** Parses `TYPE/NUMBER` (e.g. `AG01/12`). */
export function parseOrderRef(text: string): { type: string; number: number } {
  const m = /^([A-Z0-9]{1,8})\/(\d{1,9})$/.exec(text);
  if (!m) throw new RefusedError("order", `order "${text}" must be written TYPE/NUMBER, e.g. AG01/12`, { code: "BAD_REF", say: { key: "refused.badOrderRef", params: { text } } });
  return { type: m[1] as string, number: Number(m[2]) };
}

/** Parses `--line PRODUCT:QTY[@PRICE]`. */
export function parseLine(text: string, index: number): { product: string; qty: string; price?: string } {
  const m = /^([^:@\s]+):([^:@\s]+)(?:@([^:@\s]+))?$/.exec(text);
  if (!m) {
    throw new RefusedError(`line ${index + 1}`, `line ${index + 1} "${text}" must be PRODUCT:QTY or PRODUCT:QTY@PRICE, e.g. P001:3 or P001:3@12.50`, {
      code: "BAD_LINE",
      say: { key: "refused.badLine", params: { line: index + 1, text } },
    });
  }
  return m[3] === undefined ? { product: m[1] as string, qty: m[2] as string } : { product: m[1] as string, qty: m[2] as string, price: m[3] };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

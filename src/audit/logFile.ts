import { closeSync, createReadStream, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip, gzipSync } from "node:zlib";
import { cannotWriteSay, RefusedError, say } from "../errors.js";
import type { EventEnvelope } from "../events/envelope.js";
import { envelopeShapeProblem } from "../wire/envelopeCodec.js";
import type { SincroNode } from "../node/sincroNode.js";

/** Format name of the first line of an exported log. */
export const LOG_FORMAT = "sincro-log/1";

/**
 * First line of `sincro export log`: whose log it is and where its own numbering starts, so an
 * auditor can tell the node's own events (complete) from the routed subset of other origins.
 * Every other line is one event envelope, in the node's log order.
 */
export interface LogHeader {
  format: typeof LOG_FORMAT;
  node: string;
  role: string;
  /** On a reinstalled agent PC: the last seq (and hash) of its own the sede already held. */
  base: { seq: number; hash: string } | null;
  /** On a restored office: its own numbers it may have lost with a backup put back (absent otherwise). */
  lost?: Array<{ from: number; to: number; on: string }>;
  count: number;
  exported: string;
}

const MEMBER_CHARS = 4 << 20;

/**
 * Writes the node's log to `out` as gzip NDJSON (readable with `zcat`): a {@link LogHeader}
 * line, then one envelope per line in log order. Streams the log and compresses it in members of
 * a few MB; writes a temporary file and renames it, so `out` is never left half-written.
 */
export function exportLog(node: SincroNode, out: string, now = new Date()): { rows: number } {
  const tmp = `${out}.${process.pid}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, "w");
  } catch (cause) {
    throw new RefusedError("out", `export log ${out}: cannot write there (${(cause as Error).message})`, {
      cause,
      code: "CANNOT_WRITE",
      say: cannotWriteSay("export log", out, cause),
    });
  }
  let rows = 0;
  try {
    let pending: string[] = [];
    let chars = 0;
    const flush = () => {
      if (pending.length === 0) return;
      writeSync(fd, gzipSync(Buffer.from(pending.join(""), "utf8")));
      pending = [];
      chars = 0;
    };
    const push = (line: string) => {
      pending.push(`${line}\n`);
      chars += line.length + 1;
      if (chars >= MEMBER_CHARS) flush();
    };
    const lost = node.lostWithRestore();
    const header: LogHeader = {
      format: LOG_FORMAT,
      node: node.id,
      role: node.role,
      // A restored office holds its log from seq 1: its numbering base is not where its log starts
      // (a reinstalled PC's log starts after its base, restored from a backup or not).
      base: node.log.get(node.id, 1) !== undefined ? null : (node.seqBase() ?? null),
      ...(lost.length > 0 && { lost }),
      count: node.log.count(),
      exported: now.toISOString(),
    };
    push(JSON.stringify(header));
    for (const e of node.log.replayOrder(node.id)) {
      push(JSON.stringify({ id: e.id, origin: e.origin, seq: e.seq, hlc: e.hlc, at: e.at, type: e.type, v: e.v, data: e.data, prev: e.prev, hash: e.hash }));
      rows++;
    }
    flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  return { rows };
}

/** One line of an exported log: an envelope, or why it is not one. */
export type LogLine = { line: number; event: EventEnvelope } | { line: number; problem: string };

/**
 * Reads an exported log, streamed (gunzip → lines): the header, if the first line is one, then
 * every other line as an envelope or a problem. `file` names the file in messages.
 */
export async function readLogFile(file: string): Promise<{ header: LogHeader | undefined; lines: AsyncGenerator<LogLine> }> {
  const input = createReadStream(file);
  const opened = new Promise<void>((ok, fail) => {
    input.once("open", () => ok());
    input.once("error", fail);
  });
  try {
    await opened;
  } catch (cause) {
    throw new RefusedError("log", `audit ${file}: cannot read it (${(cause as Error).message})`, {
      cause,
      code: "NO_LOG",
      say: say("refused.cannotRead", { what: "audit", file, why: (cause as Error).message }),
    });
  }
  const gunzip = createGunzip();
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
  };
  input.on("error", fail);
  gunzip.on("error", (err) => {
    fail(err);
    reader.close();
  });
  const reader = createInterface({ input: input.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  const it = reader[Symbol.asyncIterator]();
  let lineNo = 0;
  let header: LogHeader | undefined;
  let first: string | undefined;
  const step = await it.next().catch((err: Error) => {
    fail(err);
    return { done: true as const, value: undefined };
  });
  if (!step.done) {
    lineNo = 1;
    try {
      const parsed = JSON.parse(step.value) as Partial<LogHeader>;
      if (parsed && parsed.format === LOG_FORMAT) header = parsed as LogHeader;
      else first = step.value;
    } catch {
      first = step.value;
    }
  }
  const parse = (text: string, line: number): LogLine => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { line, problem: "not JSON" };
    }
    const problem = envelopeShapeProblem(value);
    return problem ? { line, problem } : { line, event: value as EventEnvelope };
  };
  async function* lines(): AsyncGenerator<LogLine> {
    if (first !== undefined) yield parse(first, 1);
    try {
      while (true) {
        const next = await it.next();
        if (next.done) break;
        lineNo++;
        yield parse(next.value, lineNo);
      }
    } catch (err) {
      fail(err as Error);
    }
    if (failure) {
      throw new RefusedError("log", `audit ${file}: not a complete gzip file after line ${lineNo} (${failure.message}): truncated or corrupt`, {
        cause: failure,
        code: "CORRUPT_LOG",
        say: say("audit.refused.corruptLog", { file, line: lineNo, why: failure.message }),
      });
    }
  }
  return { header, lines: lines() };
}

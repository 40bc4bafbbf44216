import { CommanderError } from "commander";
import { RefusedError, SegmentError, SincroError, TransportError } from "../errors.js";
import { ImportRefusedError } from "../exchange/csvImport.js";
import { type Io, processIo } from "./io.js";
import { buildProgram } from "./program.js";

/**
 * Runs the command line and returns the exit code (0 done, 1 refused, 2 usage, 3 transport).
 * An error is printed on stderr as `sincro: message`; with `--json` anywhere before `--`, as
 * one JSON object instead ({@link errorJson}), and commander's own usage text is held back.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const json = wantsJson(argv);
  const held: string[] = [];
  const program = buildProgram(json ? { ...io, err: (line) => held.push(line) } : io);
  const fail = (err: unknown, exitCode: number): number => {
    if (json) io.err(JSON.stringify(errorJson(err)));
    else if (err instanceof SincroError) io.err(`sincro: ${err.message}`);
    else if (!(err instanceof CommanderError)) {
      const e = err as Error;
      io.err(`sincro: unexpected error: ${e.message}`);
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
export function errorJson(err: unknown): Record<string, unknown> {
  if (err instanceof CommanderError) return { code: "USAGE", message: err.message.replace(/^error: /, "") };
  if (err instanceof SincroError) {
    return {
      code: err.code,
      message: err.message,
      ...(err instanceof RefusedError && { field: err.field }),
      ...(err instanceof ImportRefusedError && { problems: err.problems, total: err.total }),
      ...(err instanceof TransportError && err.reply !== undefined && { reply: err.reply }),
      ...(err instanceof SegmentError && { file: err.file }),
    };
  }
  return { code: "UNEXPECTED", message: (err as Error).message };
}

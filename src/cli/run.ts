import { CommanderError } from "commander";
import { SincroError } from "../errors.js";
import { type Io, processIo } from "./io.js";
import { buildProgram } from "./program.js";

/** Runs the command line and returns the exit code (0 done, 1 refused, 2 usage, 3 transport). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is usage (exit 2).
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return 2;
    }
    if (err instanceof SincroError) {
      io.err(`sincro: ${err.message}`);
      return err.exitCode;
    }
    const e = err as Error;
    io.err(`sincro: unexpected error: ${e.message}`);
    if (io.env.SINCRO_DEBUG) io.err(e.stack ?? "");
    return 1;
  }
}


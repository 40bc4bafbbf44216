import { readSync } from "node:fs";
import { RefusedError, say } from "../errors.js";
import type { Io } from "./io.js";

/**
 * The passphrase of an enrollment or key-backup file: `SINCRO_PASSPHRASE` if set, otherwise
 * typed at the terminal (not echoed), otherwise the first line of standard input.
 */
export function readPassphrase(io: Io, prompt: string): string {
  const fromEnv = io.env.SINCRO_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const tty = process.stdin.isTTY;
  if (tty) process.stderr.write(prompt);
  const typed = readLine(tty);
  if (tty) process.stderr.write("\n");
  if (typed === "") throw new RefusedError("passphrase", "no passphrase given: type it when asked, or set SINCRO_PASSPHRASE", { code: "MISSING", say: say("passphrase.missing") });
  return typed;
}

function readLine(tty: boolean): string {
  if (tty) process.stdin.setRawMode(true);
  const byte = Buffer.alloc(1);
  const bytes: number[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(0, byte, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") continue;
        if ((err as NodeJS.ErrnoException).code === "EOF") break;
        throw err;
      }
      const b = byte[0] as number;
      if (n === 0 || b === 0x0a || b === 0x0d) break;
      if (b === 0x03) throw new RefusedError("passphrase", "interrupted", { code: "MISSING", say: say("passphrase.interrupted") }); // Ctrl-C in raw mode
      bytes.push(b);
    }
  } finally {
    if (tty) process.stdin.setRawMode(false);
  }
  return Buffer.from(bytes).toString("utf8");
}

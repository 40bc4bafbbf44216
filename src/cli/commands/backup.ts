import { closeSync, existsSync, openSync, statSync, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { RefusedError } from "../../errors.js";
import { type Io, dbPath, withNode } from "../io.js";

/** What `backup` says, in one place (for the message catalogue). */
const say = {
  exists: (out: string) => `backup: ${out} already exists; choose another --out, or add --force to replace it`,
  same: (out: string) => `backup: --out ${out} is this node's own database; choose another file`,
  done: (out: string, size: number) => `saved a copy of this node in ${out} (${size} bytes, readable by this user only)`,
  keys: "it holds this PC's private keys and the parking area's password: keep it as safe as the PC itself",
  restore: "to restore: stop sincro, copy the file back as the database, then run \"sincro sync\" before entering anything (see README, \"When things go wrong\")",
};

export function registerBackup(program: Command, io: Io): void {
  program
    .command("backup")
    .description("write a consistent copy of this node's database (while it runs), owner-only")
    .requiredOption("--out <file>", "the backup file to write")
    .option("--force", "replace the file if it exists")
    .action(function (this: Command) {
      const o = this.opts() as { out: string; force?: boolean };
      const out = o.out;
      if (resolve(out) === resolve(dbPath(this, io))) throw new RefusedError("out", say.same(out), { code: "SAME_FILE" });
      if (existsSync(out) && o.force !== true) throw new RefusedError("out", say.exists(out), { code: "EXISTS" });
      withNode(this, io, (node) => {
        if (existsSync(out)) unlinkSync(out);
        // Owner-only from the first byte: SQLite fills the empty file in place.
        closeSync(openSync(out, "wx", 0o600));
        try {
          node.backupTo(out);
        } catch (err) {
          unlinkSync(out);
          throw err;
        }
      });
      io.out(say.done(out, statSync(out).size));
      io.out(say.keys);
      io.out(say.restore);
    });
}

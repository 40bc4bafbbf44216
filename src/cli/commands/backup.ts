import { closeSync, existsSync, openSync, statSync, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { cannotWriteSay, RefusedError, say } from "../../errors.js";
import { type Io, dbPath, withNode } from "../io.js";


export function registerBackup(program: Command, io: Io): void {
  program
    .command("backup")
    .description("write a consistent copy of this node's database (while it runs), owner-only")
    .requiredOption("--out <file>", "the backup file to write")
    .option("--force", "replace the file if it exists")
    .action(function (this: Command) {
      const o = this.opts() as { out: string; force?: boolean };
      const out = o.out;
      if (resolve(out) === resolve(dbPath(this, io))) throw new RefusedError("out", `backup: --out ${out} is this node's own database; choose another file`, { code: "SAME_FILE", say: say("backup.same", { file: out }) });
      if (existsSync(out) && o.force !== true) throw new RefusedError("out", `backup: ${out} already exists; choose another --out, or add --force to replace it`, { code: "EXISTS", say: say("backup.exists", { file: out }) });
      withNode(this, io, (node) => {
        if (existsSync(out)) unlinkSync(out);
        // Owner-only from the first byte: SQLite fills the empty file in place.
        try {
          closeSync(openSync(out, "wx", 0o600));
        } catch (cause) {
          // A folder that does not exist, or one this user may not write in.
          const why = (cause as Error).message;
          throw new RefusedError("out", `backup ${out}: cannot write there (${why})`, { cause, code: "CANNOT_WRITE", say: cannotWriteSay("backup", out, cause) });
        }
        try {
          node.backupTo(out);
        } catch (err) {
          unlinkSync(out);
          throw err;
        }
      });
      io.out(io.t.t("backup.done", { file: out, size: statSync(out).size }));
      io.out(io.t.t("backup.keys"));
      io.out(io.t.t("backup.restore"));
    });
}

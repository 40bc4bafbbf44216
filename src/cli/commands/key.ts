import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import type { Command } from "commander";
import { RefusedError, say } from "../../errors.js";
import { generatePassphrase, KEY_BACKUP_FORMAT, sealWithPassphrase, type KeyBackup } from "../../node/enrollment.js";
import { type Io, withNode } from "../io.js";

export function registerKey(program: Command, io: Io): void {
  const key = program.command("key").description("the office's keys");
  key
    .command("backup")
    .description("sede: save the office's keys in a passphrase-protected file (restore with 'init --role sede --restore-key FILE')")
    .requiredOption("--out <file>", "the backup file to write")
    .action(function (this: Command) {
      const out = (this.opts() as { out: string }).out;
      if (existsSync(out)) throw new RefusedError("out", `key backup: ${out} already exists; choose another --out or remove it`, {
          code: "EXISTS",
          say: say("refused.outExists", { command: "key backup", file: out }),
        });
      const given = io.env.SINCRO_PASSPHRASE;
      const passphrase = given !== undefined && given !== "" ? given : generatePassphrase();
      const bytes = withNode(this, io, (node) => {
        const keys = node.keyring.own();
        if (node.role !== "sede" || !keys) throw new RefusedError("role", "key backup: only the sede's keys are backed up (an agent PC is enrolled again instead)", {
            code: "NOT_SEDE",
            say: say("key.refused.agent"),
          });
        const backup: KeyBackup = { format: KEY_BACKUP_FORMAT, node: node.id, keys, saved: new Date().toISOString() };
        return sealWithPassphrase(KEY_BACKUP_FORMAT, backup, passphrase);
      });
      const fd = openSync(out, "wx", 0o600);
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      io.out(io.t.t("key.saved", { file: out }));
      if (given === undefined || given === "") io.out(io.t.t("key.passphrase", { passphrase }));
    });
}

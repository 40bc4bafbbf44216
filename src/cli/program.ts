import { Command, Option } from "commander";
import type { Io } from "./io.js";
import { translateHelp } from "./help.js";
import { commanderError } from "./commanderWords.js";
import { CONFIG_KEYS } from "../node/config.js";
import { EXPORT_KINDS } from "../exchange/columns.js";
import { registerAgent } from "./commands/agent.js";
import { registerAudit } from "./commands/audit.js";
import { registerCatalogue } from "./commands/catalogue.js";
import { registerConfig } from "./commands/config.js";
import { registerConflicts } from "./commands/conflicts.js";
import { registerCustomer } from "./commands/customer.js";
import { registerDemo } from "./commands/demo.js";
import { registerExport } from "./commands/export.js";
import { registerImport } from "./commands/import.js";
import { registerFtp } from "./commands/ftp.js";
import { registerHistory } from "./commands/history.js";
import { registerInit } from "./commands/init.js";
import { registerKey } from "./commands/key.js";
import { registerBackup } from "./commands/backup.js";
import { registerLog } from "./commands/log.js";
import { registerOrder } from "./commands/order.js";
import { registerRebuild } from "./commands/rebuild.js";
import { registerSpecialPrice } from "./commands/specialPrice.js";
import { registerStatus } from "./commands/status.js";
import { registerSync } from "./commands/sync.js";

/** The `sincro` command line, its help in the user's language. */
export function buildProgram(io: Io): Command {
  const program = new Command("sincro")
    .description("sync a sede and its field agents through a parking area (FTP, SFTP or a shared folder)")
    .option("--db <file>", "the node's database (default: $SINCRO_DB, else ./sincro.db)")
    .addOption(new Option("--lang <language>", "it or en (default: the config key lang, else the locale: LC_ALL, LC_MESSAGES, LANG)").choices(["it", "en"]))
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) => write(commanderError(s.trimEnd(), io.t)),
    })
    .exitOverride();
  for (const register of [
    registerInit,
    registerConfig,
    registerAgent,
    registerKey,
    registerBackup,
    registerCatalogue,
    registerCustomer,
    registerSpecialPrice,
    registerOrder,
    registerImport,
    registerExport,
    registerLog,
    registerStatus,
    registerConflicts,
    registerSync,
    registerFtp,
    registerRebuild,
    registerAudit,
    registerHistory,
    registerDemo,
  ]) {
    register(program, io);
  }
  // Subcommands inherit the overrides, so usage errors reach main() as CommanderError.
  const propagate = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({
        writeOut: (s) => io.out(s.trimEnd()),
        writeErr: (s) => io.err(s.trimEnd()),
        outputError: (s, write) => write(commanderError(s.trimEnd(), io.t)),
      });
      propagate(sub);
    }
  };
  propagate(program);
  translateHelp(program, io.t, { keys: Object.keys(CONFIG_KEYS).join(", "), kinds: [...EXPORT_KINDS, "log"].join(", ") });
  return program;
}

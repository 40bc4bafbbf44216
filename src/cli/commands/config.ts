import type { Command } from "commander";
import { CONFIG_KEYS, isSecretKey } from "../../node/config.js";
import { type Io, jsonOption, printTable, withNode } from "../io.js";

export function registerConfig(program: Command, io: Io): void {
  const config = program.command("config").description("read and change this node's settings");
  config
    .command("set")
    .description(`set a key: ${Object.keys(CONFIG_KEYS).join(", ")}`)
    .argument("<key>")
    .argument("<value>")
    // A value may begin with "-" (a generated secret key often does): it is the value, not an
    // unknown option, and it is never echoed in an error.
    .allowUnknownOption()
    .action(function (this: Command, key: string, value: string) {
      withNode(this, io, (node) => node.setConfig(key, value));
      io.out(`${key} = ${isSecretKey(key) ? "********" : value}`);
    });
  config
    .command("show")
    .description("print the settings (passwords masked)")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) =>
        node.configEntries().map(({ key, value }) => ({ key, value: isSecretKey(key) ? "********" : value })),
      );
      if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify(Object.fromEntries(rows.map((r) => [r.key, r.value]))));
      else printTable(io, rows);
    });
}

import type { Command } from "commander";
import { decodePayload } from "../../events/eventTypes.js";
import { type Io, jsonOption, withNode } from "../io.js";

export function registerLog(program: Command, io: Io): void {
  program
    .command("log")
    .description("print the event log in the order this node recorded it")
    .option("--origin <node>", "only events recorded by this node")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const o = this.opts() as { origin?: string; json?: boolean };
      withNode(this, io, (node) => {
        let first = true;
        if (o.json) io.out("[");
        for (const e of node.log.iterate()) {
          if (o.origin !== undefined && e.origin !== o.origin) continue;
          if (o.json) {
            io.out(`${first ? "" : ","}${JSON.stringify(e)}`);
          } else {
            io.out(`${e.origin}#${e.seq}  ${e.at}  ${e.type}  ${JSON.stringify(decodePayload(e.data))}`);
          }
          first = false;
        }
        if (o.json) io.out("]");
      });
    });
}

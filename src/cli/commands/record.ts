import type { Command as CliCommand } from "commander";
import type { Command } from "../../events/commands.js";
import { type Io, withNode } from "../io.js";

/**
 * Runs a domain command on the node and reports it: the assigned code or number alone on
 * stdout when there is one (`customer add`, `order add`), otherwise one line per event.
 */
export function record(cmd: CliCommand, io: Io, command: Command): void {
  withNode(cmd, io, (node) => {
    const { decision, events } = node.execute(command);
    if (decision.assigned !== undefined) {
      io.out(decision.assigned);
      return;
    }
    if (events.length === 0) {
      io.out(`nothing to record: ${decision.unchanged ?? "no change"}`);
      return;
    }
    for (const e of events) io.out(`recorded ${e.type} ${e.origin}#${e.seq}`);
  });
}

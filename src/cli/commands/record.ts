import type { Command as CliCommand } from "commander";
import type { Command } from "../../events/commands.js";
import { decodePayload } from "../../events/eventTypes.js";
import { type Io, withNode } from "../io.js";
import { recordedLine } from "../words.js";

/**
 * Runs a domain command on the node and reports it in product words, one line per change
 * ("order AG01/3 recorded"). The code or number assigned (`customer add`, `order add`) is
 * printed alone when stdout is not a terminal, so scripts can read it.
 */
export function record(cmd: CliCommand, io: Io, command: Command): void {
  withNode(cmd, io, (node) => {
    const { decision, events } = node.execute(command);
    if (decision.assigned !== undefined && !io.isTTY) {
      io.out(decision.assigned);
      return;
    }
    if (events.length === 0) {
      io.out(io.t.t("record.nothing"));
      return;
    }
    for (const e of events) io.out(recordedLine(io.t, e.type, decodePayload(e.data)));
  });
}

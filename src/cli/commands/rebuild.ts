import type { Command } from "commander";
import { IntegrityError, say } from "../../errors.js";
import { type Io, jsonOption, printTable, withNode } from "../io.js";

export function registerRebuild(program: Command, io: Io): void {
  program
    .command("rebuild")
    .description("drop the projections and replay the log; the digests before and after must match")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const result = withNode(this, io, (node) => node.rebuild());
      const rows = result.after.map((a, i) => {
        const b = result.before[i];
        return { table: a.table, rows: a.rows, before: b?.sha256.slice(0, 16) ?? "", after: a.sha256.slice(0, 16), same: b?.sha256 === a.sha256 };
      });
      const differing = rows.filter((r) => !r.same).map((r) => r.table);
      if ((this.opts() as { json?: boolean }).json) {
        io.out(JSON.stringify({ events: result.events, tables: result.after, differing }));
      } else {
        io.out(io.t.t("rebuild.replayed", { events: result.events }));
        printTable(io, rows.map((r) => ({ ...r, same: io.t.t(r.same ? "common.yes" : "common.no") })));
      }
      if (differing.length > 0) {
        throw new IntegrityError(`rebuild: projections differed from a replay of the log in ${differing.join(", ")} (now rebuilt from the log)`, {
          code: "REBUILD_DIFF",
          say: say("rebuild.differed", { tables: differing.join(", ") }),
        });
      }
    });
}

import type { Command } from "commander";
import { conflictName, conflictsSeen, markConflictsSeen } from "../../node/conflictsSeen.js";
import { conflictLines } from "../conflictWords.js";
import { type Io, jsonOption, withNode } from "../io.js";

export function registerConflicts(program: Command, io: Io): void {
  program
    .command("conflicts")
    .description("the conflicts not yet marked as seen: what each side did, when, who, and which change is kept")
    .option("--all", "also those already marked as seen")
    .option("--ack", "mark the conflicts listed as seen")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const o = this.opts() as { all?: boolean; ack?: boolean; json?: boolean };
      const t = io.t;
      withNode(this, io, (node) => {
        const seen = conflictsSeen(node.db);
        const all = node.read.listConflicts().map((c) => ({ ...c, seen: seen.get(conflictName(c)) ?? null }));
        const listed = o.all ? all : all.filter((c) => c.seen === null);
        if (o.json) io.out(JSON.stringify(listed));
        else {
          if (listed.length === 0) io.out(t.t(o.all ? "conflicts.noneAtAll" : "conflicts.none"));
          for (const c of listed) {
            const [first, ...rest] = conflictLines(t, node, c);
            io.out(c.seen === null ? (first as string) : `${first as string} ${t.t("conflict.seen")}`);
            for (const line of rest) io.out(line);
          }
        }
        if (o.ack) {
          const marked = markConflictsSeen(node.db, listed, new Date(node.nowMs()).toISOString());
          if (!o.json) io.out(t.t("conflicts.acked", { n: marked }));
        } else if (!o.json && listed.some((c) => c.seen === null)) io.out(t.t("conflicts.hintAck"));
      });
    });
}

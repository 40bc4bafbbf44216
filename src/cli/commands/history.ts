import type { Command } from "commander";
import { history, type HistoryTarget } from "../../audit/history.js";
import { type Io, dbPath, jsonOption, parseOrderRef, printTable } from "../io.js";
import { recordedLine } from "../words.js";

export function registerHistory(program: Command, io: Io): void {
  const cmd = program.command("history").description("every event of the log that touched one customer, special price or order");
  const show = (c: Command, target: HistoryTarget) => {
    const h = history(dbPath(c, io), target);
    const o = c.opts() as { json?: boolean; verbose?: boolean };
    if (o.json) {
      io.out(JSON.stringify(h));
      return;
    }
    if (!o.verbose) {
      const t = io.t;
      io.out(t.t("history.title", { target: h.target, n: h.entries.length }));
      printTable(
        io,
        h.entries.map((e) => ({
          when: e.at ?? e.hlcTime ? t.dateTime((e.at ?? e.hlcTime) as string) : "",
          who: e.seq === null ? t.t("history.snapshot") : e.origin,
          what: recordedLine(t, e.type, e.data),
          ...(e.outcome !== undefined && { outcome: e.outcome === "won" ? t.t("history.won") : t.t("history.lost") }),
        })),
      );
      return;
    }
    io.out(io.t.t("history.verboseTitle", { target: h.target, node: h.node, n: h.entries.length }));
    printTable(
      io,
      h.entries.map((e) => ({
        event: e.ref,
        node: e.origin,
        hlc: e.hlc,
        "hlc time": e.hlcTime ?? "",
        at: e.at ?? "",
        type: e.type,
        said: JSON.stringify(e.data),
        ...(e.outcome !== undefined && { outcome: `${e.outcome}: ${e.reason ?? ""}` }),
      })),
    );
  };
  cmd
    .command("customer")
    .argument("<code>", "customer code")
    .option("--verbose", "the log's own words: event ids, HLCs, types and payloads")
    .addOption(jsonOption())
    .action(function (this: Command, code: string) {
      show(this, { kind: "customer", code });
    });
  cmd
    .command("special-price")
    .argument("<customer>", "customer code")
    .argument("<product>", "product code")
    .option("--verbose", "the log's own words: event ids, HLCs, types and payloads")
    .addOption(jsonOption())
    .action(function (this: Command, customer: string, product: string) {
      show(this, { kind: "special-price", customer, product });
    });
  cmd
    .command("order")
    .argument("<ref>", "TYPE/NUMBER, e.g. AG01/12")
    .option("--verbose", "the log's own words: event ids, HLCs, types and payloads")
    .addOption(jsonOption())
    .action(function (this: Command, ref: string) {
      const { type, number } = parseOrderRef(ref);
      show(this, { kind: "order", type, number });
    });
}

import type { Command } from "commander";
import { exportLog } from "../../audit/logFile.js";
import { UsageError } from "../../errors.js";
import { EXPORT_KINDS } from "../../exchange/columns.js";
import { exportCsv } from "../../exchange/csvExport.js";
import type { SincroNode } from "../../node/sincroNode.js";
import { type Io, withNode } from "../io.js";

/** Writes one kind of data to `out` and says how many rows (or events) it wrote. */
type Exporter = (node: SincroNode, out: string) => { rows: number };

/** `export KIND --out FILE`: one entry per kind (the CSV kinds here; `log` joins this table). */
const EXPORTERS: Record<string, Exporter> = {
  ...Object.fromEntries(EXPORT_KINDS.map((kind) => [kind, (node: SincroNode, out: string) => exportCsv(node, kind, out)])),
  // gzip NDJSON of envelopes in log order, after one sincro-log header line (docs/FORMATS.md).
  log: (node, out) => exportLog(node, out),
};

export function registerExport(program: Command, io: Io): void {
  program
    .command("export")
    .description(`write ${Object.keys(EXPORTERS).join(", ")}: the log as gzip NDJSON of envelopes, the others as CSV (; separated, decimal point, UTF-8, header row) for the ERP`)
    .argument("<kind>", Object.keys(EXPORTERS).join(" | "))
    .requiredOption("--out <file>", "the file to write (replaced whole, never left half-written)")
    .action(function (this: Command, kind: string) {
      const exporter = EXPORTERS[kind];
      if (exporter === undefined) {
        throw new UsageError(`export ${kind}: unknown kind; known kinds: ${Object.keys(EXPORTERS).join(", ")}`);
      }
      const { out } = this.opts() as { out: string };
      const { rows } = withNode(this, io, (node) => exporter(node, out));
      io.out(`exported ${rows} ${kind} rows to ${out}`);
    });
}

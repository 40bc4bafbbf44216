import { type Command, Option } from "commander";
import { exportLog } from "../../audit/logFile.js";
import { UsageError, say } from "../../errors.js";
import { EXPORT_KINDS } from "../../exchange/columns.js";
import { exportCsv, type ExportOptions } from "../../exchange/csvExport.js";
import type { SincroNode } from "../../node/sincroNode.js";
import { type Io, withNode } from "../io.js";

/** Writes one kind of data to `out` and says how many rows (or events) it wrote. */
type Exporter = (node: SincroNode, out: string, options: ExportOptions) => { rows: number };

/** `export KIND --out FILE`: one entry per kind (the CSV kinds here; `log` joins this table). */
const EXPORTERS: Record<string, Exporter> = {
  ...Object.fromEntries(EXPORT_KINDS.map((kind) => [kind, (node: SincroNode, out: string, options: ExportOptions) => exportCsv(node, kind, out, options)])),
  // gzip NDJSON of envelopes in log order, after one sincro-log header line (docs/FORMATS.md).
  log: (node, out) => exportLog(node, out),
};

/** `--separator` values → the character written. */
const SEPARATORS = { ";": ";", ",": ",", tab: "\t" } as const;

export function registerExport(program: Command, io: Io): void {
  program
    .command("export")
    .description(
      `write ${Object.keys(EXPORTERS).join(", ")}: the log as gzip NDJSON of envelopes, the others as CSV (; separated, decimal point, UTF-8, header row; --separator and --decimal-comma for the ERP)`,
    )
    .argument("<kind>", Object.keys(EXPORTERS).join(" | "))
    .requiredOption("--out <file>", "the file to write (replaced whole, never left half-written)")
    .addOption(new Option("--separator <separator>", "CSV field separator").choices(Object.keys(SEPARATORS)))
    .option("--decimal-comma", "CSV decimals with a comma (8,90), as an Italian ERP reads them")
    .action(function (this: Command, kind: string) {
      const exporter = EXPORTERS[kind];
      if (exporter === undefined) {
        throw new UsageError(`export ${kind}: unknown kind; known kinds: ${Object.keys(EXPORTERS).join(", ")}`, {
          say: say("usage.unknownKind", { command: "export", kind, kinds: Object.keys(EXPORTERS).join(", ") }),
        });
      }
      const { out, separator, decimalComma } = this.opts() as { out: string; separator?: keyof typeof SEPARATORS; decimalComma?: boolean };
      if (kind === "log" && (separator !== undefined || decimalComma)) {
        throw new UsageError("export log: --separator and --decimal-comma apply to the CSV kinds; the log is NDJSON", { say: say("usage.exportLogCsvOptions") });
      }
      const options: ExportOptions = {
        ...(separator !== undefined && { separator: SEPARATORS[separator] }),
        ...(decimalComma === true && { decimalComma: true }),
      };
      const { rows } = withNode(this, io, (node) => exporter(node, out, options));
      io.out(io.t.t("export.done", { rows, kind, file: out }));
    });
}

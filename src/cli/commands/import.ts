import cliProgress from "cli-progress";
import { type Command, Option } from "commander";
import { UsageError, say } from "../../errors.js";
import { IMPORT_KINDS, type ImportKind } from "../../exchange/columns.js";
import { ENCODINGS, type Encoding, importCsv, type ImportProgress, type ImportSummary } from "../../exchange/csvImport.js";
import { collect, type Io, jsonOption, withNode } from "../io.js";

const PLAIN_PROGRESS_EVERY_MS = 5000;

export function registerImport(program: Command, io: Io): void {
  program
    .command("import")
    .description(
      `import a CSV file from the ERP (${IMPORT_KINDS.join(", ")}); only what changed is recorded, all or nothing (sede; an agent imports special-prices for its own customers)`,
    )
    .argument("<kind>", IMPORT_KINDS.join(" | "))
    .argument("<file>", "CSV with a header row (Italian or English names), ; , or tab separated, UTF-8 or Windows-1252")
    .option("--dry-run", "report what would change, write nothing")
    .option("--remove-missing", "discontinue products, remove prices / special prices that the file does not list")
    .option("--map <column=field>", "read the file's COLUMN as FIELD (repeatable), e.g. --map \"Cod. Art.=code\"", collect)
    .addOption(new Option("--encoding <encoding>", "the file's encoding (default: UTF-8 if the file is valid UTF-8, else Windows-1252)").choices(ENCODINGS))
    .addOption(jsonOption())
    .action(function (this: Command, kind: string, file: string) {
      if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
        throw new UsageError(`import ${kind}: unknown kind; known kinds: ${IMPORT_KINDS.join(", ")}`, {
          say: say("usage.unknownKind", { command: "import", kind, kinds: IMPORT_KINDS.join(", ") }),
        });
      }
      const o = this.opts() as { dryRun?: boolean; removeMissing?: boolean; json?: boolean; map?: string[]; encoding?: Encoding };
      const summary = withNode(this, io, (node) => {
        const progress = progressReporter(io, kind as ImportKind, o.json === true);
        try {
          return importCsv(node, kind as ImportKind, file, {
            dryRun: o.dryRun === true,
            removeMissing: o.removeMissing === true,
            onProgress: progress.update,
            ...(o.map !== undefined && { map: o.map }),
            ...(o.encoding !== undefined && { encoding: o.encoding }),
          });
        } finally {
          progress.stop();
        }
      });
      if (o.json) io.out(JSON.stringify(summary));
      else io.out(describeSummary(io, summary));
    });
}

function describeSummary(io: Io, s: ImportSummary): string {
  const p = { kind: s.kind, file: s.file, rows: s.rows, new: s.new, changed: s.changed, unchanged: s.unchanged, removed: s.removed, events: s.events };
  const cp1252 = s.encoding === "windows-1252";
  if (s.dryRun) return io.t.t(cp1252 ? "import.dryRun1252" : "import.dryRun", p);
  return io.t.t(cp1252 ? "import.summary1252" : "import.summary", p);
}

/**
 * A bar on a terminal's stderr; otherwise a plain line every few seconds, so short imports
 * print nothing; with `--json` none, so that stderr holds at most the one JSON error.
 */
function progressReporter(io: Io, kind: ImportKind, json: boolean): { update: (p: ImportProgress) => void; stop: () => void } {
  if (json) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `import ${kind} [{bar}] {percentage}% | {rows} rows`, clearOnComplete: true, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        if (!started) {
          bar.start(Math.max(p.size, 1), 0, { rows: 0 });
          started = true;
        }
        bar.update(p.bytes, { rows: p.rows });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = Date.now();
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < PLAIN_PROGRESS_EVERY_MS) return;
      last = now;
      io.err(io.t.t("import.progress", { kind, rows: p.rows, percent: p.size > 0 ? Math.floor((100 * p.bytes) / p.size) : 100 }));
    },
    stop: () => undefined,
  };
}

import { closeSync, openSync } from "node:fs";
import { RefusedError, say } from "../errors.js";
import type { Command } from "../events/commands.js";
import type { SincroNode } from "../node/sincroNode.js";
import { DISCOUNT_SEPARATOR, IMPORT_COLUMNS, type ImportKind } from "./columns.js";
import { type CsvRow, type ImportProgress, readCsv } from "./csvReader.js";
import { detectEncoding, type Encoding } from "./encoding.js";
import { type ColumnMap, parseColumnMap } from "./headers.js";
import { ImportProblems } from "./importRefusedError.js";
import { missingRemovals } from "./missingRemovals.js";
import { NumberReader } from "./numbers.js";
import { RowState } from "./rowState.js";
import { refusalProblem, rowToCommands } from "./rowToCommands.js";

export type { ImportProgress } from "./csvReader.js";
export { ENCODINGS, type Encoding } from "./encoding.js";
export { HEADER_SYNONYMS, normalizeHeader, type ImportField } from "./headers.js";
export { ImportRefusedError, MAX_LISTED_PROBLEMS, type ImportProblem } from "./importRefusedError.js";

export interface ImportOptions {
  /** Decide and count everything, then roll back: nothing is written. */
  dryRun?: boolean;
  /**
   * Rows held here but absent from the file are removed: products discontinued, generic
   * prices and special prices removed. Refused for customers (sincro never deletes one).
   */
  removeMissing?: boolean;
  /** Called after each chunk of the file is processed. */
  onProgress?: (progress: ImportProgress) => void;
  /** The file's encoding; by default detected: UTF-8 if it all is valid UTF-8, else Windows-1252. */
  encoding?: Encoding;
  /**
   * `--map` values, `COLUMN=FIELD`: the file's column read as that field, before the synonyms;
   * a field the kind does not read is refused, naming the valid ones.
   */
  map?: readonly string[];
}

/** What an import did (or, with `dryRun`, would do). Counts are data rows, except `events`. */
export interface ImportSummary {
  kind: ImportKind;
  file: string;
  /** The encoding the file was read in (given, or detected). */
  encoding: Encoding;
  rows: number;
  new: number;
  changed: number;
  unchanged: number;
  /** Rows held here and absent from the file that were removed (`removeMissing`). */
  removed: number;
  /** Events recorded (a new price list adds one to its first price). */
  events: number;
  dryRun: boolean;
}

/**
 * Imports a CSV file of `kind` into `node` as domain commands, in one transaction: the file is
 * read row by row ({@link readCsv}), each row becomes the commands a user would type
 * ({@link rowToCommands}), so the deciders validate it and a row that changes nothing records
 * nothing. Every refused row is collected with its line and column; if there is any, an
 * {@link ImportRefusedError} is thrown and nothing is written.
 */
export function importCsv(node: SincroNode, kind: ImportKind, file: string, options: ImportOptions = {}): ImportSummary {
  if (IMPORT_COLUMNS[kind].sedeOnly && node.role !== "sede") {
    throw new RefusedError(
      "role",
      `import ${kind}: only the sede imports ${kind} (this node is agent ${node.id}); an agent imports special-prices for its own customers`,
      { code: "SEDE_ONLY", say: say("import.sedeOnly", { kind, node: node.id }) },
    );
  }
  if (options.removeMissing && kind === "customers") {
    throw new RefusedError(
      "remove-missing",
      "import customers: --remove-missing is not available for customers: sincro never deletes a customer (orders and agents refer to them); import without it",
      { say: say("import.noRemoveCustomers") },
    );
  }
  const map = parseColumnMap(kind, options.map ?? []);
  const fd = openFile(kind, file);
  try {
    const encoding = options.encoding ?? detectEncoding(fd, `import ${kind} ${file}`);
    const run = (): ImportSummary => importRows(node, kind, file, fd, options, { encoding, map });
    return options.dryRun ? rolledBack(node, run) : node.batch(run);
  } finally {
    closeSync(fd);
  }
}

function openFile(kind: ImportKind, file: string): number {
  try {
    return openSync(file, "r");
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message;
    const said = (cause as NodeJS.ErrnoException).code === "ENOENT" ? say("import.noFile", { kind, file }) : say("import.cannotOpen", { kind, file, why });
    throw new RefusedError("file", `import ${kind} ${file}: ${why}`, { code: "NO_FILE", cause, say: said });
  }
}

/** Runs `fn` in one transaction and rolls it back: what it returns, nothing written. */
function rolledBack<T>(node: SincroNode, fn: () => T): T {
  let result: { value: T } | undefined;
  try {
    node.batch(() => {
      result = { value: fn() };
      throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return (result as { value: T }).value;
}

class DryRunRollback extends Error {}

/** The import itself, inside the caller's transaction: every row, then what the file lacks; throws if any problem. */
function importRows(
  node: SincroNode,
  kind: ImportKind,
  file: string,
  fd: number,
  options: ImportOptions,
  how: { encoding: Encoding; map: ColumnMap },
): ImportSummary {
  const summary: ImportSummary = { kind, file, encoding: how.encoding, rows: 0, new: 0, changed: 0, unchanged: 0, removed: 0, events: 0, dryRun: options.dryRun === true };
  const problems = new ImportProblems();
  const numbers = new NumberReader(
    (problem) => problems.add(problem),
    (count) => problems.addUnlisted(count),
  );
  const ctx = node.context();
  const state = new RowState(node.read);
  const execute = (command: Command): number => {
    state.forget();
    const recorded = node.execute(command).events.length;
    summary.events += recorded;
    return recorded;
  };
  const read = readCsv(fd, kind, {
    row(row, line) {
      try {
        readNumbers(kind, row, line, numbers);
        state.forget();
        const { commands, isNew } = rowToCommands(kind, row, state, ctx);
        let recorded = 0;
        for (const command of commands) recorded += execute(command);
        summary[recorded === 0 ? "unchanged" : isNew ? "new" : "changed"]++;
      } catch (err) {
        if (!(err instanceof RefusedError)) throw err;
        problems.add(refusalProblem(err, line, row, state, ctx));
      }
    },
    problem: (problem) => problems.add(problem),
    header: (headers) => problems.setHeaders(headers),
    ...(options.onProgress && { progress: options.onProgress }),
  }, how);
  summary.rows = read.rows;
  if (problems.count === 0 && options.removeMissing) {
    for (const command of missingRemovals(node, kind, read.keys)) {
      if (execute(command) > 0) summary.removed++;
    }
  }
  problems.refuseIfAny(kind, file);
  return summary;
}

/** The row's numeric cells as plain decimals ({@link NumberReader}); each discount of a `10+5` cell on its own. */
function readNumbers(kind: ImportKind, row: CsvRow, line: number, numbers: NumberReader): void {
  const cells: Array<[column: string, texts: string[]]> = [];
  for (const column of IMPORT_COLUMNS[kind].numeric) {
    const cell = row[column];
    if (cell === undefined || cell === "") continue;
    cells.push([column, column === "discounts" ? cell.split(DISCOUNT_SEPARATOR).map((d) => d.trim()) : [cell]]);
  }
  numbers.look(
    cells.flatMap(([, texts]) => texts),
    line,
  );
  for (const [column, texts] of cells) row[column] = texts.map((t) => numbers.read(t, line, column)).join(DISCOUNT_SEPARATOR);
}

import { fstatSync, readSync } from "node:fs";
import { Parser } from "csv-parse";
import { IMPORT_COLUMNS, type ImportColumns, type ImportKind } from "./columns.js";
import { type Encoding, toUtf8 } from "./encoding.js";
import { type ColumnMap, fieldOfHeader, HEADER_SYNONYMS, type ImportField, normalizeHeader } from "./headers.js";
import type { ImportProblem } from "./importRefusedError.js";
import { type Say, say } from "../errors.js";

/** One data row: its cells by field name, trimmed; an optional field is absent when the header does not name it. */
export type CsvRow = Record<string, string | undefined>;

export interface ImportProgress {
  /** Bytes of the file read so far, out of `size`. */
  bytes: number;
  size: number;
  /** Data rows read so far. */
  rows: number;
}

/** Where {@link readCsv} hands what it reads. */
export interface CsvSink {
  /** A data row with the header's shape, its key not seen before, and the file line it starts on. */
  row(row: CsvRow, line: number): void;
  /** A row or cell that is not read, or what stopped the reading (bad header, broken quoting, empty file). */
  problem(problem: ImportProblem): void;
  /** After each chunk of the file, and once at the end. */
  progress?(progress: ImportProgress): void;
  /** Once the header is read: each field read → the file's name for its column. */
  header?(headers: ReadonlyMap<string, string>): void;
}

/** How to read the file. */
export interface CsvReadOptions {
  /** The file's encoding (default UTF-8); Windows-1252 is transcoded chunk by chunk. */
  encoding?: Encoding;
  /** `--map`: file columns read as these fields, before the synonyms are looked at. */
  map?: ColumnMap;
}

/** What a whole file held. */
export interface CsvRead {
  /** Data rows (blank lines are not rows), including those reported as problems. */
  rows: number;
  /** The {@link rowKey} of every row handed to the sink → its line. */
  keys: ReadonlyMap<string, number>;
}

/** The key of a row from the values of its kind's key columns (`ImportColumns.key`), as {@link CsvRead.keys} holds it. */
export function rowKey(values: readonly string[]): string {
  return values.join("\u0000");
}

/**
 * Reads the CSV file open at `fd` as a file of `kind`: `;`, `,` or tab separated (detected from
 * the header), UTF-8 with or without BOM or Windows-1252 (`options.encoding`), a header row
 * naming the kind's fields in any order, by their names or synonyms ({@link HEADER_SYNONYMS})
 * or through `options.map`; two columns naming one field are refused. Each data row that has the header's shape, valid UTF-8, its non-empty cells filled and
 * a key not seen before goes to `sink.row`, with the line of the file it starts on (line breaks
 * inside quotes counted); every other row is a `sink.problem` with its line and column, and
 * reading goes on. A missing column, broken quoting or an empty file is one problem that stops
 * the reading.
 *
 * The file is read in chunks, never whole, and synchronously: an import is one better-sqlite3
 * transaction, which must not span an `await`, so chunks are read with `readSync` and fed to
 * csv-parse's stream parser, which parses each chunk as it is written.
 */
export function readCsv(fd: number, kind: ImportKind, sink: CsvSink, options: CsvReadOptions = {}): CsvRead {
  const reader = new CsvReader(kind, IMPORT_COLUMNS[kind], sink, options.encoding ?? "utf8", options.map ?? []);
  try {
    reader.read(fd);
  } catch (err) {
    if (!(err instanceof StopReading)) throw err;
  }
  return { rows: reader.rows, keys: reader.keys };
}

/** Reading stops at a problem that makes the rest of the file meaningless (bad header, broken quoting). */
class StopReading extends Error {}

const CHUNK_BYTES = 256 * 1024;
const HEADER_MAX_BYTES = 1024 * 1024;

class CsvReader {
  rows = 0;
  readonly keys = new Map<string, number>();
  private delimiter = ";";
  /** Header name → field index, for the columns this kind reads; undefined until the header. */
  private columns: Array<[string, number]> | undefined;
  private width = 0;
  /** Last line of the file consumed by the records parsed so far. */
  private line = 0;

  constructor(
    private readonly kind: ImportKind,
    private readonly spec: ImportColumns,
    private readonly sink: CsvSink,
    private readonly encoding: Encoding,
    private readonly map: ColumnMap,
  ) {}

  read(fd: number): void {
    const size = fstatSync(fd).size;
    let bytes = 0;
    let parser: Parser | undefined;
    let head: Buffer[] = [];
    for (;;) {
      // A fresh buffer per chunk: the parser keeps a view of an unfinished record's bytes.
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      bytes += n;
      const data = chunk.subarray(0, n);
      if (parser === undefined) {
        head.push(data);
        const start = Buffer.concat(head);
        if (start.indexOf(0x0a) < 0 && start.indexOf(0x0d) < 0 && start.length < HEADER_MAX_BYTES) continue;
        parser = this.parser(start);
        head = [];
        this.feed(parser, start);
      } else {
        this.feed(parser, data);
      }
      this.sink.progress?.({ bytes, size, rows: this.rows });
    }
    if (parser === undefined && head.length > 0) {
      const start = Buffer.concat(head);
      parser = this.parser(start);
      this.feed(parser, start);
    }
    if (parser !== undefined) {
      parser.end();
      this.drain(parser);
    }
    this.sink.progress?.({ bytes, size, rows: this.rows });
    if (this.columns === undefined) this.fatal(1, null, `the file is empty; it needs a header row naming ${this.spec.required.join(";")}`, say("import.p.empty", { fields: this.spec.required.join(";") }));
  }

  private parser(start: Buffer): Parser {
    this.delimiter = detectDelimiter(start);
    const parser = new Parser({
      delimiter: this.delimiter,
      bom: true,
      // Column counts are checked per row, to report them with a line number and go on.
      relax_column_count: true,
      // Empty lines come through as one empty field, so line numbers can be counted exactly.
      skip_empty_lines: false,
      relax_quotes: true,
    });
    // Errors are read from `parser.errored` right after each write; this keeps them from
    // also surfacing as an unhandled 'error' event.
    parser.on("error", () => undefined);
    return parser;
  }

  private feed(parser: Parser, data: Buffer): void {
    parser.write(toUtf8(data, this.encoding));
    this.drain(parser);
  }

  private drain(parser: Parser): void {
    let record: string[] | null;
    while ((record = parser.read() as string[] | null) !== null) this.record(record);
    const err = parser.errored as (Error & { lines?: number }) | null;
    if (err) this.fatal(err.lines ?? this.line + 1, null, `the file is not valid CSV: ${err.message}`, say("import.p.notCsv"));
  }

  private record(fields: string[]): void {
    const line = this.line + 1;
    this.line = line + embeddedNewlines(fields);
    if ((fields[0] as string).trim() === "" && fields.every((f) => f.trim() === "")) return;
    if (this.columns === undefined) {
      this.header(fields, line);
      return;
    }
    this.rows++;
    const row = this.row(fields, line);
    if (row !== undefined) this.sink.row(row, line);
  }

  private header(fields: string[], line: number): void {
    const names = fields.map((f) => f.trim());
    const shown = names.join(this.delimiter === "\t" ? ";" : this.delimiter);
    // Columns of each field: those --map names first; a field mapped so takes no synonym.
    const byField = new Map<string, number[]>();
    const take = (field: string, i: number) => byField.set(field, [...(byField.get(field) ?? []), i]);
    const mapped = new Set<number>();
    for (const [column, field] of this.map) {
      const i = names.findIndex((n) => normalizeHeader(n) === normalizeHeader(column));
      if (i < 0) this.fatal(line, field, `--map ${column}=${field}: the header has no column "${column}"; it names ${shown}`, say("import.p.mapNoColumn", { column, field, shown }));
      mapped.add(i);
      take(field, i);
    }
    const chosen = new Set(byField.keys());
    names.forEach((name, i) => {
      const field = mapped.has(i) ? undefined : fieldOfHeader(this.kind, name);
      if (field !== undefined && !chosen.has(field)) take(field, i);
    });
    let ambiguous = false;
    for (const [field, columns] of byField) {
      if (columns.length < 2) continue;
      const quoted = columns.map((i) => `"${names[i]}"`);
      const first = names[columns[0] as number] as string;
      this.problem(
        line,
        field,
        quoted.length === 2
          ? `columns ${quoted[0]} and ${quoted[1]} are both read as ${field}; keep one, or choose one with --map "${first}=${field}"`
          : `columns ${quoted.join(", ")} are all read as ${field}; keep one, or choose one with --map "${first}=${field}"`,
        quoted.length === 2
          ? say("import.p.sameField2", { first, second: names[columns[1] as number] as string, field })
          : say("import.p.sameFieldMany", { columns: quoted.join(", "), first, field }),
      );
      ambiguous = true;
    }
    if (ambiguous) throw new StopReading();
    const missing = this.spec.required.filter((c) => !byField.has(c));
    if (missing.length > 0) {
      const cols = missing.map((c) => `"${c}"`).join(", ");
      const synonyms = missing.map((c) => `${c}: ${HEADER_SYNONYMS[c as ImportField].join(", ")}`).join("; ");
      this.fatal(
        line,
        missing[0] as string,
        `missing column${missing.length > 1 ? "s" : ""} ${cols}: a ${this.kind} file needs a header row naming ${this.spec.required.join(
          ";",
        )} (separated by ; , or tab); this one names ${shown}. Names read for them (any case, accents optional): ${synonyms}; or name a column with --map COLUMN=FIELD`,
        say("import.p.missingColumns", { n: missing.length, columns: cols, kind: this.kind, fields: this.spec.required.join(";"), shown, synonyms }),
      );
    }
    this.columns = [];
    const headers = new Map<string, string>();
    for (const c of [...this.spec.required, ...this.spec.optional]) {
      const i = byField.get(c)?.[0];
      if (i === undefined) continue;
      this.columns.push([c, i]);
      headers.set(c, names[i] as string);
    }
    this.width = fields.length;
    this.sink.header?.(headers);
  }

  /** The row's cells by column, or undefined (and a problem reported) when it cannot be read. */
  private row(fields: string[], line: number): CsvRow | undefined {
    if (fields.length !== this.width && (fields.length < this.width || fields.slice(this.width).some((f) => f.trim() !== ""))) {
      const hint =
        this.delimiter === "," && fields.length > this.width
          ? ` (in a file separated by commas, a decimal comma must be quoted: "12,50")`
          : "";
      this.problem(
        line,
        null,
        `${fields.length} fields where the header names ${this.width}${hint}`,
        say(hint === "" ? "import.p.fieldCount" : "import.p.fieldCountComma", { n: fields.length, width: this.width }),
      );
      return undefined;
    }
    const row: CsvRow = {};
    for (const [name, i] of this.columns as Array<[string, number]>) {
      const value = (fields[i] as string).trim();
      if (value.includes("\uFFFD")) {
        this.problem(
          line,
          name,
          this.encoding === "utf8"
            ? "is not valid UTF-8 text; save the file as UTF-8, or read it with --encoding windows-1252"
            : "holds a byte that Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90 or 0x9D); save the file as UTF-8",
          say(this.encoding === "utf8" ? "import.p.badUtf8" : "import.p.bad1252"),
        );
        return undefined;
      }
      row[name] = value;
    }
    let empty = false;
    for (const c of this.spec.nonEmpty) {
      if (row[c] === "") {
        this.problem(line, c, `is empty; every row needs a ${c}`, say("import.p.emptyCell", { column: c }));
        empty = true;
      }
    }
    if (empty) return undefined;
    const key = rowKey(this.spec.key.map((c) => row[c] as string));
    const first = this.keys.get(key);
    if (first !== undefined) {
      const what = this.spec.key.map((c) => `${c} ${row[c]}`).join(", ");
      const values = this.spec.key.map((c) => row[c] as string).join(", ");
      this.problem(line, this.spec.key[this.spec.key.length - 1] as string, `${what} appears again (first on line ${first})`, say("import.p.repeated", { values, first: String(first) }));
      return undefined;
    }
    this.keys.set(key, line);
    return row;
  }

  private problem(line: number, column: string | null, message: string, said: Say): void {
    this.sink.problem({ line, column, message, say: said });
  }

  private fatal(line: number, column: string | null, message: string, said: Say): never {
    this.problem(line, column, message, said);
    throw new StopReading();
  }
}

/** `;`, `,` or tab, whichever the header line (outside quotes) uses most; `;` on a tie or when none. */
function detectDelimiter(start: Buffer): string {
  let semicolons = 0;
  let commas = 0;
  let tabs = 0;
  let quoted = false;
  for (const byte of start) {
    if (byte === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === 0x0a || byte === 0x0d) {
      if (semicolons + commas + tabs > 0) break;
    }
    else if (byte === 0x3b) semicolons++;
    else if (byte === 0x2c) commas++;
    else if (byte === 0x09) tabs++;
  }
  if (tabs > semicolons && tabs > commas) return "\t";
  return commas > semicolons ? "," : ";";
}

/** Line breaks inside quoted fields: the record spans that many more lines of the file. */
function embeddedNewlines(fields: string[]): number {
  let n = 0;
  for (const f of fields) {
    for (let i = f.indexOf("\n"); i >= 0; i = f.indexOf("\n", i + 1)) n++;
  }
  return n;
}

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { Parser } from "csv-parse";
import { RefusedError, SincroError } from "../errors.js";
import type { Command } from "../events/commands.js";
import { decide } from "../events/decide.js";
import type { DecideContext, DomainState, ProductView } from "../events/domainState.js";
import type { SincroNode } from "../node/sincroNode.js";
import { DISCOUNT_SEPARATOR, IMPORT_COLUMNS, type ImportColumns, type ImportKind } from "./columns.js";

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
}

export interface ImportProgress {
  /** Bytes of the file read so far, out of `size`. */
  bytes: number;
  size: number;
  /** Data rows processed so far. */
  rows: number;
}

/** What an import did (or, with `dryRun`, would do). Counts are data rows, except `events`. */
export interface ImportSummary {
  kind: ImportKind;
  file: string;
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

/** One refused row or cell: `line` is the file's line number (1 = header), `column` a header name. */
export interface ImportProblem {
  line: number;
  column: string | null;
  message: string;
}

/** How many problems an {@link ImportRefusedError} lists; the rest are only counted. */
export const MAX_LISTED_PROBLEMS = 50;

/**
 * An import was refused: its message lists the first {@link MAX_LISTED_PROBLEMS} problems
 * (`import prices line 17, column price: …`), then "… and N more". Nothing was written.
 */
export class ImportRefusedError extends RefusedError {
  readonly problems: ImportProblem[];
  readonly total: number;
  constructor(kind: ImportKind, file: string, problems: ImportProblem[], total: number) {
    const lines = problems.map((p) => formatProblem(kind, p));
    if (total > problems.length) lines.push(`… and ${total - problems.length} more`);
    const count = total === 1 ? "1 problem" : `${total} problems`;
    super("file", `import ${kind} ${file}: ${count}, nothing was imported\n${lines.join("\n")}`, { code: "IMPORT_REFUSED" });
    this.problems = problems;
    this.total = total;
  }
}

function formatProblem(kind: ImportKind, p: ImportProblem): string {
  return `import ${kind} line ${p.line}${p.column === null ? "" : `, column ${p.column}`}: ${p.message}`;
}

/**
 * Imports a CSV file of `kind` into `node` as domain commands, in one transaction: each row
 * becomes the command a user would type (AddProduct or UpdateProduct, SetGenericPrice, …), so
 * the deciders validate it and a row that changes nothing records nothing. Every refused row is
 * collected with its line and column; if there is any, an {@link ImportRefusedError} is thrown
 * and nothing is written.
 *
 * The file is `;` or `,` separated (detected from the header), UTF-8 with or without BOM, and
 * is read in chunks, never whole. Synchronous on purpose: the import is one better-sqlite3
 * transaction, which must not span an `await`, so chunks are read with `readSync` and fed to
 * csv-parse's stream parser, which parses each chunk as it is written.
 */
export function importCsv(node: SincroNode, kind: ImportKind, file: string, options: ImportOptions = {}): ImportSummary {
  const spec = IMPORT_COLUMNS[kind];
  if (spec.sedeOnly && node.role !== "sede") {
    throw new RefusedError(
      "role",
      `import ${kind}: only the sede imports ${kind} (this node is agent ${node.id}); an agent imports special-prices for its own customers`,
      { code: "SEDE_ONLY" },
    );
  }
  if (options.removeMissing && kind === "customers") {
    throw new RefusedError(
      "remove-missing",
      "import customers: --remove-missing is not available for customers: sincro never deletes a customer (orders and agents refer to them); import without it",
    );
  }
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message;
    throw new RefusedError("file", `import ${kind} ${file}: ${why}`, { code: "NO_FILE", cause });
  }
  try {
    const run = (): ImportSummary => new Importer(node, kind, spec, file, options).run(fd);
    if (!options.dryRun) return node.batch(run);
    let summary: ImportSummary | undefined;
    try {
      node.batch(() => {
        summary = run();
        throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
    return summary as ImportSummary;
  } finally {
    closeSync(fd);
  }
}

class DryRunRollback extends Error {}

/** Reading stops at a problem that makes the rest of the file meaningless (bad header, broken quoting). */
class StopReading extends Error {}

const CHUNK_BYTES = 256 * 1024;
const HEADER_MAX_BYTES = 1024 * 1024;

type Row = Record<string, string | undefined>;
type Outcome = "new" | "changed" | "unchanged";

/**
 * The node's read model with the current row's state remembered: the importer looks a row's key
 * up to tell new from existing, and the decider then reads the same key again; this serves the
 * second read from memory. Forgotten after every write.
 */
class RowState implements DomainState {
  private products: Slot<ReturnType<DomainState["product"]>>;
  private prices: Slot<ReturnType<DomainState["genericPrice"]>>;
  private customers: Slot<ReturnType<DomainState["customer"]>>;
  private specials: Slot<ReturnType<DomainState["specialPrice"]>>;

  constructor(private readonly read: DomainState) {}

  forget(): void {
    this.products = this.prices = this.customers = this.specials = undefined;
  }

  product(code: string) {
    if (this.products?.key !== code) this.products = { key: code, value: this.read.product(code) };
    return this.products.value;
  }
  genericPrice(list: string, product: string) {
    const key = `${list}\u0000${product}`;
    if (this.prices?.key !== key) this.prices = { key, value: this.read.genericPrice(list, product) };
    return this.prices.value;
  }
  customer(code: string) {
    if (this.customers?.key !== code) this.customers = { key: code, value: this.read.customer(code) };
    return this.customers.value;
  }
  specialPrice(customer: string, product: string) {
    const key = `${customer}\u0000${product}`;
    if (this.specials?.key !== key) this.specials = { key, value: this.read.specialPrice(customer, product) };
    return this.specials.value;
  }
  agent(code: string) {
    return this.read.agent(code);
  }
  agents() {
    return this.read.agents();
  }
  orderType(code: string) {
    return this.read.orderType(code);
  }
  priceList(code: string) {
    return this.read.priceList(code);
  }
  lastCustomerNumber(prefix: string, digits: number) {
    return this.read.lastCustomerNumber(prefix, digits);
  }
  lastOrderNumber(type: string) {
    return this.read.lastOrderNumber(type);
  }
  order(type: string, number: number) {
    return this.read.order(type, number);
  }
}

type Slot<T> = { key: string; value: T } | undefined;

class Importer {
  private readonly ctx: DecideContext;
  private readonly state: RowState;
  private readonly summary: ImportSummary;
  private readonly problems: ImportProblem[] = [];
  private problemCount = 0;
  /** Key of every row read → its line, for duplicates and `removeMissing`. */
  private readonly seen = new Map<string, number>();
  private delimiter = ";";
  /** Header name → field index, for the columns this kind reads; undefined until the header. */
  private columns: Array<[string, number]> | undefined;
  private width = 0;
  /** Last line of the file consumed by the records parsed so far. */
  private line = 0;

  constructor(
    private readonly node: SincroNode,
    private readonly kind: ImportKind,
    private readonly spec: ImportColumns,
    file: string,
    private readonly options: ImportOptions,
  ) {
    this.ctx = node.context();
    this.state = new RowState(node.read);
    this.summary = { kind, file, rows: 0, new: 0, changed: 0, unchanged: 0, removed: 0, events: 0, dryRun: options.dryRun === true };
  }

  run(fd: number): ImportSummary {
    try {
      this.read(fd);
      if (this.columns === undefined) this.fatal(1, null, `the file is empty; it needs a header row naming ${this.spec.required.join(";")}`);
      if (this.problemCount === 0 && this.options.removeMissing) this.removeMissing();
    } catch (err) {
      if (!(err instanceof StopReading)) throw err;
    }
    if (this.problemCount > 0) throw new ImportRefusedError(this.kind, this.summary.file, this.problems, this.problemCount);
    return this.summary;
  }

  private read(fd: number): void {
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
      this.options.onProgress?.({ bytes, size, rows: this.summary.rows });
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
    this.options.onProgress?.({ bytes, size, rows: this.summary.rows });
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
    parser.write(data);
    this.drain(parser);
  }

  private drain(parser: Parser): void {
    let record: string[] | null;
    while ((record = parser.read() as string[] | null) !== null) this.record(record);
    const err = parser.errored as (Error & { lines?: number }) | null;
    if (err) this.fatal(err.lines ?? this.line + 1, null, `the file is not valid CSV: ${err.message}`);
  }

  private record(fields: string[]): void {
    const line = this.line + 1;
    this.line = line + embeddedNewlines(fields);
    if ((fields[0] as string).trim() === "" && fields.every((f) => f.trim() === "")) return;
    if (this.columns === undefined) {
      this.header(fields, line);
      return;
    }
    this.summary.rows++;
    try {
      this.row(fields, line);
    } catch (err) {
      if (!(err instanceof RefusedError) || err instanceof ImportRefusedError) throw err;
      const column = columnOf(err.field);
      this.problem(line, column, detail(err, column));
    }
  }

  private header(fields: string[], line: number): void {
    const names = fields.map((f) => f.trim());
    const index = new Map<string, number>();
    names.forEach((name, i) => {
      const lower = name.toLowerCase();
      if (!index.has(lower)) index.set(lower, i);
    });
    const missing = this.spec.required.filter((c) => !index.has(c.toLowerCase()));
    if (missing.length > 0) {
      const cols = missing.map((c) => `"${c}"`).join(", ");
      this.fatal(
        line,
        missing[0] as string,
        `missing column${missing.length > 1 ? "s" : ""} ${cols}: a ${this.kind} file needs a header row naming ${this.spec.required.join(
          this.delimiter,
        )} (separated by ; or ,); this one names ${names.join(this.delimiter)}`,
      );
    }
    this.columns = [];
    for (const c of [...this.spec.required, ...this.spec.optional]) {
      const i = index.get(c.toLowerCase());
      if (i !== undefined) this.columns.push([c, i]);
    }
    this.width = fields.length;
  }

  private row(fields: string[], line: number): void {
    if (fields.length !== this.width && (fields.length < this.width || fields.slice(this.width).some((f) => f.trim() !== ""))) {
      const hint =
        this.delimiter === "," && fields.length > this.width
          ? ` (in a file separated by commas, a decimal comma must be quoted: "12,50")`
          : "";
      this.problem(line, null, `${fields.length} fields where the header names ${this.width}${hint}`);
      return;
    }
    const row: Row = {};
    for (const [name, i] of this.columns as Array<[string, number]>) {
      const value = (fields[i] as string).trim();
      if (value.includes("\uFFFD")) {
        this.problem(line, name, "is not valid UTF-8 text; save the file as UTF-8");
        return;
      }
      row[name] = value;
    }
    let empty = false;
    for (const c of this.spec.nonEmpty) {
      if (row[c] === "") {
        this.problem(line, c, `is empty; every row needs a ${c}`);
        empty = true;
      }
    }
    if (empty) return;
    const key = this.spec.key.map((c) => row[c]).join("\u0000");
    const first = this.seen.get(key);
    if (first !== undefined) {
      const what = this.spec.key.map((c) => `${c} ${row[c]}`).join(", ");
      this.problem(line, this.spec.key[this.spec.key.length - 1] as string, `${what} appears again (first on line ${first})`);
      return;
    }
    this.seen.set(key, line);
    this.state.forget();
    const outcome = this.apply(row, line);
    this.summary[outcome]++;
  }

  private apply(row: Row, line: number): Outcome {
    switch (this.kind) {
      case "products":
        return this.product(row, line);
      case "prices": {
        const cmd: Command = { kind: "SetGenericPrice", list: row.list as string, product: row.product as string, price: row.price as string };
        return this.upsert(this.state.genericPrice(cmd.list, cmd.product) !== undefined, cmd, cmd);
      }
      case "customers":
        return this.customer(row);
      case "special-prices":
        return this.specialPrice(row);
    }
  }

  /** A row with no state here is executed at once; one with state is decided first, so an unchanged row costs no write. */
  private upsert(exists: boolean, create: Command, update: Command): Outcome {
    if (!exists) {
      return this.execute(create) > 0 ? "new" : "unchanged";
    }
    if (decide(update, this.state, this.ctx).events.length === 0) return "unchanged";
    return this.execute(update) > 0 ? "changed" : "unchanged";
  }

  private execute(command: Command): number {
    this.state.forget();
    const n = this.node.execute(command).events.length;
    this.summary.events += n;
    return n;
  }

  private product(row: Row, line: number): Outcome {
    const code = row.code as string;
    const fields = { code, description: row.description as string, unit: row.unit as string, vat: row.vat as string };
    const active = parseActive(row.active);
    if (active === undefined) {
      this.problem(line, "active", `"${row.active}" is not true or false`);
      return "unchanged";
    }
    const current = this.state.product(code);
    if (!current) {
      this.execute({ kind: "AddProduct", ...fields });
      if (!active) this.execute({ kind: "DiscontinueProduct", code });
      return "new";
    }
    const update: Command = { kind: "UpdateProduct", ...fields };
    const decision = decide(update, this.state, this.ctx);
    // Saving a discontinued product re-activates it, so the decider reports a change even when
    // only `active` differs; compare the saved fields to tell the two apart.
    const saved = decision.events[0];
    const sameFields = saved === undefined || (saved.type === "ProductSaved" && sameProduct(saved.data, current));
    let recorded = 0;
    if (!sameFields || (active && !current.active)) recorded += this.execute(update);
    if (!active && (recorded > 0 || current.active)) recorded += this.execute({ kind: "DiscontinueProduct", code });
    return recorded > 0 ? "changed" : "unchanged";
  }

  private customer(row: Row): Outcome {
    const code = row.code as string;
    const current = this.state.customer(code);
    const agent = row.agent === "" ? null : (row.agent as string);
    if (!current) {
      const create: Command = {
        kind: "AddCustomer",
        code,
        name: row.name as string,
        ...(agent !== null && { agent }),
        ...(row.list !== "" && { list: row.list as string }),
        ...(row.vatNumber !== undefined && row.vatNumber !== "" && { vatNumber: row.vatNumber }),
        ...(row.city !== undefined && row.city !== "" && { city: row.city }),
      };
      return this.execute(create) > 0 ? "new" : "unchanged";
    }
    if (agent !== current.agent) {
      throw new RefusedError(
        "agent",
        `customer ${code} belongs to ${current.agent === null ? "no agent" : `agent ${current.agent}`}, the file says ${
          agent === null ? "none" : agent
        }: an import does not move a customer to another agent`,
      );
    }
    const update: Command = {
      kind: "UpdateCustomer",
      code,
      name: row.name as string,
      list: row.list as string,
      ...(row.vatNumber !== undefined && { vatNumber: row.vatNumber }),
      ...(row.city !== undefined && { city: row.city }),
    };
    return this.upsert(true, update, update);
  }

  private specialPrice(row: Row): Outcome {
    const customer = row.customer as string;
    const product = row.product as string;
    if (this.node.role === "agent") {
      const owner = this.state.customer(customer);
      if (owner && owner.agent !== this.node.id) {
        throw new RefusedError(
          "customer",
          `customer ${customer} is ${owner.agent === null ? "the sede's" : `agent ${owner.agent}'s`}, not this agent's (${this.node.id}); an agent imports special prices for its own customers only`,
        );
      }
    }
    const discounts = row.discounts === undefined || row.discounts === "" ? [] : row.discounts.split(DISCOUNT_SEPARATOR).map((d) => d.trim());
    const cmd: Command = { kind: "SetSpecialPrice", customer, product, price: row.price as string, discounts };
    const current = this.state.specialPrice(customer, product);
    return this.upsert(current !== undefined && !current.removed, cmd, cmd);
  }

  /** Removes what is held here but absent from the file. Keys are gathered first: a statement being iterated keeps the connection busy. */
  private removeMissing(): void {
    const db = this.node.db;
    const missing: Command[] = [];
    if (this.kind === "products") {
      for (const code of db.prepare(`SELECT code FROM products WHERE active = 1 ORDER BY code`).pluck().iterate() as Iterable<string>) {
        if (!this.seen.has(code)) missing.push({ kind: "DiscontinueProduct", code });
      }
    } else if (this.kind === "prices") {
      const rows = db.prepare(`SELECT list, product FROM prices ORDER BY list, product`).raw().iterate() as Iterable<[string, string]>;
      for (const [list, product] of rows) {
        if (!this.seen.has(`${list}\u0000${product}`)) missing.push({ kind: "RemoveGenericPrice", list, product });
      }
    } else if (this.kind === "special-prices") {
      // An agent edits only its own customers' special prices.
      const rows = db
        .prepare(
          `SELECT customer, product FROM special_prices WHERE removed = 0
           AND (@agent IS NULL OR customer IN (SELECT code FROM customers WHERE agent = @agent)) ORDER BY customer, product`,
        )
        .raw()
        .iterate({ agent: this.node.role === "agent" ? this.node.id : null }) as Iterable<[string, string]>;
      for (const [customer, product] of rows) {
        if (!this.seen.has(`${customer}\u0000${product}`)) missing.push({ kind: "RemoveSpecialPrice", customer, product });
      }
    }
    for (const command of missing) {
      if (this.execute(command) > 0) this.summary.removed++;
    }
  }

  private problem(line: number, column: string | null, message: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push({ line, column, message });
  }

  private fatal(line: number, column: string | null, message: string): never {
    this.problem(line, column, message);
    throw new StopReading();
  }
}

/** `;` or `,`, whichever the header line (outside quotes) uses more; `;` when neither. */
function detectDelimiter(start: Buffer): string {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const byte of start) {
    if (byte === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (byte === 0x0a || byte === 0x0d) {
      if (semicolons + commas > 0) break;
    }
    else if (byte === 0x3b) semicolons++;
    else if (byte === 0x2c) commas++;
  }
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

const TRUE = new Set(["", "true", "1", "yes", "y", "si", "sì", "s"]);
const FALSE = new Set(["false", "0", "no", "n"]);

function parseActive(value: string | undefined): boolean | undefined {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

function sameProduct(a: { description: string; unit: string; vat: string }, b: ProductView): boolean {
  return a.description === b.description && a.unit === b.unit && a.vat === b.vat;
}

/** The CSV column a decider's field name refers to. */
function columnOf(field: string): string {
  if (field === "vat-number") return "vatNumber";
  if (/^discount \d+$/.test(field)) return "discounts";
  return field;
}

/** The decider's message, without repeating the column name when it quotes the value (`price "x" is …`). */
function detail(err: SincroError & { field: string }, column: string): string {
  return err.field === column && err.message.startsWith(`${column} "`) ? err.message.slice(column.length + 1) : err.message;
}

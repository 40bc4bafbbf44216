import { RefusedError, type Say } from "../errors.js";
import type { ImportKind } from "./columns.js";

/**
 * One refused row or cell: `line` is the file's line number (1 = header), `column` the field
 * sincro reads (`price`), and `header` the file's own name for that column when it differs
 * (`Prezzo`, read through a synonym or `--map`).
 */
export interface ImportProblem {
  line: number;
  column: string | null;
  header?: string;
  message: string;
  /** The message's catalogue key and parameters, where it has one (not part of `--json`). */
  say?: Say;
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
  readonly kind: ImportKind;
  readonly file: string;
  constructor(kind: ImportKind, file: string, problems: ImportProblem[], total: number) {
    const lines = problems.map((p) => formatProblem(kind, p));
    if (total > problems.length) lines.push(`… and ${total - problems.length} more`);
    const count = total === 1 ? "1 problem" : `${total} problems`;
    super("file", `import ${kind} ${file}: ${count}, nothing was imported\n${lines.join("\n")}`, { code: "IMPORT_REFUSED" });
    this.problems = problems;
    this.total = total;
    this.kind = kind;
    this.file = file;
  }
}

function formatProblem(kind: ImportKind, p: ImportProblem): string {
  if (p.column === null) return `import ${kind} line ${p.line}: ${p.message}`;
  if (p.header === undefined) return `import ${kind} line ${p.line}, column ${p.column}: ${p.message}`;
  return `import ${kind} line ${p.line}, column ${p.column} ("${p.header}"): ${p.message}`;
}

/** The problems of one import: every one counted, the first {@link MAX_LISTED_PROBLEMS} kept. */
export class ImportProblems {
  private readonly listed: ImportProblem[] = [];
  private total = 0;
  private headers: ReadonlyMap<string, string> = new Map();

  /** The file's header name of each field read (see {@link ImportProblem.header}). */
  setHeaders(headers: ReadonlyMap<string, string>): void {
    this.headers = headers;
  }

  add(problem: ImportProblem): void {
    this.total++;
    if (this.listed.length >= MAX_LISTED_PROBLEMS) return;
    const header = problem.column === null ? undefined : this.headers.get(problem.column);
    this.listed.push(header === undefined || header === problem.column ? problem : { ...problem, header });
  }

  /** Problems counted but not listed (beyond what their source kept). */
  addUnlisted(count: number): void {
    this.total += count;
  }

  get count(): number {
    return this.total;
  }

  /** Throws the {@link ImportRefusedError} that lists them, if there is any. */
  refuseIfAny(kind: ImportKind, file: string): void {
    if (this.total > 0) throw new ImportRefusedError(kind, file, this.listed, this.total);
  }
}

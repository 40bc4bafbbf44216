import type { ImportProblem } from "./importRefusedError.js";
import { say } from "../errors.js";

type Mark = "," | ".";

/** `1.234` or `1,234`: one separator after 1–3 digits (not a leading 0), then exactly three digits. */
const AMBIGUOUS = /^[1-9]\d{0,2}([.,])\d{3}$/;
const ONE_SEPARATOR = /^\d+([.,])\d+$/;
/** Dots group thousands, a comma marks decimals (or none): `1.234,56`, `1.234.567`. */
const ITALIAN_GROUPED = /^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;
/** Commas group thousands, a point marks decimals (or none): `1,234.56`, `1,234,567`. */
const ENGLISH_GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;

/** How many early ambiguous readings are kept to be named if the file's decimal mark turns out to be the other one. */
const KEPT_PROVISIONAL = 50;

interface Provisional {
  line: number;
  column: string;
  text: string;
  mark: Mark;
}

/**
 * Reads the numbers of one import file as the ERP wrote them, into plain decimals (`1234.56`)
 * for the deciders, which keep their own rules (scale, sign, range):
 *
 * - a comma is a decimal mark (`1234,56`), and so is a point (`1234.56`);
 * - with both, or with a separator repeated, the last kind groups thousands in threes:
 *   `1.234,56`, `1.234.567`, `1,234.56`, `1,234,567`;
 * - `1.234` and `1,234` (one separator, three digits after it) are ambiguous. They are read
 *   with the file's decimal mark, the one its first unambiguous number used (`8,90` → comma,
 *   so `1.234` is 1234; a row's own numbers count, see {@link NumberReader.look}); before
 *   the file has shown one, the separator is read as the decimal
 *   mark (`1.234` is 1.234), and if a later number shows the other mark, those earlier values
 *   are refused as ambiguous, naming their line.
 *
 * Anything else is handed on unchanged, for the decider to accept or refuse.
 */
export class NumberReader {
  private mark: { mark: Mark; line: number; text: string } | undefined;
  private provisional: Provisional[] = [];
  /** Ambiguous readings past the kept ones, by the separator read as the decimal mark. */
  private moreProvisional: Record<Mark, number> = { ",": 0, ".": 0 };

  constructor(private readonly problem: (problem: ImportProblem) => void, private readonly unlisted: (count: number) => void) {}

  /**
   * Learns the file's decimal mark from the numbers of one row before any is {@link read}, so
   * that `1.100;12,5` reads 1100: the mark a row shows applies to the whole row.
   */
  look(texts: readonly string[], line: number): void {
    for (const text of texts) {
      if (this.mark !== undefined) return;
      if (AMBIGUOUS.test(text)) continue;
      const one = ONE_SEPARATOR.exec(text);
      if (one) this.learn(one[1] as Mark, line, text);
      else if (ITALIAN_GROUPED.test(text)) this.learn(",", line, text);
      else if (ENGLISH_GROUPED.test(text)) this.learn(".", line, text);
    }
  }

  /** The plain decimal for `text`, a cell of `column` on `line`. */
  read(text: string, line: number, column: string): string {
    const ambiguous = AMBIGUOUS.exec(text);
    if (ambiguous) {
      const separator = ambiguous[1] as Mark;
      if (this.mark === undefined) {
        if (this.provisional.length < KEPT_PROVISIONAL) this.provisional.push({ line, column, text, mark: separator });
        else this.moreProvisional[separator]++;
        return plain(text, separator);
      }
      return plain(text, this.mark.mark);
    }
    const one = ONE_SEPARATOR.exec(text);
    if (one) {
      this.learn(one[1] as Mark, line, text);
      return plain(text, one[1] as Mark);
    }
    if (ITALIAN_GROUPED.test(text)) {
      this.learn(",", line, text);
      return plain(text, ",");
    }
    if (ENGLISH_GROUPED.test(text)) {
      this.learn(".", line, text);
      return plain(text, ".");
    }
    return text;
  }

  private learn(mark: Mark, line: number, text: string): void {
    if (this.mark !== undefined) return;
    this.mark = { mark, line, text };
    for (const p of this.provisional) {
      if (p.mark === mark) continue;
      const message =
        mark === ","
          ? `"${p.text}" is ambiguous: line ${line} writes decimals with a comma ("${text}"), so this dot may group thousands; write ${plain(p.text, ",")} or ${p.text.replace(".", ",")}`
          : `"${p.text}" is ambiguous: line ${line} writes decimals with a point ("${text}"), so this comma may group thousands; write ${plain(p.text, ".")} or ${p.text.replace(",", ".")}`;
      const params = { value: p.text, line: String(line), sample: text };
      const said =
        mark === ","
          ? say("import.p.ambiguousDot", { ...params, whole: plain(p.text, ","), decimal: p.text.replace(".", ",") })
          : say("import.p.ambiguousComma", { ...params, whole: plain(p.text, "."), decimal: p.text.replace(",", ".") });
      this.problem({ line: p.line, column: p.column, message, say: said });
    }
    const other = this.moreProvisional[mark === "," ? "." : ","];
    if (other > 0) this.unlisted(other);
    this.provisional = [];
  }
}

/** `text` with `mark` as its decimal mark, the other separator dropped as grouping: `1.234,5` with `,` → `1234.5`. */
function plain(text: string, mark: Mark): string {
  const grouping = mark === "," ? "." : ",";
  return text.split(grouping).join("").replace(mark, ".");
}

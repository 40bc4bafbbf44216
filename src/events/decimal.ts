import { RefusedError, say } from "../errors.js";

/**
 * Exact decimals as canonical strings ("12.50"), never binary floating point.
 * Money keeps at least two decimals; quantities and percentages drop trailing zeros.
 */
export interface DecimalRule {
  /** Most digits after the separator. */
  maxScale: number;
  /** Fewest digits after the separator in the canonical form (money: 2). */
  minScale: number;
  /** Refuse zero. */
  positive: boolean;
  /** Refuse values at or above this many units (e.g. 100 for a discount percentage). */
  below?: bigint;
}

export const MONEY: DecimalRule = { maxScale: 4, minScale: 2, positive: false };
export const QUANTITY: DecimalRule = { maxScale: 3, minScale: 0, positive: true };
export const PERCENT: DecimalRule = { maxScale: 2, minScale: 0, positive: true, below: 100n };
export const VAT_RATE: DecimalRule = { maxScale: 2, minScale: 0, positive: false, below: 100n };

const DECIMAL = /^(\d{1,12})(?:[.,](\d+))?$/;

/**
 * Parses `12.50`, `12,5`, `0.0001` into canonical form, or throws a {@link RefusedError}
 * naming `field`. Negative numbers, exponents and thousands separators are refused.
 */
export function parseDecimal(input: string, field: string, rule: DecimalRule): string {
  const text = input.trim();
  const m = DECIMAL.exec(text);
  if (!m) {
    const why = text.startsWith("-") ? "must not be negative" : "is not a decimal number (write it like 12.50 or 12,50)";
    throw new RefusedError(field, `${field} "${input}" ${why}`, {
      code: "BAD_DECIMAL",
      say: text.startsWith("-") ? say("refused.negative", { field, value: input }) : say("refused.notDecimal", { field, value: input }),
    });
  }
  const whole = m[1] as string;
  let frac = (m[2] ?? "").replace(/0+$/, "");
  if (frac.length > rule.maxScale) {
    throw new RefusedError(field, `${field} "${input}" has more than ${rule.maxScale} decimals`, {
      code: "BAD_DECIMAL",
      say: say("refused.tooManyDecimals", { field, value: input, max: rule.maxScale }),
    });
  }
  const units = BigInt(whole);
  if (rule.positive && units === 0n && frac === "") {
    throw new RefusedError(field, `${field} must be greater than zero (got "${input}")`, { code: "BAD_DECIMAL", say: say("refused.notPositive", { field, value: input }) });
  }
  if (rule.below !== undefined && units >= rule.below) {
    throw new RefusedError(field, `${field} "${input}" must be less than ${rule.below}`, { code: "BAD_DECIMAL", say: say("refused.tooLarge", { field, value: input, below: String(rule.below) }) });
  }
  frac = frac.padEnd(rule.minScale, "0");
  const canonicalWhole = units.toString();
  return frac === "" ? canonicalWhole : `${canonicalWhole}.${frac}`;
}

/** Scaled integer view of a canonical decimal: value = units / 10^scale. */
function scaled(value: string): { units: bigint; scale: number } {
  const [whole, frac = ""] = value.split(".");
  return { units: BigInt(`${whole}${frac}`), scale: frac.length };
}

/** Exact product of two canonical decimals, rounded half-up to `scale` decimals. */
export function multiply(a: string, b: string, scale = 2): string {
  const x = scaled(a);
  const y = scaled(b);
  const units = x.units * y.units;
  const fromScale = x.scale + y.scale;
  return formatScaled(rescale(units, fromScale, scale), scale);
}

/** Exact sum of canonical decimals, with the largest scale among them (at least `minScale`). */
export function sum(values: readonly string[], minScale = 2): string {
  const parts = values.map(scaled);
  const scale = Math.max(minScale, ...parts.map((p) => p.scale));
  let total = 0n;
  for (const p of parts) total += p.units * 10n ** BigInt(scale - p.scale);
  return formatScaled(total, scale);
}

/** Applies cascading percentage discounts (`10`, `5` → ×0.90×0.95), rounded to 4 decimals. */
export function applyDiscounts(price: string, discounts: readonly string[]): string {
  let current = price;
  for (const d of discounts) {
    const keep = scaled(d);
    const hundred = 100n * 10n ** BigInt(keep.scale);
    const factor = formatScaled(hundred - keep.units, keep.scale + 2);
    current = multiply(current, factor, 4);
  }
  return normalise(current, MONEY.minScale);
}

function rescale(units: bigint, from: number, to: number): bigint {
  if (from <= to) return units * 10n ** BigInt(to - from);
  const div = 10n ** BigInt(from - to);
  const q = units / div;
  const r = units % div;
  return r * 2n >= div ? q + 1n : q;
}

function formatScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? "-" : ""}${whole}${scale > 0 ? `.${frac}` : ""}`;
}

function normalise(value: string, minScale: number): string {
  const [whole, frac = ""] = value.split(".");
  const trimmed = frac.replace(/0+$/, "").padEnd(minScale, "0");
  return trimmed === "" ? (whole as string) : `${whole}.${trimmed}`;
}

import { describe, expect, it } from "vitest";
import { MONEY, PERCENT, QUANTITY, applyDiscounts, multiply, parseDecimal, sum } from "../../src/events/decimal.js";
import { RefusedError } from "../../src/errors.js";

describe("parseDecimal", () => {
  it.each([
    ["12.5", "12.50"],
    ["12,50", "12.50"],
    ["0012.3400", "12.34"],
    ["0.0001", "0.0001"],
    ["7", "7.00"],
  ])("money %s → %s", (input, expected) => {
    expect(parseDecimal(input, "price", MONEY)).toBe(expected);
  });

  it.each([
    ["3", "3"],
    ["2,500", "2.5"],
    ["0.125", "0.125"],
  ])("quantity %s → %s", (input, expected) => {
    expect(parseDecimal(input, "qty", QUANTITY)).toBe(expected);
  });

  it.each([
    ["12.34567", MONEY, "more than 4 decimals"],
    ["-1", MONEY, "must not be negative"],
    ["1e3", MONEY, "is not a decimal number"],
    ["1.000,50", MONEY, "is not a decimal number"],
    ["0", QUANTITY, "greater than zero"],
    ["0,000", QUANTITY, "greater than zero"],
    ["100", PERCENT, "less than 100"],
    ["", MONEY, "is not a decimal number"],
  ])("refuses %s with a message naming the field", (input, rule, why) => {
    try {
      parseDecimal(input, "price", rule);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RefusedError);
      expect((err as RefusedError).field).toBe("price");
      expect((err as Error).message).toContain("price");
      expect((err as Error).message).toContain(why);
    }
  });
});

describe("decimal arithmetic is exact", () => {
  it("0.1 + 0.2 is 0.30, not 0.30000000000000004", () => {
    expect(sum(["0.1", "0.2"])).toBe("0.30");
  });
  it("multiplies with half-up rounding", () => {
    expect(multiply("8.10", "3")).toBe("24.30");
    expect(multiply("0.005", "1")).toBe("0.01");
    expect(multiply("1.0049", "1")).toBe("1.00");
  });
  it("applies cascading discounts", () => {
    expect(applyDiscounts("100.00", ["10", "5"])).toBe("85.50");
    expect(applyDiscounts("8.10", [])).toBe("8.10");
  });
});

import { describe, expect, it } from "vitest";
import type { ImportProblem } from "../../src/exchange/importRefusedError.js";
import { NumberReader } from "../../src/exchange/numbers.js";

function reader() {
  const problems: ImportProblem[] = [];
  let unlisted = 0;
  const numbers = new NumberReader(
    (p) => problems.push(p),
    (n) => (unlisted += n),
  );
  return { numbers, problems, unlisted: () => unlisted };
}

describe("NumberReader: numbers as the ERP writes them", () => {
  it.each([
    ["1234", "1234"],
    ["1234,56", "1234.56"],
    ["1234.56", "1234.56"],
    ["8,9", "8.9"],
    ["0,125", "0.125"],
    ["0.125", "0.125"],
    ["1234,567", "1234.567"],
    ["1.234,56", "1234.56"],
    ["12.345.678,9", "12345678.9"],
    ["1.234.567", "1234567"],
    ["1,234.56", "1234.56"],
    ["1,234,567", "1234567"],
    // Not numbers it knows: handed on as written, for the decider to refuse.
    ["12,5,0", "12,5,0"],
    ["1.23.4", "1.23.4"],
    ["-5", "-5"],
    ["abc", "abc"],
    ["12.34,5.6", "12.34,5.6"],
  ])("%s → %s", (text, plain) => {
    const { numbers, problems } = reader();
    expect(numbers.read(text, 2, "price")).toBe(plain);
    expect(problems).toEqual([]);
  });

  it("1.234 after a decimal comma is 1234; after a decimal point it is 1.234", () => {
    const comma = reader();
    expect(comma.numbers.read("8,90", 2, "price")).toBe("8.90");
    expect(comma.numbers.read("1.234", 3, "price")).toBe("1234");
    expect(comma.numbers.read("1,234", 4, "price")).toBe("1.234");
    const point = reader();
    expect(point.numbers.read("8.90", 2, "price")).toBe("8.90");
    expect(point.numbers.read("1.234", 3, "price")).toBe("1.234");
    expect(point.numbers.read("1,234", 4, "price")).toBe("1234");
    expect([...comma.problems, ...point.problems]).toEqual([]);
  });

  it("thousands grouping shows the mark too: after 1.234.567 a 2.500 is 2500", () => {
    const { numbers } = reader();
    expect(numbers.read("1.234.567", 2, "price")).toBe("1234567");
    expect(numbers.read("2.500", 3, "price")).toBe("2500");
  });

  it("with no mark shown yet, 1.234 is read as written; a later decimal comma refuses it, naming its line", () => {
    const { numbers, problems } = reader();
    expect(numbers.read("1.234", 2, "price")).toBe("1.234");
    expect(numbers.read("2,500", 3, "price")).toBe("2.500");
    expect(numbers.read("22", 4, "vat")).toBe("22");
    expect(problems).toEqual([]);
    expect(numbers.read("8,90", 5, "price")).toBe("8.90");
    expect(problems).toMatchObject([
      { line: 2, column: "price", message: '"1.234" is ambiguous: line 5 writes decimals with a comma ("8,90"), so this dot may group thousands; write 1234 or 1,234' },
    ]);
  });

  it("the mirror case: 1,234 read before a decimal point is refused", () => {
    const { numbers, problems } = reader();
    numbers.read("1,234", 7, "discounts");
    numbers.read("1,234.50", 9, "price");
    expect(problems).toMatchObject([
      {
        line: 7,
        column: "discounts",
        message: '"1,234" is ambiguous: line 9 writes decimals with a point ("1,234.50"), so this comma may group thousands; write 1234 or 1.234',
        say: { key: "import.p.ambiguousComma", params: { value: "1,234", line: "9", sample: "1,234.50", whole: "1234", decimal: "1.234" } },
      },
    ]);
  });

  it("lists the first 50 early ambiguous values and counts the rest", () => {
    const { numbers, problems, unlisted } = reader();
    for (let line = 2; line < 82; line++) numbers.read("1.500", line, "price");
    numbers.read("9,99", 82, "price");
    expect(problems).toHaveLength(50);
    expect(problems[49]?.line).toBe(51);
    expect(unlisted()).toBe(30);
  });

  it("a row's own numbers show the mark before any of them is read: 1.100 with a discount of 12,5 is 1100", () => {
    const { numbers, problems } = reader();
    numbers.look(["1.100", "12,5", "5"], 2);
    expect(numbers.read("1.100", 2, "price")).toBe("1100");
    expect(numbers.read("12,5", 2, "discounts")).toBe("12.5");
    expect(problems).toEqual([]);
  });
});

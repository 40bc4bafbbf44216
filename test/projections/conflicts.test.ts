import { describe, expect, it } from "vitest";
import {
  customerCodeConflict,
  orderNumberConflict,
  orderTypeConflict,
  specialPriceConflict,
  type Conflict,
} from "../../src/projections/conflicts.js";
import type { Stamp } from "../../src/projections/lastWriterWins.js";

// The conflict rules of DESIGN §3, as pure decisions: given what the projection holds, the
// conflict reported, if any. No database.

const sede = (hlc: string, id = "01S"): Stamp => ({ hlc: `${hlc}-SEDE`, origin: "SEDE", id });
const ag01 = (hlc: string, id = "01A"): Stamp => ({ hlc: `${hlc}-AG01`, origin: "AG01", id });

describe("special price edited on both sides without seeing the other", () => {
  const cases: Array<{ name: string; incoming: Stamp; supersedes: string | null; current: Stamp; wins: boolean; expected: Partial<Conflict> | undefined }> = [
    { name: "same origin, a later edit", incoming: sede("2"), supersedes: null, current: sede("1", "01R"), wins: true, expected: undefined },
    { name: "same origin, not seeing its own earlier edit", incoming: sede("2"), supersedes: "x", current: sede("1", "01R"), wins: true, expected: undefined },
    { name: "other origin, made after seeing the current one", incoming: ag01("2"), supersedes: "1-SEDE", current: sede("1"), wins: true, expected: undefined },
    {
      name: "other origin, not seeing it, incoming wins",
      incoming: ag01("2"),
      supersedes: null,
      current: sede("1"),
      wins: true,
      expected: { kind: "special-price", key: "C1/P1", detail: "edited on both SEDE and AG01; the most recent change (AG01, 2-AG01) wins", eventId: "01A", otherId: "01S", winnerId: "01A" },
    },
    {
      name: "other origin, not seeing it, current wins",
      incoming: ag01("1"),
      supersedes: null,
      current: sede("2"),
      wins: false,
      expected: { kind: "special-price", key: "C1/P1", detail: "edited on both SEDE and AG01; the most recent change (SEDE, 2-SEDE) wins", eventId: "01A", otherId: "01S", winnerId: "01S" },
    },
    {
      name: "other origin, having seen an older change only",
      incoming: sede("3"),
      supersedes: "1-SEDE",
      current: ag01("2"),
      wins: true,
      expected: { detail: "edited on both AG01 and SEDE; the most recent change (SEDE, 3-SEDE) wins", otherId: "01A", winnerId: "01S" },
    },
  ];
  it.each(cases)("$name", ({ incoming, supersedes, current, wins, expected }) => {
    const c = specialPriceConflict("C1", "P1", incoming, supersedes, current, wins);
    if (expected === undefined) expect(c).toBeUndefined();
    else expect(c).toMatchObject(expected);
  });
});

describe("customer code created twice or by two origins", () => {
  const cases: Array<{ name: string; first: string | undefined; other: string | undefined; expected: Conflict | undefined }> = [
    { name: "a new code", first: undefined, other: undefined, expected: undefined },
    {
      name: "created by another origin too: both are kept",
      first: undefined,
      other: "SEDE",
      expected: {
        kind: "customer-code",
        key: "AG01000001",
        detail: "customer code AG01000001 was created by both SEDE and AG01; both are kept, rename one by hand",
        eventId: "01NEW",
        otherId: null,
        winnerId: null,
      },
    },
    {
      name: "created twice by the same origin: the first is kept",
      first: "01FIRST",
      other: undefined,
      expected: {
        kind: "customer-code",
        key: "AG01000001",
        detail: "customer code AG01000001 was created twice by AG01 (two PCs with one agent code?); the first is kept, the second (Bar Due) is only in the log",
        eventId: "01NEW",
        otherId: "01FIRST",
        winnerId: "01FIRST",
      },
    },
    {
      name: "both: twice by the same origin is what is reported",
      first: "01FIRST",
      other: "SEDE",
      expected: {
        kind: "customer-code",
        key: "AG01000001",
        detail: "customer code AG01000001 was created twice by AG01 (two PCs with one agent code?); the first is kept, the second (Bar Due) is only in the log",
        eventId: "01NEW",
        otherId: "01FIRST",
        winnerId: "01FIRST",
      },
    },
  ];
  it.each(cases)("$name", ({ first, other, expected }) => {
    expect(customerCodeConflict("AG01000001", "Bar Due", "AG01", "01NEW", first, other)).toEqual(expected);
  });
});

describe("order number placed twice", () => {
  const cases: Array<{ name: string; other: { id: string; origin: string } | undefined; expected: Conflict | undefined }> = [
    { name: "a new number", other: undefined, expected: undefined },
    {
      name: "placed by another origin too: both are kept",
      other: { id: "01OTHER", origin: "SEDE" },
      expected: {
        kind: "order-number",
        key: "AG01/7",
        detail: "order AG01/7 was placed by both SEDE and AG01; both are kept",
        eventId: "01NEW",
        otherId: "01OTHER",
        winnerId: null,
      },
    },
  ];
  it.each(cases)("$name", ({ other, expected }) => {
    expect(orderNumberConflict("AG01", 7, "AG01", "01NEW", other)).toEqual(expected);
  });
});

describe("order type not the sending agent's", () => {
  const cases: Array<{ name: string; origin: string; owner: { agent: string | null } | undefined; whose: string | undefined }> = [
    { name: "the agent's own type", origin: "AG01", owner: { agent: "AG01" }, whose: undefined },
    { name: "another agent's type", origin: "AG01", owner: { agent: "AG02" }, whose: "agent AG02's" },
    { name: "the sede's type", origin: "AG01", owner: { agent: null }, whose: "the sede's" },
    { name: "a type not defined here", origin: "AG01", owner: undefined, whose: "not defined here" },
    { name: "the sede's order, in its own type", origin: "SEDE", owner: { agent: null }, whose: undefined },
    { name: "the sede's order, in an agent's type", origin: "SEDE", owner: { agent: "AG01" }, whose: undefined },
    { name: "the sede's order, in an undefined type", origin: "SEDE", owner: undefined, whose: undefined },
  ];
  it.each(cases)("$name", ({ origin, owner, whose }) => {
    const c = orderTypeConflict("T1", 3, origin, "01NEW", owner);
    if (whose === undefined) expect(c).toBeUndefined();
    else {
      expect(c).toEqual({
        kind: "order-type",
        key: "T1/3",
        detail: `agent ${origin} sent an order in type T1, which is ${whose}`,
        eventId: "01NEW",
        otherId: null,
        winnerId: null,
      });
    }
  });
});

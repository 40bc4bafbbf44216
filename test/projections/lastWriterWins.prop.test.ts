import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROJECTION_DDL } from "../../src/db/schema.js";
import type { DecodedEvent } from "../../src/events/eventTypes.js";
import { formatHlc } from "../../src/events/hlc.js";
import { lastWriterWins, type Stamp } from "../../src/projections/lastWriterWins.js";
import { Projector } from "../../src/projections/projector.js";
import { propertyParams } from "../support/property.js";

const origin = fc.constantFrom("SEDE", "AG01", "AG02");
// Few distinct values so ties on hlc and origin really happen.
const stamp: fc.Arbitrary<Stamp> = fc
  .record({ wall: fc.integer({ min: 0, max: 3 }), counter: fc.integer({ min: 0, max: 2 }), origin, id: fc.constantFrom("01A", "01B", "01C") })
  .map(({ wall, counter, origin, id }) => ({ hlc: formatHlc({ wall, counter }, origin), origin, id: `${id}${origin}` }));

describe("last writer wins", () => {
  it("is commutative, associative and idempotent", () => {
    fc.assert(
      fc.property(stamp, stamp, stamp, (a, b, c) => {
        expect(lastWriterWins(a, b)).toEqual(lastWriterWins(b, a));
        expect(lastWriterWins(lastWriterWins(a, b), c)).toEqual(lastWriterWins(a, lastWriterWins(b, c)));
        expect(lastWriterWins(a, a)).toEqual(a);
      }),
      propertyParams("lww algebra", 1000),
    );
  });

  // The same set of special-price events, projected in any order, leaves the same row.
  const change = fc.record({
    s: stamp,
    removed: fc.boolean(),
    price: fc.constantFrom("1.00", "2.50", "3.75"),
    supersedes: fc.option(fc.constantFrom("01ASEDE", "01BAG01"), { nil: null }),
  });
  const events = fc.uniqueArray(change, { minLength: 1, maxLength: 8, selector: (c) => c.s.id });

  type Change = { s: Stamp; removed: boolean; price: string; supersedes: string | null };

  function project(changes: Change[]) {
    const db = new Database(":memory:");
    db.exec(PROJECTION_DDL);
    const projector = new Projector(db, () => {
      throw new Error("no snapshots in this test");
    }, "SEDE");
    for (const c of changes) {
      const base = { id: c.s.id, origin: c.s.origin, seq: 1, hlc: c.s.hlc, at: "" };
      const e: DecodedEvent = c.removed
        ? { ...base, type: "SpecialPriceRemoved", data: { customer: "C1", product: "P1", supersedes: c.supersedes } }
        : { ...base, type: "SpecialPriceSet", data: { customer: "C1", product: "P1", price: c.price, discounts: [], supersedes: c.supersedes } };
      projector.apply(e);
    }
    const row = db.prepare(`SELECT price, removed, hlc, origin, event_id FROM special_prices`).get();
    db.close();
    return row;
  }

  it("projects to the same special price whatever order the events arrive in", () => {
    fc.assert(
      fc.property(
        events.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))),
        ([inOrder, shuffled]) => {
          const expected = inOrder.reduce((w, c) => (lastWriterWins(w.s, c.s) === c.s ? c : w));
          const row = project(shuffled) as { event_id: string; removed: number; price: string | null };
          expect(row.event_id).toBe(expected.s.id);
          expect(row.removed).toBe(expected.removed ? 1 : 0);
          expect(row.price).toBe(expected.removed ? null : expected.price);
          expect(project(inOrder)).toEqual(row);
        },
      ),
      propertyParams("lww projection order-independent", 300),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command } from "../../src/events/commands.js";
import { SincroError } from "../../src/errors.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { steppingClock } from "../support/nodes.js";
import { propertyParams } from "../support/property.js";
import { tempDir } from "../support/tempDir.js";
import { join } from "node:path";

// Small code alphabets, so commands hit existing rows (updates, duplicates, refusals) often.
const product = fc.constantFrom("P1", "P2", "P3");
const list = fc.constantFrom("L1", "L2");
const customer = fc.constantFrom("000001", "000002", "000003");
const price = fc.constantFrom("1", "2.5", "10,25", "0.0001");

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("RegisterAgent" as const), code: fc.constantFrom("AG01", "AG02"), name: fc.constant("Agent") }),
  fc.record({ kind: fc.constant("AddProduct" as const), code: product, description: fc.constantFrom("Olio", "Pasta") }),
  fc.record({ kind: fc.constant("UpdateProduct" as const), code: product, description: fc.constantFrom("Olio EVO", "Pasta fresca") }),
  fc.record({ kind: fc.constant("DiscontinueProduct" as const), code: product }),
  fc.record({ kind: fc.constant("SetGenericPrice" as const), list, product, price }),
  fc.record({ kind: fc.constant("RemoveGenericPrice" as const), list, product }),
  fc.record({ kind: fc.constant("AddCustomer" as const), name: fc.constantFrom("Bar", "Hotel"), agent: fc.constantFrom("AG01", "AG02"), list }),
  fc.record({ kind: fc.constant("UpdateCustomer" as const), code: customer, city: fc.constantFrom("Roma", "Bari") }),
  fc.record({ kind: fc.constant("SetSpecialPrice" as const), customer, product, price, discounts: fc.constantFrom<string[]>([], ["5"], ["10", "2.5"]) }),
  fc.record({ kind: fc.constant("RemoveSpecialPrice" as const), customer, product }),
  fc.record({
    kind: fc.constant("PlaceOrder" as const),
    customer,
    agent: fc.constantFrom("AG01", "AG02"),
    lines: fc.array(fc.record({ product, qty: fc.constantFrom("1", "2.5", "12") }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("CancelOrder" as const), type: fc.constant("SEDE"), number: fc.integer({ min: 1, max: 3 }) }),
);

describe("projections", () => {
  it("applying a random valid history incrementally equals rebuilding it from the log", () => {
    const dir = tempDir();
    let run = 0;
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => {
        const node = SincroNode.init(join(dir, `n${run++}.db`), { role: "sede", now: steppingClock().now });
        try {
          for (const c of commands) {
            try {
              node.execute(c);
            } catch (err) {
              if (!(err instanceof SincroError)) throw err; // refusals are part of a random history
            }
          }
          const incremental = node.digests();
          const { after } = node.rebuild();
          expect(after).toEqual(incremental);
        } finally {
          node.close();
        }
      }),
      propertyParams("incremental = rebuild", 60),
    );
  });
});

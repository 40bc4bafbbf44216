import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { decodePayload, encodePayload } from "../../src/events/eventTypes.js";
import { propertyParams } from "../support/property.js";

describe("payload encoding", () => {
  it("writes exactly what superjson writes, for any value, and reads it back", () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.anything({ withDate: true, withMap: true, withSet: true, withBigInt: true, withNullPrototype: false }),
    );
    fc.assert(
      fc.property(value, (v) => {
        let expected: string;
        try {
          expected = superjson.stringify(v);
        } catch (refused) {
          // superjson refuses some values (keys such as __proto__): so must encodePayload.
          expect(() => encodePayload(v)).toThrow((refused as Error).message);
          return;
        }
        const text = encodePayload(v);
        expect(text).toBe(expected);
        expect(decodePayload(text)).toEqual(superjson.parse(text));
      }),
      propertyParams("encodePayload = superjson.stringify", 500),
    );
  });
});
